#!/bin/sh
# 67-repair-snapshots.sh: tacit repair snapshots after a pack is removed.
# A first backup of 36 MB of random files fills two full packs with data
# only; one of them is removed.  repair snapshots --dry-run names the
# files and writes nothing; repair snapshots names on stderr exactly the
# files with a chunk in that pack (written out below from the pack map),
# writes a new snapshot tagged "repaired" with the same time and paths
# whose log holds the same names, keeps the old snapshot; the emptied
# files restore empty, every other file bit for bit.  --forget then
# removes the old snapshot (a re-run finds the new one already written)
# and check passes; the repaired snapshot, named, has nothing missing and
# is left alone; the next backup stores the lost data again and check
# --read-data passes.
# --read-data: a flipped byte inside one chunk empties that file only.
. "$(dirname "$0")/lib.sh"
# Repositories without parity (--parity 0): damage is met by the AEAD
# alone, as before parity; 120-parity.sh damages them with parity.

R=$T/repo SRC=$T/src
B=${TOOLDIR:?}/blobmap
mkrepo "$R" --parity 0 || notok "setup: init"
mkdir -p "$SRC/a" "$SRC/b"
for i in 1 2 3 4 5 6; do head -c 6000000 /dev/urandom >"$SRC/a/big$i"; done
for i in 1 2 3; do echo "small $i" >"$SRC/b/s$i"; done
tp backup -q -r "$R" "$SRC" --tag daily || notok "setup: backup"
S1=$(ls "$R/snapshots")
printf '%s\n' "$PW" | "$B" -r "$R" --passphrase-fd 0 >"$T/map" 2>&1 ||
    notok "setup: blobmap"
# The full pack that holds a/big1's first chunk (trees are in the last).
c1=$(awk '$1 == "file" && $3 == "/src/a/big1" { print $2; exit }' "$T/map")
P=$(awk -v c="$c1" '$1 == "blob" && $6 == c { print $3; exit }' "$T/map")
if grep -q "^blob tree $P " "$T/map"; then
	notok "setup: the pack of a/big1 holds trees"; fi
# The files that lose data: every file with a chunk in that pack.
awk -v p="$P" '$1 == "blob" && $3 == p { lost[$6] = 1 }
    $1 == "file" && ($2 in lost) { print $3 }' "$T/map" | sort -u \
    >"$T/expect"
if grep -q "^/src/a/big1$" "$T/expect" && ! grep -q "/src/b/" "$T/expect"
then ok "setup: the removed pack holds data of $(wc -l <"$T/expect") big files only"
else notok "setup: which files lose data"; cat "$T/expect"; fi
rm -f "$R"/packs/*/"$P"
cp -a "$R" "$T/damaged"

# --- --dry-run ----------------------------------------------------------------
tp repair snapshots -r "$R" --dry-run >"$T/dry.out" 2>&1 ||
    notok "repair snapshots --dry-run fails"
if [ "$(ls "$R/snapshots" | wc -l)" -eq 1 ] &&
    [ "$(cd "$R" && ls -laR --time-style=+ | md5sum)" = \
    "$(cd "$T/damaged" && ls -laR --time-style=+ | md5sum)" ] &&
    grep -q "would be repaired" "$T/dry.out"; then
	ok "--dry-run says what it would repair and writes nothing"
else notok "--dry-run wrote something"; sed 's/^/#   /' "$T/dry.out"; fi

# --- repair snapshots ---------------------------------------------------------
tp repair snapshots -r "$R" >"$T/rs.out" 2>"$T/rs.err"
rc=$?
sed -n 's/.*snapshot [0-9a-f]*: \(\/[^:]*\): data missing or damaged: kept as an empty file.*/\1/p' \
    "$T/rs.err" | sort -u >"$T/named"
if [ "$rc" -eq 0 ] && cmp -s "$T/named" "$T/expect"; then
	ok "repair snapshots names exactly the files that lost data"
else notok "repair snapshots names exactly the files that lost data (exit $rc)"
	diff "$T/expect" "$T/named" | sed 's/^/#   /'
	sed 's/^/#   /' "$T/rs.err" | head; fi
tp snapshots -r "$R" >"$T/snaps" 2>&1
NEW=$(awk '/\[daily,repaired\]|\[repaired,daily\]/ { print $1 }' "$T/snaps")
t_old=$(awk -v s="$(echo "$S1" | cut -c1-8)" '$1 == s { print $2, $3 }' "$T/snaps")
t_new=$(awk -v s="$NEW" '$1 == s { print $2, $3 }' "$T/snaps")
if [ "$(ls "$R/snapshots" | wc -l)" -eq 2 ] && [ -n "$NEW" ] &&
    [ "$t_old" = "$t_new" ]; then
	ok "a new snapshot with the same time, tags plus 'repaired'; the old one stays"
else notok "a new snapshot tagged repaired"; sed 's/^/#   /' "$T/snaps"; fi
tp log -r "$R" "$NEW" >"$T/log" 2>&1
sed -n 's/^\(\/[^:]*\): data missing or damaged: kept as an empty file.*/\1/p' \
    "$T/log" | sort -u >"$T/logged"
if cmp -s "$T/logged" "$T/expect" &&
    grep -q "the log of the snapshot as it was before" "$T/log"; then
	ok "the new snapshot's log names the same files, then the old log"
else notok "the new snapshot's log names the same files"
	sed 's/^/#   /' "$T/log" | head; fi
rm -rf "$T/out"
tp restore -q -r "$R" "$NEW" --target "$T/out" >"$T/restore.out" 2>&1
bad=0
for f in a/big1 a/big2 a/big3 a/big4 a/big5 a/big6 b/s1 b/s2 b/s3; do
	if grep -q "^/src/$f$" "$T/expect"; then
		[ -f "$T/out/src/$f" ] && [ "$(fsize "$T/out/src/$f")" -eq 0 ] ||
		    { bad=1; echo "# $f is not empty"; }
	else
		cmp -s "$T/out/src/$f" "$SRC/$f" ||
		    { bad=1; echo "# $f differs"; }
	fi
done
if [ "$bad" -eq 0 ]; then
	ok "the damaged files restore empty, every other file bit for bit"
else notok "the damaged files restore empty, every other file bit for bit"; fi
if [ "$(stat -c %a "$T/out/src/a/big1")" = "$(stat -c %a "$SRC/a/big1")" ]
then ok "an emptied file keeps its mode"
else notok "an emptied file keeps its mode"; fi

# --- --forget; nothing missing: left alone -----------------------------------
tp repair snapshots -r "$R" --forget >"$T/rsf.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && [ ! -e "$R/snapshots/$S1" ] &&
    [ "$(ls "$R/snapshots" | wc -l)" -eq 1 ] &&
    grep -q "repaired as $NEW (the old one removed)" "$T/rsf.out"; then
	ok "--forget removes the old snapshot (the repaired one already written)"
else notok "--forget removes the old snapshot (exit $rc)"
	sed 's/^/#   /' "$T/rsf.out"; ls "$R/snapshots"; fi
xcode 0 "check passes once the damaged snapshot is gone" tp check -r "$R"
tp repair snapshots -r "$R" "$NEW" >"$T/rs3.out" 2>&1
if [ "$?" -eq 0 ] && grep -q "1 snapshot checked, 0 repaired" "$T/rs3.out"
then ok "a snapshot with nothing missing, named, is left alone"
else notok "a snapshot with nothing missing is left alone"
	sed 's/^/#   /' "$T/rs3.out"; fi
tp backup -q -r "$R" "$SRC" 2>/dev/null || notok "a backup after the repair"
xcode 0 "check --read-data passes after the next backup" \
    tp check -r "$R" --read-data
rm -rf "$T/out"
tp restore -q -r "$R" latest --target "$T/out" >/dev/null 2>&1
if [ "$(treesum "$T/out/src")" = "$(treesum "$SRC")" ]; then
	ok "the next backup stored the lost data again: latest restores whole"
else notok "the next backup stored the lost data again"; fi

# --- --read-data: a flipped byte in one chunk ---------------------------------
rm -rf "$R"
mkrepo "$R" --parity 0 || notok "setup: init"
tp backup -q -r "$R" "$SRC" || notok "setup: backup"
printf '%s\n' "$PW" | "$B" -r "$R" --passphrase-fd 0 >"$T/map" 2>&1
c=$(awk '$1 == "file" && $3 == "/src/a/big4" { print $2; exit }' "$T/map")
set -- $(awk -v c="$c" '$1 == "blob" && $6 == c { print $3, $4, $5; exit }' \
    "$T/map")
F=$(ls "$R"/packs/*/"$1")
flip "$F" $(( $2 + $3 / 2 ))
tp repair snapshots -r "$R" >"$T/rs.out" 2>&1
if grep -q "0 repaired" "$T/rs.out"; then
	ok "without --read-data a flipped byte inside a chunk is not seen"
else notok "without --read-data nothing is read"; sed 's/^/#   /' "$T/rs.out"; fi
tp repair snapshots -r "$R" --read-data --forget >"$T/rs.out" 2>&1
n=$(grep -c "kept as an empty file" "$T/rs.out")
if [ "$n" -eq 1 ] && grep -q "/src/a/big4: data missing or damaged" \
    "$T/rs.out"; then
	ok "--read-data empties exactly the file with the damaged chunk"
else notok "--read-data empties exactly the file with the damaged chunk ($n)"
	sed 's/^/#   /' "$T/rs.out"; fi
xcode 0 "check --read-data passes: the damaged blob left the index" \
    tp check -r "$R" --read-data
tp backup -q -r "$R" "$SRC" 2>/dev/null || notok "the next backup"
rm -rf "$T/out"
tp restore -q -r "$R" latest --target "$T/out" >/dev/null 2>&1
if [ "$(treesum "$T/out/src")" = "$(treesum "$SRC")" ]; then
	ok "the next backup stored the damaged chunk again"
else notok "the next backup stored the damaged chunk again"; fi
