#!/bin/sh
# 26-powerloss.sh: power loss at every sync point (P9), SQLite-style.  A
# run is traced with strace and its worker killed at its Nth fsync, for
# every N from 1 to one past the last; tests/tools/powerloss.py then
# rebuilds the repository as a disk would hold it after losing power
# there: written but not fsynced data is dropped, directory entries that
# were not fsynced are undone ("strict"), or, in a second pass, directory
# changes are kept but unsynced data is still dropped ("meta", so a new
# file can survive empty).  After each: `check` passes, every snapshot
# left restores bit for bit (a snapshot of the cut run only if it is
# whole), and the next backup succeeds.
#
# (A) and (B) use only the strict model unless LONG=1, and in the ASan
# build only every third cut point and the last two (STRIDE, lib.sh).
# Runs: (A) a first backup of about 20 MB (two packs, new directories)
# into a new repository; (B) an incremental backup; (C) `key passwd`,
# after which the old or the new passphrase must open the repository.
# Controls: a cut after the last fsync loses nothing, and a cut at the
# last fsync of (A) and (B) loses the new snapshot (strict mode), so the
# simulator does drop what was not made durable.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../tools/crash.sh"

if ! command -v strace >/dev/null; then
	ok "# SKIP strace is missing"; exit 0; fi
TRACE=openat,write,pwrite64,fsync,fdatasync,renameat,renameat2,unlinkat,mkdirat,ftruncate
SRC=$T/src W=$T/w
pl() { python3 -S "$TOOLS/powerloss.py" "$@"; }

# traced K CMD...: CMD under strace into $T/trace; the worker is killed on
# entering its Kth fsync (never if K is 0).
traced() {
	k=$1
	shift
	if [ "$k" -gt 0 ]; then
		set -- -e inject="fsync:signal=KILL:when=$k" "$@"
	fi
	strace -f -qq -y -s 0 -o "$T/trace" -e trace="$TRACE" "$@" \
	    >"$T/run.out" 2>&1
}

# nsync BASE CMD...: how many fsyncs CMD makes on a copy of BASE.
nsync() {
	base=$1
	shift
	rm -rf "$W"
	cp -a "$base" "$W"
	traced 0 "$@" --passphrase-fd 3 3<"${PWFILE:-$T/pw}"
	grep -c ' fsync(' "$T/trace"
}

fails=0 points=0 dropped=0
failed() {	# DESC FILE
	fails=$((fails + 1))
	notok "$scn, $mode, cut at fsync $k: $1"
	[ "$fails" -le 5 ] && [ -n "${2:-}" ] && sed 's/^/#   /' "$2" | head -20
}

# backup_points NAME BASE MODES: the backup of $SRC into a copy of BASE,
# cut at every fsync, in each mode.  Sets last_lost (the control: did the
# cut at the last fsync in strict mode lose the new snapshot?).
backup_points() {
	scn=$1 base=$2 modes=$3
	n=$(nsync "$base" "$TACIT" backup -q -r "$W" "$SRC")
	nbase=$(snaps "$base" | wc -l)
	[ "$n" -ge 3 ] || notok "$scn: only $n fsyncs in a whole run"
	last_lost=no
	for mode in $modes; do
		k=1
		while [ "$k" -le $((n + 1)) ]; do
			# STRIDE (lib.sh); the last two always (the controls).
			if take "$k" || [ "$k" -ge "$n" ]; then
				backup_point "$base" "$n" "$nbase"; fi
			k=$((k + 1))
		done
	done
	ok "$scn: cut at $(each) of $n fsyncs, the last, and after it ($modes)"
}

backup_point() {	# BASE NSYNC NBASE
	rm -rf "$W"
	cp -a "$1" "$W"
	traced "$k" "$TACIT" backup -q -r "$W" "$SRC" --passphrase-fd 3 \
	    3<"$T/pw"
	rc=$?
	points=$((points + 1))
	pl "$W" "$1" "$T/trace" "$mode" >"$T/pl.out" 2>&1 ||
	    failed "the simulator failed" "$T/pl.out"
	grep -q '^dropped \|^cut ' "$T/pl.out" && dropped=$((dropped + 1))
	if [ "$k" -le "$2" ] && [ "$rc" -eq 0 ]; then
		failed "the run was not cut (exit 0)" "$T/run.out"; fi
	if [ "$k" -gt "$2" ] && [ "$rc" -ne 0 ]; then
		failed "the whole run failed (exit $rc)" "$T/run.out"; fi
	now=$(snaps "$W" | wc -l)
	if [ "$k" -gt "$2" ] && [ "$now" -ne $(($3 + 1)) ]; then
		failed "a finished run lost its snapshot" "$T/pl.out"; fi
	if [ "$k" -eq "$2" ] && [ "$mode" = strict ] && [ "$now" -eq "$3" ] &&
	    grep -q '^dropped snapshots/[0-9a-f]*$' "$T/pl.out"; then
		last_lost=yes; fi
	record "$W"
	tk check -r "$W" >"$T/check.out" 2>&1 ||
	    failed "check fails" "$T/check.out"
	for id in $(snaps "$W"); do
		verify "$W" "$id" || failed "snapshot $id differs" "$T/.diff"
	done
	tk backup -q -r "$W" "$SRC" >"$T/next.out" 2>&1 ||
	    failed "the next backup fails" "$T/next.out"
}

# (A) the first backup into a new repository.
tk init -q -r "$T/base0" $FAST >/dev/null 2>&1 || notok "setup: init"
ds make "$SRC" 1 1.5
if [ "$LONG" = 1 ]; then M2="strict meta"; else M2=strict; fi
backup_points "(A) first backup" "$T/base0" "$M2"
if [ "$last_lost" = yes ]; then
	ok "(A) control: the cut at the last fsync lost the new snapshot"
else notok "(A) control: the cut at the last fsync lost the new snapshot"; fi

# (B) an incremental backup: the repository of a whole run of (A).
cp -a "$T/base0" "$T/base1"
tk backup -q -r "$T/base1" "$SRC" || notok "setup: backup"
record "$T/base1"
ds edit "$SRC" 1 1
backup_points "(B) incremental backup" "$T/base1" "$M2"
if [ "$last_lost" = yes ]; then
	ok "(B) control: the cut at the last fsync lost the new snapshot"
else notok "(B) control: the cut at the last fsync lost the new snapshot"; fi

# (C) key passwd: the new slot is written, then the old one removed.
printf '%s\n%s\n' "$PW" "the new passphrase of the slot" >"$T/pw2"
printf '%s\n' "the new passphrase of the slot" >"$T/pwnew"
n=$(PWFILE=$T/pw2 nsync "$T/base1" "$TACIT" key passwd -r "$W" --new-passphrase-fd 3 $FAST)
scn="(C) key passwd" both=0
for mode in strict meta; do
	k=1
	while [ "$k" -le $((n + 1)) ]; do
		rm -rf "$W"
		cp -a "$T/base1" "$W"
		traced "$k" "$TACIT" key passwd -r "$W" --passphrase-fd 3 \
		    --new-passphrase-fd 3 $FAST 3<"$T/pw2"
		points=$((points + 1))
		pl "$W" "$T/base1" "$T/trace" "$mode" >"$T/pl.out" 2>&1 ||
		    failed "the simulator failed" "$T/pl.out"
		grep -q '^dropped \|^cut ' "$T/pl.out" && dropped=$((dropped + 1))
		"$TACIT" key list -r "$W" --passphrase-fd 3 3<"$T/pw" \
		    >/dev/null 2>&1
		old=$?
		"$TACIT" key list -r "$W" --passphrase-fd 3 3<"$T/pwnew" \
		    >/dev/null 2>&1
		new=$?
		if [ "$old" -ne 0 ] && [ "$new" -ne 0 ]; then
			failed "neither passphrase opens the repository" \
			    "$T/pl.out"; fi
		[ "$old" -eq 0 ] && [ "$new" -eq 0 ] && both=$((both + 1))
		if [ "$k" -gt "$n" ] && { [ "$old" -eq 0 ] || [ "$new" -ne 0 ]; }
		then failed "the finished change did not last" "$T/pl.out"; fi
		k=$((k + 1))
	done
done
ok "$scn: cut at each of $n fsyncs and after the last; one passphrase always opens"
if [ "$both" -gt 0 ]; then
	ok "(C) at $both cut points both passphrases open (the slot written before the old one goes)"
else notok "(C) no cut point between writing the new slot and removing the old"; fi

ok "$points power cuts, $dropped of them lost unsynced data or entries; $fails failures"
