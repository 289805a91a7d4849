#!/bin/sh
# 40-deep.sh: a tree 20,000 directories deep (issue 14, "very deep
# trees"; paths of 40 KB, far past PATH_MAX) is backed up, listed,
# restored (also again into the same target, with --verify) and checked,
# with at most 1024 descriptors open (as on CI), and no crash: no walker
# recurses on the C stack, none keeps a descriptor per level.
# 20,000 levels in the SAN build (CONF=san: no sandbox, about a minute)
# or with LONG=1; 5,000 otherwise: with the sandbox on, Landlock checks
# each directory opened or made along its whole path, so 20,000 levels
# take 8-10 minutes there, and 5,000 are still far past the 1024 levels
# (and descriptors) the code before stopped at.
#  (1) backup exits 0 and stores every level (DEPTH + 1 directories);
#  (2) ls lists the deepest file, under its full path;
#  (3) restore exits 0 and the target equals the source: names, types,
#      modes, sizes, bytes, mtimes and symlink targets, compared by a walk
#      of both trees with descriptors (python3), level by level;
#  (4) restore --verify into the same target (a rerun) exits 0, finds
#      every file complete and equal, and the target still equals the
#      source;
#  (5) check --read-data exits 0.
# The trees are removed with descriptors too (rm -rf cannot reach past
# PATH_MAX on every system), also when the test fails.
. "$(dirname "$0")/lib.sh"

if ! command -v python3 >/dev/null; then
	ok "# SKIP python3 is missing"; rm -rf "$T"; exit 0; fi
if [ "${CONF:-}" = san ] || [ "${LONG:-}" = 1 ]; then DEPTH=20000
else DEPTH=5000; fi
R=$T/repo S=$T/src D=$T/dst
DT=$(dirname "$0")/../tools/deeptree.py
cleanup() { python3 "$DT" rm "$S" "$D" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 1' INT TERM

python3 "$DT" make "$S" "$DEPTH" || notok "setup: a tree $DEPTH deep"
mkrepo "$R" || notok "setup: init"
# Descriptors as on CI: none may be kept per level.
ulimit -n 1024 2>/dev/null || true

# (1)
tp backup -r "$R" "$S" >"$T/bk" 2>&1
rc=$?
if [ $rc -eq 0 ] && grepq "$((DEPTH + 1)) directories" "$T/bk"; then
	ok "(1) backup of a tree $DEPTH levels deep: exit 0, every level"
else
	notok "(1) backup of a tree $DEPTH levels deep: exit 0, every level (exit $rc)"
	head -c 2000 "$T/bk" | sed 's/^/#   /'
fi

# (2) The deepest file's path: /src, then $DEPTH times /d, then /bottom.
tp ls -r "$R" latest 2>"$T/ls.err" |
    awk -v n="$DEPTH" 'index($0, "/src/") && /\/bottom$/ {
	k = split(substr($0, index($0, "/src/") + 5), c, "/")
	if (k == n + 1) found = 1 } END { exit !found }'
if [ $? -eq 0 ]; then ok "(2) ls lists the deepest file under its full path"
else notok "(2) ls lists the deepest file under its full path"
	head -c 2000 "$T/ls.err" | sed 's/^/#   /'; fi

# (3)
tp restore -r "$R" latest --target "$D" >"$T/rs" 2>&1
rc=$?
if [ $rc -eq 0 ] && python3 "$DT" cmp "$S" "$D/src" >"$T/cmp" 2>&1
then ok "(3) restore: exit 0, the target equals the source"
else notok "(3) restore: exit 0, the target equals the source (exit $rc)"
	head -c 2000 "$T/rs" "$T/cmp" | sed 's/^/#   /'; fi

# (4)
tp restore -r "$R" latest --target "$D" --verify >"$T/rs2" 2>&1
rc=$?
if [ $rc -eq 0 ] && grepq "0 new, $((DEPTH / 4000 * 4 + 1)) already complete" "$T/rs2" &&
    grepq "verified: 0 files differ" "$T/rs2" &&
    python3 "$DT" cmp "$S" "$D/src" >"$T/cmp" 2>&1
then ok "(4) restore --verify again into the target: exit 0, all complete, equal"
else notok "(4) restore --verify again into the target: exit 0, all complete, equal (exit $rc)"
	head -c 2000 "$T/rs2" "$T/cmp" | sed 's/^/#   /'; fi

# (5)
xcode 0 "(5) check --read-data of the deep snapshot: exit 0" \
    tp check --read-data -r "$R"
