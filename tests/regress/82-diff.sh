#!/bin/sh
# 82-diff.sh: tacit diff on the incremental fixture of 12-incremental (ten
# directories of twenty files; then one file edited, one added, one
# removed, one made a symlink, one chmod'ed, a directory added): exactly
# the lines and totals written here by hand; --metadata adds the U line;
# a PATH limits it; --json parses and agrees; snapshots in the other
# order swap + and -.  A damaged listing both snapshots share is never
# opened (diff is clean, exit 0, while ls of it fails), and a damaged
# listing diff must read is named, exit 14.
. "$(dirname "$0")/lib.sh"
# Repositories without parity (--parity 0): damage is met by the AEAD
# alone, as before parity; 120-parity.sh damages them with parity.
TZ=UTC
export TZ

R=$T/repo S=$T/src
mkrepo "$R" --parity 0 || notok "setup: init"
for d in 0 1 2 3 4 5 6 7 8 9; do
	mkdir -p "$S/d$d"
	for f in $(seq 1 20); do printf 'file %s/%s\n' "$d" "$f" >"$S/d$d/f$f"; done
done
chmod 644 "$S"/d*/f*
find "$S" -type f -exec touch -d '2026-01-02 10:00:00' {} +
find "$S" -type d -exec touch -d '2026-01-01 00:00:00' {} +
tp backup -q -r "$R" "$S" || notok "setup: backup 1"
printf 'more\n' >>"$S/d3/f7"
printf 'new\n' >"$S/d0/newfile"
rm "$S/d9/f20"
rm "$S/d2/f2" && ln -s f1 "$S/d2/f2"
mkdir "$S/d5/sub" && printf 'g\n' >"$S/d5/sub/g"
chmod 644 "$S/d0/newfile" "$S/d5/sub/g"
chmod 600 "$S/d1/f1"
# Only what changed is touched: d4 and the others keep their trees.
touch -d '2026-01-01 00:00:00' "$S/d0" "$S/d2" "$S/d5" "$S/d5/sub" "$S/d9"
touch -d '2026-01-03 12:00:00' "$S/d3/f7"
tp backup -q -r "$R" "$S" || notok "setup: backup 2"
tp snapshots -r "$R" >"$T/snaps" 2>&1
id1=$(awk 'NR == 1 { print $1 }' "$T/snaps")
id2=$(awk 'NR == 2 { print $1 }' "$T/snaps")

# same DESC CODE EXPECTED TACIT-ARGS...: diff prints exactly EXPECTED.
same() {
	desc=$1 code=$2 want=$3; shift 3
	tp diff -r "$R" "$@" >"$T/got" 2>"$T/err"
	rc=$?
	printf '%s\n' "$want" >"$T/want"
	if [ "$rc" -eq "$code" ] && cmp -s "$T/got" "$T/want"; then ok "$desc"
	else notok "$desc (exit $rc)"
		diff "$T/want" "$T/got" | sed 's/^/#   /'
		sed 's/^/#   /' "$T/err"; fi
}

all="+    /src/d0/newfile
T    /src/d2/f2
M    /src/d3/f7
+    /src/d5/sub/
+    /src/d5/sub/g
-    /src/d9/f20

Files:      2 new,     2 removed,     1 changed
Dirs:       1 new,     0 removed
Others:     1 new,     0 removed,     0 changed
  Added:   20 bytes
  Removed: 28 bytes"
same "diff: every change, in path order, and the totals" 0 "$all" "$id1" "$id2"
same "--metadata adds the chmod'ed file (U)" 0 "+    /src/d0/newfile
U    /src/d1/f1
T    /src/d2/f2
M    /src/d3/f7
+    /src/d5/sub/
+    /src/d5/sub/g
-    /src/d9/f20

Files:      2 new,     2 removed,     1 changed
Dirs:       1 new,     0 removed
Others:     1 new,     0 removed,     0 changed
Metadata changed: 1
  Added:   20 bytes
  Removed: 28 bytes" "$id1" latest --metadata
same "the other way round: + and - swap" 0 "-    /src/d0/newfile
T    /src/d2/f2
M    /src/d3/f7
-    /src/d5/sub/
-    /src/d5/sub/g
+    /src/d9/f20

Files:      2 new,     2 removed,     1 changed
Dirs:       0 new,     1 removed
Others:     0 new,     1 removed,     0 changed
  Added:   28 bytes
  Removed: 20 bytes" "$id2" "$id1"
same "PATH: below /src/d5 only" 0 "+    /src/d5/sub/
+    /src/d5/sub/g

Files:      1 new,     0 removed,     0 changed
Dirs:       1 new,     0 removed
Others:     0 new,     0 removed,     0 changed
  Added:   2 bytes
  Removed: 0 bytes" "$id1" "$id2" /src/d5
same "PATH in the second snapshot only" 0 "+    /src/d5/sub/
+    /src/d5/sub/g

Files:      1 new,     0 removed,     0 changed
Dirs:       1 new,     0 removed
Others:     0 new,     0 removed,     0 changed
  Added:   2 bytes
  Removed: 0 bytes" "$id1" "$id2" src/d5/sub
same "a snapshot with itself: nothing" 0 "
Files:      0 new,     0 removed,     0 changed
Dirs:       0 new,     0 removed
Others:     0 new,     0 removed,     0 changed
  Added:   0 bytes
  Removed: 0 bytes" "$id2" "$id2"
xcode 1 "a PATH in neither snapshot: exit 1" tp diff -r "$R" "$id1" "$id2" /nope
grepq 'in neither snapshot' "$T/.out" || notok "... and the message says so"
xcode 2 "one snapshot only: exit 2" tp diff -r "$R" "$id1"
grepq 'usage: tacit diff' "$T/.out" || notok "... and the message is the usage"

tp diff -r "$R" "$id1" "$id2" --json --metadata >"$T/json" 2>"$T/err"
rc=$?
if [ "$rc" -eq 0 ] && python3 - "$T/json" "$id1" "$id2" >"$T/why" 2>&1 <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ch = [(r["modifier"], r["path"]) for r in rows if r["message_type"] == "change"]
assert ch == [("+", "/src/d0/newfile"), ("U", "/src/d1/f1"),
              ("T", "/src/d2/f2"), ("M", "/src/d3/f7"),
              ("+", "/src/d5/sub/"), ("+", "/src/d5/sub/g"),
              ("-", "/src/d9/f20")], ch
st = rows[-1]
assert st["message_type"] == "statistics", st
assert st["source_snapshot"].startswith(sys.argv[2]), st
assert st["target_snapshot"].startswith(sys.argv[3]), st
assert st["added"] == {"files": 2, "dirs": 1, "others": 1, "bytes": 20}, st
assert st["removed"] == {"files": 2, "dirs": 0, "others": 0, "bytes": 28}, st
assert st["changed_files"] == 1 and st["metadata_changed"] == 1, st
assert len(rows) == 8
EOF
then ok "--json: the same changes and totals, parsed by python3"
else notok "--json (exit $rc)"; sed 's/^/#   /' "$T/why" "$T/err" 2>/dev/null; fi

# --- damaged listings --------------------------------------------------------------
printf '%s\n' "$PW" >"$T/pw"
"$TOOLDIR/blobmap" -r "$R" --passphrase-fd 3 3<"$T/pw" >"$T/map" ||
    notok "setup: blobmap"
# damage PATH: flip a byte in the middle of the listing of PATH (latest).
damage() {
	tid=$(awk -v p="$1" '$1 == "tree" && $3 == p { print $2 }' "$T/map")
	loc=$(awk -v i="$tid" '$1 == "blob" && $6 == i { print $3, $4, $5 }' "$T/map")
	set -- $loc
	if [ $# -eq 3 ] && [ -f "$R/packs/$(printf %.2s "$1")/$1" ]; then
		flip "$R/packs/$(printf %.2s "$1")/$1" $(($2 + $3 / 2))
	else notok "setup: no blob for the listing ($tid)"; fi
}
damage /src/d4			# the same tree in both snapshots
xcode 14 "control: the damaged shared listing fails ls" \
    tp ls -r "$R" "$id1" /src/d4
same "a damaged listing both snapshots share is never opened: same output, exit 0" \
    0 "$all" "$id1" "$id2"
damage /src/d3			# differs between the snapshots: must be read
tp diff -r "$R" "$id1" "$id2" >"$T/got" 2>"$T/err"
rc=$?
if [ "$rc" -eq 14 ] && grep -q '/src/d3 (snapshot 2): directory listing damaged' "$T/err" &&
    grep -q '^+    /src/d5/sub/g$' "$T/got" && ! grep -q 'd3/f7' "$T/got"; then
	ok "a damaged listing diff must read is named, exit 14, the rest compared"
else notok "a damaged listing diff must read (exit $rc)"
	sed 's/^/#   /' "$T/err" "$T/got"; fi
