#!/bin/sh
# 58-prune-powerloss.sh: power loss at every fsync of a prune (issue 16,
# P9), with tests/tools/powerloss.py as 26-powerloss.sh uses it.  The
# repository is 57-prune-crash.sh's (packs to repack, a pack to delete,
# leftovers).  Its prune's worker is killed at its Nth fsync, for every N
# from 1 to one past the last, and the repository rebuilt as a disk would
# hold it: unsynced data dropped, unsynced directory changes undone
# ("strict"; with LONG=1 also "meta").  After each: check passes, A and C
# restore bit for bit, a second prune completes and check --read-data is
# then clean.  Control: after the last fsync the prune is whole (the
# second prune has nothing to do).  In the sanitizer build: every third
# fsync, each fsync of a new file and the last two.
. "$(dirname "$0")/lib.sh"

if ! command -v strace >/dev/null; then
	ok "# SKIP strace is missing"; exit 0; fi
: "${LONG:=0}"
printf '%s\n' "$PW" >"$T/pw"
# LeakSanitizer cannot work under ptrace (the SAN build's traced runs).
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS
B0=$T/base W=$T/w
tk() { "$TACIT" "$@" --passphrase-fd 3 3<"$T/pw"; }
same() {	# SRC SNAP
	rm -rf "$T/dst"
	tk restore -q -r "$W" "$2" --target "$T/dst" >"$T/.rout" 2>&1 &&
	    diff -r "$1" "$T/dst/$(basename "$1")" >/dev/null 2>&1
}

tk init -q -r "$B0" $FAST >/dev/null 2>&1 || notok "setup: init"
mkdir -p "$T/a" "$T/b" "$T/c" "$T/d"
head -c 3000000 /dev/urandom >"$T/a/one"
for i in 1 2 3 4 5 6 7 8; do echo "small $i" >"$T/a/s$i"; done
tk backup -q -r "$B0" "$T/a" || notok "setup: backup A"
A=$(ls "$B0/snapshots")
head -c 4000000 /dev/urandom >"$T/b/big"
tk backup -q -r "$B0" "$T/b" || notok "setup: backup B"
B=$(ls "$B0/snapshots" | grep -v "$A")
cp -a "$T/a/." "$T/c/"
head -c 500000 /dev/urandom >>"$T/c/one"
tk backup -q -r "$B0" "$T/c" || notok "setup: backup C"
C=$(ls "$B0/snapshots" | grep -v "$A" | grep -v "$B")
rm "$B0/snapshots/$B"
head -c 2000000 /dev/urandom >"$T/d/new"
strace -f -qq -o /dev/null -P "$B0/index" -e trace=renameat2 \
    -e inject=renameat2:signal=KILL:when=1 \
    "$TACIT" backup -q -r "$B0" "$T/d" --passphrase-fd 3 3<"$T/pw" \
    >/dev/null 2>&1
sync

rm -rf "$W"; cp -a "$B0" "$W"
strace -f -qq -y -s 0 -o "$T/trace" -e trace="$TRACE" \
    "$TACIT" prune -q -r "$W" --passphrase-fd 3 3<"$T/pw" >"$T/run.out" 2>&1 ||
    notok "setup: a whole prune under strace"
n=$(grep -c ' fsync(' "$T/trace")
[ "$n" -ge 5 ] || notok "setup: only $n fsyncs in a whole prune"
# The fsyncs of new files (.tmp-, before their rename): a cut at one loses
# that file, so the control below has a cut that must drop something
# whatever STEP skips.  (The sequence can move by one between runs, with
# the new pack's fan-out directory already there or not; a cut next to
# one of these also drops the new file.)
tmps=$(grep ' fsync(' "$T/trace" | grep -n '/\.tmp-' | cut -d: -f1 | tr '\n' ' ')
[ -n "$tmps" ] || notok "setup: no fsync of a new file in a whole prune"
seq=$(grep ' fsync(' "$T/trace" | sed 's|.*fsync([0-9]*<'"$T"'/w||; s|>).*||; s|/\.tmp-.*|/.tmp-*|' | tr '\n' ' ')

if [ "$LONG" = 1 ]; then MODES="strict meta"; else MODES=strict; fi
# The sanitizer build (its pass repeats the release build's) cuts at every
# third fsync, at each fsync of a new file and at the last two.
STEP=1
[ "${CONF:-}" = san ] && [ "$LONG" != 1 ] && STEP=3
fails=0 points=0 dropped=0 whole=no seen=
failed() {	# DESC FILE
	fails=$((fails + 1))
	notok "$mode, cut at fsync $k: $1"
	[ "$fails" -le 5 ] && [ -n "${2:-}" ] && sed 's/^/#   /' "$2" | head -20
}
# after: the checks after each cut.
after() {
	points=$((points + 1))
	if grep -q '^dropped \|^cut ' "$T/pl.out"
	then dropped=$((dropped + 1)) seen="$seen $k:lost"
	else seen="$seen $k:none"; fi
	[ "$k" -le "$n" ] && [ "$rc" -eq 0 ] &&
	    failed "the prune was not cut" "$T/run.out"
	# A cut lands on the fsync: its call never returns (the prune failing
	# on its own before would leave the simulator nothing to drop).
	if [ "$k" -le "$n" ] && { [ "$(grep -c ' fsync(' "$T/trace")" -ne "$k" ] ||
	    ! grep ' fsync(' "$T/trace" | tail -1 | grep -q '= ?$\|<unfinished' ||
	    ! grep -q 'killed by SIGKILL' "$T/trace"; }; then
		grep ' fsync(\|+++' "$T/trace" | tail -3 >>"$T/run.out"
		failed "the prune was not cut at its fsync $k" "$T/run.out"
	fi
	tk check -r "$W" >"$T/ck.out" 2>&1 || failed "check fails" "$T/ck.out"
	same "$T/a" "$A" || failed "A does not restore" "$T/.rout"
	same "$T/c" "$C" || failed "C does not restore" "$T/.rout"
	tk prune -r "$W" >"$T/p2.out" 2>&1 ||
	    failed "the second prune fails" "$T/p2.out"
	[ "$k" -gt "$n" ] && grep -q "nothing to prune" "$T/p2.out" &&
	    whole=yes
	tk check -r "$W" --read-data >"$T/ck.out" 2>&1 ||
	    failed "check --read-data fails after it" "$T/ck.out"
	grep -q " 0 problems; 0 harmless" "$T/ck.out" ||
	    failed "leftovers after the second prune" "$T/ck.out"
}
# The points: from 1 by STEP, each fsync of a new file, the last two and
# the one after.
k=1 pts=
while [ "$k" -le $((n + 1)) ]; do
	case " $tmps " in *" $k "*) new=yes ;; *) new=no ;; esac
	if [ $(( (k - 1) % STEP )) -eq 0 ] || [ "$k" -ge $((n - 1)) ] ||
	    [ "$new" = yes ]; then pts="$pts $k"; fi
	k=$((k + 1))
done
for m in $MODES; do
	crashloop "power:$m" "$pts" "$B0" after \
	    "$TACIT" prune -q -r "$W" --passphrase-fd 3
done
ok "$points power cuts ($MODES) at each of $n fsyncs and after the last, $dropped lost unsynced data or entries; $fails failures"
[ "$fails" -eq 0 ] && ok "after every cut: check passed, A and C restored, a second prune completed with a clean check --read-data"
[ "$whole" = yes ] && ok "control: a cut after the last fsync leaves a whole prune" ||
    notok "control: the prune was not whole after its last fsync"
if [ "$dropped" -gt 0 ]; then
	ok "control: the simulator dropped unsynced changes"
else
	notok "control: no cut dropped anything"
	echo "#   the whole prune's fsyncs: $seq"
	echo "#   new files at: $tmps; cuts:$seen"
fi
