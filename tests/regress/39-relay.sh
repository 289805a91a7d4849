#!/bin/sh
# 39-relay.sh: the keyholder relays the worker's output (the worker holds
# no terminal) without losing any, also when our stdout is non-blocking
# (a descriptor shared with a program that set O_NONBLOCK) and its reader
# is slow: the relay waits (poll POLLOUT) instead of dropping the pipe,
# which made the worker die of SIGPIPE in the middle of its output.
. "$(dirname "$0")/lib.sh"

R=$T/repo
mkrepo "$R" || notok "setup: init"
mkdir -p "$T/src"
i=0
while [ $i -lt 1500 ]; do
	: >"$T/src/file-with-a-rather-long-name-so-the-listing-is-large-$i"
	i=$((i + 1))
done
tp backup -q -r "$R" "$T/src" >/dev/null 2>&1 || notok "setup: backup"
tp ls -r "$R" latest >"$T/want" 2>&1 || notok "setup: ls"
[ "$(wc -c <"$T/want")" -gt 131072 ] || notok "setup: listing under 128 KiB"

# stdout: a pipe whose write end is O_NONBLOCK, read 2 s late.
python3 - "$TACIT" "$R" "$PW" "$T/got" <<'PY' >"$T/py.out" 2>&1
import fcntl, os, subprocess, sys, time
tacit, repo, pw, out = sys.argv[1:5]
r, w = os.pipe()
fcntl.fcntl(w, fcntl.F_SETFL, fcntl.fcntl(w, fcntl.F_GETFL) | os.O_NONBLOCK)
pr, pw_ = os.pipe()
os.write(pw_, (pw + "\n").encode())
os.close(pw_)
p = subprocess.Popen([tacit, "ls", "-r", repo, "latest", "--passphrase-fd",
    "0"], stdin=pr, stdout=w)
os.close(w)
os.close(pr)
time.sleep(2)
data = b""
while True:
    b = os.read(r, 65536)
    if not b:
        break
    data += b
open(out, "wb").write(data)
sys.exit(p.wait())
PY
rc=$?
if [ "$rc" -eq 0 ] && cmp -s "$T/want" "$T/got"; then
	ok "a non-blocking, slow stdout gets the whole listing (exit 0)"
else notok "a non-blocking, slow stdout: exit $rc, $(wc -c <"$T/got") of $(wc -c <"$T/want") bytes"
	sed 's/^/#   /' "$T/py.out" | head -5; fi
