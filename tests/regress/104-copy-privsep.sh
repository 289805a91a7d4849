#!/bin/sh
# 104-copy-privsep.sh: the three processes of a copy, seen from outside
# while it copies a large file (issue 18, P1 and P3).  The worker is
# confined (seccomp, no_new_privs, its capabilities cut), holds its two
# sockets (3: SRC's keyholder, 4: DST's) and no key of either repository:
# neither passphrase, neither master key, no subkey (read from
# /proc/PID/mem, as root).  Each keyholder is confined and holds its own
# repository's master key and not the other's (control: the scan finds
# its own), and neither passphrase after the unlock.
. "$(dirname "$0")/lib.sh"

if "$TACIT" version | grep -q 'sandbox compiled out'; then
	ok "# SKIP this build has no sandbox (ASan)"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	ok "# SKIP needs root to read the memory of non-dumpable processes"
	exit 0
fi
S=$T/src D=$T/dst
SCAN=$(cd "$(dirname "$0")/../tools" && pwd)/memscan.py
PW2="the other passphrase, of DST"
printf '%s\n' "$PW" >"$T/pw"
printf '%s\n' "$PW2" >"$T/pw2"
"$TACIT" init -q -r "$S" $FAST --passphrase-fd 3 3<"$T/pw" >/dev/null || exit 1
"$TACIT" init -q -r "$D" $FAST --passphrase-fd 3 3<"$T/pw2" >/dev/null || exit 1
mkdir "$T/data"
head -c 300000000 /dev/urandom >"$T/data/big"
"$TACIT" backup -q -r "$S" "$T/data" --passphrase-fd 3 3<"$T/pw" ||
    notok "setup: backup"
"$TOOLDIR/keydump" "$S" <"$T/pw" >"$T/keys.s" || { notok "keydump"; exit 0; }
"$TOOLDIR/keydump" "$D" <"$T/pw2" >"$T/keys.d" || { notok "keydump"; exit 0; }
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
pw1=$(hex "$PW")
pw2=$(hex "$PW2")

"$TACIT" copy -q -r "$S" --to "$D" --passphrase-fd 3 --to-passphrase-fd 4 \
    3<"$T/pw" 4<"$T/pw2" >"$T/out" 2>&1 &
kh=$!
wk= ok2=
i=0
while [ $i -lt 600 ]; do	# until the worker is reading SRC's data
	wk=$(pgrep -P "$kh" -x tacit-worker 2>/dev/null | head -n 1)
	if [ -n "$wk" ] && grep -q '^Seccomp:.*2' "/proc/$wk/status" &&
	    [ "$(awk '/^rchar/ {print $2}' "/proc/$wk/io")" -gt 50000000 ]; then
		ok2=1
		break
	fi
	i=$((i + 1))
	sleep 0.05
done
k2=$(pgrep -P "$kh" -x tacit 2>/dev/null | head -n 1)
if [ -z "$ok2" ] || [ -z "$k2" ]; then
	notok "the worker and the second keyholder were seen running"
	wait $kh
	sed 's/^/#   /' "$T/out"
	exit 0
fi
kill -STOP "$kh" "$k2" "$wk"
field() { awk -v f="$1:" '$1 == f {print $2}' "/proc/$2/status"; }
[ "$(field Seccomp "$wk")" = 2 ] && [ "$(field NoNewPrivs "$wk")" = 1 ] &&
    ok "worker: seccomp and no_new_privs" || notok "worker: not confined"
# The copy role as root keeps DAC_READ_SEARCH(2), DAC_OVERRIDE(1),
# FOWNER(3): no SYS_ADMIN (it reads no source).
[ "$(field CapEff "$wk")" = 000000000000000e ] &&
    ok "worker: capabilities cut to dac_override, dac_read_search, fowner" ||
    notok "worker: CapEff $(field CapEff "$wk")"
for p in "$kh" "$k2"; do
	[ "$(field Seccomp "$p")" = 2 ] && [ "$(field CapEff "$p")" = \
	    0000000000000000 ] && ok "keyholder $p: seccomp, no capability" ||
	    notok "keyholder $p: Seccomp $(field Seccomp "$p"), CapEff $(field CapEff "$p")"
done
case $(readlink "/proc/$wk/fd/3")/$(readlink "/proc/$wk/fd/4") in
socket:*/socket:*) ok "worker: fds 3 and 4 are its two keyholders' sockets" ;;
*) notok "worker: fds 3 and 4: $(readlink "/proc/$wk/fd/3") $(readlink "/proc/$wk/fd/4")" ;;
esac
# shellcheck disable=SC2046
if python3 "$SCAN" "$wk" "$pw1" "$pw2" $(cat "$T/keys.s") \
    $(cat "$T/keys.d") >"$T/scan" 2>&1; then
	ok "worker: no passphrase, master key or subkey of either repository in its memory"
else notok "worker: secret in memory: $(cat "$T/scan")"; fi
# shellcheck disable=SC2046
if python3 "$SCAN" "$kh" "$pw1" "$pw2" $(cat "$T/keys.d") >"$T/scan" 2>&1
then ok "SRC's keyholder: no passphrase, and no key of DST"
else notok "SRC's keyholder: $(cat "$T/scan")"; fi
# shellcheck disable=SC2046
if python3 "$SCAN" "$k2" "$pw1" "$pw2" $(cat "$T/keys.s") >"$T/scan" 2>&1
then ok "DST's keyholder: no passphrase, and no key of SRC"
else notok "DST's keyholder: $(cat "$T/scan")"; fi
python3 "$SCAN" "$kh" "$(head -n 1 "$T/keys.s")" >/dev/null 2>&1 &&
    notok "control: the scan did not find SRC's master key in its keyholder" ||
    ok "control: the scan finds SRC's master key in SRC's keyholder"
python3 "$SCAN" "$k2" "$(head -n 1 "$T/keys.d")" >/dev/null 2>&1 &&
    notok "control: the scan did not find DST's master key in its keyholder" ||
    ok "control: the scan finds DST's master key in DST's keyholder"
kill -CONT "$kh" "$k2" "$wk"
wait $kh
rc=$?
[ $rc = 0 ] && ok "the copy then finishes" ||
    { notok "the copy then fails ($rc)"; sed 's/^/#   /' "$T/out"; }
rm -rf "$T"
