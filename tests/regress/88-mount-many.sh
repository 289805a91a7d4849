#!/bin/sh
# 88-mount-many.sh: a snapshot of 100,000 small files in one directory
# mounted: readdir streams it (ls -f lists every name), ls -lR through the
# mount completes with every entry, a file reads back, and the mount
# worker's peak RSS (VmHWM) stays under 128 MiB (about 100 MiB measured,
# 140 MiB before inodes were slimmed: about 36 MiB at the start, about
# 58 MiB while the directory's tree is read and decoded, and then one
# inode per entry the kernel holds, about 120 bytes each, 400 before;
# --cache-mib bounds the other trees and the data kept).  Root only.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then ok "# SKIP not root (88-mount-many needs mount(2))"; exit 0; fi
if [ ! -c /dev/fuse ]; then ok "# SKIP no /dev/fuse here"; exit 0; fi
command -v python3 >/dev/null || { ok "# SKIP python3 is missing"; exit 0; }
N=100000 LIMIT_KIB=131072
# ASan's shadow memory and quarantine: about 390 MiB measured in CI.
[ "${CONF:-}" = san ] && LIMIT_KIB=524288

R=$T/repo S=$T/src M=$T/mnt
mkrepo "$R" || notok "setup: init"
mkdir -p "$S/flat" "$M"
python3 -c 'import os,sys
d=sys.argv[1]
for i in range(int(sys.argv[2])):
    with open("%s/f%06d" % (d, i), "w") as f: f.write("%d\n" % i)' "$S/flat" $N ||
    notok "setup: files"
tp backup -r "$R" "$S" >"$T/b.out" 2>&1 || { notok "setup: backup"; sed 's/^/#   /' "$T/b.out"; }
trap 'umount -l "$M" 2>/dev/null' EXIT

printf '%s\n' "$PW" >"$T/pw"
"$TACIT" mount -r "$R" "$M" --passphrase-fd 3 3<"$T/pw" >"$T/m.out" 2>&1 &
kh=$!
i=0
while [ ! -e "$M/latest" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
[ -e "$M/latest" ] || { notok "setup: mount"; sed 's/^/#   /' "$T/m.out"; exit 0; }
n=$(ls -f "$M/latest/src/flat" | wc -l)
if [ "$n" = $((N + 2)) ]; then ok "readdir of a directory of $N entries lists them all"
else notok "readdir of a directory of $N entries lists them all ($n)"; fi
t0=$(date +%s)
ls -lR "$M/latest/" >"$T/ls" 2>"$T/ls.err"
rc=$?
t1=$(date +%s)
n=$(grep -c '^-rw' "$T/ls")
if [ $rc = 0 ] && [ "$n" = $N ] && [ "$(cat "$M/latest/src/flat/f054321")" = 54321 ]; then
	ok "ls -lR through the mount lists all $N files ($((t1 - t0)) s), a file reads back"
else notok "ls -lR through the mount lists all $N files (exit $rc, $n)"
	head -5 "$T/ls.err" | sed 's/^/#   /'; fi
wk=$(pgrep -P "$kh" | head -1)
hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$wk/status")
echo "# the mount worker's peak RSS: ${hwm:-?} KiB"
if [ -n "$hwm" ] && [ "$hwm" -lt $LIMIT_KIB ]; then
	ok "the mount worker's peak RSS is under $((LIMIT_KIB / 1024)) MiB (${hwm} KiB)"
else notok "the mount worker's peak RSS is under $((LIMIT_KIB / 1024)) MiB (${hwm:-?} KiB)"; fi
kill -TERM "$kh"
wait "$kh"
rc=$?
if [ $rc = 0 ] && ! grep -q " $M " /proc/mounts; then ok "SIGTERM unmounts, exit 0"
else notok "SIGTERM unmounts, exit 0 (exit $rc)"; sed 's/^/#   /' "$T/m.out"; fi
