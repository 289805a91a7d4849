#!/bin/sh
# 112-netfs-lock.sh: the repository lock on a FUSE file system (issue 18).
# On a bindfs mount, a backup that holds the lock keeps a second backup
# and a prune out (exit 11, the holder named) while a reader runs beside
# it; on a bindfs mount with --enable-lock-forwarding the lock reaches
# the directory underneath too, so a backup through that directory is
# kept out as well (without forwarding it would not be: README says so).
# A file system with no locks at all (ENOLCK, as NFS mounted nolock;
# strace injects it on the lock file): a writer refuses with a message
# that says why and changes nothing, a reader goes on with a warning.
# Root only (a FUSE mount).
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
	ok "# SKIP not root: mounting a FUSE file system needs root here"
	exit 0
fi
if [ ! -c /dev/fuse ]; then ok "# SKIP no /dev/fuse here"; exit 0; fi
for p in bindfs strace; do
	if ! command -v $p >/dev/null; then
		ok "# SKIP $p is missing (Debian: $p; make deps)"
		exit 0
	fi
done
U=$T/under M=$T/mnt R=$T/mnt/repo SRC=$T/src
mkdir -p "$U" "$M" "$SRC"
slow=
cleanup() {
	[ -n "$slow" ] && kill -KILL -"$slow" 2>/dev/null
	umount "$M" 2>/dev/null || umount -l "$M" 2>/dev/null
}
trap cleanup EXIT
if ! bindfs "$U" "$M" >"$T/fuse.out" 2>&1 ||
    ! grep -q " $M fuse" /proc/mounts; then
	ok "# SKIP bindfs cannot mount here: $(tr '\n' ' ' <"$T/fuse.out")"
	exit 0
fi
head -c 2000000 /dev/urandom >"$SRC/big"
mkrepo "$R" || { notok "setup: init on bindfs"; exit 0; }
tp backup -q -r "$R" "$SRC" || notok "setup: a first backup on bindfs"
head -c 2000000 /dev/urandom >"$SRC/more"

# --- two writers through the mount ---------------------------------------
if paused_backup "$R" "$SRC"; then
	tp backup -q -r "$R" "$SRC" >"$T/b2.out" 2>&1
	rc=$?
	if [ "$rc" -eq 11 ] && grep -q "pid $slow\|pid [0-9]" "$T/b2.out"
	then ok "a second backup through the mount is kept out (exit 11, holder named)"
	else notok "second backup on bindfs (exit $rc)"
		sed 's/^/#   /' "$T/b2.out"; fi
	xcode 11 "a prune through the mount is kept out" tp prune -q -r "$R"
	xcode 0 "a reader runs beside the backup" tp snapshots -q -r "$R"
	kill -KILL -"$slow" 2>/dev/null
	wait "$slow" 2>/dev/null
	slow=
else
	notok "setup: the paused backup never took the lock on bindfs"
	kill -KILL -"$slow" 2>/dev/null
	slow=
fi
xcode 0 "check after the killed backup" tp check -q -r "$R"

# --- lock forwarding: the directory underneath sees the lock -------------
umount "$M"
if bindfs --multithreaded --enable-lock-forwarding "$U" "$M" >"$T/fuse.out" 2>&1 &&
    grep -q " $M fuse" /proc/mounts; then
	# The forwarded lock is the underlying file's (held by bindfs):
	# /proc/locks shows it there.  As paused_backup, watching it.
	printf '%s\n' "$PW" >"$T/.slowpw"
	setsid strace -f -qq -o /dev/null -P "$R/snapshots" \
	    -e trace=renameat2 -e inject=renameat2:delay_enter=60000000 \
	    "$TACIT" backup -q -r "$R" "$SRC" --passphrase-fd 3 \
	    3<"$T/.slowpw" >"$T/slow.out" 2>&1 &
	slow=$!
	i=0
	while ! holds_lock "$U/repo/lock" && [ $i -lt 1500 ]; do
		i=$((i + 1))
		sleep 0.02
	done
	if holds_lock "$U/repo/lock"; then
		xcode 11 "with --enable-lock-forwarding, a backup through the directory underneath is kept out" \
		    tp backup -q -r "$U/repo" "$SRC"
		kill -KILL -"$slow" 2>/dev/null
		wait "$slow" 2>/dev/null
		slow=
	else
		notok "setup: the paused backup never took the lock (forwarding)"
		kill -KILL -"$slow" 2>/dev/null
		slow=
	fi
else
	ok "# SKIP bindfs --multithreaded --enable-lock-forwarding cannot mount here"
	bindfs "$U" "$M" >/dev/null 2>&1
fi

# --- a file system without locks ------------------------------------------
nolock() {
	printf '%s\n' "$PW" >"$T/pw"
	env "$NOLEAK" strace -f -qq -o /dev/null -P "$R/lock" -e trace=fcntl \
	    -e inject=fcntl:error=ENOLCK:syscall=getpid \
	    "$TACIT" "$@" --passphrase-fd 3 3<"$T/pw" >"$T/n.out" 2>&1
}
before=$(ls "$R/snapshots" | wc -l)
nolock backup -q -r "$R" "$SRC"
rc=$?
if [ "$rc" -eq 1 ] && grep -q "offers no locks" "$T/n.out" &&
    [ "$(ls "$R/snapshots" | wc -l)" -eq "$before" ]; then
	ok "no locks: a backup refuses (exit 1), says why, commits nothing"
else notok "no locks: backup (exit $rc)"; sed 's/^/#   /' "$T/n.out"; fi
nolock prune -q -r "$R"
rc=$?
if [ "$rc" -eq 1 ] && grep -q "offers no locks" "$T/n.out"; then
	ok "no locks: a prune refuses (exit 1)"
else notok "no locks: prune (exit $rc)"; sed 's/^/#   /' "$T/n.out"; fi
nolock check -r "$R"
rc=$?
if [ "$rc" -eq 0 ] && grep -q "offers no locks.*reading without one" \
    "$T/n.out"; then
	ok "no locks: check reads on, with a warning"
else notok "no locks: check (exit $rc)"; sed 's/^/#   /' "$T/n.out"; fi
