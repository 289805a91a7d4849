#!/bin/sh
# 42-init-fail.sh: an init that fails removes what it created (issue 14):
# ENOSPC and EIO injected (strace) into each of init's repository calls in
# turn (mkdirat, openat(O_CREAT), write, fsync, renameat2): exit 1, an
# error message, and the directory left empty (or not there), so that the
# same init can be run again.  (A passphrase that cannot be had, and the
# weak-passphrase warning before anything is written: 01-init, 07-tty,
# 30-pinentry.)
. "$(dirname "$0")/lib.sh"

if ! command -v strace >/dev/null; then
	ok "# SKIP strace is missing"; exit 0; fi
printf '%s\n' "$PW" >"$T/pw"
I=$T/new
repo_calls "$I" "$TACIT" init -q -r "$I" $FAST --passphrase-fd 3 \
    3<"$T/pw" >/dev/null 2>&1 || notok "setup: traced init"
n=$(wc -l <"$T/calls")
[ "$n" -ge 10 ] || notok "only $n repository calls found in the trace"
bad=0 runs=0 i=0
while read -r sc k; do
	i=$((i + 1))
	take $i || continue	# STRIDE (lib.sh)
	for e in ENOSPC EIO; do
		rm -rf "$I"
		inject "$sc" "$sc" "$e" "$k" \
		    "$TACIT" init -q -r "$I" $FAST --passphrase-fd 3 3<"$T/pw"
		rc=$?
		runs=$((runs + 1))
		left=$(ls -A "$I" 2>/dev/null | tr '\n' ' ')
		if [ "$rc" -ne 1 ] || ! grep -q '^tacit: error: ' "$T/f.out" ||
		    [ -n "$left" ]; then
			bad=$((bad + 1))
			notok "$e at $sc #$k: exit $rc, left: ${left:-nothing}"
			sed 's/^/#   /' "$T/f.out"
		fi
	done
done <"$T/calls"
[ "$bad" -eq 0 ] && ok "$runs faults over $(each) of init's $n repository calls: exit 1, a message, nothing left"
rm -rf "$I"
xcode 0 "and the same init then works" "$TACIT" init -q -r "$I" $FAST \
    --passphrase-fd 3 3<"$T/pw"
