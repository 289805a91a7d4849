#!/bin/sh
# 27-faults.sh: faults stop a backup with one clear message and no damage
# (P9).  Each of these must give the documented exit code, a message that
# names the cause, no snapshot that lies (a snapshot exists only if it
# restores bit for bit), and a repository that `check` passes and the
# next backup uses without repair:
#  - I/O errors on the repository, SQLite-style: an incremental backup is
#    traced once, then run again with an error injected (strace) into each
#    of its repository calls in turn: ENOSPC into every openat(O_CREAT),
#    write and mkdirat, EIO into every write, fsync and renameat2; then the
#    same with every fsync/renameat2/mkdirat failing from that call on (a
#    disk that is gone);
#  - out of space for real: a repository on a 2 MiB tmpfs (then grown);
#  - a read-only repository (tmpfs remounted ro): backup refuses, reading
#    commands work;
#  - the repository directory removed in the middle of a run;
#  - EIO reading a source file; a source file that shrinks, or vanishes,
#    in the middle of being read, and one that vanishes before it is
#    opened (partial snapshot, exit 3, restore names the file);
#  - a second backup while one runs: refused with exit 11, or waits with
#    --lock-wait; a backup killed with -9 leaves no stale lock (05-lock.sh
#    covers the lock itself).
# Errors are injected with :syscall=getpid, because the worker's seccomp
# filter kills it for the invalid syscall number strace uses by default.
if [ -z "${TACIT_FAULTS_NS:-}" ] &&
    unshare -m --propagation private true 2>/dev/null; then
	TACIT_FAULTS_NS=1 exec unshare -m --propagation private sh "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
# Repositories without parity (--parity 0): damage is met by the AEAD
# alone, as before parity; 120-parity.sh damages them with parity.
. "$(dirname "$0")/../tools/crash.sh"

if ! command -v strace >/dev/null; then
	ok "# SKIP strace is missing"; exit 0; fi
M=$T/mnt
trap 'umount -l "$M" 2>/dev/null' EXIT
R=$T/repo SRC=$T/src W=$T/w
tk init -q -r "$R" $FAST --parity 0 >/dev/null 2>&1 || notok "setup: init"
ds make "$SRC" 3 0.5
tk backup -q -r "$R" "$SRC" || notok "setup: backup"
record "$R"
# A pack's name is random and packs/XX is made when the first pack of shard
# XX comes, so whether a run makes a directory (a mkdirat and an fsync more)
# was chance: the traced run's calls were not always the faulted runs' calls
# (then "EIO from fsync #7 on" hit nothing and the run exited 0).  Here
# every shard exists beforehand; making one is faulted on its own below, in
# a new repository, where the first pack always makes its shard.
for h in 0 1 2 3 4 5 6 7 8 9 a b c d e f; do
	for l in 0 1 2 3 4 5 6 7 8 9 a b c d e f; do
		mkdir -p "$R/packs/$h$l"; done; done
ds edit "$SRC" 3 1

# one_message FILE ERRNOTEXT: exactly one "error:" line, naming the cause.
one_message() {
	[ "$(grep -c 'error:' "$1")" -eq 1 ] && grep -q "error:.*$2" "$1"
}

# after_fault DESC [partial]: the copy $W passes check, any snapshot it has
# restores bit for bit (with "partial": the failed run's snapshot is
# partial by design, and only the next one is compared), and the next
# backup works.
after_fault() {
	tk check -r "$W" >"$T/ck.out" 2>&1 ||
	    { notok "$1: check fails afterwards"; sed 's/^/#   /' "$T/ck.out"
	    return 1; }
	if [ -z "${2:-}" ]; then
		record "$W"
		for id in $(snaps "$W"); do
			verify "$W" "$id" || { notok "$1: snapshot $id differs"
			    sed 's/^/#   /' "$T/.diff" | head; return 1; }
		done
	fi
	snaps "$W" >"$T/known"
	tk backup -q -r "$W" "$SRC" >"$T/nx.out" 2>&1 ||
	    { notok "$1: the next backup fails"; sed 's/^/#   /' "$T/nx.out"
	    return 1; }
	[ -z "${2:-}" ] && return 0
	id=$(snaps "$W" | grep -v -x -f "$T/known")
	record "$W"
	verify "$W" "$id" || { notok "$1: the next snapshot $id differs"
	    sed 's/^/#   /' "$T/.diff" | head; return 1; }
}

# --- I/O errors on each repository call -----------------------------------
rm -rf "$W"
cp -a "$R" "$W"
repo_calls "$W" "$TACIT" backup -q -r "$W" "$SRC" --passphrase-fd 3 \
    3<"$T/pw" || notok "setup: traced backup"
nsnap=$(snaps "$R" | wc -l)
faults=0 bad=0 lies=0 i=0
# fault SYSCALL ERRNO WHEN TEXT: inject and judge one fault (on a copy of
# $FROM).
FROM=$R
fault() {
	rm -rf "$W"
	cp -a "$FROM" "$W"
	inject "$1" "$1" "$2" "$3" \
	    "$TACIT" backup -q -r "$W" "$SRC" --passphrase-fd 3 3<"$T/pw"
	rc=$?
	faults=$((faults + 1))
	d="$2 at $1 #$3"
	if [ "$rc" -ne 1 ] || ! one_message "$T/f.out" "$4"; then
		bad=$((bad + 1))
		notok "$d: exit $rc (wanted 1 and one message saying '$4')"
		sed 's/^/#   /' "$T/f.out"
		return
	fi
	# A snapshot the failed run left (the error hit only the last fsync of
	# the snapshots directory) must be whole.
	[ "$(snaps "$W" | wc -l)" -gt "$nsnap" ] && lies=$((lies + 1))
	after_fault "$d" || bad=$((bad + 1))
}
while read -r sc k; do
	i=$((i + 1))
	take $i || continue	# STRIDE (lib.sh)
	case $sc in
	openat|mkdirat)	fault "$sc" ENOSPC "$k" "the repository.s disk is full ([0-9]* MiB free); nothing was committed" ;;
	write)		fault "$sc" ENOSPC "$k" "the repository.s disk is full ([0-9]* MiB free); nothing was committed"
			fault "$sc" EIO "$k" "Input/output error" ;;
	fsync|renameat2) fault "$sc" EIO "$k" "Input/output error" ;;
	esac
done <"$T/calls"
n=$(wc -l <"$T/calls")
[ "$n" -ge 10 ] || notok "only $n repository calls found in the trace"
[ "$bad" -eq 0 ] && ok "$faults faults over $(each) of $n repository calls: exit 1, one message, check passes, the next backup works ($lies left a whole snapshot)"

# A disk that is gone: every fsync, renameat2 and mkdirat fails from the
# Nth on.
bad=0 gone=0
for sc in fsync renameat2 mkdirat; do
	k=1
	m=$(grep -c "^$sc " "$T/calls")
	while [ "$k" -le "$m" ]; do
		take "$k" || { k=$((k + 1)); continue; }
		rm -rf "$W"
		cp -a "$R" "$W"
		inject fsync,renameat2,mkdirat "$sc" EIO "$k+" \
		    "$TACIT" backup -q -r "$W" "$SRC" --passphrase-fd 3 \
		    3<"$T/pw"
		rc=$?
		gone=$((gone + 1))
		if [ "$rc" -ne 1 ] || ! one_message "$T/f.out" "Input/output error"
		then bad=$((bad + 1)); notok "EIO from $sc #$k on: exit $rc"
			sed 's/^/#   /' "$T/f.out"
		else after_fault "EIO from $sc #$k on" || bad=$((bad + 1)); fi
		k=$((k + 1))
	done
done
[ "$bad" -eq 0 ] && ok "$gone runs with every later fsync/renameat2/mkdirat failing from $(each) call on: exit 1, one message, no damage"

# Making a shard directory: the first pack of a new repository always makes
# one (a mkdirat, then an fsync of packs/).
FROM=$T/fresh
tk init -q -r "$FROM" $FAST --parity 0 >/dev/null 2>&1 || notok "setup: init (fresh)"
rm -rf "$W"
cp -a "$FROM" "$W"
strace -f -qq -y -o "$T/cal" -e trace=mkdirat,fsync \
    "$TACIT" backup -q -r "$W" "$SRC" --passphrase-fd 3 3<"$T/pw" ||
    notok "setup: traced backup (fresh)"
set -- $(awk -v p="$W/packs>" '{ split($2, a, "("); n[$1 " " a[1]]++ }
    a[1] == "mkdirat" && index($0, p) && / = 0$/ && !m { m = n[$1 " " a[1]] }
    a[1] == "fsync" && index($0, p) && !f { f = n[$1 " " a[1]] }
    END { print m, f }' "$T/cal")
bad=0
if [ $# -eq 2 ]; then
	fault mkdirat ENOSPC "$1" "the repository.s disk is full ([0-9]* MiB free); nothing was committed"
	fault fsync EIO "$2" "Input/output error"
	[ "$bad" -eq 0 ] && ok "making a shard directory (mkdirat #$1 ENOSPC, fsync #$2 EIO): exit 1, one message, no damage"
else notok "no shard directory made in the traced run of a new repository"; fi
FROM=$R

# --- the repository directory removed in the middle of a run -------------
rm -rf "$W"
cp -a "$R" "$W"
rm -f "$T/dl"
strace -f -qq -o "$T/dl" -e trace=renameat2 \
    -e inject=renameat2:delay_enter=3000000:when=1 \
    "$TACIT" backup -q -r "$W" "$SRC" --passphrase-fd 3 3<"$T/pw" \
    >"$T/f.out" 2>&1 &
pid=$!
i=0
while [ "$(ls "$W"/packs/*/.tmp-* 2>/dev/null | wc -l)" -eq 0 ] &&
    [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
rm -rf "$W"
wait "$pid"
rc=$?
if [ "$rc" -eq 1 ] && one_message "$T/f.out" "No such file or directory"; then
	ok "repository removed mid-run: exit 1, $(grep error: "$T/f.out")"
else notok "repository removed mid-run: exit $rc"; sed 's/^/#   /' "$T/f.out"; fi
[ ! -e "$W" ] && ok "and nothing was recreated" || notok "the repository came back"

# --- out of space, read-only: a real tmpfs --------------------------------
mkdir -p "$M"
if mount -t tmpfs -o size=2m tmpfs "$M" 2>/dev/null; then
	W=$M/repo
	tk init -q -r "$W" $FAST --parity 0 >/dev/null 2>&1 || notok "setup: init on tmpfs"
	tk backup -q -r "$W" "$SRC" >"$T/f.out" 2>&1
	rc=$?
	if [ "$rc" -eq 1 ] && one_message "$T/f.out" "the repository.s disk is full ([0-9]* MiB free); nothing was committed"
	then ok "a full disk: exit 1, $(grep error: "$T/f.out")"
	else notok "a full disk: exit $rc"; sed 's/^/#   /' "$T/f.out"; fi
	[ -z "$(snaps "$W")" ] && ok "no snapshot after running out of space" ||
	    notok "a snapshot after running out of space"
	left=$(find "$W" -name '.tmp-*' | wc -l)
	[ "$left" -eq 0 ] && ok "no temporary file left on the full disk" ||
	    notok "$left temporary files left on the full disk"
	xcode 0 "check passes on the full disk" tk check -r "$W"
	mount -o remount,size=64m "$M" || notok "setup: grow the tmpfs"
	xcode 0 "with room again, the next backup works" tk backup -q -r "$W" "$SRC"
	record "$W"
	id=$(snaps "$W")
	verify "$W" "$id" && ok "and restores bit for bit" ||
	    notok "the backup after the full disk differs"
	before=$(treesum "$W")
	mount -o remount,ro "$M" || notok "setup: remount read-only"
	tk backup -q -r "$W" "$SRC" >"$T/f.out" 2>&1
	rc=$?
	if [ "$rc" -eq 1 ] && one_message "$T/f.out" "Read-only file system"; then
		ok "a read-only repository: backup exits 1, $(grep error: "$T/f.out")"
	else notok "a read-only repository: exit $rc"; sed 's/^/#   /' "$T/f.out"; fi
	xcode 0 "check works on the read-only repository" tk check -r "$W"
	verify "$W" "$id" && ok "and restore works, bit for bit" ||
	    notok "restore from the read-only repository"
	[ "$(treesum "$W")" = "$before" ] && ok "nothing changed on it" ||
	    notok "the read-only repository changed"
	umount "$M"
else
	ok "# SKIP cannot mount a tmpfs here (out of space, read-only)"
fi
W=$T/w

# --- the sources: EIO, shrinking and vanishing files ------------------------
victim=$(ls "$SRC/d4" | head -n 1)
rm -rf "$W"
cp -a "$R" "$W"
strace -f -qq -o /dev/null -P "$SRC/d4/$victim" -e trace=read,pread64 \
    -e inject=read,pread64:error=EIO:syscall=getpid:when=1 \
    "$TACIT" backup -r "$W" "$SRC" --passphrase-fd 3 3<"$T/pw" \
    >"$T/f.out" 2>&1
rc=$?
if [ "$rc" -eq 3 ] && grep -q "d4/$victim: read error: Input/output error" \
    "$T/f.out" && grep -q "marked partial" "$T/f.out"; then
	ok "EIO reading a source file: exit 3, the file named, snapshot partial"
else notok "EIO reading a source file: exit $rc"; sed 's/^/#   /' "$T/f.out"; fi
tk restore -r "$W" latest --target "$T/dst" >"$T/r.out" 2>"$T/r.err"
rc=$?
python3 "$TOOLS/named.py" "$SRC" "$T/dst" "$T/r.err" >"$T/nm.out" 2>&1
if [ "$rc" -eq 3 ] && [ "$(head -n 1 "$T/nm.out")" = "src/d4/$victim" ] &&
    grep -q "unreadable at backup" "$T/r.err" &&
    [ ! -s "$T/dst/src/d4/$victim" ]; then
	ok "its restore exits 3, names just that file (unreadable at backup, restored empty), all else identical"
else notok "restore of a snapshot with an unreadable file: exit $rc"
	sed 's/^/#   /' "$T/nm.out" "$T/r.err"; fi
rm -rf "$T/dst"
after_fault "EIO on a source file" partial && ok "then check passes and the next backup works"

# A file of 12 MB is read in two parts; the second read waits 3 s while
# the test shrinks (or removes) the file.
midread() {	# truncate|unlink
	head -c 12000000 /dev/urandom >"$SRC/big"
	rm -rf "$W" "$T/mr"
	cp -a "$R" "$W"
	strace -f -qq -o "$T/mr" -P "$SRC/big" -e trace=read,pread64 \
	    -e inject=read,pread64:delay_enter=3000000:when=2 \
	    "$TACIT" backup -r "$W" "$SRC" --passphrase-fd 3 3<"$T/pw" \
	    >"$T/f.out" 2>&1 &
	pid=$!
	i=0
	while ! grep -q 'read.*= [0-9]' "$T/mr" 2>/dev/null &&
	    [ $i -lt 200 ]; do
		sleep 0.05; i=$((i + 1)); done
	if [ "$1" = truncate ]; then truncate -s 1000 "$SRC/big"
	else rm -f "$SRC/big"; fi
	wait "$pid"
}
midread truncate
rc=$?
if [ "$rc" -eq 3 ] && grep -q "src/big: changed while it was read" "$T/f.out"
then ok "a file that shrinks mid-read: exit 3, named as changed while read"
else notok "a file that shrinks mid-read: exit $rc"; sed 's/^/#   /' "$T/f.out"; fi
# What was read is stored as read: its restore is not "damaged".
rm -rf "$T/dst"
tk restore -r "$W" latest --target "$T/dst" >"$T/r.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && ! grep -q damaged "$T/r.out" &&
    cmp -s -n 1000 "$SRC/big" "$T/dst/src/big"; then
	ok "its restore exits 0 with the data as read (not called damaged)"
else notok "restore of a file that shrank while read: exit $rc"
	sed 's/^/#   /' "$T/r.out"; fi
rm -rf "$T/dst"
after_fault "a file shrunk mid-read" partial && ok "then check passes, the next backup works"
rm -f "$SRC/big"
midread unlink
rc=$?
if [ "$rc" -eq 3 ] && grep -q "src/big: changed while it was read" "$T/f.out"
then ok "a file removed mid-read: exit 3, named as changed while read"
else notok "a file removed mid-read: exit $rc"; sed 's/^/#   /' "$T/f.out"; fi
after_fault "a file removed mid-read" partial && ok "then check passes, the next backup works"

# Vanishing between the directory listing and the open: the openat of
# a file of its own name is delayed (strace -P matches the name the
# worker opens it by, relative to its directory: only that call waits)
# and the file is removed once that openat has begun (strace prints its
# start before the delay).  No ordinal from another run, no race with
# the rest of the walk: the file is listed, then gone at its open.
gone=$SRC/d5/vanishing
printf 'soon gone\n' >"$gone"
rm -rf "$W"
cp -a "$R" "$W"
(cd / && exec strace -f -qq -o "$T/op2" -P vanishing -e trace=openat \
    -e inject=openat:delay_enter=4000000 \
    "$TACIT" backup -r "$W" "$SRC" --force --passphrase-fd 3) \
    3<"$T/pw" >"$T/f.out" 2>&1 &
pid=$!
i=0
while ! grep -q '"vanishing"' "$T/op2" 2>/dev/null && [ $i -lt 1500 ]; do
	sleep 0.02; i=$((i + 1)); done
grep -q '"vanishing"' "$T/op2" 2>/dev/null && k=1 || k=
rm -f "$gone"
wait "$pid"
rc=$?
if [ -n "$k" ] && [ "$rc" -eq 3 ] &&
    grep -q "${gone#"$T"/}: .*No such file or directory" "$T/f.out"; then
	ok "a file that vanishes before it is opened: exit 3, named (${gone#"$T"/})"
else notok "a file that vanishes before it is opened ($gone, its openat ${k:+seen}${k:-never seen}): exit $rc"
	sed 's/^/#   /' "$T/f.out"; fi
after_fault "a file vanished before open" partial && ok "then check passes, the next backup works"

# --- two writers ---------------------------------------------------------------
# The first backup waits 3 s inside its run (at its first fsync).
slow_backup() {
	setsid strace -f -qq -o /dev/null -e trace=fsync \
	    -e inject=fsync:delay_enter=3000000:when=1 \
	    "$TACIT" backup -q -r "$R" "$SRC" --force --passphrase-fd 3 \
	    3<"$T/pw" >"$T/slow.out" 2>&1 &
	slow=$!
	i=0	# until it holds the lock (then it is held 3 s at least)
	while ! holds_lock "$R/lock"; do
		i=$((i + 1))
		[ $i -lt 1500 ] || { notok "setup: the slow backup never took the lock"; break; }
		sleep 0.02
	done
}
ds edit "$SRC" 3 2
slow_backup
holder=$(lock_pid "$R/lock")
tk backup -q -r "$R" "$SRC" >"$T/f.out" 2>&1
rc=$?
if [ "$rc" -eq 11 ] && grep -q locked "$T/f.out"; then
	ok "a second backup while one runs: exit 11, says locked"
else notok "a second backup while one runs: exit $rc"; sed 's/^/#   /' "$T/f.out"; fi
if grep -q "pid $holder (tacit-worker), which is adding" "$T/f.out"; then
	ok "the refusal names the running backup (pid $holder, tacit-worker)"
else notok "the refusal names the running backup (pid $holder)"
	sed 's/^/#   /' "$T/f.out"; fi
xcode 0 "with --lock-wait 30 it waits for the first and then runs" \
    tk backup -q -r "$R" "$SRC" --lock-wait 30
wait "$slow"
[ $? -eq 0 ] && ok "the first backup finished normally" ||
    notok "the first backup: $(cat "$T/slow.out")"
slow_backup
kill -KILL "-$slow"
wait "$slow" 2>/dev/null
# The kernel drops the lock as the killed processes exit (the worker, the
# last to go, may take a few ms once strace is gone).
t0=$(now_ms)
i=0
while holds_lock "$R/lock" && [ $i -lt 250 ]; do
	sleep 0.02; i=$((i + 1)); done
dt=$(( $(now_ms) - t0 ))
[ "$dt" -lt 3000 ] && ok "a backup killed with -9 leaves no stale lock (free after ${dt} ms)" ||
    notok "the lock was still held ${dt} ms after the kill"
xcode 0 "and the next backup takes it and runs" tk backup -q -r "$R" "$SRC"
xcode 0 "and check passes" tk check -r "$R"
