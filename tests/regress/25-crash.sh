#!/bin/sh
# 25-crash.sh: kill -9 at many points of many backups (P9).  A data set of
# 300 files (about 3 MB) is edited before every second run; each run is killed,
# either both processes at once after a random delay (below the time of a
# whole run), or one of them by
# strace at its Nth call of write, fsync, renameat2, openat, mkdirat, read
# or close (a random N below what a whole run makes), or as it exits
# (exit_group: after the commit, so the run fails but its snapshot is
# whole).  After every kill:
# `check` passes (leftovers are harmless) and a snapshot the killed run
# managed to commit holds exactly the data of that run; after every second
# kill a sampled earlier snapshot restores bit for bit and the next backup
# succeeds without repair.  At the end every snapshot restores bit for bit and
# `check --read-data` passes.
#
# Two killed runs come before each backup that must succeed, so a kill
# also lands on the leftovers of the one before.  TACIT_CRASH_RUNS
# (default 64; 24 in the sanitizer build, whose pass repeats the release
# build's; 1000 with LONG=1) sets the number of killed runs,
# TACIT_CRASH_SEED the sequence of kill points.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../tools/crash.sh"

if ! command -v strace >/dev/null || ! command -v setsid >/dev/null; then
	ok "# SKIP strace or setsid is missing"; exit 0; fi
if [ "$LONG" = 1 ]; then N=${TACIT_CRASH_RUNS:-1000}
elif [ "${CONF:-}" = san ]; then N=${TACIT_CRASH_RUNS:-24}
else N=${TACIT_CRASH_RUNS:-64}; fi
R=$T/repo SRC=$T/src
tk init -q -r "$R" $FAST >/dev/null 2>&1 || notok "setup: init"
ds make "$SRC" 1 0.5
tk backup -q -r "$R" "$SRC" || notok "setup: first backup"
record "$R"

# Calibrate: how long an incremental run takes, and how many of each call
# it makes (per process).
ds edit "$SRC" 1 0
t0=$(now_ms)
tk backup -q -r "$R" "$SRC" || notok "setup: calibration backup"
MS=$(( $(now_ms) - t0 ))
record "$R"
ds edit "$SRC" 1 -1
SYSCALLS="write fsync renameat2 openat mkdirat read close exit_group"
strace -f -qq -o "$T/cal" -e trace=$(echo $SYSCALLS | tr ' ' ,) \
    "$TACIT" backup -q -r "$R" "$SRC" --passphrase-fd 3 3<"$T/pw" ||
    notok "setup: calibration backup under strace"
record "$R"
for sc in $SYSCALLS; do
	c=$(awk -v s="$sc" 'index($2, s "(") == 1 { n[$1]++ }
	    END { m = 0; for (p in n) if (n[p] > m) m = n[p]; print m }' \
	    "$T/cal")
	eval "MAX_$sc=\$((c > 0 ? c : 1))"
done

nleft=0 fails=0 killed=0 committed=0 missed=0 leftovers=0 checked=0 restored=0
failed() {	# DESC FILE: one failure, with details for the first few
	fails=$((fails + 1))
	notok "run $i ($how): $1"
	[ "$fails" -le 5 ] && [ -n "${2:-}" ] && sed 's/^/#   /' "$2" | head -20
}

# kill_run: edit the data, start a backup and kill it; then the checks
# that follow every kill.
kill_run() {
	i=$((i + 1))
	[ $((i % 2)) -eq 1 ] && ds edit "$SRC" 1 "$i"
	snaps "$R" >"$T/known"
	force=
	[ $((i % 7)) -eq 0 ] && force=--force
	rnd 3
	if [ "$RN" -eq 0 ]; then
		# Both processes at once, at a random moment of the run.
		rnd "$MS"
		how="pair killed after ${RN} ms"
		setsid "$TACIT" backup -q -r "$R" "$SRC" $force \
		    --passphrase-fd 3 3<"$T/pw" >"$T/run.out" 2>&1 &
		pid=$!
		sleep "$((RN / 1000)).$(printf %03d $((RN % 1000)))"
		kill -KILL "-$pid" 2>/dev/null
		{ wait "$pid"; } 2>/dev/null
		rc=$?
	else
		rnd 8
		set -- $SYSCALLS
		shift "$RN"
		sc=$1
		eval "max=\$MAX_$sc"
		rnd "$max"
		how="kill at $sc #$((RN + 1))"
		strace -f -qq -o /dev/null -e trace="$sc" \
		    -e inject="$sc:signal=KILL:when=$((RN + 1))" \
		    "$TACIT" backup -q -r "$R" "$SRC" $force \
		    --passphrase-fd 3 3<"$T/pw" >"$T/run.out" 2>&1
		rc=$?
	fi
	if [ "$rc" -eq 0 ]; then missed=$((missed + 1)); else
		killed=$((killed + 1)); fi
	record "$R"
	# The killed run's snapshot, if it got that far, is the data it read.
	for id in $(snaps "$R"); do
		grep -q "^$id\$" "$T/known" && continue
		[ "$rc" -ne 0 ] && committed=$((committed + 1))
		verify "$R" "$id" || failed "its own snapshot differs" "$T/.diff"
		restored=$((restored + 1))
	done
	tk check -r "$R" >"$T/check.out" 2>&1 ||
	    failed "check fails after the kill" "$T/check.out"
	checked=$((checked + 1))
	n=$(sed -n 's/.* \([0-9]*\) harmless leftover.*/\1/p' "$T/check.out")
	[ "${n:-0}" -gt "$nleft" ] && leftovers=$((leftovers + 1))
	nleft=${n:-0}
}

# Two killed runs in a row, then a sampled snapshot and the next backup.
i=0
while [ $i -lt "$N" ]; do
	kill_run
	kill_run
	nsnap=$(snaps "$R" | wc -l)
	rnd "$nsnap"
	id=$(snaps "$R" | sed -n "$((RN + 1))p")
	verify "$R" "$id" || failed "snapshot $id differs" "$T/.diff"
	restored=$((restored + 1))
	tk backup -q -r "$R" "$SRC" >"$T/next.out" 2>&1 ||
	    failed "the next backup fails" "$T/next.out"
	record "$R"
done

ok "$i runs: $killed killed ($committed after their commit), $missed ran to the end; $fails failures"
if [ "$killed" -ge $((N / 2)) ]; then
	ok "at least half of the runs were killed ($killed of $N)"
else notok "at least half of the runs were killed ($killed of $N)"; fi
if [ "$leftovers" -gt 0 ]; then
	ok "$leftovers kills left new leftovers, and check called them harmless"
else notok "no kill left a leftover: the kills did not reach the writes"; fi
[ "$fails" -eq 0 ] && ok "after every kill: check passed ($checked), snapshots restored ($restored), next backup succeeded"

bad=0 all=0
for id in $(snaps "$R"); do
	all=$((all + 1))
	verify "$R" "$id" || { bad=$((bad + 1)); notok "snapshot $id differs"
		sed 's/^/#   /' "$T/.diff" | head -10; }
done
[ "$bad" -eq 0 ] && ok "at the end all $all snapshots restore bit for bit"
xcode 0 "and check --read-data passes" tk check -r "$R" --read-data
