#!/bin/sh
# 144-kh-channels.sh: the keyholder serves the data path on several
# channels at once (issue #20).  During the backup of a 200 MiB random
# file, the keyholder process (the tacit the user started) has a thread
# per data channel besides its main one, and more than one of its threads
# spends CPU time (computes ids and seals): the keyholder before the data
# channels had one thread.  The backup restores bit for bit, check
# --read-data passes, and the keyholder ends with the worker (no thread
# keeps it).  A data channel refusing anything but the data path is
# tests/unit/test_khchan.c.
. "$(dirname "$0")/lib.sh"

R=$T/repo S=$T/src D=$T/dst
mkrepo "$R" || notok "setup: init"
mkdir -p "$S"
head -c 209715200 /dev/urandom >"$S/big" || notok "setup: 200 MiB file"

# stat of every thread of PID: the most threads seen, and how many of them
# had used CPU time (utime + stime, fields 14 and 15) at the last look.
sample() {
	_n=0
	_busy=0
	for _t in /proc/"$1"/task/*; do
		[ -r "$_t/stat" ] || continue
		_n=$((_n + 1))
		# The name field (2) has no space here: tacit.
		set -- $(cat "$_t/stat" 2>/dev/null) 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
		[ $(( ${14} + ${15} )) -gt 0 ] && _busy=$((_busy + 1))
	done
	echo "$_n $_busy"
}

printf '%s\n' "$PW" >"$T/pw"
"$TACIT" backup -r "$R" --passphrase-fd 3 "$S" 3<"$T/pw" >"$T/b.out" 2>&1 &
kh=$!
most=0 busy=0
while kill -0 "$kh" 2>/dev/null; do
	s=$(sample "$kh")
	n=${s% *}
	b=${s#* }
	[ "$n" -gt "$most" ] && most=$n
	[ "$b" -gt "$busy" ] && busy=$b
	sleep 0.05
done
wait "$kh"
rc=$?
if [ "$rc" -eq 0 ]; then ok "backup of 200 MiB"; else
	notok "backup of 200 MiB (exit $rc)"; sed 's/^/#   /' "$T/b.out"; fi
if [ "$most" -ge 3 ]; then
	ok "the keyholder ran $most threads (main and 2 data channels)"
else
	notok "the keyholder ran $most thread(s), wanted 3"
fi
if [ "$busy" -ge 2 ]; then
	ok "$busy keyholder threads computed"
else
	notok "$busy keyholder thread(s) computed, wanted at least 2"
fi

check "restore" tp restore -r "$R" latest --target "$D"
check "restored bit for bit" cmp "$S/big" "$D/src/big"
check "check --read-data" tp check -r "$R" --read-data
rm -rf "$S" "$D"
