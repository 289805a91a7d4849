#!/bin/sh
# 29-orphan.sh: the worker dies with its keyholder (issue 13, item 5).  A
# worker that does not read its socket (a compromised one, or one deep in
# a long write; stopped with SIGSTOP here, so it cannot see the socket
# close) must not outlive a keyholder killed with SIGKILL: PR_SET_PDEATHSIG
# sends it SIGKILL, which ends even a stopped process.
. "$(dirname "$0")/lib.sh"

R=$T/repo
printf '%s\n' "$PW" >"$T/pw"
"$TACIT" init -q -r "$R" $FAST --passphrase-fd 3 3<"$T/pw" >/dev/null || exit 1
mkdir "$T/src"
echo hello >"$T/src/file"

# orphan NAME ARGS...: start tacit ARGS with the passphrase on a FIFO not
# yet written, stop its worker, kill -9 the keyholder; the worker must be
# gone within two seconds.
orphan() {
	name=$1
	shift
	rm -f "$T/fifo"
	mkfifo "$T/fifo"
	exec 4<>"$T/fifo"	# our own end: the keyholder's open never blocks
	"$TACIT" "$@" --passphrase-fd 3 3<>"$T/fifo" >"$T/log" 2>&1 &
	bg=$!
	wk=
	i=0
	while [ $i -lt 200 ]; do
		wk=$(pgrep -P "$bg" -x tacit-worker 2>/dev/null | head -n 1)
		[ -n "$wk" ] && grep -q '^Seccomp:.*2' "/proc/$wk/status" \
		    2>/dev/null && break
		# The sanitizer build has no filter: a started worker will do.
		[ -n "$wk" ] && "$TACIT" version | grep -q 'compiled out' &&
		    break
		i=$((i + 1))
		sleep 0.05
	done
	if [ -z "$wk" ]; then
		notok "$name: the worker was seen running"
		kill -9 "$bg" 2>/dev/null
		wait "$bg" 2>/dev/null
		exec 4>&-
		return
	fi
	kill -STOP "$wk"
	kill -9 "$bg"
	wait "$bg" 2>/dev/null
	i=0
	while [ $i -lt 40 ] && [ -d "/proc/$wk" ] &&
	    ! grep -q '^State:.*Z' "/proc/$wk/status" 2>/dev/null; do
		i=$((i + 1))
		sleep 0.05
	done
	if [ -d "/proc/$wk" ] &&
	    ! grep -q '^State:.*Z' "/proc/$wk/status" 2>/dev/null; then
		notok "$name: the worker outlived its keyholder (still there" \
		    "after 2 s)"
		kill -9 "$wk" 2>/dev/null
	else
		ok "$name: the worker died with its keyholder (kill -9)"
	fi
	exec 4>&-
}

orphan backup backup -r "$R" "$T/src"
orphan restore restore -r "$R" latest --target "$T/out"
orphan "snapshots (a worker that became nobody)" snapshots -r "$R"
