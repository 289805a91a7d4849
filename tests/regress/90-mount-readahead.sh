#!/bin/sh
# 90-mount-readahead.sh: a sequential read through the mount reads ahead:
# the chunks that follow are fetched in one keyholder request (back to
# back in one pack: one pread), not one request per chunk.  A 48 MiB
# random file is read with cat; tacit -v then counts the chunks read and
# the keyholder requests for them: fewer than half as many requests as
# chunks.  The data equals the source, also with --cache-mib 1 (a window
# too small to batch) and read backwards in 1 MiB steps.  Root only.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then ok "# SKIP not root (90-mount-readahead needs mount(2))"; exit 0; fi
if [ ! -c /dev/fuse ]; then ok "# SKIP no /dev/fuse here"; exit 0; fi
command -v python3 >/dev/null || { ok "# SKIP python3 is missing"; exit 0; }

R=$T/repo S=$T/src M=$T/mnt
mkrepo "$R" || notok "setup: init"
mkdir -p "$S" "$M"
head -c 50331648 /dev/urandom >"$S/big"
tp backup -r "$R" "$S" >"$T/b.out" 2>&1 || { notok "setup: backup"; sed 's/^/#   /' "$T/b.out"; }
trap 'umount -l "$M" 2>/dev/null' EXIT
printf '%s\n' "$PW" >"$T/pw"

# mnt ARGS...: mount with ARGS in the background ($kh); 0 once it answers.
mnt() {
	"$TACIT" mount -r "$R" "$M" --passphrase-fd 3 "$@" 3<"$T/pw" >"$T/m.out" 2>&1 &
	kh=$!
	i=0
	while [ ! -e "$M/latest" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	[ -e "$M/latest" ] || { sed 's/^/#   /' "$T/m.out"; return 1; }
}
# umnt: SIGTERM, and the exit status.
umnt() { kill -TERM "$kh"; wait "$kh"; }

F=$M/latest/src/big
mnt -v || { notok "setup: mount"; exit 0; }
cmp "$F" "$S/big" >"$T/cmp" 2>&1; rc=$?
umnt; urc=$?
if [ $rc = 0 ] && [ $urc = 0 ]; then ok "cat of 48 MiB through the mount equals the source"
else notok "cat of 48 MiB through the mount equals the source (cmp $rc, exit $urc)"; sed 's/^/#   /' "$T/cmp"; fi
line=$(grep 'file data: ' "$T/m.out")
echo "# ${line:-no count}"
n=$(echo "$line" | sed -n 's/.*file data: \([0-9]*\) chunks read in \([0-9]*\) keyholder.*/\1/p')
q=$(echo "$line" | sed -n 's/.*file data: \([0-9]*\) chunks read in \([0-9]*\) keyholder.*/\2/p')
if [ -n "$n" ] && [ -n "$q" ] && [ "$n" -ge 24 ] && [ $((q * 2)) -lt "$n" ]; then
	ok "the sequential read took fewer keyholder requests than half its chunks ($q for $n)"
else notok "the sequential read took fewer keyholder requests than half its chunks (${q:-?} for ${n:-?})"
	sed 's/^/#   /' "$T/m.out"; fi

mnt --cache-mib 1 || { notok "setup: mount --cache-mib 1"; exit 0; }
cmp "$F" "$S/big" >"$T/cmp" 2>&1; rc=$?
# Backwards in 1 MiB steps: each read misses, none is sequential.
python3 -c 'import sys
a, b = open(sys.argv[1], "rb"), open(sys.argv[2], "rb")
for k in range(47, -1, -1):
    a.seek(k << 20); b.seek(k << 20)
    if a.read(1 << 20) != b.read(1 << 20): sys.exit(1)' "$F" "$S/big"; prc=$?
umnt; urc=$?
if [ $rc = 0 ] && [ $prc = 0 ] && [ $urc = 0 ]; then ok "with --cache-mib 1 the data reads back equal, forwards and backwards"
else notok "with --cache-mib 1 the data reads back equal, forwards and backwards (cmp $rc, backwards $prc, exit $urc)"
	sed 's/^/#   /' "$T/m.out"; fi
