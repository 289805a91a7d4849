#!/bin/sh
# 28-corrupt.sh: the corruption matrix (P8, P9).  For every kind of
# repository object (header, key slot, config, index segment, snapshot,
# pack header, pack trailer, a data blob, a tree blob) one byte is flipped,
# 16 bytes are zeroed, or the file is cut in the middle of the object, in a
# fresh copy of a repository of two snapshots.  Then:
#  - `check --read-data` exits 14 (10, 12 or 13 where the repository
#    cannot be opened at all) and names the damaged object;
#  - `restore` of the latest snapshot brings back every file that does not
#    depend on the damaged object identically and names the others (exit 3),
#    or, when nothing is left to restore (the root tree), fails with the
#    documented code; damage that no file depends on (pack header and
#    trailer, the older snapshot) restores everything (exit 0).  The
#    header, the config and the key slots exist twice (doc/format.md
#    2.1): damage to one copy is named by check (14) and restores
#    everything (0); with the copy gone too, the codes of format 1.
# A FIFO in place of a pack, the config, an index segment or a snapshot is
# refused (check exits 14) instead of blocking either command.
# 14-tamper.sh (any pack damaged, deleted index segment), 24-check.sh
# (missing/truncated pack, lost index) and 06-header.sh (header, config and
# slot fields one by one) cover the rest.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../tools/crash.sh"

PW2="the second passphrase of this test"
R=$T/repo SRC=$T/src
# Without parity: the AEAD alone (120-parity.sh: the same damage repaired).
tk init -q -r "$R" $FAST --parity 0 >/dev/null 2>&1 || notok "setup: init"
slot1=$(ls "$R/keys")	# init's slot: opened by $PW
printf '%s\n%s\n' "$PW" "$PW2" | "$TACIT" key add -r "$R" --passphrase-fd 0 \
    --new-passphrase-fd 0 $FAST >/dev/null 2>&1 || notok "setup: key add"
printf '%s\n' "$PW2" >"$T/pw2"
ds make "$SRC" 7 0.5
tk backup -q -r "$R" "$SRC" || notok "setup: backup 1"
snap1=$(snaps "$R")
seg1=$(ls "$R/index")
ds edit "$SRC" 7 1
tk backup -q -r "$R" "$SRC" || notok "setup: backup 2"
snap2=$(snaps "$R" | grep -v "^$snap1\$")
"$TOOLDIR/blobmap" -r "$R" --passphrase-fd 3 3<"$T/pw" >"$T/map" ||
    notok "setup: blobmap"
pack1=$(awk '$1 == "pack" { print $2 }' "$T/map" | head -n 1)
path_of_pack() { echo "packs/$(printf %.2s "$1")/$1"; }

# Targets inside packs, from the map: a file's only chunk, and a tree.
dfile=$(awk '$1 == "file" { n[$2]++; p[$2] = $3 }
    END { for (i in n) if (n[i] == 1) print i, p[i] }' "$T/map" | sort |
    head -n 1)
did=${dfile%% *} dpath=${dfile#* }
tpath=/src/d3
tid=$(awk -v p="$tpath" '$1 == "tree" && $3 == p { print $2 }' "$T/map")
blob_at() {	# ID: "PACK OFF LEN"
	awk -v i="$1" '$1 == "blob" && $6 == i { print $3, $4, $5 }' "$T/map"
}
set -- $(blob_at "$did"); dpack=$1 doff=$2 dlen=$3
set -- $(blob_at "$tid"); tpack=$1 toff=$2 tlen=$3
set -- $(awk -v p="$pack1" '$1 == "pack" && $2 == p { print $4, $5 }' \
    "$T/map"); hoff=$1 hlen=$2
[ -n "$did" ] && [ -n "$dpack" ] && [ -n "$tpack" ] && [ -n "$hlen" ] ||
    notok "setup: objects found in the map"

# damage HOW FILE OFF LEN: flip the middle byte, zero 16 bytes from the
# middle, or cut the file there, of the LEN bytes at OFF in FILE.
damage() {
	mid=$(($3 + $4 / 2))
	case $1 in
	flip)	flip "$2" "$mid" ;;
	zero)	dd if=/dev/zero of="$2" bs=1 seek="$mid" count=16 \
		    conv=notrunc 2>/dev/null ;;
	cut)	truncate -s "$mid" "$2" ;;
	esac
}

n=0
# case OBJECT HOW FILE OFF LEN CHECK_RCS CHECK_SAYS RESTORE_RCS [PWFILE]:
# damage a copy, then check --read-data must exit with one of CHECK_RCS
# and print CHECK_SAYS; restore of the latest snapshot must exit with one
# of RESTORE_RCS and name every file that differs (named.py).
case_() {
	obj=$1 how=$2 f=$3 off=$4 len=$5 crc=$6 says=$7 rrc=$8
	pwf=${9:-$T/pw}
	n=$((n + 1))
	C=$T/c
	rm -rf "$C" "$T/dst"
	cp -a "$R" "$C"
	[ -n "${nocopy:-}" ] && rm -rf "$C/copy"
	damage "$how" "$C/$f" "$off" "$len"
	"$TACIT" check -r "$C" --read-data --passphrase-fd 3 3<"$pwf" \
	    >"$T/ck.out" 2>&1
	rc=$?
	case " $crc " in
	*" $rc "*)
		if grep -q -- "$says" "$T/ck.out"; then
			ok "$obj, $how: check --read-data exits $rc, says '$says'"
		else notok "$obj, $how: check does not say '$says'"
			sed 's/^/#   /' "$T/ck.out" | head; fi ;;
	*)	notok "$obj, $how: check --read-data exits $rc (wanted $crc)"
		sed 's/^/#   /' "$T/ck.out" | head ;;
	esac
	"$TACIT" restore -r "$C" latest --target "$T/dst" --passphrase-fd 3 \
	    3<"$pwf" >"$T/rs.out" 2>"$T/rs.err"
	rc=$?
	case " $rrc " in
	*" $rc "*)
		if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then
			ok "$obj, $how: restore exits $rc: $(tail -n 1 "$T/rs.err" | cut -c 1-100)"
			return
		fi
		python3 "$TOOLS/named.py" "$SRC" "$T/dst" "$T/rs.err" \
		    >"$T/nm.out" 2>&1
		vr=$?
		if { [ "$rc" -eq 0 ] && [ "$vr" -eq 2 ]; } ||
		    { [ "$rc" -eq 3 ] && [ "$vr" -eq 0 ]; }; then
			ok "$obj, $how: restore exits $rc, named: $(head -c 100 "$T/nm.out")"
		else notok "$obj, $how: restore exits $rc but (named.py $vr)"
			sed 's/^/#   /' "$T/nm.out" "$T/rs.err" | head -20; fi ;;
	*)	notok "$obj, $how: restore exits $rc (wanted $rrc)"
		sed 's/^/#   /' "$T/rs.err" | head ;;
	esac
}

hsz=$(fsize "$R/header")
csz=$(fsize "$R/config")
ssz=$(fsize "$R/keys/$slot1")
isz=$(fsize "$R/index/$seg1")
nsz=$(fsize "$R/snapshots/$snap1")
psz=$(fsize "$R/$(path_of_pack "$pack1")")
# nocopy: the cases below damage the one copy left (no copy/).
nocopy=
for how in flip zero cut; do
	case_ header $how header 0 "$hsz" 14 "header is missing or damaged" 0
	case_ "key slot (its passphrase)" $how "keys/$slot1" 0 "$ssz" \
	    14 "keys/$slot1" 0
	case_ "key slot (the other passphrase)" $how "keys/$slot1" 0 "$ssz" \
	    14 "keys/$slot1" 0 "$T/pw2"
	case_ config $how config 0 "$csz" 14 "config is missing or damaged" 0
	nocopy=1
	case_ "header (no copy)" $how header 0 "$hsz" "10 13 14" header \
	    "10 13 14"
	# A damaged slot: its passphrase no longer opens (12, or 14 when no
	# slot is usable), the other slot's passphrase still does everything.
	case_ "key slot (its passphrase, no copy)" $how "keys/$slot1" 0 \
	    "$ssz" "12 14" "slot\|passphrase" "12 14"
	case_ "key slot (the other passphrase, no copy)" $how "keys/$slot1" 0 \
	    "$ssz" "14" "cannot be read" "0" "$T/pw2"
	case_ "config (no copy)" $how config 0 "$csz" 14 config 14
	nocopy=
	case_ "index segment" $how "index/$seg1" 0 "$isz" 14 \
	    "index $seg1: " "3 14"
	case_ "older snapshot" $how "snapshots/$snap1" 0 "$nsz" 14 \
	    "snapshot $snap1: " 0
	# (A cut pack loses its trailer: "trailer damaged" names it too.)
	case_ "pack header" $how "$(path_of_pack "$pack1")" "$hoff" "$hlen" \
	    14 "pack $pack1: .*damaged" "0 3 14"
	case_ "pack trailer" $how "$(path_of_pack "$pack1")" $((psz - 52)) 52 \
	    14 "pack $pack1: .*damaged" "0 3 14"
	# (A cut also loses the trees after it in the pack: then the file is
	# named through its directory, or the root.)
	case_ "data blob of $dpath" $how "$(path_of_pack "$dpack")" "$doff" \
	    "$dlen" 14 "$dpath: data damaged\|${dpath%/*}: directory listing damaged\|/src: directory listing damaged\|/: directory listing damaged" "3 14"
	# (A cut in the tree's pack also loses the root tree after it.)
	case_ "tree of $tpath" $how "$(path_of_pack "$tpack")" "$toff" \
	    "$tlen" 14 "$tpath: directory listing damaged\|/: directory listing damaged" "3 14"
done

# Damage that nothing depends on restores everything: the older snapshot,
# and a flipped pack header or trailer (restore reads blobs by the index).
C=$T/c
for what in "snapshots/$snap1 0 $nsz" \
    "$(path_of_pack "$pack1") $hoff $hlen" \
    "$(path_of_pack "$pack1") $((psz - 52)) 52"; do
	set -- $what
	rm -rf "$C" "$T/dst"
	cp -a "$R" "$C"
	damage flip "$C/$1" "$2" "$3"
	"$TACIT" restore -r "$C" latest --target "$T/dst" --passphrase-fd 3 \
	    3<"$T/pw" >"$T/rs.out" 2>"$T/rs.err"
	rc=$?
	if [ "$rc" -eq 0 ] && diff -r "$SRC" "$T/dst/src" >/dev/null
	then ok "a flip in $1 at $2 (no file depends on it): restore exits 0, all identical"
	else notok "a flip in $1 at $2: restore exits $rc or differs"
		sed 's/^/#   /' "$T/rs.err" | head; fi
done
# The data blob: restore names exactly its file.
rm -rf "$C" "$T/dst"
cp -a "$R" "$C"
damage flip "$C/$(path_of_pack "$dpack")" "$doff" "$dlen"
"$TACIT" restore -r "$C" latest --target "$T/dst" --passphrase-fd 3 \
    3<"$T/pw" >"$T/rs.out" 2>"$T/rs.err"
rc=$?
python3 "$TOOLS/named.py" "$SRC" "$T/dst" "$T/rs.err" >"$T/nm.out" 2>&1
if [ "$rc" -eq 3 ] && [ "$(head -n 1 "$T/nm.out")" = "${dpath#/}" ]; then
	ok "a flipped data blob: restore exits 3 and names just ${dpath#/}"
else notok "a flipped data blob names just ${dpath#/} (exit $rc)"
	sed 's/^/#   /' "$T/nm.out" "$T/rs.err" | head; fi
# The tree: restore names the directory, and restores all outside it.
rm -rf "$C" "$T/dst"
cp -a "$R" "$C"
damage flip "$C/$(path_of_pack "$tpack")" "$toff" "$tlen"
"$TACIT" restore -r "$C" latest --target "$T/dst" --passphrase-fd 3 \
    3<"$T/pw" >"$T/rs.out" 2>"$T/rs.err"
rc=$?
if [ "$rc" -eq 3 ] && grep -q "src/d3: directory listing damaged" "$T/rs.err" &&
    diff -r -x d3 "$SRC" "$T/dst/src" >/dev/null; then
	ok "a flipped tree: restore exits 3, names src/d3, all else identical"
else notok "a flipped tree: exit $rc"; sed 's/^/#   /' "$T/rs.err" | head; fi

# A FIFO planted in place of an object is refused, never waited on (in
# place of the config: its copy is used, restore exits 0).
for what in "$(path_of_pack "$pack1") 14 3_14" "config 14 0" \
    "index/$seg1 14 3_14" "snapshots/$snap1 14 0"; do
	set -- $what
	n=$((n + 1))
	rm -rf "$C" "$T/dst"
	cp -a "$R" "$C"
	rm "$C/$1"
	mkfifo "$C/$1"
	timeout 60 "$TACIT" check -r "$C" --read-data --passphrase-fd 3 \
	    3<"$T/pw" >"$T/ck.out" 2>&1
	crc=$?
	timeout 60 "$TACIT" restore -r "$C" latest --target "$T/dst" \
	    --passphrase-fd 3 3<"$T/pw" >"$T/rs.out" 2>&1
	rrc=$?
	case " $(echo "$3" | tr _ ' ') " in *" $rrc "*) rok=1 ;; *) rok=0 ;; esac
	if [ "$crc" -eq "$2" ] && [ "$rok" -eq 1 ]; then
		ok "a FIFO as $1: check exits $crc, restore $rrc, neither waits"
	else notok "a FIFO as $1: check exits $crc, restore $rrc (124: hung)"
		sed 's/^/#   /' "$T/ck.out" "$T/rs.out" | head; fi
done
ok "$n corruptions tried"
