#!/bin/sh
# 111-netfs.sh: a repository on a FUSE file system that behaves like the
# sshfs and rclone mounts users keep repositories on (issue 18): bindfs,
# which refuses RENAME_NOREPLACE and whose locks are this kernel's alone.
# init, backup, snapshots, ls, restore (bit for bit), check --read-data,
# forget, prune, a second check and restore, and check --same-as against
# a local rsync copy all work there; -v says what the file system lacked
# (RENAME_NOREPLACE, checked name) and that its lock keeps out runs on
# this computer only.  A directory whose fsync fails with EINVAL (as on
# some network file systems; strace injects it) no longer fails the
# backup: -v says its entries are as durable as the file system makes
# them.  Root only (a FUSE mount).
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
	ok "# SKIP not root: mounting a FUSE file system needs root here"
	exit 0
fi
if [ ! -c /dev/fuse ]; then ok "# SKIP no /dev/fuse here"; exit 0; fi
if ! command -v bindfs >/dev/null; then
	ok "# SKIP bindfs is missing (Debian: bindfs; make deps)"
	exit 0
fi
U=$T/under M=$T/mnt R=$T/mnt/repo SRC=$T/src D=$T/out
mkdir -p "$U" "$M" "$SRC/sub"
trap 'umount "$M" 2>/dev/null || umount -l "$M" 2>/dev/null' EXIT
if ! bindfs "$U" "$M" >"$T/fuse.out" 2>&1 ||
    ! grep -q " $M fuse" /proc/mounts; then
	ok "# SKIP bindfs cannot mount here: $(tr '\n' ' ' <"$T/fuse.out")"
	exit 0
fi
head -c 3000000 /dev/urandom >"$SRC/big"
echo small >"$SRC/sub/small"

xcode 0 "init on the bindfs mount" tp init -q -r "$R" $FAST
tp backup -v -r "$R" "$SRC" >"$T/b.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ]; then ok "backup onto it"
else notok "backup onto it (exit $rc)"; sed 's/^/#   /' "$T/b.out"; fi
if grep -q "is on a FUSE file system: the repository lock keeps out" \
    "$T/b.out"; then ok "-v says the lock keeps out runs on this computer only"
else notok "-v: no note on the FUSE lock"; sed 's/^/#   /' "$T/b.out"; fi
if grep -q "refused RENAME_NOREPLACE" "$T/b.out"; then
	ok "-v says the file system refused RENAME_NOREPLACE"
else notok "-v: no note on RENAME_NOREPLACE"; sed 's/^/#   /' "$T/b.out"; fi
echo changed >>"$SRC/sub/small"
xcode 0 "a second backup" tp backup -q -r "$R" "$SRC"
tp snapshots -r "$R" >"$T/s.out" 2>&1
if grep -q "^2 snapshots$" "$T/s.out"; then ok "snapshots lists both"
else notok "snapshots"; sed 's/^/#   /' "$T/s.out"; fi
xcode 0 "ls" tp ls -q -r "$R" latest
xcode 0 "check --read-data" tp check -q -r "$R" --read-data
rm -rf "$D"
if tp restore -q -r "$R" latest --target "$D" &&
    diff -r "$SRC" "$D/src" >/dev/null; then
	ok "restore from it is bit for bit"
else notok "restore from the bindfs repository"; fi
xcode 0 "forget --keep-last 1" tp forget -q -r "$R" --keep-last 1
xcode 0 "prune" tp prune -q -r "$R"
xcode 0 "check --read-data after the prune" tp check -q -r "$R" --read-data
rm -rf "$D"
if tp restore -q -r "$R" latest --target "$D" &&
    diff -r "$SRC" "$D/src" >/dev/null; then
	ok "restore after the prune is bit for bit"
else notok "restore after the prune"; fi
rsync -a "$R/" "$T/local/"
xcode 0 "check --same-as a local rsync copy" \
    tp check -q -r "$R" --same-as "$T/local"

# A directory fsync refused with EINVAL (every fsync of snapshots/).
if command -v strace >/dev/null; then
	echo again >>"$SRC/sub/small"
	printf '%s\n' "$PW" >"$T/pw"
	env "$NOLEAK" strace -f -qq -o /dev/null -P "$R/snapshots" \
	    -e trace=fsync -e inject=fsync:error=EINVAL:syscall=getpid \
	    "$TACIT" backup -v -r "$R" "$SRC" --passphrase-fd 3 3<"$T/pw" \
	    >"$T/f.out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && grep -q "cannot sync a directory" "$T/f.out"
	then ok "a directory fsync refused (EINVAL): the backup goes on, -v says so"
	else notok "directory fsync EINVAL (exit $rc)"
		sed 's/^/#   /' "$T/f.out"; fi
	xcode 0 "check after it" tp check -q -r "$R"
else
	ok "# SKIP strace is missing: no directory fsync refused"
fi
