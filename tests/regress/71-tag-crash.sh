#!/bin/sh
# 71-tag-crash.sh: tacit tag cut anywhere loses no snapshot (P9, issue 16).
# A repository of three snapshots; `tag OLD1 OLD2 --add crash` is run on a
# copy of it and
#  (A) killed (strace, kill -9) at its Nth write, fsync, renameat2,
#      unlinkat and openat, for each N up to what a whole run makes;
#  (B) cut by the power-loss simulator (tests/tools/powerloss.py) at each
#      of its fsyncs and after the last, strict and meta modes.
# After each: every snapshot is still there, under its old id or as its
# copy with the new tags (a snapshot is known by its fields without id and
# tags), nothing else is there, and `check` passes; the same command run
# again on the old ids still there finishes it: each snapshot once, with
# the tag, and check passes.  At the end the snapshots of the last cut
# restore bit for bit.  Without LONG=1 (CI time) at most 4 kill points per
# call, spread over the run, and the strict power-loss model only.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../tools/crash.sh"

if ! command -v strace >/dev/null; then
	ok "# SKIP strace is missing"; exit 0; fi
B=$T/base W=$T/w SRC=$T/src

tk init -q -r "$B" $FAST >/dev/null 2>&1 || notok "setup: init"
ds make "$SRC" 1 0.2
for i in 1 2 3; do
	ds edit "$SRC" 1 "$i"
	tk backup -q -r "$B" "$SRC" --tag "run$i" || notok "setup: backup $i"
	record "$B"
done
OLD=$(snaps "$B" | head -2 | tr '\n' ' ')

# sigs REPO: each snapshot's fields but id and tags, one line each, sorted.
sigs() {
	tk snapshots -r "$1" --json | python3 -c '
import json, sys
for s in json.load(sys.stdin):
    del s["id"], s["tags"]
    print(json.dumps(s, sort_keys=True))' | sort
}
# tagged REPO: how many snapshots have the tag "crash".
tagged() {
	tk snapshots -r "$1" --tag crash --json | python3 -c '
import json, sys; print(len(json.load(sys.stdin)))'
}
sigs "$B" >"$T/sigs.base"
[ "$(wc -l <"$T/sigs.base")" -eq 3 ] || notok "setup: three snapshots"

fails=0 points=0 both=0
failed() {	# DESC FILE
	fails=$((fails + 1))
	notok "$how: $1"
	[ "$fails" -le 5 ] && [ -n "${2:-}" ] && sed 's/^/#   /' "$2" | head -20
}

# judge: after a cut, no snapshot lost; check passes; a re-run converges.
judge() {
	points=$((points + 1))
	sigs "$W" >"$T/sigs.now"
	sort -u "$T/sigs.now" >"$T/sigs.uniq"
	cmp -s "$T/sigs.uniq" "$T/sigs.base" ||
	    failed "a snapshot was lost, or another appeared" "$T/sigs.now"
	[ "$(wc -l <"$T/sigs.now")" -gt 3 ] && both=$((both + 1))
	tk check -r "$W" >"$T/check.out" 2>&1 ||
	    failed "check fails after the cut" "$T/check.out"
	left=
	for id in $OLD; do [ -e "$W/snapshots/$id" ] && left="$left $id"; done
	if [ -n "$left" ]; then
		# shellcheck disable=SC2086
		tk tag -q -r "$W" $left --add crash >"$T/rerun.out" 2>&1 ||
		    failed "the re-run fails" "$T/rerun.out"
	fi
	sigs "$W" >"$T/sigs.now"
	cmp -s "$T/sigs.now" "$T/sigs.base" ||
	    failed "after the re-run not each snapshot once" "$T/sigs.now"
	[ "$(tagged "$W")" -eq 2 ] ||
	    failed "after the re-run $(tagged "$W") snapshots have the tag"
	tk check -r "$W" >"$T/check.out" 2>&1 ||
	    failed "check fails after the re-run" "$T/check.out"
}

# (A) kill -9 at the Nth call.
SYSCALLS="write fsync renameat2 unlinkat openat"
rm -rf "$W"
cp -a "$B" "$W"
# shellcheck disable=SC2086
strace -f -qq -o "$T/cal" -e trace=$(echo $SYSCALLS | tr ' ' ,) \
    "$TACIT" tag -q -r "$W" $OLD --add crash --passphrase-fd 3 3<"$T/pw" \
    >/dev/null || notok "setup: calibration run"
for sc in $SYSCALLS; do
	max=$(calls_max "$T/cal" "$sc")
	step=1
	[ "$LONG" != 1 ] && [ "$max" -gt 4 ] && step=$(( (max + 3) / 4 ))
	# shellcheck disable=SC2086
	crashloop "kill:$sc" "$(crash_points 1 "$step" "$max")" "$B" judge \
	    "$TACIT" tag -q -r "$W" $OLD --add crash --passphrase-fd 3
done
ok "(A) $points kill points: no snapshot lost, check passed, the re-run converged; $fails failures"
[ "$both" -gt 0 ] &&
    ok "(A) $both kills left a snapshot and its copy side by side (and check passed)" ||
    notok "(A) no kill fell between writing a copy and removing the old snapshot"
for id in $(snaps "$W"); do
	# The copies have new ids: restore by the fields' first backup time.
	rm -rf "$T/.dst"
	tk restore -q -r "$W" "$id" --target "$T/.dst" >/dev/null 2>&1 ||
	    notok "(A) restore of $id fails"
done
rm -rf "$T/.dst"

# (B) power loss at each fsync.
pa=$points fa=$fails
rm -rf "$W"
cp -a "$B" "$W"
# shellcheck disable=SC2086
strace -f -qq -y -s 0 -o "$T/trace" -e trace="$TRACE" "$TACIT" tag -q \
    -r "$W" $OLD --add crash --passphrase-fd 3 3<"$T/pw" >/dev/null 2>&1
n=$(grep -c ' fsync(' "$T/trace")
[ "$n" -ge 4 ] || notok "(B) only $n fsyncs in a whole run"
lost=0
modes=strict
[ "$LONG" = 1 ] && modes="strict meta"
# lost_judge: count a cut that lost something, then judge.
lost_judge() {
	grep -q '^dropped \|^cut ' "$T/pl.out" && lost=$((lost + 1))
	judge
}
for m in $modes; do
	# shellcheck disable=SC2086
	crashloop "power:$m" "$(crash_points 1 1 $((n + 1)))" "$B" lost_judge \
	    "$TACIT" tag -q -r "$W" $OLD --add crash --passphrase-fd 3
done
ok "(B) $((points - pa)) power cuts ($lost lost unsynced entries): no snapshot lost, check passed, the re-run converged; $((fails - fa)) failures"
[ "$lost" -gt 0 ] && ok "(B) control: the simulator did drop unsynced entries" ||
    notok "(B) control: no cut lost anything: the simulator did nothing"

# At the end: the snapshots of the last cut restore bit for bit.  The ids
# changed, so each is matched to its recorded copy by its time.
tk snapshots -r "$B" --json | python3 -c '
import json, sys
for s in json.load(sys.stdin): print(s["time"], s["id"])' >"$T/base.times"
bad=0
for line in $(tk snapshots -r "$W" --json | python3 -c '
import json, sys
for s in json.load(sys.stdin): print(s["time"] + "=" + s["id"])'); do
	t=${line%%=*} id=${line#*=}
	orig=$(awk -v t="$t" '$1 == t { print $2 }' "$T/base.times")
	[ -e "$T/copies/$id" ] || cp -al "$T/copies/$orig" "$T/copies/$id"
	verify "$W" "$id" || { bad=$((bad + 1)); sed 's/^/#   /' "$T/.diff" | head -5; }
done
[ "$bad" -eq 0 ] && ok "every snapshot after the last cut and re-run restores bit for bit" ||
    notok "$bad snapshots restore something else"
[ "$fails" -eq 0 ] && ok "no failure in $points cuts"
