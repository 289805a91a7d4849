#!/bin/sh
# 148-backup-chunk-min.sh: a repository whose minimum chunk is larger than
# a small-file batch (the format allows a minimum up to 16 MiB; another
# implementation, or init --copy-chunker-from such a repository, may
# write one): a file under the minimum but larger than the batch is read
# as a large file, never into the batch.  Before, such a file was read
# whole into the batch buffer past its end (a heap overflow: 4 MiB then,
# 1 MiB now).  Files of 0.5, 1.5 and 5 MiB under a 6 MiB minimum
# back up, restore to the same bytes and check clean.
. "$(dirname "$0")/lib.sh"

R=$T/repo S=$T/src
mkrepo "$R" || notok "setup: init"
printf '%s\n' "$PW" >"$T/pw"
if "$TOOLDIR/forge" -r "$R" --passphrase-fd 3 --chunk-min 6291456 \
    3<"$T/pw" >"$T/forge.out" 2>&1; then
	ok "a config with a 6 MiB minimum chunk"
else
	notok "a config with a 6 MiB minimum chunk"; sed 's/^/#   /' "$T/forge.out"
fi
mkdir -p "$S"
head -c 524288 /dev/urandom >"$S/half"
head -c 1572864 /dev/urandom >"$S/one-and-a-half"
head -c 5242880 /dev/urandom >"$S/five"
printf 'small\n' >"$S/small"
check "backup" tp backup -q -r "$R" "$S"
rm -rf "$T/out"
if tp restore -q -r "$R" latest --target "$T/out" >"$T/rest.out" 2>&1 &&
    [ "$(treesum "$S")" = "$(treesum "$T/out/src")" ]; then
	ok "restored: the same bytes"
else
	notok "restored: the same bytes"; sed 's/^/#   /' "$T/rest.out"
fi
check "check finds nothing wrong" tp check -r "$R" --read-data
rm -rf "$T"
