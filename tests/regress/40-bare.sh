#!/bin/sh
# 40-bare.sh: the static binary runs on a system that has nothing else.
# A root file system holding only the binary (on a "disk" directory, next
# to where the repository goes), an empty /tmp, /dev/null, a minimal
# /etc/passwd and /etc/group and a mounted /proc: no shared library, no
# loader, no shell, no NSS module, no pinentry.  In it (a new mount
# namespace, pivot_root: tests/tools/bareroot.py), as root and as an
# unprivileged user: init, backup, snapshots, ls, restore, check
# --read-data, log, doctor, key add, key list; the restore matches the
# source (rsync -aHAXc from outside sees no difference); ls shows the
# owner's name from the bare /etc/passwd, and the binary holds no NSS
# module loader and no interpreter; without /proc the error says to
# mount it.  Then the same with the host's / (and /tmp) read-only but for
# the disk (the live-USB situation).  Root only; the
# binary must be static (make check STATIC=1), else skipped.
. "$(dirname "$0")/lib.sh"

BR=$(cd "$(dirname "$0")/../tools" && pwd)/bareroot.py
skip() { ok "bare system # SKIP $*"; exit 0; }
[ "$(id -u)" = 0 ] || skip "not root (needs mount namespaces and mknod)"
case $(file -b "$TACIT") in
*static*) ;;
*) [ "${BARE_FORCE:-}" = 1 ] ||
	skip "$TACIT is dynamically linked (make check STATIC=1 runs this)";;
esac
for c in python3 rsync setfattr mknod; do
	command -v "$c" >/dev/null 2>&1 || skip "no $c"
done
TU=4321 TG=4321

# --- no NSS, no loader ---------------------------------------------------------
# glibc links its NSS module loader (which names libnss_*.so) into a static
# binary that calls getpwuid(3) and friends; tacit's must not hold it.
if grep -a -q 'libnss_' "$TACIT"; then
	notok "the binary holds glibc's NSS module loader (libnss_)"
else ok "the binary holds no NSS module loader"; fi
if file -b "$TACIT" | grep -q 'interpreter'; then
	notok "the binary names a program interpreter (ld.so)"
else ok "the binary names no program interpreter"; fi

# --- the bare root ------------------------------------------------------------
B=$T/root
mkdir -p "$B/disk" "$B/tmp" "$B/dev" "$B/etc" "$B/proc" "$B/data"
chmod 1777 "$B/tmp"
mknod -m 0666 "$B/dev/null" c 1 3
cp "$TACIT" "$B/disk/tacit"
chmod 0755 "$B/disk/tacit"
cat >"$B/etc/passwd" <<EOP
root:x:0:0:root:/root:/nonexistent
live:x:$TU:$TG:live user:/nonexistent:/nonexistent
nobody:x:65534:65534:nobody:/nonexistent:/nonexistent
EOP
cat >"$B/etc/group" <<EOP
root:x:0:
live:x:$TG:
nogroup:x:65534:
EOP
chmod 0644 "$B/etc/passwd" "$B/etc/group"
mkdir "$B/disk/user"
chown "$TU:$TG" "$B/disk/user" "$B/data"

# fixture DIR OWNER: files, a hard link pair, a symlink, odd modes, xattrs,
# nanosecond times; owned by OWNER.
fixture() {
	mkdir -p "$1/d/e"
	printf 'hello\n' >"$1/small"
	head -c 300000 /dev/urandom >"$1/d/random"
	yes 'compressible line' | head -c 200000 >"$1/d/e/text"
	: >"$1/empty"
	ln "$1/small" "$1/d/hard"
	ln -s ../small "$1/d/sym"
	chmod 0640 "$1/d/random"
	chmod 0700 "$1/d/e"
	setfattr -n user.tag -v bare "$1/small"
	chown -R -h "$2" "$1"
	touch -d '2021-02-03 04:05:06.123456789' "$1/small" "$1/d/e" "$1/d"
}
fixture "$B/data/src" 0:0
fixture "$B/data/usrc" "$TU:$TG"
chown 0:0 "$B/data/src/d/random"
chown "$TU:$TG" "$B/data/src/d/e/text"

# run WHO MODE ROOT [DISK] -- ARGS: the disk's tacit in the new root, as
# WHO (root or live), with the passphrase(s) on descriptor 0.
run() {
	who=$1 mode=$2 root=$3
	shift 3
	disk=
	[ "$1" = -- ] || { disk=$1; shift; }
	shift
	ids=0:0
	[ "$who" = live ] && ids=$TU:$TG
	python3 "$BR" "$mode" "$root" "${ids%:*}" "${ids#*:}" $disk -- "$@"
}
PW2="a second passphrase for the bare key"

# suite WHO MODE ROOT DISK SRC OUT [HOSTDISK]: every command once; paths
# are as tacit sees them (inside ROOT); OUTX is OUT seen from outside.
suite() {
	who=$1 mode=$2 root=$3 disk=$4 src=$5 out=$6 srcx=$7 outx=$8
	hd=$9
	tc="$disk/tacit"
	r="$disk/$who-repo"
	[ "$who" = live ] && r="$disk/user/repo"
	pre="$who, $mode"
	printf '%s\n' "$PW" | run "$who" "$mode" "$root" $hd -- "$tc" init \
	    -r "$r" $FAST --passphrase-fd 0 >"$T/o" 2>&1
	check "$pre: init" test "$?" -eq 0 -a -f "$(outside "$r")/config"
	xrun 0 "$pre: backup" backup -r "$r" "$src"
	xrun 0 "$pre: snapshots" snapshots -r "$r"
	grepq "$src" "$T/o" && ok "$pre: snapshots lists the backup" ||
	    notok "$pre: snapshots lists the backup"
	xrun 0 "$pre: ls" ls -r "$r" latest
	if [ "$who" = root ] && [ "$mode" = bare ]; then
		grep -a 'random' "$T/o" | grep -q 'root' &&
		grep -a '/text' "$T/o" | grep -q 'live' &&
		    ok "$pre: ls names owners from the bare /etc/passwd" ||
		{ notok "$pre: ls names owners from the bare /etc/passwd"
		  sed 's/^/#   /' "$T/o"; }
	fi
	xrun 0 "$pre: restore" restore -r "$r" latest --target "$out"
	rsync -aHAXc --numeric-ids --dry-run --itemize-changes \
	    "$srcx/" "$outx/$(basename "$src")/" >"$T/rs" 2>&1
	if [ "$?" -eq 0 ] && [ ! -s "$T/rs" ]; then
		ok "$pre: rsync -aHAXc finds no difference after the restore"
	else
		notok "$pre: rsync -aHAXc finds no difference after the restore"
		sed 's/^/#   /' "$T/rs"
	fi
	xrun 0 "$pre: check --read-data" check -r "$r" --read-data
	xrun 0 "$pre: log" log -r "$r" latest
	printf '%s\n%s\n' "$PW" "$PW2" | run "$who" "$mode" "$root" $hd -- \
	    "$tc" key add -r "$r" --passphrase-fd 0 --new-passphrase-fd 0 \
	    $FAST >"$T/o" 2>&1
	check "$pre: key add" test "$?" -eq 0
	printf '%s\n' "$PW2" | run "$who" "$mode" "$root" $hd -- "$tc" key \
	    list -r "$r" --passphrase-fd 0 >"$T/o" 2>&1
	check "$pre: key list with the added passphrase" test "$?" -eq 0 -a \
	    "$(grep -c . "$T/o")" -ge 2
	run "$who" "$mode" "$root" $hd -- "$tc" doctor >"$T/o" 2>&1
	rc=$?
	if [ "$rc" -le 1 ] && grepq Landlock "$T/o" && grepq seccomp "$T/o"
	then ok "$pre: doctor runs (exit $rc)"
	else notok "$pre: doctor runs (exit $rc)"; sed 's/^/#   /' "$T/o"; fi
	run "$who" "$mode" "$root" $hd -- "$tc" version >"$T/o" 2>&1
	grepq 'build: static' "$T/o" && grepq 'seccomp filters: available' \
	    "$T/o" && ok "$pre: version says static, seccomp available" ||
	{ notok "$pre: version says static, seccomp available"
	  sed 's/^/#   /' "$T/o"; }
}

# xrun CODE DESC ARGS: tacit ARGS in the current root, passphrase on 0.
xrun() {
	want=$1 desc=$2
	shift 2
	printf '%s\n' "$PW" | run "$who" "$mode" "$root" $hd -- "$tc" "$@" \
	    --passphrase-fd 0 >"$T/o" 2>&1
	got=$?
	if [ "$got" -eq "$want" ]; then ok "$desc"
	else notok "$desc (exit $got, wanted $want)"; sed 's/^/#   /' "$T/o"; fi
}

# --- a bare root, as root and as the live user --------------------------------
outside() { case $mode in bare) echo "$B$1";; *) echo "$H${1#/mnt/disk}";; esac; }
mode=bare
suite root bare "$B" /disk /data/src /data/out "$B/data/src" "$B/data/out" ""
suite live bare "$B" /disk /data/usrc /data/uout "$B/data/usrc" \
    "$B/data/uout" ""

# --- no /proc: a message that says what to do ------------------------------
mkdir -p "$T/noproc/disk" "$T/noproc/tmp" "$T/noproc/dev" "$T/noproc/etc"
cp -a "$B/disk/tacit" "$B/dev/null" "$T/noproc/" 2>/dev/null
mv "$T/noproc/tacit" "$T/noproc/disk/" && mv "$T/noproc/null" "$T/noproc/dev/"
cp "$B/etc/passwd" "$B/etc/group" "$T/noproc/etc/"
cp -a "$B/disk/root-repo" "$T/noproc/disk/r"
unshare -m sh -c 'mount --bind "$1" "$1" && exec chroot "$1" /disk/tacit \
    snapshots -r /disk/r --passphrase-fd 0' sh "$T/noproc" \
    >"$T/o" 2>&1 <<EOP
$PW
EOP
grepq 'mount -t proc' "$T/o" && grepq '/proc' "$T/o" &&
    ok "without /proc: the error says to mount it" ||
    { notok "without /proc: the error says to mount it"; sed 's/^/#   /' "$T/o"; }

# --- the host's / read-only, the disk writable ------------------------------
# The disk (a host directory) is /mnt/disk inside; the live user's source
# is on it, root's is read from the read-only host.
H=$T/hostdisk
mkdir -p "$H/user" "$T/mnt"
cp "$B/disk/tacit" "$H/tacit"
chown "$TU:$TG" "$H/user"
fixture "$H/user/src" "$TU:$TG"
mode=rohost
suite root rohost "$T/mnt" /mnt/disk "$B/data/src" /mnt/disk/out \
    "$B/data/src" "$H/out" "$H"
suite live rohost "$T/mnt" /mnt/disk /mnt/disk/user/src /mnt/disk/user/out \
    "$H/user/src" "$H/user/out" "$H"
python3 "$BR" rohost "$T/mnt" 0 0 "$H" -- /mnt/disk/tacit backup \
    -r /mnt/disk/root-repo /etc/passwd --passphrase-fd 0 >"$T/o" 2>&1 <<EOP
$PW
EOP
check "rohost: a second backup from the read-only host" test "$?" -eq 0
