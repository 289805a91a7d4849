#!/bin/sh
# 81-find.sh: tacit find on the incremental fixture of 12-incremental (ten
# directories of twenty files; then one file edited, one added, one
# removed, one made a symlink, a directory added): exactly the lines
# written here by hand, grouped per snapshot, newest first; a name glob,
# a path glob, --ignore-case, --snapshot, --newest and --oldest (dates and
# times), --json (parsed); a damaged directory listing is reported by
# path and the search goes on, exit 14.
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
# Fixed times, directories last (their times move with their entries).
stamp() {
	find "$S" -type f -exec touch -d '2026-01-02 10:00:00' {} +
	find "$S" -type d -exec touch -d '2026-01-01 00:00:00' {} +
}
stamp
tp backup -q -r "$R" "$S" || notok "setup: backup 1"
printf 'more\n' >>"$S/d3/f7"
printf 'new\n' >"$S/d0/newfile"
rm "$S/d9/f20"
rm "$S/d2/f2" && ln -s f1 "$S/d2/f2"
mkdir "$S/d5/sub" && printf 'g\n' >"$S/d5/sub/g"
chmod 644 "$S/d0/newfile" "$S/d5/sub/g"
# Only what changed is touched: d4 and the others keep their trees.
touch -d '2026-01-01 00:00:00' "$S/d0" "$S/d2" "$S/d5" "$S/d5/sub" "$S/d9"
touch -d '2026-01-03 12:00:00' "$S/d3/f7"
touch -d '2026-01-04 00:00:00' "$S/d0/newfile"
touch -d '2026-01-04 05:06:07' "$S/d5/sub/g"
touch -h -d '2026-01-02 10:00:00' "$S/d2/f2"
tp backup -q -r "$R" "$S" || notok "setup: backup 2"
# The headings: "Found matching entries in snapshot ID8 from TIME".
tp snapshots -r "$R" >"$T/snaps" 2>&1
h1="Found matching entries in snapshot $(awk 'NR == 1 { print $1 " from " $2 " " $3 }' "$T/snaps")"
h2="Found matching entries in snapshot $(awk 'NR == 2 { print $1 " from " $2 " " $3 }' "$T/snaps")"
id1=$(awk 'NR == 1 { print $1 }' "$T/snaps")
id2=$(awk 'NR == 2 { print $1 }' "$T/snaps")

# same DESC EXPECTED TACIT-ARGS...: find prints exactly EXPECTED, exit 0.
same() {
	desc=$1 want=$2; shift 2
	tp find -r "$R" "$@" >"$T/got" 2>"$T/err"
	rc=$?
	if [ -n "$want" ]; then printf '%s\n' "$want" >"$T/want"
	else : >"$T/want"; fi
	if [ "$rc" -eq 0 ] && cmp -s "$T/got" "$T/want"; then ok "$desc"
	else notok "$desc (exit $rc)"
		diff "$T/want" "$T/got" | sed 's/^/#   /'
		sed 's/^/#   /' "$T/err"; fi
}

same "a name in one snapshot" "$h2
-rw-r--r--          4 2026-01-04 00:00:00 /src/d0/newfile" newfile
same "a path glob in both snapshots, newest first, the edit seen" "$h2
-rw-r--r--         14 2026-01-03 12:00:00 /src/d3/f7

$h1
-rw-r--r--          9 2026-01-02 10:00:00 /src/d3/f7" 'd3/f7'
same "an absolute path glob, --ignore-case, --snapshot: a file and a symlink" "$h2
-rw-r--r--          9 2026-01-02 10:00:00 /src/d1/f2
lrwxrwxrwx          2 2026-01-02 10:00:00 /src/d2/f2 -> f1" \
    '/SRC/D[12]/F2' --ignore-case --snapshot "$id2"
same "without --ignore-case the same pattern finds nothing" "" \
    '/SRC/D[12]/F2' --snapshot "$id2"
same "--oldest a date: only what was modified from that day on" "$h2
-rw-r--r--          4 2026-01-04 00:00:00 /src/d0/newfile
-rw-r--r--          2 2026-01-04 05:06:07 /src/d5/sub/g" \
    '*' --oldest 2026-01-04
same "--oldest and --newest: a date as --newest takes the whole day" "$h2
-rw-r--r--         14 2026-01-03 12:00:00 /src/d3/f7" \
    '*' --oldest 2026-01-03 --newest 2026-01-03
same "--newest with a time, several patterns, --snapshot latest" "$h2
-rw-r--r--          4 2026-01-04 00:00:00 /src/d0/newfile" \
    newfile g --snapshot latest --newest '2026-01-04 05:06:06'
same "two --snapshot options, each searched" "$h1
-rw-r--r--         10 2026-01-02 10:00:00 /src/d9/f20" \
    /src/d9/f20 --snapshot "$id2" --snapshot "$id1"

tp find -r "$R" 'f1*' --json >"$T/json" 2>"$T/err"
rc=$?
if [ "$rc" -eq 0 ] && python3 - "$T/json" "$id1" "$id2" >"$T/why" 2>&1 <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
# f1, f10..f19 in ten directories, in both snapshots.
assert len(rows) == 220, len(rows)
assert {r["snapshot"][:8] for r in rows} == {sys.argv[2], sys.argv[3]}
r = [x for x in rows if x["path"] == "/src/d3/f1"][0]
assert r["type"] == "file" and r["size"] == 9 and r["mode"] == 0o644, r
assert r["mtime_sec"] == 1767348000 and r["mtime_nsec"] == 0, r
EOF
then ok "--json: one object per match, 220 matches, fields right"
else notok "--json (exit $rc)"; sed 's/^/#   /' "$T/why" "$T/err" 2>/dev/null; fi

xcode 2 "--newest that is not a time: exit 2" tp find -r "$R" x --newest yesterday
grepq 'newest takes a local time' "$T/.out" || notok "... and the message says why"
xcode 2 "find without a pattern: exit 2" tp find -r "$R"
grepq 'usage: tacit find' "$T/.out" || notok "... and the message is the usage"
xcode 2 "find --archive tar does not apply: exit 2" tp find -r "$R" x --archive tar
grepq 'does not apply to find' "$T/.out" || notok "... and the message says so"

# --- a damaged listing: reported by path, the rest still searched --------------------
printf '%s\n' "$PW" >"$T/pw"
"$TOOLDIR/blobmap" -r "$R" --passphrase-fd 3 3<"$T/pw" >"$T/map" ||
    notok "setup: blobmap"
tid=$(awk '$1 == "tree" && $3 == "/src/d4" { print $2 }' "$T/map")
set -- $(awk -v i="$tid" '$1 == "blob" && $6 == i { print $3, $4, $5 }' "$T/map")
pack=$R/packs/$(printf %.2s "$1")/$1
if [ -f "$pack" ]; then flip "$pack" $(($2 + $3 / 2)); else notok "setup: no pack for $tid"; fi
tp find -r "$R" f7 >"$T/got" 2>"$T/err"
rc=$?
n=$(grep -c '/f7$' "$T/got")
if [ "$rc" -eq 14 ] && grep -q '/src/d4: directory listing damaged' "$T/err" &&
    [ "$n" -eq 18 ]; then
	ok "a damaged listing is named, exit 14; the other 18 f7 are found"
else notok "a damaged listing (exit $rc, $n found)"
	sed 's/^/#   /' "$T/err" | head -5; fi
