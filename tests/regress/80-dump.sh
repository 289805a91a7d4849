#!/bin/sh
# 80-dump.sh: tacit dump.  A file's content to stdout equals the source
# (also a sparse file, holes as zeros); `dump SNAP / --archive tar | tar -x`
# equals `restore` of the same snapshot (rsync -aHAXc prints nothing):
# hard links stay hard links, a sparse file's holes stay holes (GNU pax
# sparse 1.0), xattrs and POSIX ACLs come back through
# `tar --xattrs --acls`, names and link targets over 100 bytes, a
# nanosecond mtime, FIFOs and (as root) a device; a subdirectory dumps
# alone; a directory without --archive, a missing path and an unknown
# archive format are refused with their exit codes; a terminal on stdout
# is refused (exit 2) before a passphrase is asked.
. "$(dirname "$0")/lib.sh"
# Repositories without parity (--parity 0): damage is met by the AEAD
# alone, as before parity; 120-parity.sh damages them with parity.

R=$T/repo S=$T/src
mkrepo "$R" --parity 0 || notok "setup: init"
printf '%s\n' "$PW" >"$T/pw"
mkdir -p "$S/sub/deep"
printf 'hello\n' >"$S/a"
head -c 300000 /dev/urandom >"$S/rand"
ln "$S/a" "$S/sub/hard"
ln -s ../a "$S/sub/sym"
long=$(printf 'n%.0s' $(seq 1 180))
printf 'long\n' >"$S/sub/$long"
ln -s "$(printf 't%.0s' $(seq 1 150))" "$S/sub/longlink"
mkfifo "$S/fifo"
truncate -s 20M "$S/sparse"
printf 'middle' | dd of="$S/sparse" bs=1 seek=8388608 conv=notrunc 2>/dev/null
touch -d '2020-01-02 03:04:05.123456789' "$S/sub/deep"
# A file that is all hole, one with data at both ends and holes between,
# an empty one, and a time before 1970 with a fraction.
truncate -s 1M "$S/allhole"
head -c 5000 /dev/urandom >"$S/ends"
truncate -s 12M "$S/ends"
printf 'mid' | dd of="$S/ends" bs=1 seek=6291456 conv=notrunc 2>/dev/null
printf 'tail' >>"$S/ends"
: >"$S/empty"
printf 'old\n' >"$S/old"
touch -d '1960-05-06 07:08:09.25' "$S/old"
acl=0
if setfattr -n user.bin -v 0x0001ff41 "$S/a" 2>/dev/null &&
    setfacl -m u:1234:rw "$S/rand" 2>/dev/null &&
    setfacl -d -m u:4321:rx "$S/sub" 2>/dev/null; then acl=1; fi
dev=0
[ "$(id -u)" -eq 0 ] && mknod "$S/cdev" c 1 3 2>/dev/null && dev=1
tp backup -q -r "$R" "$S" >"$T/b.out" 2>&1 || notok "setup: backup"

# --- one file ---------------------------------------------------------------
tp dump -r "$R" latest /src/rand >"$T/rand" 2>"$T/err"
rc=$?
if [ "$rc" -eq 0 ] && cmp -s "$T/rand" "$S/rand"; then
	ok "dump of a file equals the source"
else notok "dump of a file equals the source (exit $rc)"
	sed 's/^/#   /' "$T/err"; fi
tp dump -r "$R" latest src/sparse 2>"$T/err" | cmp -s - "$S/sparse" &&
    ok "dump of a sparse file: its holes as zeros, the same bytes" ||
    { notok "dump of a sparse file"; sed 's/^/#   /' "$T/err"; }
pre=$(tp snapshots -r "$R" --json 2>/dev/null | python3 -c \
    'import json,sys; print(json.load(sys.stdin)[0]["id"][:6])')
tp dump -r "$R" "$pre" /src/a >"$T/a" 2>"$T/err" && cmp -s "$T/a" "$S/a" &&
    ok "SNAP as an id prefix" || notok "SNAP as an id prefix ($pre)"

# --- the whole snapshot as a tar stream, against restore ------------------------
tp restore -q -r "$R" latest --target "$T/rest" >"$T/r.out" 2>&1 ||
    notok "setup: restore"
tp dump -r "$R" latest / --archive tar >"$T/all.tar" 2>"$T/err"
rc=$?
mkdir "$T/x"
tar -x --xattrs --acls --numeric-owner -f "$T/all.tar" -C "$T/x" \
    2>"$T/tar.err"
trc=$?
rsync -aHAXc --dry-run --itemize-changes "$T/rest/src/" "$T/x/src/" \
    >"$T/rsync" 2>&1
if [ "$rc" -eq 0 ] && [ "$trc" -eq 0 ] && [ ! -s "$T/rsync" ] &&
    [ -d "$T/x/src/sub/deep" ]; then
	ok "dump / --archive tar | tar -x --xattrs --acls equals restore (rsync -aHAXc)"
else notok "dump --archive tar | tar -x equals restore (dump $rc, tar $trc)"
	sed 's/^/#   /' "$T/rsync" "$T/err" "$T/tar.err" | head -20; fi
i1=$(stat -c %i "$T/x/src/a" 2>/dev/null)
i2=$(stat -c %i "$T/x/src/sub/hard" 2>/dev/null)
if [ -n "$i1" ] && [ "$i1" = "$i2" ] && tar -tvf "$T/all.tar" |
    grep -q 'src/sub/hard link to src/a'; then
	ok "a hard link is a tar hard link, extracted as one inode"
else notok "a hard link is a tar hard link ($i1 $i2)"; fi
# Holes: the data regions SEEK_DATA finds, and the blocks du counts.
holes() {
	python3 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY); off = 0; out = []
size = os.fstat(fd).st_size
while off < size:
    try: d = os.lseek(fd, off, os.SEEK_DATA)
    except OSError: break
    h = os.lseek(fd, d, os.SEEK_HOLE); out.append((d, h)); off = h
print(size, out)' "$1"
}
h_src=$(holes "$S/sparse") h_tar=$(holes "$T/x/src/sparse")
k_tar=$(du -k "$T/x/src/sparse" | cut -f1)
if [ "$h_src" = "$h_tar" ] && [ "$k_tar" -lt 1024 ] &&
    cmp -s "$S/sparse" "$T/x/src/sparse"; then
	ok "the sparse file's holes are holes after tar -x ($k_tar KiB on disk, $h_tar)"
else notok "sparse file after tar -x: $h_tar ($k_tar KiB), source $h_src"; fi
for f in allhole ends; do
	h_src=$(holes "$S/$f") h_tar=$(holes "$T/x/src/$f")
	if [ "$h_src" = "$h_tar" ] && cmp -s "$S/$f" "$T/x/src/$f"; then
		ok "$f: the same bytes and the same holes after tar -x ($h_tar)"
	else notok "$f after tar -x: $h_tar, source $h_src"; fi
done
[ "$(stat -c %y "$T/x/src/old")" = "$(stat -c %y "$S/old")" ] &&
    [ -f "$T/x/src/empty" ] && [ ! -s "$T/x/src/empty" ] &&
    ok "a time before 1970 with a fraction, an empty file" ||
    notok "old time or empty file: $(stat -c %y "$T/x/src/old") vs $(stat -c %y "$S/old")"
if [ "$acl" -eq 1 ]; then
	a=$(getfacl -n -p "$T/x/src/rand" "$T/x/src/sub" 2>/dev/null | grep -v '^#')
	b=$(getfacl -n -p "$S/rand" "$S/sub" 2>/dev/null | grep -v '^#')
	x=$(getfattr -n user.bin -e hex "$T/x/src/a" 2>/dev/null | grep =)
	if [ "$a" = "$b" ] && [ "$x" = "user.bin=0x0001ff41" ] &&
	    printf '%s\n' "$a" | grep -q 'default:user:4321:r-x'; then
		ok "ACLs (access and default) and a binary xattr survive tar --xattrs --acls"
	else notok "ACLs and xattrs through tar: $a / $x"; fi
else ok "# SKIP ACLs and xattrs: not supported here"; fi
if [ "$(stat -c %y "$T/x/src/sub/deep")" = "$(stat -c %y "$S/sub/deep")" ] &&
    [ "$(cat "$T/x/src/sub/$long")" = long ] &&
    [ "$(readlink "$T/x/src/sub/longlink")" = "$(readlink "$S/sub/longlink")" ] &&
    [ -p "$T/x/src/fifo" ]; then
	ok "nanosecond mtime, a 180-byte name, a 150-byte link target, a FIFO"
else notok "mtime, long names, link targets or FIFO differ"; fi
if [ "$dev" -eq 1 ]; then
	[ "$(stat -c '%F %t %T' "$T/x/src/cdev")" = "character special file 1 3" ] &&
	    ok "a character device keeps its numbers" ||
	    notok "a character device: $(stat -c '%F %t %T' "$T/x/src/cdev")"
else ok "# SKIP device nodes need root"; fi
# Every member is relative and has no '..'.
tar -tf "$T/all.tar" >"$T/all.list" 2>/dev/null
bad=$(grep -E '^/|(^|/)\.\.(/|$)' "$T/all.list")
[ -z "$bad" ] && [ "$(wc -l <"$T/all.list")" -ge 10 ] && ok "every member name is relative, without '..'" ||
    notok "members escape: $bad"

# --- a subdirectory, a file as an archive -------------------------------------------
tp dump -r "$R" latest /src/sub --archive tar 2>"$T/err" | tar -t >"$T/sub.list"
if [ "$(sed -n 1p "$T/sub.list")" = src/sub ] &&
    ! grep -q -e '^src/a$' -e '^src/rand$' "$T/sub.list" &&
    grep -q '^src/sub/deep' "$T/sub.list"; then
	ok "dump of a subdirectory holds it and what is below, nothing else"
else notok "dump of a subdirectory: $(tr '\n' ' ' <"$T/sub.list")"; fi

# --- refusals ----------------------------------------------------------------------
xcode 2 "a directory without --archive tar: exit 2" \
    tp dump -r "$R" latest /src/sub
grepq 'archive tar' "$T/.out" || notok "... and the message names --archive tar"
xcode 1 "a path that is not in the snapshot: exit 1" \
    tp dump -r "$R" latest /src/nothere
grepq 'no such path' "$T/.out" || notok "... and the message says so"
xcode 2 "--archive zip: exit 2" tp dump -r "$R" latest / --archive zip
grepq 'archive takes tar' "$T/.out" || notok "... and the message says tar"
xcode 1 "a symlink without --archive: exit 1" tp dump -r "$R" latest /src/sub/sym
if command -v script >/dev/null 2>&1; then
	script -qec "'$TACIT' dump -r '$R' latest /src/a --passphrase-fd 3 3<'$T/pw'" \
	    /dev/null >"$T/tty.out" 2>&1
	rc=$?
	if [ "$rc" -eq 2 ] && grep -q 'terminal' "$T/tty.out" &&
	    ! grep -q hello "$T/tty.out"; then
		ok "dump to a terminal is refused (exit 2), nothing written"
	else notok "dump to a terminal (exit $rc)"
		sed 's/^/#   /' "$T/tty.out"; fi
else ok "# SKIP script(1) is not installed"; fi
