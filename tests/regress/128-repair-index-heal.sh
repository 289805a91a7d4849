#!/bin/sh
# 128-repair-index-heal.sh: repair index reads pack headers through their
# parity (issue 19).  A repository with the default parity, two snapshots
# in two packs; every index segment removed and one 4 KiB sector zeroed
# at the end of the first pack's data (its header and trailer, doc/format.md
# section 12; within the guarantee of section 23.6).  Then repair index
# (and repair index --read-data, on a copy) says it repaired the pack in
# memory, changes no byte of the pack, and indexes every blob: check finds
# nothing missing (only the repairable pack, exit 15) and counts the blobs
# it counted before; both snapshots restore bit for bit; after repair data
# check --read-data is clean.
. "$(dirname "$0")/lib.sh"

R=$T/repo SRC=$T/src
mkrepo "$R" || notok "setup: init"
mkdir -p "$SRC/d" "$SRC/e"
head -c 3000000 /dev/urandom >"$SRC/d/big"
for i in 1 2 3 4 5; do seq "$i" 4000 >"$SRC/e/s$i"; done
tp backup -q -r "$R" "$SRC" || notok "setup: first backup"
P1=$(ls "$R"/packs/*/*)
cp -a "$SRC" "$T/copy1"
head -c 500000 /dev/urandom >"$SRC/d/more"
echo changed >"$SRC/e/s1"
tp backup -q -r "$R" "$SRC" || notok "setup: second backup"
cp -a "$SRC" "$T/copy2"
S1=$(tp snapshots -r "$R" 2>/dev/null | sed -n '1s/ .*//p')
S2=$(tp snapshots -r "$R" 2>/dev/null | sed -n '2s/ .*//p')
[ -n "$S1" ] && [ -n "$S2" ] && [ "$(ls "$R"/packs/*/* | wc -l)" -ge 2 ] ||
    notok "setup: two snapshots ($S1 $S2) in two packs"
P1=${P1#"$R"/}
tp check -r "$R" >"$T/c0" 2>&1 || notok "setup: check: $(cat "$T/c0")"
# counts FILE: what check counted ("N trees, M data blobs").
counts() { grep -o '[0-9]* trees, [0-9]* data blobs' "$1"; }
[ -n "$(counts "$T/c0")" ] || notok "setup: check says no counts: $(cat "$T/c0")"

restores() {	# REPO SNAP COPY
	rm -rf "$T/out"
	tp restore -q -r "$1" "$2" --target "$T/out" >"$T/rs.out" 2>&1 &&
	    [ "$(treesum "$T/out/src")" = "$(treesum "$3")" ]
}

rm "$R"/index/*
python3 - "$R/$P1" <<'PYEOF' || notok "setup: damage"
import struct, sys
f = open(sys.argv[1], "r+b")
f.seek(-56, 2)
head = f.read(24)
if head[:8] != b"TACITPAR":
    sys.exit("no parity table at the end of the pack")
L = struct.unpack("<Q", head[16:24])[0]
f.seek(L - 4096)
f.write(bytes(4096))
PYEOF
cp -a "$R" "$T/r2"
cp -a "$R" "$T/r0"	# damaged, for the failing disk below
sum0=$(sha256sum <"$R/$P1")

for mode in plain read-data; do
	[ $mode = plain ] && W=$R opt= || W=$T/r2 opt=--read-data
	ri="repair index${opt:+ $opt}"
	xcode 0 "$ri over a damaged pack header (exit 0)" \
	    tp repair index -r "$W" $opt
	grepq "repaired in memory" "$T/.out" &&
	    ok "$ri says it repaired the pack in memory" ||
	    notok "$ri: $(cat "$T/.out")"
	grepq " 0 packs and 0 blobs left out as damaged" "$T/.out" &&
	    ! grepq "header or trailer damaged" "$T/.out" &&
	    ok "$ri leaves no pack or blob out" ||
	    notok "$ri left something out: $(cat "$T/.out")"
	[ "$(sha256sum <"$W/$P1")" = "$sum0" ] &&
	    ok "$ri wrote nothing to the pack" ||
	    notok "$ri changed the pack"
	tp check -r "$W" >"$T/c1" 2>&1
	rc=$?
	[ $rc -eq 15 ] && [ "$(counts "$T/c1")" = "$(counts "$T/c0")" ] &&
	    grepq " 0 problems" "$T/c1" &&
	    ok "$ri: check finds every blob indexed, only the pack repairable (exit 15)" ||
	    { notok "$ri: check (exit $rc)"; sed 's/^/#   /' "$T/c1"; }
	restores "$W" "$S1" "$T/copy1" && restores "$W" "$S2" "$T/copy2" &&
	    ok "$ri: both snapshots restore bit for bit" ||
	    notok "$ri: restore: $(cat "$T/rs.out")"
	xcode 0 "$ri: repair data rewrites the pack" "$TACIT" repair data -r "$W" </dev/null
	xcode 0 "$ri: then check --read-data is clean" \
	    tp check -r "$W" --read-data
done

# A failing disk is not a damaged pack: the whole-pack read for the
# repair fails with ENODEV (the disk unplugged): repair index stops
# naming the error (exit 1) instead of leaving the pack out as damaged
# (an index without its blobs, and the next prune would delete it).
if command -v strace >/dev/null; then
	rm -rf "$T/r3"
	cp -a "$T/r0" "$T/r3"
	printf '%s\n' "$PW" >"$T/pw"
	env "$NOLEAK" strace -f -qq -o "$T/wt" -P "$T/r3/$P1" -e trace=pread64 \
	    "$TACIT" repair index -r "$T/r3" --passphrase-fd 3 3<"$T/pw" \
	    >/dev/null 2>&1
	w=$(awk -v s="$(stat -c %s "$T/r3/$P1")" '/pread64\(/ { n[$1]++ }
	    /pread64\(/ && index($0, ", " s ", 0) = " s) { w = n[$1] }
	    END { print w + 0 }' "$T/wt")
	rm -rf "$T/r3"
	cp -a "$T/r0" "$T/r3"
	if [ "$w" -gt 0 ]; then
		env "$NOLEAK" strace -f -qq -o /dev/null -P "$T/r3/$P1" \
		    -e trace=pread64 \
		    -e inject=pread64:error=ENODEV:syscall=getpid:when="$w" \
		    "$TACIT" repair index -r "$T/r3" --passphrase-fd 3 \
		    3<"$T/pw" >"$T/.out" 2>&1
		rc=$?
		[ $rc -eq 1 ] && grepq "No such device" "$T/.out" &&
		    ! grepq "left out" "$T/.out" &&
		    ok "ENODEV on the repair's read: repair index stops (exit 1), the pack is not left out" ||
		    { notok "ENODEV on the repair's read (exit $rc)"; sed 's/^/#   /' "$T/.out"; }
	else
		notok "setup: no whole read of the damaged pack in repair index"
	fi
	rm -rf "$T/r3"
else
	ok "# SKIP strace is missing"
fi
