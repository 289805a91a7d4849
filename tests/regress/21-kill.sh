#!/bin/sh
# 21-kill.sh: killing either process of the pair ends the other (the
# keyholder with a clear message), commits nothing half-made, and leaves a repository whose
# earlier snapshots restore and whose next backup succeeds.
. "$(dirname "$0")/lib.sh"

R=$T/repo
printf '%s\n' "$PW" >"$T/pw"
"$TACIT" init -q -r "$R" $FAST --passphrase-fd 3 3<"$T/pw" >/dev/null
mkdir "$T/src"
printf 'first\n' >"$T/src/small"
"$TACIT" backup -q -r "$R" "$T/src" --passphrase-fd 3 3<"$T/pw" >/dev/null
head -c 200000000 /dev/urandom >"$T/src/big"

# Start a backup; once the worker is busy, kill one of the pair.
run_and_kill() {	# which: worker or keyholder
	"$TACIT" backup -r "$R" "$T/src" --passphrase-fd 3 3<"$T/pw" \
	    >"$T/out.$1" 2>&1 &
	bg=$!
	i=0
	wk=
	while [ $i -lt 200 ]; do
		wk=$(pgrep -P "$bg" -x tacit-worker 2>/dev/null | head -n 1)
		if [ -n "$wk" ] && [ -r "/proc/$wk/io" ] && [ "$(awk \
		    '/^rchar/ {print $2}' "/proc/$wk/io" 2>/dev/null)" -gt \
		    20000000 ] 2>/dev/null; then
			break
		fi
		i=$((i + 1))
		sleep 0.05
	done
	if [ "$1" = worker ]; then
		kill -9 "$wk"
		wait $bg
		echo $? >"$T/rc.$1"
	else
		kill -9 "$bg"
		wait $bg
		i=0	# the orphaned worker must end by itself
		while kill -0 "$wk" 2>/dev/null && [ $i -lt 100 ]; do
			i=$((i + 1))
			sleep 0.05
		done
		kill -0 "$wk" 2>/dev/null && echo alive >"$T/rc.$1" ||
		    echo gone >"$T/rc.$1"
	fi
}

nsnap() {
	"$TACIT" snapshots -r "$R" --json --passphrase-fd 3 3<"$T/pw" |
	    grep -o '"id"' | wc -l
}

run_and_kill worker
rc=$(cat "$T/rc.worker")
[ "$rc" != 0 ] && grepq "worker was killed by signal 9" "$T/out.worker" &&
    ok "worker killed: the keyholder says so and exits $rc" ||
    notok "worker killed: exit $rc, said: $(cat "$T/out.worker")"
[ "$(nsnap)" = 1 ] && ok "no snapshot was committed by the killed run" ||
    notok "snapshots after the kill: $(nsnap)"
run_and_kill keyholder
[ "$(cat "$T/rc.keyholder")" = gone ] &&
    ok "keyholder killed: the worker ends by itself" ||
    notok "keyholder killed: the worker is still running"
# It no longer says "keyholder gone": the kernel kills it with SIGKILL
# (PR_SET_PDEATHSIG, issue 13 item 5; 29-orphan.sh) before it notices.
[ "$(nsnap)" = 1 ] && ok "still one snapshot" || notok "snapshots: $(nsnap)"
rm -rf "$T/dst"
xcode 0 "the earlier snapshot still restores" \
    "$TACIT" restore -r "$R" latest --target "$T/dst" --passphrase-fd 3 \
    3<"$T/pw"
cmp -s "$T/src/small" "$T/dst/src/small" && ok "byte for byte" ||
    notok "restored file differs"
xcode 0 "the next backup succeeds without repair" \
    "$TACIT" backup -q -r "$R" "$T/src" --passphrase-fd 3 3<"$T/pw"
[ "$(nsnap)" = 2 ] && ok "and commits its snapshot" ||
    notok "snapshots: $(nsnap)"
