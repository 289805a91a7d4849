#!/bin/sh
# 20-privsep.sh: the running pair, seen from outside, during a backup of a
# large file.  The worker has seccomp (mode 2), no_new_privs and no more
# capabilities than backup needs, and its stdout and stderr are pipes, not
# the terminal; the keyholder has seccomp and no open file but its socket,
# the standard descriptors and those pipes' read ends; after the unlock the
# passphrase is in neither process's memory and no key but the chunker's is
# in the worker's (read from /proc/PID/mem, as root).
. "$(dirname "$0")/lib.sh"

if "$TACIT" version | grep -q 'sandbox compiled out'; then
	ok "# SKIP this build has no sandbox (ASan)"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	ok "# SKIP needs root to read the memory of non-dumpable processes"
	exit 0
fi
R=$T/repo
SCAN=$(cd "$(dirname "$0")/../tools" && pwd)/memscan.py
printf '%s\n' "$PW" >"$T/pw"
"$TACIT" init -q -r "$R" $FAST --passphrase-fd 3 3<"$T/pw" >/dev/null || exit 1
mkdir "$T/src"
head -c 300000000 /dev/urandom >"$T/src/big"
"$TOOLDIR/keydump" "$R" <"$T/pw" >"$T/keys" || { notok "keydump"; exit 0; }
pwhex=$(printf '%s' "$PW" | od -An -tx1 | tr -d ' \n')

"$TACIT" backup -q -r "$R" "$T/src" --passphrase-fd 3 3<"$T/pw" \
    >"$T/out" 2>&1 &
bg=$!
kh=
wk=
i=0
while [ $i -lt 300 ]; do	# until the worker is reading data
	wk=$(pgrep -P "$bg" -x tacit-worker 2>/dev/null | head -n 1)
	if [ -n "$wk" ] && grep -q '^Seccomp:.*2' "/proc/$wk/status" &&
	    [ "$(awk '/^rchar/ {print $2}' "/proc/$wk/io")" -gt 50000000 ]; then
		break
	fi
	i=$((i + 1))
	sleep 0.05
done
kh=$bg
if [ -z "$wk" ]; then
	notok "the worker was seen running"
	wait $bg
	exit 0
fi
kill -STOP "$kh" "$wk"
field() { awk -v f="$1:" '$1 == f {print $2}' "/proc/$2/status"; }

[ "$(field Seccomp "$wk")" = 2 ] && ok "worker: Seccomp 2" ||
    notok "worker: Seccomp $(field Seccomp "$wk")"
[ "$(field NoNewPrivs "$wk")" = 1 ] && ok "worker: NoNewPrivs 1" ||
    notok "worker: NoNewPrivs $(field NoNewPrivs "$wk")"
# backup as root keeps DAC_READ_SEARCH(2), DAC_OVERRIDE(1), FOWNER(3) and
# SYS_ADMIN(21), without which trusted.* attributes are invisible.
[ "$(field CapEff "$wk")" = 000000000020000e ] &&
    ok "worker: capabilities cut to dac_override, dac_read_search, fowner, sys_admin" ||
    notok "worker: CapEff $(field CapEff "$wk")"
[ "$(field CapBnd "$wk")" = 000000000020000e ] &&
    ok "worker: bounding set cut the same way" ||
    notok "worker: CapBnd $(field CapBnd "$wk")"
[ "$(field Seccomp "$kh")" = 2 ] && ok "keyholder: Seccomp 2" ||
    notok "keyholder: Seccomp $(field Seccomp "$kh")"
[ "$(field TracerPid "$kh")" = 0 ] && ok "keyholder: not traced" ||
    notok "keyholder: traced"
# Besides: the read ends of the worker's stdout and stderr pipes (relayed).
extra=$(ls -l "/proc/$kh/fd" | awk -v o="$(readlink "/proc/$wk/fd/1")" \
    -v e="$(readlink "/proc/$wk/fd/2")" \
    'NR > 1 && $9 > 2 && $11 !~ /^socket:/ && $11 != o && $11 != e')
[ -z "$extra" ] && ok "keyholder: no open file but its socket, 0-2 and the" \
    "worker's output pipes" ||
    notok "keyholder: open files: $extra"
[ "$(field CapEff "$kh")" = 0000000000000000 ] &&
    ok "keyholder: no capability left" ||
    notok "keyholder: CapEff $(field CapEff "$kh")"
[ "$(field NoNewPrivs "$kh")" = 1 ] && ok "keyholder: NoNewPrivs 1" ||
    notok "keyholder: NoNewPrivs $(field NoNewPrivs "$kh")"
env=$(tr '\0' '\n' <"/proc/$wk/environ" | grep -v -e '^TZ=' -e '_OPTIONS=')
[ -z "$env" ] && ok "worker: empty environment" ||
    notok "worker: environment: $env"
# Not even /dev/null: a root restore worker could fchown or fchmod a file
# it holds, and /dev/null is outside every target.
case $(readlink "/proc/$wk/fd/0") in
pipe:*) ok "worker: stdin is a pipe with no writer, no file and never the terminal" ;;
*)	notok "worker: stdin is $(readlink "/proc/$wk/fd/0")" ;;
esac
for f in 1 2; do
	case $(readlink "/proc/$wk/fd/$f") in
	pipe:*) ok "worker: fd $f is a pipe to the keyholder, not the" \
	    "terminal" ;;
	*) notok "worker: fd $f is $(readlink "/proc/$wk/fd/$f")" ;;
	esac
done
case $(readlink "/proc/$wk/fd/3") in
socket:*) ok "worker: fd 3 is the socket to the keyholder" ;;
*) notok "worker: fd 3 is $(readlink "/proc/$wk/fd/3")" ;;
esac
if python3 "$SCAN" "$kh" "$pwhex" \
    >"$T/scan" 2>&1; then
	ok "keyholder: the passphrase is not in its memory after the unlock"
else
	notok "keyholder: the passphrase is in its memory: $(cat "$T/scan")"
fi
if python3 "$SCAN" "$wk" "$pwhex" \
    $(cat "$T/keys") >"$T/scan" 2>&1; then
	ok "worker: neither the passphrase nor the master key nor any subkey" \
	    "but the chunker's is in its memory"
else
	notok "worker: secret in memory: $(cat "$T/scan")"
fi
# Control: the keyholder does hold the master key (the scan can see it).
if python3 "$SCAN" "$kh" \
    "$(head -n 1 "$T/keys")" >/dev/null 2>&1; then
	notok "control: the scan did not find the master key in the keyholder"
else
	ok "control: the scan finds the master key in the keyholder"
fi
kill -CONT "$kh" "$wk"
wait $bg
rc=$?
[ $rc = 0 ] && ok "the backup then finishes (exit 0)" ||
    notok "the backup ended with $rc: $(cat "$T/out")"
