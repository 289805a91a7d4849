#!/bin/sh
# 85-mount.sh: tacit mount (issue 17) shows what restore would write.  The
# fixture of 10-roundtrip (every kind of entry, odd modes and owners,
# nanosecond times, hard links, xattrs, ACLs, a sparse file, hostile
# names) is backed up and mounted: rsync -aHAXc finds no difference
# between the source and the mounted snapshot but the socket (never
# backed up); every file reads back equal; getfattr and getfacl print the
# same; holes are holes (SEEK_HOLE); writes fail with EROFS; the layout
# has snapshots/, latest, ids/ and tags/; the worker runs under seccomp
# with no_new_privs; SIGTERM to tacit unmounts and it exits 0, and so does
# fusermount3 -u.  Root only (mounting needs root or fusermount3).
. "$(dirname "$0")/lib.sh"
# Repositories without parity (--parity 0): damage is met by the AEAD
# alone, as before parity; 120-parity.sh damages them with parity.

if [ "$(id -u)" != 0 ]; then ok "# SKIP not root (85-mount needs mount(2))"; exit 0; fi
if [ ! -c /dev/fuse ]; then ok "# SKIP no /dev/fuse here"; exit 0; fi
for p in rsync getfattr getfacl python3 fusermount3; do
	command -v $p >/dev/null || { ok "# SKIP $p is missing"; exit 0; }
done

R=$T/repo S=$T/src M=$T/mnt
mkrepo "$R" --parity 0 || notok "setup: init"
mkdir -p "$M"
trap 'umount -l "$M" 2>/dev/null' EXIT

# --- the fixture of 10-roundtrip ----------------------------------------------
mkdir -p "$S/d1/d2/d3" "$S/links" "$S/modes"
: >"$S/empty"
printf 'hello, world\n' >"$S/small"
head -c 3145728 /dev/urandom >"$S/random3m"
yes 'a line of very compressible text for the round trip' |
    head -c 9437184 >"$S/text9m"
printf deep >"$S/d1/d2/d3/deep"; printf plain >"$S/d1/plain"
ln -s small "$S/rel"; ln -s /etc/passwd "$S/abs"; ln -s no/such/target "$S/dangling"
printf pair >"$S/links/pa"; ln "$S/links/pa" "$S/d1/pb"
printf triple >"$S/links/ta"; ln "$S/links/ta" "$S/links/tb"
ln "$S/links/ta" "$S/d1/d2/tc"
mkfifo "$S/fifo"
for m in 0600 0755 04755 02755 0000; do
	printf "mode $m" >"$S/modes/f$m"; chmod "$m" "$S/modes/f$m"
done
mkdir "$S/modes/sticky"; chmod 01777 "$S/modes/sticky"
setfattr -n user.color -v blue "$S/small" && setfattr -n user.empty "$S/d1" &&
    setfattr -n user.bin -v 0x00ff10 "$S/random3m" || notok "setup: user xattrs"
setfacl -m u:1000:r "$S/small" && setfacl -d -m u:1000:rx "$S/d1" ||
    notok "setup: ACLs"
truncate -s 100M "$S/sparse"
printf data | dd of="$S/sparse" bs=1 seek=52428800 conv=notrunc 2>/dev/null
for n in "$(printf 'bad\377\376name')" "$(printf 'new\nline')" " spaced  name " \
    "-dash" "$(printf 'L%.0s' $(seq 255))"; do
	printf 'name' >"$S/$n"
done
mknod "$S/chr" c 1 3 && mknod "$S/blk" b 7 200 || notok "setup: device nodes"
chown 1234:5678 "$S/modes/f0600" "$S/d1/d2" && chown -h 1234:5678 "$S/rel"
touch -d '2020-01-02 03:04:05.123456789' "$S/small" "$S/d1/d2/d3" "$S/d1"
touch -h -d '2019-05-06 07:08:09.987654321' "$S/rel"
python3 -c 'import socket,os,sys; os.chdir(sys.argv[1])
socket.socket(socket.AF_UNIX).bind("sock")' "$S" || notok "setup: socket"
touch -d '2021-03-04 05:06:07.000000001' "$S"
tp backup -r "$R" "$S" --tag daily >"$T/b.out" 2>&1 ||
    { notok "setup: backup"; sed 's/^/#   /' "$T/b.out"; }

# --- mount ------------------------------------------------------------------
# up: wait (up to 60 s, polling) until the mount answers.
up() {
	i=0
	while [ ! -e "$M/latest" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	[ -e "$M/latest" ]
}
printf '%s\n' "$PW" | "$TACIT" mount -r "$R" "$M" --passphrase-fd 0 \
    >"$T/m.out" 2>&1 &
kh=$!
if up; then ok "tacit mount mounts the repository"
else notok "tacit mount mounts the repository"; sed 's/^/#   /' "$T/m.out"; exit 0; fi
P=$M/latest/src
rsync -aHAXc --numeric-ids --dry-run --itemize-changes --exclude=/sock \
    "$S/" "$P/" >"$T/rsync" 2>&1
if [ "$?" -eq 0 ] && [ ! -s "$T/rsync" ]; then
	ok "rsync -aHAXc finds no difference between the source and the mount (only the socket is left out: never backed up)"
else notok "rsync -aHAXc finds no difference between the source and the mount"
	sed 's/^/#   /' "$T/rsync"; fi
bad=0
for f in $(cd "$S" && find . -type f ! -name '*[!A-Za-z0-9./_-]*'); do
	cmp -s "$S/$f" "$P/$f" || { bad=1; echo "#   differs: $f"; }
done
[ $bad = 0 ] && ok "cat of every file equals the source" ||
    notok "cat of every file equals the source"
a=$(cd "$S" && getfattr -R -d -m- -h . 2>/dev/null | grep -v '^$' | sort)
b=$(cd "$P" && getfattr -R -d -m- -h . 2>/dev/null | grep -v '^$' | sort)
if [ -n "$a" ] && [ "$a" = "$b" ]; then ok "getfattr -d -m- prints the same"
else notok "getfattr -d -m- prints the same"
	printf '%s\n--\n%s\n' "$a" "$b" | sed 's/^/#   /' | head -40; fi
# getfacl in one order (a listing's order is the file system's): the
# names without odd bytes, sorted.
acls() { (cd "$1" && find . ! -name sock ! -name '*[!A-Za-z0-9./_-]*' |
    sort | while read -r f; do getfacl -p "$f" 2>&1; done); }
a=$(acls "$S") b=$(acls "$P")
if printf '%s\n' "$b" | grep -q '^user:1000:r--\|^user:[a-z]*:r--' &&
    printf '%s\n' "$b" | grep -q '^default:user:[a-z0-9]*:r-x' && [ "$a" = "$b" ]
then ok "getfacl prints the same (access and default ACLs)"
else notok "getfacl prints the same (access and default ACLs)"
	printf '%s\n' "$a" >"$T/fa"; printf '%s\n' "$b" >"$T/fb"
	diff "$T/fa" "$T/fb" | sed 's/^/#   /' | head -20; fi
seeks() { python3 -c 'import os,sys
fd=os.open(sys.argv[1], os.O_RDONLY)
d=os.lseek(fd, 0, os.SEEK_DATA); h=os.lseek(fd, d, os.SEEK_HOLE)
print(d, h, os.fstat(fd).st_size)' "$1"; }
a=$(seeks "$S/sparse") b=$(seeks "$P/sparse")
echo "# SEEK_DATA, SEEK_HOLE, size: source $a, mount $b"
if [ "$a" = "$b" ] && [ "${a%% *}" -ge 52000000 ]; then
	ok "SEEK_DATA and SEEK_HOLE find the sparse file's data"
else notok "SEEK_DATA and SEEK_HOLE find the sparse file's data"; fi
i1=$(stat -c %i "$P/links/ta") i2=$(stat -c %i "$P/d1/d2/tc") n=$(stat -c %h "$P/links/tb")
if [ "$i1" = "$i2" ] && [ "$n" = 3 ] && [ "$(stat -c %i "$P/links/pa")" != "$i1" ]; then
	ok "hard links share one inode number, link count 3"
else notok "hard links share one inode number, link count 3 ($i1 $i2 $n)"; fi
if [ -L "$M/latest" ] && [ -L "$M/ids/$(readlink "$M/latest" | sed 's/.*-//')" ] &&
    [ -d "$M/tags/daily/$(basename "$(readlink "$M/latest")")/src" ] &&
    [ "$(ls "$M")" = "$(printf 'ids\nlatest\nsnapshots\ntags')" ]; then
	ok "layout: snapshots/, latest, ids/ID8, tags/TAG/"
else notok "layout: snapshots/, latest, ids/ID8, tags/TAG/"; ls -lR "$M" | head | sed 's/^/#   /'; fi
w=0
for c in "touch $P/new" "rm -f $P/small" "mkdir $P/x" "chmod 0 $P/small" \
    "setfattr -n user.x -v y $P/small" "mv $P/small $P/small2"; do
	$c 2>"$T/e" && { w=1; echo "#   allowed: $c"; }
	grep -q "Read-only file system" "$T/e" || { w=1; echo "#   not EROFS: $c: $(cat "$T/e")"; }
done
[ $w = 0 ] && ok "every write fails with EROFS" || notok "every write fails with EROFS"
wk=$(pgrep -P "$kh" | head -1)
if [ "${CONF:-}" = san ]; then
	ok "the mount worker's sandbox # SKIP the SAN build has none (SANDBOX_OFF)"
elif [ -n "$wk" ] && grep -q '^Seccomp:[[:space:]]*2' "/proc/$wk/status" &&
    grep -q '^NoNewPrivs:[[:space:]]*1' "/proc/$wk/status" &&
    [ "$(stat -c %u "/proc/$wk")" != 0 ]; then
	ok "the mount worker: Seccomp 2, NoNewPrivs 1, not uid 0"
else notok "the mount worker: Seccomp 2, NoNewPrivs 1, not uid 0"
	grep -E 'Uid|Seccomp|NoNewPrivs' "/proc/$wk/status" | sed 's/^/#   /'; fi

# --- ending: SIGTERM, then fusermount3 -u --------------------------------------
kill -TERM "$kh"
wait "$kh"
rc=$?
if [ "$rc" = 0 ] && ! grep -q " $M " /proc/mounts; then
	ok "SIGTERM unmounts and tacit exits 0"
else notok "SIGTERM unmounts and tacit exits 0 (exit $rc)"; sed 's/^/#   /' "$T/m.out"; fi
printf '%s\n' "$PW" | "$TACIT" mount -r "$R" "$M" --passphrase-fd 0 \
    >"$T/m.out" 2>&1 &
kh=$!
up || notok "setup: mount again"
fusermount3 -u "$M"
wait "$kh"
rc=$?
if [ "$rc" = 0 ] && ! grep -q " $M " /proc/mounts && ! pgrep -P "$kh" >/dev/null; then
	ok "fusermount3 -u unmounts and tacit exits 0"
else notok "fusermount3 -u unmounts and tacit exits 0 (exit $rc)"; sed 's/^/#   /' "$T/m.out"; fi
