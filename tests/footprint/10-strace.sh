#!/bin/sh
# footprint/10-strace.sh: every command, traced with strace -f, with HOME,
# the XDG directories and TMPDIR pointed at empty directories: no file
# system write, create, rename, unlink, truncate, link, chmod, chown or
# utimes happens outside the repository (or the restore target), the empty
# directories stay empty, and no access time changes in the source (but a
# symlink's: the kernel moves it on every readlink and offers no
# O_NOATIME for that; threat-model.md says so), also on a terminal, where
# a second thread counts the sources for the progress line.
. "$(dirname "$0")/../regress/lib.sh"

if ! command -v strace >/dev/null; then
	ok "# SKIP strace is not installed"
	exit 0
fi
AUDIT=$(cd "$(dirname "$0")" && pwd)/audit.py
R=$T/repo
D=$T/restored
mkdir -p "$T/home" "$T/tmp" "$T/xdg" "$T/src/dir"
printf '%s\n' "$PW" >"$T/pw"
printf 'content\n' >"$T/src/dir/file"
head -c 3000000 /dev/urandom >"$T/src/big"
ln -s dir/file "$T/src/link"
# Old access times, so a read that moved them would show (relatime too).
find "$T/src" -exec touch -h -a -d '2001-01-01 00:00:00' {} +
find "$T/src" ! -type l -exec stat -c '%n %X' {} + | sort >"$T/atime.before"
export HOME="$T/home" TMPDIR="$T/tmp" XDG_CONFIG_HOME="$T/xdg/config" \
    XDG_CACHE_HOME="$T/xdg/cache" XDG_DATA_HOME="$T/xdg/data" \
    XDG_STATE_HOME="$T/xdg/state" XDG_RUNTIME_DIR="$T/xdg/run"

n=0
audit() {	# description, allowed prefixes..., --, command...
	desc=$1
	shift
	allowed=
	while [ "$1" != -- ]; do
		allowed="$allowed $1"
		shift
	done
	shift
	n=$((n + 1))
	# LeakSanitizer cannot run under ptrace (ASan builds only).
	ASAN_OPTIONS=detect_leaks=0 \
	strace -f -qq -y -e status=successful -o "$T/trace.$n" \
	    -e trace=%file,%desc,write,pwrite64,writev,ftruncate,fchmod,fchown,fsetxattr,fremovexattr,fsync,unshare,mount \
	    "$@" >"$T/out.$n" 2>&1
	rc=$?
	if [ $rc -ne 0 ]; then
		notok "$desc (exit $rc)"
		sed 's/^/#   /' "$T/out.$n" | head -5
		return
	fi
	# shellcheck disable=SC2086
	if python3 "$AUDIT" "$T/trace.$n" $allowed >"$T/audit.$n"; then
		ok "$desc: no write outside$allowed"
	else
		notok "$desc wrote outside its place:"
		sed 's/^/#   /' "$T/audit.$n"
	fi
}

audit "init" "$R" -- "$TACIT" init -q -r "$R" $FAST --passphrase-fd 3 3<"$T/pw"
audit "backup" "$R" -- "$TACIT" backup -q -r "$R" "$T/src" \
    --passphrase-fd 3 3<"$T/pw"
audit "second backup" "$R" -- "$TACIT" backup -q -r "$R" "$T/src" \
    --passphrase-fd 3 3<"$T/pw"
first=$("$TACIT" snapshots -r "$R" --json --passphrase-fd 3 3<"$T/pw" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["id"])')
# The list from a pipe: the keyholder holds it in memory (a memfd).
audit "backup --files-from0 /dev/stdin" "$R" -- sh -c "printf '%s\\0' \
    '$T/src' | '$TACIT' backup -q -r '$R' --files-from0 /dev/stdin \
    --passphrase-fd 3 3<'$T/pw'"
# On a terminal (script(1) makes one): the progress line, and the thread
# that counts the sources for it beside the walk.
# A second source of 40 MB keeps the walk busy until the count is done
# (with 2.9 MiB the walk could end first and stop it: no totals).
mkdir -p "$T/src40"
head -c 40000000 /dev/urandom >"$T/src40/big"
if command -v script >/dev/null 2>&1; then
	audit "backup on a terminal (progress line, counting thread)" "$R" -- \
	    script -qec "'$TACIT' backup -r '$R' '$T/src' '$T/src40' --force \
	    --passphrase-fd 3 3<'$T/pw'" /dev/null
	grep -q ' 3/3 files' "$T/out.$n" &&
	    ok "the terminal run counted the sources (3/3 files)" ||
	    notok "the terminal run shows no totals: $(head -c 300 "$T/out.$n")"
else
	ok "backup on a terminal # SKIP script(1) is not installed"
fi
audit "snapshots" "$R" -- "$TACIT" snapshots -r "$R" --passphrase-fd 3 \
    3<"$T/pw"
audit "ls" "$R" -- "$TACIT" ls -r "$R" latest --passphrase-fd 3 3<"$T/pw"
audit "log" "$R" -- "$TACIT" log -r "$R" latest --passphrase-fd 3 3<"$T/pw"
# dump's plaintext goes to its stdout only (here a pipe); find and diff.
audit "dump of a file" "$R" -- sh -c "n=\$('$TACIT' dump -r '$R' latest \
    /src/big --passphrase-fd 3 3<'$T/pw' | wc -c); [ \$n -eq 3000000 ]"
audit "dump --archive tar" "$R" -- sh -c "'$TACIT' dump -r '$R' latest / \
    --archive tar --passphrase-fd 3 3<'$T/pw' | tar -t >/dev/null"
audit "find" "$R" -- "$TACIT" find -r "$R" 'f*' --passphrase-fd 3 3<"$T/pw"
audit "diff" "$R" -- "$TACIT" diff -r "$R" --metadata --json "$first" latest \
    --passphrase-fd 3 3<"$T/pw"
audit "stats" "$R" -- "$TACIT" stats -r "$R" --json --passphrase-fd 3 \
    3<"$T/pw"
# tag writes nothing in the repository but in snapshots/ (and opens the
# lock file for writing, which a write lock needs).
audit "tag" "$R/snapshots" "$R/lock" -- "$TACIT" tag -q -r "$R" latest \
    --add audited --passphrase-fd 3 3<"$T/pw"
audit "restore" "$D" -- "$TACIT" restore -q -r "$R" latest --target "$D" \
    --passphrase-fd 3 3<"$T/pw"
printf '%s\nsecond passphrase\n' "$PW" >"$T/pw2"
audit "key add" "$R" -- "$TACIT" key add -q -r "$R" $FAST \
    --passphrase-fd 3 --new-passphrase-fd 3 3<"$T/pw2"
audit "key list" "$R" -- "$TACIT" key list -r "$R" --passphrase-fd 3 3<"$T/pw"
audit "key recovery" "$R" -- "$TACIT" key recovery -q -r "$R" $FAST \
    --passphrase-fd 3 3<"$T/pw"
printf '%s\nthird passphrase\n' "$PW" >"$T/pw3"
audit "key passwd" "$R" -- "$TACIT" key passwd -q -r "$R" $FAST \
    --passphrase-fd 3 --new-passphrase-fd 3 3<"$T/pw3"
printf 'third passphrase\n' >"$T/pw"
audit "check --read-data" "$R" -- "$TACIT" check -r "$R" --read-data \
    --passphrase-fd 3 3<"$T/pw"
# check --same-as: B is only read (and its lock taken shared): nothing
# is written anywhere.
cp -a "$R" "$T/mirror"
audit "check --same-as" "$T/nowhere" -- "$TACIT" check -r "$R" \
    --same-as "$T/mirror" --passphrase-fd 3 3<"$T/pw"
# forget: removes only in snapshots/ (the lock is opened read-write).
# init --copy-chunker-from reads the source repository and writes only the
# new one; copy reads SRC and writes only DST (both keyholders: no file).
audit "init --copy-chunker-from" "$T/dst" -- "$TACIT" init -q -r "$T/dst" \
    $FAST --passphrase-fd 3 3<"$T/pw" --copy-chunker-from "$R" \
    --from-passphrase-fd 4 4<"$T/pw"
audit "copy" "$T/dst" -- "$TACIT" copy -q -r "$R" --to "$T/dst" \
    --passphrase-fd 3 3<"$T/pw" --to-passphrase-fd 4 4<"$T/pw"
audit "forget" "$R/snapshots" "$R/lock" -- "$TACIT" forget -q -r "$R" \
    --keep-last 1 --passphrase-fd 3 3<"$T/pw"
# prune, after a snapshot is removed as forget does: it writes and
# removes in packs/ and index/ only (and locks the lock file).
rm "$R/snapshots/$(ls "$R/snapshots" | head -n 1)"
audit "prune" "$R/packs/" "$R/index/" "$R/lock" -- "$TACIT" prune -q -r "$R" \
    --passphrase-fd 3 3<"$T/pw"
# forget --prune: removes in snapshots/, packs/ and index/ only.
printf 'changed\n' >>"$T/src/dir/file"
"$TACIT" backup -q -r "$R" "$T/src" --passphrase-fd 3 3<"$T/pw" ||
    notok "setup: a backup for forget --prune"
audit "forget --prune" "$R/snapshots/" "$R/packs/" "$R/index/" "$R/lock" -- \
    "$TACIT" forget -q -r "$R" --keep-last 1 --prune --passphrase-fd 3 \
    3<"$T/pw"
# repair writes only where its role may: index/ (and the lock), and for
# repair snapshots packs/ and snapshots/ too.
audit "repair index" "$R/index/" "$R/lock" -- "$TACIT" repair index -q \
    -r "$R" --passphrase-fd 3 3<"$T/pw"
# (Every pack lost: each snapshot is rewritten, empty, with a new pack,
# index and snapshot, and the old one removed.)
rm -f "$R"/packs/*/*
audit "repair snapshots --read-data --forget" "$R/index/" "$R/packs/" \
    "$R/snapshots/" "$R/lock" -- "$TACIT" repair snapshots -q -r "$R" \
    --read-data --forget --passphrase-fd 3 3<"$T/pw"
# repair metadata: a lost copy of the header rewritten, in the repository
# only (its role may write all of it: doc/format.md 2.1).
dd if=/dev/zero of="$R/header" bs=4096 count=1 conv=notrunc 2>/dev/null
audit "repair metadata" "$R/" -- "$TACIT" repair metadata -q -r "$R" \
    --passphrase-fd 3 3<"$T/pw"
cmp -s "$R/header" "$R/copy/header" || notok "repair metadata: header whole"
audit "doctor" -- "$TACIT" doctor
# repair data (no passphrase), a sector of a snapshot zeroed: it rewrites
# in packs/, index/ and snapshots/ only.
"$TACIT" backup -q -r "$R" "$T/src" --passphrase-fd 3 3<"$T/pw" ||
    notok "setup: a backup for repair data"
dd if=/dev/zero of="$(ls "$R"/snapshots/* | head -n 1)" bs=4096 count=1 \
    conv=notrunc 2>/dev/null
audit "repair data" "$R/index/" "$R/packs/" "$R/snapshots/" "$R/lock" -- \
    "$TACIT" repair data -q -r "$R" </dev/null
# repair data --verify-data (the keyholder unlocks and opens each
# object; the worker keeps the repair-data role): the same places only.
dd if=/dev/zero of="$(ls "$R"/snapshots/* | head -n 1)" bs=4096 count=1 \
    conv=notrunc 2>/dev/null
audit "repair data --verify-data" "$R/index/" "$R/packs/" "$R/snapshots/" \
    "$R/lock" -- "$TACIT" repair data -q -r "$R" --verify-data \
    --passphrase-fd 3 3<"$T/pw" </dev/null

# The repair above emptied every snapshot: a whole one for the mount.
"$TACIT" backup -q -r "$R" "$T/src" --passphrase-fd 3 3<"$T/pw" ||
    notok "setup: a backup for mount"

# mount (root, /dev/fuse): traced while the mount is read, then ended with
# SIGTERM; /dev/fuse (the FUSE connection) is no file of the file system.
if [ "$(id -u)" = 0 ] && [ -c /dev/fuse ]; then
	M=$T/mnt
	mkdir -p "$M"
	n=$((n + 1))
	ASAN_OPTIONS=detect_leaks=0 \
	strace -f -qq -y -e status=successful -o "$T/trace.$n" \
	    -e trace=%file,%desc,write,pwrite64,writev,ftruncate,fchmod,fchown,fsetxattr,fremovexattr,fsync,unshare,mount \
	    "$TACIT" mount -r "$R" "$M" --passphrase-fd 3 3<"$T/pw" \
	    >"$T/out.$n" 2>&1 &
	st=$!
	i=0
	while [ ! -e "$M/latest" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	ls -lR "$M/" >/dev/null 2>&1 && cat "$M"/latest/src/big "$M"/latest/src/dir/file >/dev/null 2>&1
	rd=$?
	kill -TERM "$(pgrep -P "$st" | head -1)" 2>/dev/null
	wait "$st"
	if [ $rd -ne 0 ] || grep -q " $M " /proc/mounts; then
		notok "mount, read through it, SIGTERM (read $rd)"
		sed 's/^/#   /' "$T/out.$n" | head -5
		umount -l "$M" 2>/dev/null
	elif python3 "$AUDIT" "$T/trace.$n" "$R" /dev/fuse >"$T/audit.$n"; then
		ok "mount, read through it, SIGTERM: no write outside $R"
	else
		notok "mount wrote outside its place:"
		sed 's/^/#   /' "$T/audit.$n"
	fi
else
	ok "mount # SKIP not root or no /dev/fuse"
fi

left=$(find "$T/home" "$T/tmp" "$T/xdg" -mindepth 1 2>/dev/null)
[ -z "$left" ] && ok "HOME, XDG directories and TMPDIR are still empty" ||
    notok "left behind: $left"
find "$T/src" ! -type l -exec stat -c '%n %X' {} + | sort >"$T/atime.after"
if cmp -s "$T/atime.before" "$T/atime.after"; then
	ok "no access time changed in the source"
else
	notok "access times changed:"
	diff "$T/atime.before" "$T/atime.after" | sed 's/^/#   /' | head
fi
# Control: the audit does catch a write outside.
strace -f -qq -y -e status=successful -o "$T/trace.ctl" \
    -e trace=%file,%desc,write sh -c "echo x >'$T/tmp/stray'" 2>/dev/null
python3 "$AUDIT" "$T/trace.ctl" "$R" >/dev/null &&
    notok "control: the audit missed a write to TMPDIR" ||
    ok "control: the audit catches a write to TMPDIR"
