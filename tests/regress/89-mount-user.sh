#!/bin/sh
# 89-mount-user.sh: tacit mount by an unprivileged user (nobody), through
# fusermount3 (the worker runs it before it sets no_new_privs; the keeper
# runs fusermount3 -u at the end): the user reads the mounted snapshot,
# another user (uid 65533) cannot (no allow_other), and fusermount3 -u by
# the user ends it with exit 0.  Needs root to set up the users' view;
# skips with the reason when fusermount3 cannot mount here.  Where
# /dev/fuse is 0600 (a container without udev) it runs in a mount
# namespace of its own with a 0666 node bound over /dev/fuse.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then ok "# SKIP not root (89-mount-user switches to nobody)"; exit 0; fi
for p in setpriv fusermount3; do
	command -v $p >/dev/null || { ok "# SKIP $p is missing"; exit 0; }
done
[ -c /dev/fuse ] || { ok "# SKIP no /dev/fuse here"; exit 0; }
# A container without udev leaves /dev/fuse 0600 (root only), which
# fusermount3 cannot open for a user; a Debian system makes it 0666.  The
# test then runs in a mount namespace of its own where a 0666 node of the
# same device is bound over /dev/fuse: nothing changes for the machine.
if [ "$(stat -c %a /dev/fuse)" != 666 ] && [ -z "${TACIT_89_NS:-}" ]; then
	command -v unshare >/dev/null &&
	    mknod "$T/fuse" c $((0x$(stat -c %t /dev/fuse))) \
		$((0x$(stat -c %T /dev/fuse))) 2>/dev/null &&
	    chmod 0666 "$T/fuse" ||
	    { ok "# SKIP /dev/fuse is $(stat -c %a /dev/fuse) and no 0666 node can be made"; exit 0; }
	TACIT_89_NS=1 exec unshare -m --propagation private sh -c \
	    'mount --bind "$1" /dev/fuse && exec sh "$2"' sh "$T/fuse" "$0"
fi
as() { u=$1; shift; setpriv --reuid="$u" --regid="$u" --clear-groups "$@"; }

R=$T/repo S=$T/src M=$T/mnt
chmod 0711 "$TESTTMP" "$T"
mkdir -p "$S" "$M"
printf 'user data\n' >"$S/f"
chown -R 65534:65534 "$T"
printf '%s\n' "$PW" >"$T/pw"; chmod 0644 "$T/pw"
as 65534 "$TACIT" init -r "$R" $FAST --passphrase-fd 3 3<"$T/pw" >/dev/null 2>&1 &&
    as 65534 "$TACIT" backup -r "$R" "$S" --passphrase-fd 3 3<"$T/pw" >/dev/null 2>&1 ||
    { notok "setup: init and backup as nobody"; exit 0; }
as 65534 "$TACIT" mount -r "$R" "$M" --passphrase-fd 3 3<"$T/pw" >"$T/m.out" 2>&1 &
kh=$!
i=0
while ! grep -q " $M fuse" /proc/mounts && kill -0 "$kh" 2>/dev/null && [ $i -lt 300 ]; do
	sleep 0.1; i=$((i + 1)); done
if ! grep -q " $M fuse" /proc/mounts; then
	wait "$kh"
	if ! grep -q "fusermount3\|/dev/fuse" "$T/m.out"; then
		notok "tacit mount as a user"; sed 's/^/#   /' "$T/m.out"; exit 0
	fi
	ok "# SKIP fusermount3 cannot mount for a user here ($(stat -c '/dev/fuse mode %a' /dev/fuse): fusermount3 opens it with the user's ids; Debian's udev makes it 0666): $(head -1 "$T/m.out")"
	exit 0
fi
trap 'umount -l "$M" 2>/dev/null' EXIT
i=0
while ! as 65534 test -e "$M/latest" && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
if [ "$(as 65534 cat "$M/latest/src/f" 2>&1)" = "user data" ]; then
	ok "the user reads the snapshot through the mount"
else notok "the user reads the snapshot through the mount"; sed 's/^/#   /' "$T/m.out"; fi
if ! as 65533 ls "$M/" >/dev/null 2>&1 && ! as 65533 cat "$M/latest/src/f" >/dev/null 2>&1; then
	ok "another user cannot enter the mount"
else notok "another user cannot enter the mount"; fi
wk=$(pgrep -P "$kh" | head -1)
if [ "${CONF:-}" = san ]; then
	ok "the user's mount worker's sandbox # SKIP the SAN build has none (SANDBOX_OFF)"
elif [ -n "$wk" ] && grep -q '^Seccomp:[[:space:]]*2' "/proc/$wk/status" &&
    grep -q '^CapEff:[[:space:]]*0*$' "/proc/$wk/status"; then
	ok "the user's mount worker: Seccomp 2, no capabilities"
else notok "the user's mount worker: Seccomp 2, no capabilities"; fi
as 65534 fusermount3 -u "$M"
wait "$kh"
rc=$?
if [ $rc = 0 ] && ! grep -q " $M " /proc/mounts; then ok "fusermount3 -u by the user ends it, exit 0"
else notok "fusermount3 -u by the user ends it, exit 0 (exit $rc)"; sed 's/^/#   /' "$T/m.out"; fi
