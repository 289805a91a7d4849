#!/bin/sh
# 63-repair-forget-unnamed.sh: repair snapshots --forget when blobs are
# missing from the index while packs it does not name are there (index
# segments were lost; repair index could recover them): it refuses with
# exit 1, says to run repair index first, and writes and removes nothing
# (the snapshots, the index and the packs are as they were).  repair
# index then recovers the blobs: repair snapshots --forget finds nothing
# missing, check --read-data passes and the snapshot restores bit for bit.
. "$(dirname "$0")/lib.sh"

R=$T/repo SRC=$T/src
mkrepo "$R" || notok "setup: init"
mkdir -p "$SRC"
head -c 300000 /dev/urandom >"$SRC/one"
tp backup -q -r "$R" "$SRC" || notok "setup: first backup"
ls "$R/index" | sort >"$T/seg1"
head -c 300000 /dev/urandom >"$SRC/two"
tp backup -q -r "$R" "$SRC" || notok "setup: second backup"
# Lose the segments the second backup wrote.
ls "$R/index" | sort | comm -13 "$T/seg1" - >"$T/seg2"
[ -s "$T/seg2" ] || notok "setup: the second backup wrote no segment"
while read -r s; do rm -f "$R/index/$s"; done <"$T/seg2"
listing() { (cd "$R" && find snapshots index packs -type f | sort); }
listing >"$T/before"

tp repair snapshots -r "$R" --forget >"$T/rs.out" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && grep -q "run 'tacit repair index' first" "$T/rs.out"
then ok "repair snapshots --forget refuses while unnamed packs exist (exit 1)"
else notok "repair snapshots --forget refuses (exit $rc)"
	sed 's/^/#   /' "$T/rs.out"; fi
listing >"$T/after"
if cmp -s "$T/before" "$T/after"; then ok "nothing written or removed"
else notok "nothing written or removed"
	diff "$T/before" "$T/after" | sed 's/^/#   /'; fi
xcode 0 "repair index recovers the blobs" tp repair index -r "$R"
tp repair snapshots -r "$R" --forget >"$T/rs.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && ! grep -q "repaired as" "$T/rs.out"; then
	ok "then repair snapshots --forget finds nothing missing"
else notok "then repair snapshots --forget finds nothing missing (exit $rc)"
	sed 's/^/#   /' "$T/rs.out"; fi
xcode 0 "check --read-data passes" tp check -r "$R" --read-data
rm -rf "$T/out"
if tp restore -q -r "$R" latest --target "$T/out" >"$T/rs.out" 2>&1 &&
    [ "$(treesum "$T/out/src")" = "$(treesum "$SRC")" ]; then
	ok "the latest snapshot restores bit for bit"
else notok "the latest snapshot restores bit for bit"
	sed 's/^/#   /' "$T/rs.out"; fi
