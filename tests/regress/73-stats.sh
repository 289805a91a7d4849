#!/bin/sh
# 73-stats.sh: tacit stats against numbers worked out by hand (issue 16).
# Three random (incompressible) files a (10000 bytes), b (20000) and c (a
# copy of a) are backed up (S1, tag "one"); then b and c go and d (30000)
# comes (S2); then the same again, unchanged (S3).  Each file is one chunk
# (below the chunker's minimum), sealed as its size + 45 bytes (format.md,
# section 13).  So:
#   all:  files 3+2+2, bytes 40000+40000+40000, data blobs a b d: 3,
#         60000 raw, 60135 stored; dedup 120000/60000 = 2;
#   S1:   files 3, bytes 40000, data a b: 30000 raw; only S1 holds b:
#         1 data blob, 20000 raw, 20045 stored, S1's 2 trees and its log;
#   S2:   data a d; S3 has the same files and trees: nothing of S2 is its
#         own but its log (1 blob);
#   S2+S3: d only theirs (30000 raw, 30045 stored), their trees, 2 logs;
#   --tag one is S1; with no snapshot named, all three.
# The text output shows the same numbers; --json is parsed with python3.
. "$(dirname "$0")/lib.sh"

R=$T/repo SRC=$T/src
printf '%s\n' "$PW" >"$T/pw"
tk() { "$TACIT" "$@" --passphrase-fd 3 3<"$T/pw"; }
mkrepo "$R" || notok "setup: init"
mkdir -p "$SRC"
head -c 10000 /dev/urandom >"$SRC/a"
head -c 20000 /dev/urandom >"$SRC/b"
cp "$SRC/a" "$SRC/c"
tk backup -q -r "$R" "$SRC" --tag one >/dev/null || notok "setup: S1"
rm "$SRC/b" "$SRC/c"
head -c 30000 /dev/urandom >"$SRC/d"
tk backup -q -r "$R" "$SRC" >/dev/null || notok "setup: S2"
tk backup -q -r "$R" "$SRC" >/dev/null || notok "setup: S3"
ids=$(tk snapshots -r "$R" --json | python3 -c '
import json, sys; print(" ".join(s["id"] for s in json.load(sys.stdin)))')
set -- $ids
S1=$1 S2=$2 S3=$3

# want DESC ARGS... -- PYTHON: stats --json ARGS, then assertions on v.
want() {
	desc=$1
	shift
	args=
	while [ "$1" != -- ]; do args="$args $1"; shift; done
	shift
	# shellcheck disable=SC2086
	tk stats -r "$R" --json $args >"$T/j" 2>"$T/e"
	rc=$?
	if [ "$rc" -eq 0 ] && python3 -c "
import json, sys
v = json.load(open(sys.argv[1]))
d, u = v['blobs']['data'], v['unique']['data']
$1" "$T/j" 2>"$T/py"; then ok "$desc"
	else notok "$desc (exit $rc)"
		sed 's/^/#   /' "$T/j" "$T/e" "$T/py" | head -20; fi
}

want "all: 3 snapshots, 7 files, 120000 bytes, 3 data blobs of 60000 bytes, dedup 2" -- '
assert v["snapshots"] == 3 and v["files"] == 7 and v["bytes"] == 120000, v
assert d == {"count": 3, "raw_bytes": 60000, "stored_bytes": 60135}, d
assert v["blobs"]["logs"]["count"] == 3, v
assert v["dedup_ratio"] == 2.0, v["dedup_ratio"]
assert u == d, u		# nothing outside the selection
assert v["unique"]["stored_bytes"] == v["stored_bytes"], v
assert v["packs"] == 3 and v["unique"]["packs"] == 3, v
t = v["blobs"]
assert v["stored_bytes"] == sum(t[k]["stored_bytes"] for k in t), v
raw = sum(t[k]["raw_bytes"] for k in t)
assert abs(v["compression_ratio"] - raw / v["stored_bytes"]) < 1e-3, v'

want "S1: its files, and only b (20000, sealed 20045) is its own" "$S1" -- '
assert v["snapshots"] == 1 and v["files"] == 3 and v["bytes"] == 40000, v
assert d == {"count": 2, "raw_bytes": 30000, "stored_bytes": 30090}, d
assert u == {"count": 1, "raw_bytes": 20000, "stored_bytes": 20045}, u
assert v["unique"]["trees"]["count"] == 2, v["unique"]
assert v["unique"]["logs"]["count"] == 1, v["unique"]
assert abs(v["dedup_ratio"] - 40000 / 30000) < 1e-3, v
assert v["unique"]["packs"] == 1, v
ps = v["per_snapshot"]
assert len(ps) == 1 and ps[0]["files"] == 3 and ps[0]["bytes"] == 40000, ps'

want "--tag one is S1" --tag one -- '
assert v["snapshots"] == 1 and v["files"] == 3, v
assert u["count"] == 1 and u["raw_bytes"] == 20000, u'

want "S2, whose files and trees S3 shares: only its log is its own" "$S2" -- '
assert v["files"] == 2 and v["bytes"] == 40000, v
assert d == {"count": 2, "raw_bytes": 40000, "stored_bytes": 40090}, d
assert u["count"] == 0 and v["unique"]["trees"]["count"] == 0, v["unique"]
assert v["unique"]["logs"]["count"] == 1, v["unique"]
assert v["unique"]["stored_bytes"] == v["unique"]["logs"]["stored_bytes"], v
assert v["dedup_ratio"] == 1.0, v'

want "S2 and S3: d (30000, sealed 30045), their trees and logs are theirs" \
    "$S2" "${S3%????????????????????????}" -- '
assert v["snapshots"] == 2 and v["files"] == 4 and v["bytes"] == 80000, v
assert u == {"count": 1, "raw_bytes": 30000, "stored_bytes": 30045}, u
assert v["unique"]["trees"]["count"] == 2, v["unique"]
assert v["unique"]["logs"]["count"] == 2, v["unique"]
assert v["dedup_ratio"] == 2.0, v'

# The per-snapshot entries are the snapshot records.
tk stats -r "$R" --json "$S3" "$S1" >"$T/j" 2>/dev/null
python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
assert [s["id"] for s in v["per_snapshot"]] == [sys.argv[2], sys.argv[3]], v
assert [s["files"] for s in v["per_snapshot"]] == [3, 2], v' \
    "$T/j" "$S1" "$S3" 2>"$T/py" &&
    ok "per_snapshot: one entry each, oldest first, with its files" ||
    { notok "per_snapshot"; sed 's/^/#   /' "$T/py"; }

# The text output: the same numbers.
tk stats -r "$R" "$S1" >"$T/t" 2>&1
if grep -q '^snapshots: *1$' "$T/t" && grep -q '^files: *3 ' "$T/t" &&
    grep -q '(40000 bytes)' "$T/t" && grep -q ' 2 data, 1 logs' "$T/t" &&
    grep -q '^deduplication ratio: 1.33$' "$T/t" &&
    grep -q '^stored only here: .* in 4 blobs, in 1 pack ' "$T/t"; then
	ok "the text output shows the same numbers"
else notok "the text output"; sed 's/^/#   /' "$T/t"; fi

# A shared lock: stats runs beside a backup (stopped before its commit)
# and counts the committed snapshots only.
if command -v strace >/dev/null && command -v setsid >/dev/null &&
    paused_backup "$R" "$SRC"; then
	tk stats -r "$R" --json >"$T/j" 2>"$T/e"
	rc=$?
	if [ "$rc" -eq 0 ] && python3 -c '
import json, sys
assert json.load(open(sys.argv[1]))["snapshots"] == 3' "$T/j"; then
		ok "beside a running backup, stats runs and counts the 3 committed snapshots"
	else notok "beside a running backup, stats exits $rc"
		sed 's/^/#   /' "$T/e"; fi
	paused_end "$R" || notok "setup: the killed backup still holds the lock"
else
	paused_end "$R"
	ok "# SKIP no paused backup here (strace or setsid missing)"
fi

xcode 1 "an unknown snapshot is an error" tk stats -r "$R" ffff0000
xcode 2 "--add does not apply to stats" tk stats -r "$R" --add x
xcode 0 "check passes (stats wrote nothing)" tk check -r "$R"
