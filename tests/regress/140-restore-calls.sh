#!/bin/sh
# 140-restore-calls.sh: restore leaves out the system calls whose result
# it knows (rwrite.c, meta.c): per restored file no fstat (it made the
# file: its type is known; as root, chown sets the owner) and no
# fremovexattr (a file has no default ACL, and none inherited an access
# ACL from a directory that has no default ACL, which is asked once a
# directory), and no mode read back once the directory's file system was
# seen to keep one.  What it restores stays the same: modes (set-id bits
# too), owners, times and bytes of 480 files in two directories; into a
# target with a default ACL, the files that had none get none, a file
# that had one keeps it, and the ACL inherited by each new directory is
# removed too.
. "$(dirname "$0")/lib.sh"

if ! command -v strace >/dev/null; then
	ok "# SKIP strace is not installed"; exit 0; fi
R=$T/repo S=$T/src
mkrepo "$R" || notok "setup: init"
mkdir -p "$S/a" "$S/b"
i=0
while [ $i -lt 480 ]; do
	d=a; [ $i -ge 240 ] && d=b
	printf 'file %s\n' $i >"$S/$d/f$i"
	case $((i % 4)) in
	0) chmod 644 "$S/$d/f$i" ;;
	1) chmod 600 "$S/$d/f$i" ;;
	2) chmod 755 "$S/$d/f$i" ;;
	3) chmod 640 "$S/$d/f$i" ;;
	esac
	touch -d "@$((1700000000 + i * 61))" "$S/$d/f$i"
	i=$((i + 1))
done
root=0
if [ "$(id -u)" -eq 0 ]; then
	root=1
	chown 1234:5678 "$S/a/f1" "$S/b/f241"
	chmod 4755 "$S/a/f1"
	chown 0:5678 "$S/a/f2" && chmod 2755 "$S/a/f2"
fi
acl=0
if command -v setfacl >/dev/null && setfacl -m u:nobody:r "$S/b/f242" \
    2>/dev/null; then
	acl=1
fi
tp backup -q -r "$R" "$S" >/dev/null 2>&1 || notok "setup: backup"

# meta DIR: name, mode, owner, mtime and digest of each file of DIR.
meta() {
	(cd "$1" && for f in a/* b/*; do
		printf '%s %s %s\n' "$f" "$(stat -c '%a %u:%g %Y %s' "$f")" \
		    "$(cksum <"$f")"
	done)
}

# The calls of one restore, every thread of both processes.
env "$NOLEAK" strace -f -qq -z -o "$T/trace" \
    -e trace=newfstatat,fstat,fremovexattr,fgetxattr,fchmod \
    "$TACIT" restore -q -r "$R" latest --target "$T/out" --passphrase-fd 3 \
    3<<EOF >"$T/rest.out" 2>&1
$PW
EOF
rc=$?
[ $rc -eq 0 ] && ok "restore under strace exits 0" ||
    { notok "restore under strace exits 0 (exit $rc)"; sed 's/^/#   /' "$T/rest.out"; }
# fstat of a descriptor, those that succeeded (-z: a start-up probe of
# closed descriptors fails with EBADF and does not count).
nst=$(grep -c 'newfstatat([0-9]*, ""\|fstat([0-9]' "$T/trace")
nrm=$(grep -c 'fremovexattr(' "$T/trace")
nch=$(grep -c 'fchmod(' "$T/trace")
[ "$nch" -ge 480 ] && ok "the trace holds every file's chmod ($nch)" ||
    notok "the trace holds every file's chmod ($nch calls)"
# (About 50 are the start's: the repository, the configuration files.)
[ "$nst" -le 120 ] && ok "fstat: $nst calls for 480 files, not one or two a file" ||
    notok "fstat: $nst calls for 480 files (at most 120)"
[ "$nrm" -le 12 ] && ok "fremovexattr: $nrm calls for 480 files in 3 directories" ||
    notok "fremovexattr: $nrm calls for 480 files (at most 12)"

meta "$S" >"$T/want"
meta "$T/out/src" >"$T/got" 2>&1
if cmp -s "$T/want" "$T/got"; then
	ok "modes, owners, times and bytes of the 480 files as backed up"
else
	notok "modes, owners, times and bytes of the 480 files as backed up"
	diff "$T/want" "$T/got" | head -n 10 | sed 's/^/#   /'
fi
if [ $root = 1 ]; then
	[ "$(stat -c '%a %u:%g' "$T/out/src/a/f1")" = "4755 1234:5678" ] &&
	    ok "set-uid file of another owner: owner and bit" ||
	    notok "set-uid file of another owner: $(stat -c '%a %u:%g' "$T/out/src/a/f1")"
else
	ok "# SKIP owners and set-id bits: not root"
fi

if [ $acl = 0 ] || ! command -v getfacl >/dev/null; then
	ok "# SKIP no ACLs here (setfacl, getfacl or the file system)"
	exit 0
fi
mkdir "$T/acl"
setfacl -d -m u:nobody:rwx "$T/acl" || notok "setup: default ACL"
tp restore -q -r "$R" latest --target "$T/acl" >"$T/acl.out" 2>&1 ||
    { notok "restore into a directory with a default ACL"; sed 's/^/#   /' "$T/acl.out"; }
bad=0
for f in "$T/acl/src"/a/* "$T/acl/src"/b/*; do
	case $f in */b/f242) continue ;; esac
	[ -z "$(getfacl -cps "$f" 2>/dev/null)" ] || bad=$((bad + 1))
done
[ $bad = 0 ] && ok "files without an ACL get none from the target's default ACL" ||
    notok "$bad files kept an ACL inherited from the target"
getfacl -cp "$T/acl/src/b/f242" 2>/dev/null | grep -q '^user:nobody:r--' &&
    ok "the file with an ACL keeps it" || notok "the file with an ACL lost it"
[ -z "$(getfacl -cpsd "$T/acl/src/a" 2>/dev/null)" ] &&
    ok "a restored directory keeps no inherited default ACL" ||
    notok "a restored directory kept an inherited default ACL"
meta "$S" >"$T/want"
meta "$T/acl/src" >"$T/got" 2>&1
cmp -s "$T/want" "$T/got" && ok "modes, owners, times and bytes there too" ||
    { notok "modes, owners, times and bytes there too"; diff "$T/want" "$T/got" | head -n 10 | sed 's/^/#   /'; }
