#!/bin/sh
# 40-fuse.sh: a repository behind FUSE (issue 14).  A vfat image mounted
# by root through fusefat, without allow_other, admits no process whose
# uids and gids are not all root's, whatever its capabilities; the read
# worker used to become nobody there, and snapshots, ls, log and check
# failed with "Permission denied".  Now it keeps uid 0 there (and says so
# with -v): init, backup, snapshots, ls, log, check and restore all work,
# and restore gives back the files bit for bit.  Root only.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
	ok "# SKIP not root: mounting a FUSE file system for another user's test is not possible"
	exit 0
fi
for p in fusefat python3 setpriv; do
	if ! command -v $p >/dev/null; then
		ok "# SKIP $p is missing (Debian: fusefat, python3, util-linux)"
		exit 0
	fi
done
if [ ! -c /dev/fuse ]; then ok "# SKIP no /dev/fuse here"; exit 0; fi

M=$T/mnt R=$T/mnt/repo SRC=$T/src
mkdir -p "$M" "$SRC/sub"
trap 'umount "$M" 2>/dev/null || umount -l "$M" 2>/dev/null' EXIT
python3 -S "$(dirname "$0")/../tools/mkvfat.py" "$T/img" 64 ||
    { notok "setup: mkvfat.py"; exit 0; }
# fusefat goes to the background once mounted.
if ! fusefat -o rw+ "$T/img" "$M" >"$T/fuse.out" 2>&1 ||
    ! grep -q " $M fuse" /proc/mounts; then
	ok "# SKIP fusefat cannot mount here: $(tr '\n' ' ' <"$T/fuse.out")"
	exit 0
fi
if grep " $M fuse" /proc/mounts | grep -q allow_other; then
	notok "setup: the FUSE mount has allow_other"; fi
if setpriv --reuid=65534 --regid=65534 --clear-groups ls "$M" >/dev/null 2>&1; then
	notok "setup: nobody can read the FUSE mount (it should be refused)"
else ok "the FUSE mount refuses nobody (no allow_other): the case to test"; fi

head -c 300000 /dev/urandom >"$SRC/big"
echo small >"$SRC/sub/small"
xcode 0 "init on the FUSE repository" tp init -q -r "$R" $FAST
xcode 0 "backup onto it" tp backup -q -r "$R" "$SRC"
tp snapshots -v -r "$R" >"$T/out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -q "^1 snapshot$" "$T/out"; then
	ok "snapshots works as root on FUSE"
else notok "snapshots as root on FUSE (exit $rc)"; sed 's/^/#   /' "$T/out"; fi
if "$TACIT" version | grep -q "sandbox compiled out"; then
	ok "# SKIP a build without the sandbox keeps every id: no -v note"
elif grep -q "FUSE file system.*keeps uid and gid 0" "$T/out"; then
	ok "-v says the reading worker keeps uid 0 on FUSE"
else notok "-v says the reading worker keeps uid 0 on FUSE"
	sed 's/^/#   /' "$T/out"; fi
tp ls -r "$R" latest >"$T/out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -q "/src/sub/small$" "$T/out"; then
	ok "ls works on FUSE"
else notok "ls on FUSE (exit $rc)"; sed 's/^/#   /' "$T/out"; fi
xcode 0 "log works on FUSE" tp log -r "$R" latest
xcode 0 "check --read-data works on FUSE" tp check -r "$R" --read-data
xcode 0 "a second backup onto it (incremental)" tp backup -q -r "$R" "$SRC"
tp restore -q -r "$R" latest --target "$T/dst" >"$T/out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && diff -r "$SRC" "$T/dst/src" >/dev/null; then
	ok "restore from FUSE gives the files back bit for bit"
else notok "restore from FUSE (exit $rc)"; sed 's/^/#   /' "$T/out"; fi
xcode 0 "key list works on FUSE" tp key list -r "$R"
if [ -f "$R/lock" ] && [ ! -s "$R/lock" ]; then ok "the lock file is empty on FUSE too"
else notok "the lock file is empty on FUSE too"; fi
# The lock on FUSE: the kernel keeps the record locks (fusefat has none of
# its own), so a remover's lock held by another process refuses a reader.
rm -f "$T/held"
python3 -S -c '
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 2, 0)
open(sys.argv[2], "w").close()
time.sleep(60)' "$R/lock" "$T/held" &
holder=$!
i=0
while [ ! -e "$T/held" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
tp snapshots -r "$R" >"$T/out" 2>&1
rc=$?
if [ "$rc" -eq 11 ] && grep -q "pid $holder (python3)" "$T/out"; then
	ok "the lock works on FUSE: a remover's lock refuses snapshots, naming pid $holder"
else notok "the lock on FUSE (exit $rc)"; sed 's/^/#   /' "$T/out"; fi
kill -9 "$holder" 2>/dev/null
wait "$holder" 2>/dev/null || :
