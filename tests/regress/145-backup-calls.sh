#!/bin/sh
# 145-backup-calls.sh: backup asks the file system where a file's data
# lies (lseek SEEK_DATA and SEEK_HOLE) only when the file's blocks do not
# cover its size (meta.c extents_read, cp's test): 300 small files that
# have no hole cost no lseek (1,200 before: four a file).  A sparse file
# is still found sparse (its holes are neither stored nor restored), and
# a file with a hole whose blocks cover its size (space allocated past
# its end) comes back with the same bytes.
. "$(dirname "$0")/lib.sh"

if ! command -v strace >/dev/null; then
	ok "# SKIP strace is not installed"; exit 0; fi
R=$T/repo S=$T/src
mkrepo "$R" || notok "setup: init"
mkdir -p "$S/d"
i=0
while [ $i -lt 300 ]; do
	printf 'file %s\n' $i >"$S/d/f$i"
	i=$((i + 1))
done
# Sparse: 8 MiB with 4 bytes of data in its middle.
truncate -s 8M "$S/sparse"
printf data | dd of="$S/sparse" bs=1 seek=4194304 conv=notrunc 2>/dev/null
# A hole, but blocks past the end cover it: stored as zeros.
prealloc=0
if command -v fallocate >/dev/null; then
	head -c 65536 /dev/urandom >"$S/prealloc"
	truncate -s 131072 "$S/prealloc"
	head -c 4096 /dev/urandom | dd of="$S/prealloc" bs=4096 seek=32 \
	    conv=notrunc 2>/dev/null
	fallocate -n -o 135168 -l 1048576 "$S/prealloc" 2>/dev/null &&
	    prealloc=1
fi

env "$NOLEAK" strace -f -qq -o "$T/trace" -e trace=lseek \
    "$TACIT" backup -q -r "$R" "$S" --passphrase-fd 3 3<<EOF \
    >"$T/back.out" 2>&1
$PW
EOF
rc=$?
[ $rc -eq 0 ] && ok "backup under strace exits 0" ||
    { notok "backup under strace exits 0 (exit $rc)"; sed 's/^/#   /' "$T/back.out"; }
nd=$(grep -c 'SEEK_DATA' "$T/trace")
nl=$(grep -c 'lseek(' "$T/trace")
[ "$nd" -ge 1 ] && ok "the sparse file is still asked where its data lies ($nd SEEK_DATA)" ||
    notok "the sparse file is still asked where its data lies (no SEEK_DATA)"
# A file system that gives a small file no block (ext4's inline data,
# some FUSE or NFS mounts) takes the lseek path for each: slower, not
# wrong, and not what this counts.
if [ "$(stat -c %b "$S/d/f0")" -eq 0 ]; then
	ok "# SKIP small files have no blocks on this file system"
else
	[ "$nl" -le 30 ] && ok "lseek: $nl calls for 302 files, not four a file" ||
	    notok "lseek: $nl calls for 302 files (at most 30)"
fi

tp restore -q -r "$R" latest --target "$T/out" >"$T/rest.out" 2>&1 ||
    { notok "restore"; sed 's/^/#   /' "$T/rest.out"; }
D=$T/out/src
if diff -r "$S" "$D" >/dev/null 2>&1; then
	ok "every file comes back with the same bytes"
else notok "every file comes back with the same bytes"; fi
sb=$(stat -c %b "$D/sparse" 2>/dev/null)
[ -n "$sb" ] && [ "$sb" -lt 1024 ] &&
    ok "the sparse file stays sparse ($sb blocks of 512 bytes for 8 MiB)" ||
    notok "the sparse file stays sparse (${sb:-no} blocks)"
if [ $prealloc = 1 ]; then
	cmp -s "$S/prealloc" "$D/prealloc" &&
	    ok "a hole under space allocated past the end reads the same" ||
	    notok "a hole under space allocated past the end reads the same"
else ok "# SKIP fallocate -n is not available here"; fi
rm -rf "$T"
