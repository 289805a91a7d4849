#!/bin/sh
# 146-restore-readahead.sh: restore asks the kernel to read a file's next
# chunks (posix_fadvise WILLNEED, up to four ahead: restore.c RS_AHEAD)
# while the keyholder opens the one before, so the disk works during the
# decryption of a cold pack; the restore role's filter allows the advice
# (tests/sandbox/death.c: the other roles are killed for it).  A 24 MiB
# file of many chunks: an advice per chunk after the first (none before
# this), and the same bytes back.
. "$(dirname "$0")/lib.sh"

if ! command -v strace >/dev/null; then
	ok "# SKIP strace is not installed"; exit 0; fi
R=$T/repo S=$T/src
mkrepo "$R" || notok "setup: init"
mkdir -p "$S"
head -c 25165824 /dev/urandom >"$S/big"
tp backup -q -r "$R" "$S" >/dev/null 2>&1 || notok "setup: backup"

env "$NOLEAK" strace -f -qq -y -o "$T/trace" -e trace=fadvise64 \
    "$TACIT" restore -q -r "$R" latest --target "$T/out" --passphrase-fd 3 \
    3<<EOF2 >"$T/rest.out" 2>&1
$PW
EOF2
rc=$?
[ $rc -eq 0 ] && ok "restore under strace exits 0" ||
    { notok "restore under strace exits 0 (exit $rc)"; sed 's/^/#   /' "$T/rest.out"; }
# On a pack (-y: the descriptor's path), a range of the blob's length.
nf=$(grep -c 'fadvise64([0-9]*<[^>]*/packs/[0-9a-f]*/[0-9a-f]*>, [0-9]*, [1-9][0-9]*, POSIX_FADV_WILLNEED' "$T/trace")
# Chunks of 256 KiB to 4 MiB (the default chunker): 6 to 96 of them.
[ "$nf" -ge 5 ] && [ "$nf" -le 95 ] &&
    ok "read-ahead advice: $nf calls for a 24 MiB file of 6 to 96 chunks" ||
    notok "read-ahead advice: $nf calls for a 24 MiB file (5 to 95 wanted)"
cmp -s "$S/big" "$T/out/src/big" && ok "the file comes back with the same bytes" ||
    notok "the file comes back with the same bytes"
rm -rf "$T"
