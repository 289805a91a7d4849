#!/bin/sh
# 84-browse-deep.sh: find, dump --archive tar and diff walk a tree 3000
# levels deep (20000 in the SAN build and with LONG=1) without C
# recursion: find names the deepest file under its full path, the archive
# holds it (a pax path of 10 KB), and diff after a change at the bottom
# prints exactly that change.
. "$(dirname "$0")/lib.sh"

if ! command -v python3 >/dev/null; then
	ok "# SKIP python3 is missing"; rm -rf "$T"; exit 0; fi
if [ "${CONF:-}" = san ] || [ "${LONG:-}" = 1 ]; then DEPTH=20000
else DEPTH=3000; fi
R=$T/repo S=$T/src
DT=$(dirname "$0")/../tools/deeptree.py
cleanup() { python3 "$DT" rm "$S" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 1' INT TERM

python3 "$DT" make "$S" "$DEPTH" || notok "setup: a tree $DEPTH deep"
mkrepo "$R" || notok "setup: init"
tp backup -q -r "$R" "$S" >"$T/bk" 2>&1 || notok "setup: backup"
deep=$(awk -v n="$DEPTH" 'BEGIN { p = "/src"; for (i = 0; i < n; i++) p = p "/d"; print p }')

tp find -r "$R" bottom >"$T/find" 2>"$T/find.err"
rc=$?
if [ "$rc" -eq 0 ] && [ "$(grep -c ' /src/' "$T/find")" -eq 1 ] &&
    grep -q " $deep/bottom\$" "$T/find"; then
	ok "find names the file $DEPTH levels down under its full path"
else notok "find in a tree $DEPTH deep (exit $rc)"
	head -c 600 "$T/find.err" | sed 's/^/#   /'; fi

tp dump -r "$R" latest / --archive tar 2>"$T/tar.err" | tar -t >"$T/list" 2>&1
if grep -qx "${deep#/}/bottom" "$T/list" &&
    [ "$(grep -c '' "$T/list")" -ge "$DEPTH" ]; then
	ok "dump --archive tar holds every level and the deepest file"
else notok "dump of a tree $DEPTH deep"
	head -c 600 "$T/tar.err" | sed 's/^/#   /'; fi

python3 - "$S" "$DEPTH" <<'EOF'
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
for _ in range(int(sys.argv[2])):
    n = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd); os.close(fd); fd = n
f = os.open("bottom2", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=fd)
os.write(f, b"new\n"); os.close(f)
EOF
tp backup -q -r "$R" "$S" >"$T/bk2" 2>&1 || notok "setup: second backup"
first=$(tp snapshots -r "$R" 2>/dev/null | awk 'NR == 1 { print $1 }')
tp diff -r "$R" "$first" latest >"$T/diff" 2>"$T/diff.err"
rc=$?
if [ "$rc" -eq 0 ] && [ "$(sed -n 1p "$T/diff")" = "+    $deep/bottom2" ] &&
    [ "$(grep -c '^[-+MTU] ' "$T/diff")" -eq 1 ] &&
    grep -q 'Files:      1 new' "$T/diff"; then
	ok "diff after a change $DEPTH levels down prints exactly it"
else notok "diff in a tree $DEPTH deep (exit $rc)"
	head -c 600 "$T/diff.err" | sed 's/^/#   /'; fi
