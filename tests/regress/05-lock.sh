#!/bin/sh
# 05-lock.sh: the repository lock (doc/format.md, "The lock": POSIX record
# locks on bytes 0 and 1 of REPO/lock).  Readers share byte 1; a writer
# that only adds (backup, key add) holds byte 0 alone and shares byte 1; a
# writer that removes or rewrites (key remove, key passwd) holds both
# alone.  While a remover holds it every command exits 11 saying
# "locked" (after --lock-wait seconds if given) and names the holder's pid
# and command; readers let everyone in but a remover; an adder lets
# readers in (they see the last committed snapshot: snapshots, ls, log,
# restore and check all work during a backup, and check finds no damage
# in its uncommitted packs and index) but no other writer; a killed holder
# leaves no stale lock; the lock file never gets content.  The holders
# here are independent implementations of the protocol (python3's lockf).
. "$(dirname "$0")/lib.sh"

PW2="lock test second passphrase"
R=$T/repo
mkrepo "$R" || notok "setup: init"

holder=
# hold MODE: hold the lock in the background as MODE (read, add or
# remove) would.  The holder is one process that takes the locks, says so
# by creating $T/held, then sleeps, so killing $holder drops the lock.
hold() {
	rm -f "$T/held"
	python3 -S -c '
import fcntl, os, sys, time
mode, path, flag = sys.argv[1:4]
fd = os.open(path, os.O_RDONLY if mode == "read" else os.O_RDWR)
if mode == "read":
    fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB, 1, 1)
elif mode == "add":
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 0)
    fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB, 1, 1)
else:
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 2, 0)
open(flag, "w").close()
time.sleep(60)' "$1" "$R/lock" "$T/held" &
	holder=$!
	i=0
	while [ ! -e "$T/held" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -e "$T/held" ] || notok "setup: could not take the lock as $1"
}
release() {
	[ -n "$holder" ] && kill -9 "$holder" 2>/dev/null && wait "$holder" 2>/dev/null
	holder=
}
trap 'release; [ -n "${slow:-}" ] && kill -KILL "-$slow" 2>/dev/null' EXIT

addkey() {
	printf '%s\n%s\n' "$PW" "$PW2" | "$TACIT" key add -r "$R" \
	    --passphrase-fd 0 --new-passphrase-fd 0 $FAST "$@"
}

# --- a remover holds it ------------------------------------------------------------
hold remove
before=$(treesum "$R")
addkey >"$T/out" 2>&1
rc=$?
if [ "$rc" -eq 11 ] && grep -q "locked" "$T/out"; then
	ok "key add while the lock is held exclusively exits 11, says locked"
else notok "key add while the lock is held exclusively exits 11 (exit $rc)"
	sed 's/^/#   /' "$T/out"; fi
if grep -q "locked by pid $holder (python3), which is removing" "$T/out" &&
    grep -q -- "--lock-wait" "$T/out"; then
	ok "the message names the holder (pid $holder, python3), what it does, and --lock-wait"
else notok "the message names the holder (pid $holder, python3) and --lock-wait"
	sed 's/^/#   /' "$T/out"; fi
if [ "$(treesum "$R")" = "$before" ]; then
	ok "the refused key add changed nothing"
else notok "the refused key add changed nothing"; fi
t0=$(now_ms)
addkey --lock-wait 1 >"$T/out" 2>&1
rc=$?
dt=$(( $(now_ms) - t0 ))
if [ "$rc" -eq 11 ] && grep -q "locked" "$T/out"; then
	ok "key add --lock-wait 1 still exits 11 when the lock stays held"
else notok "key add --lock-wait 1 still exits 11 (exit $rc)"
	sed 's/^/#   /' "$T/out"; fi
if [ "$dt" -ge 900 ] && [ "$dt" -lt 4000 ]; then
	ok "--lock-wait 1 waits about one second (${dt} ms)"
else notok "--lock-wait 1 waits about one second (${dt} ms)"; fi
tp key list -r "$R" >"$T/out" 2>&1
rc=$?
if [ "$rc" -eq 11 ] && grep -q "locked" "$T/out"; then
	ok "key list (shared lock) is refused while held exclusively (exit 11)"
else notok "key list (shared lock) is refused while held exclusively (exit $rc)"
	sed 's/^/#   /' "$T/out"; fi
xcode 11 "key recovery is refused while held exclusively" \
    tp key recovery -r "$R" $FAST
if ! grep -q "Recovery key" "$T/.out"; then
	ok "no recovery key is printed when the lock is refused"
else notok "no recovery key is printed when the lock is refused"; fi
for c in snapshots check; do
	xcode 11 "$c is refused while a remover holds the lock" tp $c -r "$R"
done

# --lock-wait succeeds when the holder goes away during the wait.
( sleep 1; kill -9 "$holder" ) &
killer=$!
t0=$(now_ms)
tp key list -r "$R" --lock-wait 10 >"$T/out" 2>&1
rc=$?
dt=$(( $(now_ms) - t0 ))
wait "$killer"
wait "$holder" 2>/dev/null
holder=
if [ "$rc" -eq 0 ] && [ "$dt" -lt 8000 ]; then
	ok "--lock-wait 10 gets the lock once the holder dies (${dt} ms)"
else notok "--lock-wait 10 gets the lock once the holder dies (exit $rc, ${dt} ms)"
	sed 's/^/#   /' "$T/out"; fi

# --- a reader holds it ----------------------------------------------------------------
hold read
xcode 0 "key list works while another reader holds the lock" \
    tp key list -r "$R"
xcode 0 "snapshots works while another reader holds the lock" \
    tp snapshots -r "$R"
n0=$(slots "$R" | wc -l)
addkey >"$T/out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && [ "$(slots "$R" | wc -l)" -eq $((n0 + 1)) ]; then
	ok "key add (it only adds a slot) works while a reader holds the lock"
else notok "key add works while a reader holds the lock (exit $rc)"
	sed 's/^/#   /' "$T/out"; fi
n0=$(slots "$R" | wc -l)
victim=$(slots "$R" | tail -n 1)
tp key remove -r "$R" "$victim" >"$T/out" 2>&1
rc=$?
if [ "$rc" -eq 11 ] && [ "$(slots "$R" | wc -l)" -eq "$n0" ] &&
    grep -q "pid $holder (python3), which is reading" "$T/out"; then
	ok "key remove is refused while a reader holds the lock (exit 11, names pid $holder)"
else notok "key remove is refused while a reader holds the lock (exit $rc)"
	sed 's/^/#   /' "$T/out"; fi

# --- an adder holds it ---------------------------------------------------------------
release
hold add
xcode 0 "snapshots works while a backup (an adder) holds the lock" \
    tp snapshots -r "$R"
xcode 0 "check works while a backup holds the lock" tp check -r "$R"
addkey >"$T/out" 2>&1
rc=$?
if [ "$rc" -eq 11 ] && grep -q "pid $holder (python3), which is adding" "$T/out"; then
	ok "key add is refused while another adder holds the lock (exit 11, names it)"
else notok "key add is refused while another adder holds the lock (exit $rc)"
	sed 's/^/#   /' "$T/out"; fi
xcode 11 "key remove is refused while an adder holds the lock" \
    tp key remove -r "$R" "$victim"

# --- a killed holder: no stale lock ----------------------------------------------------
release
hold remove
kill -9 "$holder"
wait "$holder" 2>/dev/null
holder=
t0=$(now_ms)
addkey >"$T/out" 2>&1
rc=$?
dt=$(( $(now_ms) - t0 ))
if [ "$rc" -eq 0 ] && [ "$(slots "$R" | wc -l)" -eq $((n0 + 1)) ]; then
	ok "after the holder is killed (-9) key add succeeds at once (${dt} ms)"
else notok "after the holder is killed (-9) key add succeeds at once (exit $rc)"
	sed 's/^/#   /' "$T/out"; fi
xcode 0 "after the holder is killed key list succeeds" tp key list -r "$R"
if [ -f "$R/lock" ] && [ ! -s "$R/lock" ]; then ok "the lock file is still empty"
else notok "the lock file is still empty ($(fsize "$R/lock") bytes)"; fi

# --- a FIFO planted as the lock: refused at once, never opened (it would block
# a writer's open without O_NONBLOCK, and a device node could act on open)
cp -a "$R" "$T/fifo"
rm "$T/fifo/lock"
mkfifo "$T/fifo/lock"
timeout 20 sh -c 'printf "%s\n" "$1" | "$2" snapshots -r "$3" --passphrase-fd 0' \
    sh "$PW" "$TACIT" "$T/fifo" >"$T/out" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && grep -q "lock is not a regular file" "$T/out"; then
	ok "a FIFO as the lock: exit 1 at once, 'not a regular file'"
else notok "a FIFO as the lock (exit $rc)"; sed 's/^/#   /' "$T/out"; fi

# --- readers beside a running backup ------------------------------------------------
# A real backup, stopped by strace just before it renames its snapshot
# into place: its packs and index segment are written, its snapshot not.
SRC=$T/src
mkdir -p "$SRC"
head -c 300000 /dev/urandom >"$SRC/one"
echo two >"$SRC/two"
tp backup -q -r "$R" "$SRC" >/dev/null 2>&1 || notok "setup: first backup"
first=$(ls "$R/snapshots" | cut -c1-8)
head -c 400000 /dev/urandom >"$SRC/three"
if ! command -v strace >/dev/null; then
	ok "# SKIP strace is missing: no backup can be held at its commit"
elif ! paused_backup "$R" "$SRC" || ! paused_committing "$R"; then
	notok "setup: the paused backup never came to its commit"
	sed 's/^/#   /' "$T/slow.out"
else
	bpid=$(lock_pid "$R/lock")
	tp snapshots -r "$R" >"$T/out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && grep -q "^$first " "$T/out" &&
	    grep -q "^1 snapshot$" "$T/out"; then
		ok "snapshots works while a backup runs: the committed snapshot only"
	else notok "snapshots while a backup runs (exit $rc)"
		sed 's/^/#   /' "$T/out"; fi
	tp ls -r "$R" latest >"$T/out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && grep -q "/src/two$" "$T/out" &&
	    ! grep -q "/src/three$" "$T/out"; then
		ok "ls latest works while a backup runs: the last committed snapshot"
	else notok "ls latest while a backup runs (exit $rc)"
		sed 's/^/#   /' "$T/out"; fi
	xcode 0 "log latest works while a backup runs" tp log -r "$R" latest
	tp restore -q -r "$R" latest --target "$T/dst" >"$T/out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && cmp -s "$SRC/one" "$T/dst/src/one" &&
	    [ ! -e "$T/dst/src/three" ]; then
		ok "restore works while a backup runs: the last committed snapshot"
	else notok "restore while a backup runs (exit $rc)"
		sed 's/^/#   /' "$T/out"; fi
	tp check -v -r "$R" >"$T/out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && grep -q " 0 problems;" "$T/out" &&
	    ! grep -q -i "damaged\|missing\|error" "$T/out"; then
		ok "check while a backup runs: exit 0, its uncommitted packs and index are no damage"
	else notok "check while a backup runs (exit $rc)"
		sed 's/^/#   /' "$T/out"; fi
	tp backup -q -r "$R" "$SRC" >"$T/out" 2>&1
	rc=$?
	if [ "$rc" -eq 11 ] && grep -q "locked by pid $bpid (tacit-worker), which is adding" "$T/out"; then
		ok "a second backup is refused (exit 11), naming the running one (pid $bpid)"
	else notok "a second backup is refused naming pid $bpid (exit $rc)"
		sed 's/^/#   /' "$T/out"; fi
	if holds_lock "$R/lock" && [ "$(lock_pid "$R/lock")" = "$bpid" ] &&
	    ! ls "$R/snapshots" | grep -qv "^$first"; then
		ok "the backup was still running, uncommitted, through all of this"
	else notok "the backup was still running, uncommitted, through all of this"; fi
	paused_end "$R" || notok "setup: the killed backup still holds the lock"
	xcode 0 "check passes after the paused backup is killed" tp check -r "$R"
fi

# --- the lock file as a source -------------------------------------------------
# Record locks belong to the process: closing any descriptor of the lock
# file drops them all.  A backup whose source holds the lock file (named,
# or a hard link to it) must not open it, or a second backup (and a key
# remove) would run beside it.
R2=$T/repo-self
mkrepo "$R2"
SRC2=$T/src-self
mkdir -p "$SRC2"
echo data >"$SRC2/data"
if ! command -v strace >/dev/null; then
	ok "# SKIP strace is missing: no backup can be held at its commit"
elif ! ln "$R2/lock" "$SRC2/lock-link" 2>/dev/null; then
	ok "# SKIP the test directory takes no hard link"
elif ! paused_backup "$R2" "$SRC2" || ! paused_committing "$R2"; then
	notok "setup: the paused backup of a hard link to the lock never came to its commit"
	sed 's/^/#   /' "$T/slow.out"
else
	tp backup -q -r "$R2" "$SRC2/data" >"$T/out" 2>&1
	rc=$?
	if [ "$rc" -eq 11 ] && holds_lock "$R2/lock"; then
		ok "a backup of a hard link to the lock keeps its lock: a second backup exits 11"
	else notok "a backup of a hard link to the lock lost its lock: a second backup exited $rc"
		sed 's/^/#   /' "$T/out"; fi
	paused_end "$R2" || notok "setup: the killed backup still holds the lock"
	tp backup -r "$R2" "$SRC2" "$R2/lock" >"$T/out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && grep -q "lock-link: the repository's lock file, not backed up" "$T/out" &&
	    grep -q "/lock: the repository's lock file, not backed up" "$T/out"; then
		ok "the lock file, named or linked, is left out with a warning (exit 0)"
	else notok "the lock file as a source (exit $rc)"
		sed 's/^/#   /' "$T/out"; fi
fi

# --- two inits on one directory -----------------------------------------------
# An init holds the lock from the moment it makes the lock file to its end;
# a second init on the same directory meanwhile sees the first's keys/ and
# lock, but must not clear them as an interrupted init's: it is refused
# (exit 11, naming the first), removes nothing, and the first completes.
# The first is held just before it renames its key slot into keys/ (strace
# delays that rename by 15 s).
I=$T/twoinit
if ! command -v strace >/dev/null || ! command -v setsid >/dev/null; then
	ok "# SKIP strace or setsid is missing: no init can be held"
else
	printf '%s\n' "$PW" >"$T/.ipw"
	setsid env "$NOLEAK" strace -f -qq -o /dev/null \
	    -P "$I/keys" -e trace=renameat2 \
	    -e inject=renameat2:delay_enter=15000000 \
	    "$TACIT" init -q -r "$I" $FAST --passphrase-fd 3 3<"$T/.ipw" \
	    >"$T/init1.out" 2>&1 &
	first=$!
	_i=0
	while ! { [ -f "$I/lock" ] && holds_lock "$I/lock"; } 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -lt 1500 ] || break
		sleep 0.02
	done
	ipid=$(lock_pid "$I/lock" 2>/dev/null)
	tp init -r "$I" $FAST >"$T/init2.out" 2>&1
	rc=$?
	if [ -n "$ipid" ] && [ "$rc" -eq 11 ] &&
	    grep -q "locked by pid $ipid" "$T/init2.out"; then
		ok "a second init while the first makes its files is refused (exit 11), naming it"
	else notok "a second init during the first (exit $rc, holder ${ipid:-none})"
		sed 's/^/#   /' "$T/init2.out"; fi
	wait "$first"
	rc=$?
	top=$(ls -A "$I" | tr '\n' ' ')
	if [ "$rc" -eq 0 ] && [ "$top" = "config copy header keys lock " ] &&
	    tp key list -r "$I" >"$T/out" 2>&1; then
		ok "the first init then completes, and its repository unlocks"
	else notok "the first init after the second (exit $rc; holds: $top)"
		sed 's/^/#   /' "$T/init1.out" "$T/out"; fi
fi
