#!/bin/sh
# 51-forget-crash.sh: a forget that removes five of seven snapshots,
# interrupted at every point it changes the repository.  (a) kill -9
# (strace-injected) at each of its unlinks and at each fsync of
# snapshots/; (b) power loss at each fsync and after the last
# (tests/tools/powerloss.py, strict; and meta with LONG=1); (c) an EIO
# at an unlink.  After each:
# `check` passes, the two snapshots the policy keeps are there and
# restore bit for bit, as does one sampled among the others (every one
# with LONG=1), and the same forget run again finishes with exactly the
# two.  Control: a cut at the last fsync in strict mode
# undoes the last unlink, so the simulator does bring back what was not
# made durable.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../tools/crash.sh"

if ! command -v strace >/dev/null; then
	ok "# SKIP strace is missing"; exit 0; fi
TZ=UTC
export TZ
SRC=$T/src W=$T/w BASE=$T/base

tk init -q -r "$BASE" $FAST >/dev/null 2>&1 || notok "setup: init"
ds make "$SRC" 1 0.3
d=1
while [ $d -le 7 ]; do
	ds edit "$SRC" 1 "$d"
	tk backup -q -r "$BASE" "$SRC" --time "2024-03-0$d 12:00:00" ||
	    notok "setup: backup $d"
	record "$BASE"
	d=$((d + 1))
done
# The policy keeps the two newest (March 7 and 6).
KEEP=$(tk snapshots -r "$BASE" 2>/dev/null | awk '$2 ~ /^20/ { print $1 }' |
    tail -n 2 | tr '\n' ' ')
FORGET="forget -q -r $W --keep-last 2"

fails=0 points=0 restored=0
failed() {	# DESC FILE
	fails=$((fails + 1))
	notok "$how: $1"
	[ "$fails" -le 5 ] && [ -n "${2:-}" ] && sed 's/^/#   /' "$2" | head -20
}

# after: the checks that follow every interruption of a forget of $W.
after() {
	points=$((points + 1))
	tk check -r "$W" >"$T/check.out" 2>&1 ||
	    failed "check fails" "$T/check.out"
	for kk in $KEEP; do
		snaps "$W" | grep -q "^$kk" ||
		    failed "snapshot $kk, which the policy keeps, is gone"
	done
	# Every snapshot left with LONG=1; else the two kept and one
	# sampled among the others.
	nl=$(snaps "$W" | wc -l)
	rnd "$nl"
	j=0
	for id in $(snaps "$W"); do
		j=$((j + 1))
		if [ "$LONG" = 1 ] || [ "$j" -eq $((RN + 1)) ] ||
		    echo "$KEEP" | grep -q "$(echo "$id" | cut -c1-8)"; then
			verify "$W" "$id" ||
			    failed "snapshot $id differs" "$T/.diff"
			restored=$((restored + 1))
		fi
	done
	tk $FORGET >"$T/again.out" 2>&1 ||
	    failed "the same forget again fails" "$T/again.out"
	left=$(snaps "$W" | cut -c1-8 | sort | tr '\n' ' ')
	want=$(echo $KEEP | tr ' ' '\n' | sort | tr '\n' ' ')
	[ "$left" = "$want" ] ||
	    failed "after the second forget: $left, wanted $want"
}

# (a) kill -9 at each unlink and each fsync.
rm -rf "$W"
cp -a "$BASE" "$W"
strace -f -qq -o "$T/cal" -e trace=unlinkat,fsync "$TACIT" $FORGET \
    --passphrase-fd 3 3<"$T/pw" >/dev/null 2>&1 || notok "setup: calibration"
NU=$(grep -c 'unlinkat(' "$T/cal")
NF=$(grep -c 'fsync(' "$T/cal")
if [ "$NU" -eq 5 ] && [ "$NF" -eq 5 ]; then
	ok "a whole forget: 5 unlinks, each followed by an fsync"
else notok "a whole forget made $NU unlinks and $NF fsyncs, wanted 5 and 5"; fi
# killed: a kill's checks.
killed() {
	[ "$rc" -eq 0 ] && failed "the run was not killed" "$T/run.out"
	after
}
# shellcheck disable=SC2086
crashloop kill:unlinkat "$(crash_points 1 1 "$NU")" "$BASE" killed \
    "$TACIT" $FORGET --passphrase-fd 3
# shellcheck disable=SC2086
crashloop kill:fsync "$(crash_points 1 1 "$NF")" "$BASE" killed \
    "$TACIT" $FORGET --passphrase-fd 3
ok "kill -9 at each of $NU unlinks and $NF fsyncs: check passes, what is left restores, a re-run finishes"

# An I/O error at the third unlink (injected as 27-faults does, through
# getpid, which the filter allows): exit 1 saying how far it got; the
# rest as after a kill.
eio() {
	if [ "$rc" -eq 1 ] && [ "$(snaps "$W" | wc -l)" -eq 5 ] &&
	    grepq "2 of the 5 snapshots to forget were removed; run the same forget again" "$T/run.out"; then
		ok "an I/O error at the third unlink: exit 1, two removed, and it says so"
	else notok "an I/O error at the third unlink (exit $rc, $(snaps "$W" | wc -l) left)"
		sed 's/^/#   /' "$T/run.out"; fi
	after
}
# shellcheck disable=SC2086
crashloop error:unlinkat:EIO 3 "$BASE" eio "$TACIT" $FORGET --passphrase-fd 3

# (b) power loss at each fsync and after the last.
if [ "$LONG" = 1 ]; then MODES="strict meta"; else MODES=strict; fi
lost_last=no
# powercut: a power cut's checks.
powercut() {
	nleft=$(snaps "$W" | wc -l)
	# Entering fsync k, unlinks 1..k-1 are durable, unlink k not.
	if [ "$mode" = strict ] && [ "$k" -le "$NF" ] &&
	    [ "$nleft" -ne $((7 - k + 1)) ]; then
		failed "$nleft snapshots left, wanted $((7 - k + 1))" \
		    "$T/pl.out"; fi
	if [ "$k" -gt "$NF" ] && [ "$nleft" -ne 2 ]; then
		failed "a finished forget did not last" "$T/pl.out"; fi
	if [ "$mode" = strict ] && [ "$k" -eq "$NF" ] &&
	    [ "$nleft" -eq 3 ]; then lost_last=yes; fi
	after
}
for m in $MODES; do
	# shellcheck disable=SC2086
	crashloop "power:$m" "$(crash_points 1 1 $((NF + 1)))" "$BASE" powercut \
	    "$TACIT" $FORGET --passphrase-fd 3
done
ok "power cut at each of $NF fsyncs and after the last ($MODES): check passes, what is left restores, a re-run finishes"
if [ "$lost_last" = yes ]; then
	ok "control: the cut at the last fsync (strict) undid the last unlink"
else notok "control: the cut at the last fsync (strict) undid the last unlink"
	sed 's/^/#   /' "$T/pl.out"; fi
if [ "$fails" -eq 0 ]; then ok "$points interruptions, $restored restores compared, no failure"
else notok "$points interruptions, $fails failures"; fi
