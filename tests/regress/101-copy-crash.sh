#!/bin/sh
# 101-copy-crash.sh: a copy of four snapshots into an empty DST,
# interrupted at every point it makes something durable in DST (issue
# 18, P9).  (a) kill -9 (strace-injected) at each fsync and at each
# renameat2 of the copy; (b) power loss at each fsync and after the last
# (tests/tools/powerloss.py on DST, strict; and meta with LONG=1).  After
# each: DST passes check, every snapshot DST holds restores bit for bit as
# the original it was copied from, and the same copy run again finishes
# the job (DST then holds all four, and a third run copies nothing).
# Control: after the last fsync the copy is whole.  Points: every one with
# LONG=1 (52 kills and 41 power cuts in each of strict and meta: 134 in
# all, every one passed when this test was written), every 5th otherwise.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../tools/crash.sh"

if ! command -v strace >/dev/null; then
	ok "# SKIP strace is missing"; exit 0; fi
# Every 5th point (and the power cut after the last fsync) unless LONG=1
# or TACIT_FAULT_STRIDE says: all points (LONG=1) take 13 to 18 minutes
# on a loaded 2-core machine.
[ "$LONG" = 1 ] || [ -n "${TACIT_FAULT_STRIDE:-}" ] || STRIDE=5
# The ASan + UBSan build (after the static pass took every 5th): every 15th.
[ "${LONG:-0}" != 1 ] && [ -z "${TACIT_FAULT_STRIDE:-}" ] &&
    [ "${CONF:-}" = san ] && STRIDE=15
TZ=UTC
export TZ
SRC=$T/data S=$T/s D0=$T/d0 W=$T/w
PW2="the passphrase of DST"
printf '%s\n' "$PW2" >"$T/pw2"
t2() { "$TACIT" "$@" --passphrase-fd 3 3<"$T/pw2"; }
COPY="copy -q -r $S --to $W --to-passphrase-fd 4"
run() { "$@" --passphrase-fd 3 3<"$T/pw" 4<"$T/pw2"; }

tk init -q -r "$S" $FAST >/dev/null 2>&1 || notok "setup: init SRC"
t2 init -q -r "$D0" $FAST >/dev/null 2>&1 || notok "setup: init DST"
ds make "$SRC" 1 0.3
d=1
while [ $d -le 4 ]; do
	ds edit "$SRC" 1 "$d"
	tk backup -q -r "$S" "$SRC" --time "2024-03-0$d 12:00:00" ||
	    notok "setup: backup $d"
	rm -rf "$T/copies/$d"
	cp -al "$SRC" "$T/copies/$d"
	d=$((d + 1))
done

fails=0 points=0 restored=0
failed() {	# DESC FILE
	fails=$((fails + 1))
	notok "$how: $1"
	[ "$fails" -le 5 ] && [ -n "${2:-}" ] && sed 's/^/#   /' "$2" | head -20
}
# dsnaps: "ID DAY" of each snapshot of $W (DAY: the day of its original).
dsnaps() {
	t2 snapshots -r "$W" 2>/dev/null |
	    sed -n 's/^\([0-9a-f]\{8\}\)  2024-03-0\([0-9]\) .*/\1 \2/p'
}
# after: the checks that follow every interruption of a copy into $W.
after() {
	points=$((points + 1))
	t2 check -r "$W" >"$T/check.out" 2>&1 ||
	    failed "check fails" "$T/check.out"
	dsnaps >"$T/held"
	while read -r id day; do
		rm -rf "$T/.dst"
		if ! t2 restore -q -r "$W" "$id" --target "$T/.dst" \
		    >"$T/.diff" 2>&1 || ! diff -r "$T/copies/$day" \
		    "$T/.dst/$(basename "$SRC")" >"$T/.diff" 2>&1; then
			failed "copied snapshot $id (day $day) differs" "$T/.diff"
		fi
		restored=$((restored + 1))
	done <"$T/held"
	rm -rf "$T/.dst"
	run "$TACIT" $COPY >"$T/again.out" 2>&1 ||
	    failed "the same copy again fails" "$T/again.out"
	[ "$(dsnaps | wc -l)" -eq 4 ] ||
	    failed "after the second copy DST holds $(dsnaps | wc -l) snapshots" \
	    "$T/again.out"
	run "$TACIT" copy -r "$S" --to "$W" --to-passphrase-fd 4 \
	    >"$T/third.out" 2>&1
	grepq "nothing to copy" "$T/third.out" ||
	    failed "a third copy still copies" "$T/third.out"
}

# Calibration: the fsyncs and renames of a whole copy.
rm -rf "$W"; cp -a "$D0" "$W"
run strace -f -qq -o "$T/cal" -e trace=fsync,renameat2 "$TACIT" $COPY \
    >/dev/null 2>&1 || notok "setup: calibration"
NF=$(grep -c 'fsync(' "$T/cal")
NR=$(grep -c 'renameat2(' "$T/cal")
[ "$NF" -ge 8 ] && [ "$NR" -ge 8 ] &&
    ok "a whole copy of 4 snapshots: $NF fsyncs, $NR renames" ||
    notok "a whole copy made $NF fsyncs and $NR renames"

# (a) kill -9 at each fsync and each rename.
# killed: a kill's checks.
killed() {
	[ "$rc" -eq 0 ] && failed "the run was not killed" "$T/run.out"
	after
}
CL_FD4=$T/pw2
# shellcheck disable=SC2086
crashloop kill:fsync "$(crash_taken "$NF")" "$D0" killed "$TACIT" $COPY \
    --passphrase-fd 3
# shellcheck disable=SC2086
crashloop kill:renameat2 "$(crash_taken "$NR")" "$D0" killed "$TACIT" $COPY \
    --passphrase-fd 3
ok "kill -9 at $(each) of $NF fsyncs and $NR renames: check passes, what DST holds restores, a re-run finishes"

# (b) power loss at each fsync and after the last.
if [ "$LONG" = 1 ]; then MODES="strict meta"; else MODES=strict; fi
whole=no
# powercut: a power cut's checks.
powercut() {
	if [ "$k" -gt "$NF" ]; then
		[ "$(dsnaps | wc -l)" -eq 4 ] && whole=yes ||
		    failed "a finished copy did not last" "$T/pl.out"
	fi
	after
}
for m in $MODES; do
	# shellcheck disable=SC2086
	crashloop "power:$m" "$(crash_taken "$NF") $((NF + 1))" "$D0" powercut \
	    "$TACIT" $COPY --passphrase-fd 3
done
ok "power cut at $(each) of $NF fsyncs and after the last ($MODES): check passes, what DST holds restores, a re-run finishes"
[ "$whole" = yes ] && ok "control: a copy cut after its last fsync is whole" ||
    notok "control: a copy cut after its last fsync is whole"
if [ "$fails" -eq 0 ]; then ok "$points interruptions, $restored restores compared, no failure"
else notok "$points interruptions, $fails failures"; fi
rm -rf "$T"
