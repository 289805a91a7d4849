#!/bin/sh
# 87-mount-malicious.sh: a hostile repository mounted (the forged trees of
# 15-malicious, tests/tools/forge): directories whose trees hold names
# that are not one path component ('/', "..", ".", "", absolute), a cycle
# and a tree or a file whose index entry claims an absurd size are each
# reported and show empty or fail with EIO; the good entries beside them
# read fine; symlinks out of the snapshot are shown as symlinks, never
# followed by tacit; a hard-link group across directories is one inode;
# ls -lR of everything completes, the worker does not crash, and ending
# it exits 14 (damage seen) with the mount gone.  Root only.
. "$(dirname "$0")/lib.sh"
# Repositories without parity (--parity 0): damage is met by the AEAD
# alone, as before parity; 120-parity.sh damages them with parity.

if [ "$(id -u)" != 0 ]; then ok "# SKIP not root (87-mount-malicious needs mount(2))"; exit 0; fi
if [ ! -c /dev/fuse ]; then ok "# SKIP no /dev/fuse here"; exit 0; fi
[ -x "$TOOLDIR/forge" ] || { notok "setup: $TOOLDIR/forge is missing (make units)"; exit 0; }

R=$T/repo O=$T/outside M=$T/mnt
mkrepo "$R" --parity 0 || notok "setup: init"
mkdir -p "$O" "$M"
printf original >"$O/outf"
printf '%s\n' "$PW" >"$T/pw"
trap 'umount -l "$M" 2>/dev/null' EXIT
spec() { printf '%s\n' "$@" | "$TOOLDIR/forge" -r "$R" --passphrase-fd 3 3<"$T/pw"; }
spec 'file good fine' 'dir bad1' 'file ..\/..\/..\/escape1 pwned' end \
    'dir bad2' 'file ..\/..\/escape2 pwned' end 'dir bad3' 'file .. x' end \
    'dir bad4' 'file . x' end 'dir bad5' 'file "" x' end \
    'dir bad6' "file $O/abs pwned" end >/dev/null || notok "setup: forge names"
spec 'dir a' "symlink evil $O" 'symlink rel ../../../../outside/outf' end \
    'dir l1' 'link x 7 first' end 'dir l2' 'link y 7 second' end \
    'bigfile huge 4294967295' 'bigdir vast 4294967295' \
    'file ok2 fine2' >/dev/null || notok "setup: forge the rest"
# A cycle makes the tree holding it forged (stored under another id).
spec 'dir up' 'cycle loop' end >/dev/null || notok "setup: forge a cycle"

"$TACIT" mount -r "$R" "$M" --passphrase-fd 3 3<"$T/pw" >"$T/m.out" 2>&1 &
kh=$!
i=0
while [ ! -e "$M/latest" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
[ -e "$M/latest" ] || { notok "setup: mount"; sed 's/^/#   /' "$T/m.out"; exit 0; }

timeout 120 ls -lR "$M/" >"$T/ls" 2>"$T/ls.err"
rc=$?
if [ $rc -lt 124 ] && kill -0 "$kh" 2>/dev/null && pgrep -P "$kh" >/dev/null; then
	ok "ls -lR of the hostile snapshots completes; tacit still runs (ls exit $rc)"
else notok "ls -lR of the hostile snapshots completes (exit $rc)"; sed 's/^/#   /' "$T/m.out"; fi
# Which is which: the snapshots in the order forged.
S1= S2= S3=
for s in "$M"/snapshots/*; do
	[ -e "$s/forged/good" ] && S1=$s
	[ -e "$s/forged/a" ] && S2=$s
	[ -e "$s/forged/up" ] && S3=$s
done
[ -n "$S1" ] && [ -n "$S2" ] && [ -n "$S3" ] || notok "setup: three snapshots"
bad=
for d in 1 2 3 4 5 6; do
	[ -d "$S1/forged/bad$d" ] && [ -z "$(ls -A "$S1/forged/bad$d" 2>/dev/null)" ] ||
	    bad="$bad bad$d"
done
if [ -z "$bad" ] && [ "$(cat "$S1/forged/good")" = fine ]; then
	ok "directories holding bad names show empty; the good file beside them reads"
else notok "directories holding bad names show empty; the good file beside them reads ($bad)"; fi
n=$(grep -c "holds names that are not one path component" "$T/m.out")
if [ "$n" -ge 6 ]; then ok "each of them is reported ($n reports)"
else notok "each of them is reported ($n reports)"; sed 's/^/#   /' "$T/m.out"; fi
if [ -z "$(find "$TESTTMP" / -maxdepth 1 -name 'escape*' 2>/dev/null)" ] &&
    [ ! -e "$O/abs" ] && [ "$(cat "$O/outf")" = original ]; then
	ok "nothing appears outside"
else notok "nothing appears outside"; fi
if [ -L "$S2/forged/a/evil" ] && [ "$(readlink "$S2/forged/a/evil")" = "$O" ] &&
    [ "$(readlink "$S2/forged/a/rel")" = ../../../../outside/outf ]; then
	ok "symlinks out of the snapshot are shown as symlinks with their targets"
else notok "symlinks out of the snapshot are shown as symlinks with their targets"; fi
i1=$(stat -c %i "$S2/forged/l1/x") i2=$(stat -c %i "$S2/forged/l2/y")
if [ -n "$i1" ] && [ "$i1" = "$i2" ] && [ "$(cat "$S2/forged/l2/y")" = first ]; then
	ok "a hard-link group across directories is one inode"
else notok "a hard-link group across directories is one inode"; fi
if ! cat "$S2/forged/huge" >/dev/null 2>"$T/e" && grep -q "Input/output error" "$T/e" &&
    [ -z "$(ls -A "$S2/forged/vast" 2>/dev/null)" ] &&
    [ "$(cat "$S2/forged/ok2")" = fine2 ]; then
	ok "a file and a tree claiming 4 GiB fail (EIO, empty); the rest reads"
else notok "a file and a tree claiming 4 GiB fail (EIO, empty); the rest reads"; cat "$T/e" | sed 's/^/#   /'; fi
if [ -d "$S3/forged/up" ] && [ -z "$(ls -A "$S3/forged/up" 2>/dev/null)" ] &&
    grep -q "is forged" "$T/m.out"; then
	ok "a cycle (a tree stored as its own subtree) is refused as forged and shows empty"
else notok "a cycle (a tree stored as its own subtree) is refused as forged and shows empty"
	sed 's/^/#   /' "$T/m.out"; fi
wk=$(pgrep -P "$kh" | head -1)
hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$wk/status")
if [ -n "$hwm" ] && [ "$hwm" -lt 131072 ]; then ok "the worker's peak RSS stays under 128 MiB (${hwm} KiB)"
else notok "the worker's peak RSS stays under 128 MiB (${hwm:-?} KiB)"; fi
kill -TERM "$kh"
wait "$kh"
rc=$?
if [ "$rc" = 14 ] && ! grep -q " $M " /proc/mounts; then
	ok "SIGTERM unmounts; exit 14: damage was seen"
else notok "SIGTERM unmounts; exit 14: damage was seen (exit $rc)"; sed 's/^/#   /' "$T/m.out"; fi
