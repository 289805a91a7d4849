#!/bin/sh
# 57-prune-crash.sh: kill -9 anywhere in a prune (issue 16, P9).  The
# repository holds every kind of work: snapshots A and C in packs that are
# not full (repacked), B forgotten (its pack deleted), and the leftovers
# of a backup killed before its index (removed).  Its prune is killed by
# strace at its Nth write, fsync, renameat2 or unlinkat (per process, as
# 25-crash.sh does) on a fresh copy; after every kill: check passes (at
# most leftovers), A and C restore bit for bit, a second prune completes,
# and then check --read-data is clean with no leftover.
# make check: the first, middle and last call of each kind (12 kills);
# LONG=1: every call of each kind.
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

# Calibrate: a whole prune, its calls per process.
SYSCALLS="write fsync renameat2 unlinkat"
rm -rf "$W"; cp -a "$B0" "$W"
strace -f -qq -o "$T/cal" -e trace=$(echo $SYSCALLS | tr ' ' ,) \
    "$TACIT" prune -q -r "$W" --passphrase-fd 3 3<"$T/pw" ||
    notok "setup: a whole prune under strace"
for sc in $SYSCALLS; do
	eval "MAX_$sc=$(calls_max "$T/cal" "$sc")"
done
[ "$MAX_unlinkat" -ge 3 ] && [ "$MAX_renameat2" -ge 2 ] ||
    notok "setup: the prune made $MAX_unlinkat unlinks, $MAX_renameat2 renames"

fails=0 kills=0 missed=0
failed() {	# DESC FILE
	fails=$((fails + 1))
	notok "kill at $sc #$k: $1"
	[ "$fails" -le 5 ] && [ -n "${2:-}" ] && sed 's/^/#   /' "$2" | head -20
}
# after: the checks after each kill.
after() {
	if [ "$rc" -eq 0 ]; then missed=$((missed + 1)); else kills=$((kills + 1)); fi
	tk check -r "$W" >"$T/ck.out" 2>&1 || failed "check fails" "$T/ck.out"
	same "$T/a" "$A" || failed "A does not restore" "$T/.rout"
	same "$T/c" "$C" || failed "C does not restore" "$T/.rout"
	tk prune -q -r "$W" >"$T/p2.out" 2>&1 ||
	    failed "the second prune fails" "$T/p2.out"
	tk check -r "$W" --read-data >"$T/ck.out" 2>&1 ||
	    failed "check --read-data fails after it" "$T/ck.out"
	grep -q " 0 problems; 0 harmless" "$T/ck.out" ||
	    failed "leftovers after the second prune" "$T/ck.out"
	same "$T/c" "$C" || failed "C does not restore at the end" "$T/.rout"
}

for sc in $SYSCALLS; do
	eval "max=\$MAX_$sc"
	if [ "$LONG" = 1 ]; then ks=$(seq 1 "$max")
	else ks=$(printf '%s\n' 1 $(((max + 1) / 2)) "$max" | sort -un); fi
	crashloop "kill:$sc" "$ks" "$B0" after \
	    "$TACIT" prune -q -r "$W" --passphrase-fd 3
done
ok "$kills prunes killed, $missed ran to the end (writes $MAX_write, fsyncs $MAX_fsync, renames $MAX_renameat2, unlinks $MAX_unlinkat); $fails failures"
[ "$fails" -eq 0 ] && ok "after every kill: check passed, A and C restored, a second prune completed with a clean check --read-data"
[ "$kills" -ge 8 ] && ok "the kills landed ($kills)" || notok "only $kills kills landed"
