#!/bin/sh
# 09-paths.sh: backup takes any path the user can name (issue 14).  `.`,
# `..`, `dir/.`, `./dir`, `dir/`, `link/` (the directory a symlink points
# to), a path through a symlinked directory and a bind mount are each
# backed up under the directory's real name and restore identically; `/`
# (in a tmpfs root under `unshare -m` + chroot, with -x) makes the
# snapshot's top level the entries of `/`.  The sources are checked before
# the passphrase is asked: a missing one is left out (exit 3, partial,
# not in the snapshot's paths), none left is exit 1 with no snapshot, two
# of the same name are refused, and a non-root user on a root repository
# is told whose it is; in these cases the passphrase command never runs.
. "$(dirname "$0")/lib.sh"

R=$T/repo S=$T/src
mkrepo "$R" || notok "setup: init"
mkdir -p "$S/proj/sub/deeper"
printf 'top\n' >"$S/proj/top"
printf 'in sub\n' >"$S/proj/sub/f"
head -c 100000 /dev/urandom >"$S/proj/sub/deeper/rand"
ln -s proj "$S/ln"
ln -s "$S" "$T/lnd"
real=$(cd "$S/proj" && pwd -P)
# The passphrase command records that it ran; mode 0777 so that uid
# 65534 could record it too.
mkdir -p "$T/flag"; chmod 0777 "$T/flag"
cat >"$T/pc.sh" <<EOF
#!/bin/sh
touch "$T/flag/asked"
printf '%s\n' "$PW"
EOF
chmod 0755 "$T/pc.sh"

nsnap() { tp snapshots -r "$1" --json 2>/dev/null | python3 -c \
    'import json,sys; print(len(json.load(sys.stdin)))'; }
lastpaths() { tp snapshots -r "$R" --json 2>/dev/null | python3 -c \
    'import json,sys; print(" ".join(json.load(sys.stdin)[-1]["paths"]))'; }

# rt DESC DIR PATH NAME: `backup PATH` run in DIR restores as NAME, equal
# to $S/proj, and the snapshot records proj's real absolute path.
n=0
rt() {
	n=$((n + 1))
	(cd "$2" && tp backup -r "$R" "$3") >"$T/b$n.out" 2>&1
	rc=$?
	tp restore -r "$R" latest --target "$T/r$n" >>"$T/b$n.out" 2>&1
	if [ "$rc" -eq 0 ] && [ -d "$T/r$n/$4" ] &&
	    [ "$(treesum "$S/proj")" = "$(treesum "$T/r$n/$4")" ] &&
	    [ "$(lastpaths)" = "$real" ]; then
		ok "$1"
	else notok "$1 (exit $rc; paths $(lastpaths))"
		sed 's/^/#   /' "$T/b$n.out"; ls "$T/r$n" 2>&1 | sed 's/^/#   /'
	fi
}
rt "backup . is the directory, under its real name" "$S/proj" . proj
rt "backup .. is the parent, under its real name" "$S/proj/sub" .. proj
rt "backup dir/. is dir" "$S" proj/. proj
rt "backup ./dir" "$S" ./proj proj
rt "backup dir/ (trailing slash)" "$S" proj/ proj
rt "backup link/ is the directory the symlink points to" "$S" ln/ proj
rt "backup through a symlinked directory records the real path" "$T" \
    lnd/proj proj

# A symlink named without a slash is still the symlink.
tp backup -r "$R" "$S/ln" >"$T/l.out" 2>&1
if tp ls -r "$R" latest 2>/dev/null | grep -q ' /ln -> proj$'; then
	ok "backup link (no slash) stores the symlink"
else notok "backup link (no slash) stores the symlink"
	sed 's/^/#   /' "$T/l.out"; fi

# ns CMD: CMD as root in a private mount namespace, or a SKIP.
ns_ok=
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null &&
    unshare -m true 2>/dev/null; then ns_ok=1; fi

if [ -n "$ns_ok" ]; then
	mkdir -p "$T/mnt"
	unshare -m sh -c 'mount --bind "$1" "$2" &&
	    printf "%s\n" "$3" | "$4" backup -r "$5" "$2" --passphrase-fd 0 &&
	    printf "%s\n" "$3" | "$4" restore -r "$5" latest \
	    --target "$6" --passphrase-fd 0' sh "$S/proj" "$T/mnt" "$PW" \
	    "$TACIT" "$R" "$T/rbind" >"$T/bind.out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] &&
	    [ "$(treesum "$S/proj")" = "$(treesum "$T/rbind/mnt")" ]; then
		ok "backup of a bind mount restores as the directory it shows"
	else notok "backup of a bind mount (exit $rc)"
		sed 's/^/#   /' "$T/bind.out"; fi
else
	ok "# SKIP bind mount: needs root and unshare -m"
fi

# / itself: a tmpfs root holding a small tree, the system's /usr, /etc,
# /dev and /proc bound in (other file systems: -x stores them empty), and
# the repository; tacit runs chrooted in it, the restore from outside.
if [ -n "$ns_ok" ] && command -v chroot >/dev/null; then
	NR=$T/newroot
	mkdir -p "$NR"
	unshare -m sh -c '
	set -e
	NR=$1 TACIT=$2 PW=$3 OUT=$4
	mount -t tmpfs tmpfs "$NR"
	mkdir -p "$NR/usr" "$NR/etc" "$NR/dev" "$NR/proc" "$NR/data/d" \
	    "$NR/tmp"
	mount --rbind /usr "$NR/usr"; mount --rbind /etc "$NR/etc"
	mount --rbind /dev "$NR/dev"; mount -t proc proc "$NR/proc"
	for l in bin sbin lib lib64 lib32 libx32; do
		if [ -L "/$l" ]; then ln -s "$(readlink "/$l")" "$NR/$l"
		elif [ -d "/$l" ]; then mkdir "$NR/$l"
			mount --rbind "/$l" "$NR/$l"; fi
	done
	cp "$TACIT" "$NR/tacit"
	printf "root file\n" >"$NR/data/f"; printf "x\n" >"$NR/data/d/g"
	ln -s data/f "$NR/lnk"
	printf "%s\n" "$PW" | chroot "$NR" /tacit init -r /repo \
	    --kdf-memory 64 --kdf-iterations 1 --kdf-lanes 1 \
	    --passphrase-fd 0 >/dev/null
	printf "%s\n" "$PW" | chroot "$NR" /tacit backup -r /repo -x / \
	    --passphrase-fd 0
	printf "%s\n" "$PW" | chroot "$NR" /tacit backup -r /repo -x / \
	    --passphrase-fd 0 >"$OUT.again"
	printf "%s\n" "$PW" | "$TACIT" snapshots -r "$NR/repo" --json \
	    --passphrase-fd 0 >"$OUT.json"
	printf "%s\n" "$PW" | "$TACIT" restore -r "$NR/repo" latest \
	    --target "$OUT" --passphrase-fd 0
	cp -a "$NR/data" "$OUT.data"
	' sh "$NR" "$TACIT" "$PW" "$T/rslash" >"$T/slash.out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && [ -f "$T/rslash/data/f" ] &&
	    [ "$(treesum "$T/rslash.data")" = "$(treesum "$T/rslash/data")" ] &&
	    [ -L "$T/rslash/lnk" ] && [ -d "$T/rslash/usr" ] &&
	    [ -z "$(ls -A "$T/rslash/usr")" ] &&
	    [ -z "$(ls -A "$T/rslash/proc")" ] &&
	    [ ! -e "$T/rslash/repo" ] &&
	    grep -q "files: 0 new, 0 changed, 3 unchanged" "$T/rslash.again" &&
	    python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))
sys.exit(s[-1]["paths"] != ["/"])' "$T/rslash.json"; then
		ok "backup -x / stores the entries of / at the top, other file systems empty; again: nothing reread"
	else notok "backup -x / (exit $rc)"
		sed 's/^/#   /' "$T/slash.out" "$T/rslash.again"
		ls -A "$T/rslash" 2>&1 |
		    sed 's/^/#   /'; fi
else
	ok "# SKIP backup of /: needs root, unshare -m and chroot"
fi
xcode 1 "/ with another path is refused" tp backup -r "$R" / "$S/proj"

# --- checks before the passphrase ------------------------------------------
before=$(nsnap "$R")
rm -f "$T/flag/asked"
"$TACIT" backup -r "$R" --passphrase-command "$T/pc.sh" "$T/nosuch" \
    >"$T/m.out" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && [ ! -e "$T/flag/asked" ] &&
    grep -q "no such file or directory: $T/nosuch" "$T/m.out" &&
    [ "$(nsnap "$R")" = "$before" ]; then
	ok "every source missing: exit 1, no snapshot, no passphrase asked"
else notok "every source missing (exit $rc, asked: $(ls "$T/flag"))"
	sed 's/^/#   /' "$T/m.out"; fi

"$TACIT" backup -r "$R" --passphrase-command "$T/pc.sh" "$S/proj" \
    "$T/nosuch" >"$T/m2.out" 2>&1
rc=$?
part=$(tp snapshots -r "$R" --json 2>/dev/null | python3 -c \
    'import json,sys; print(json.load(sys.stdin)[-1]["partial"])')
if [ "$rc" -eq 3 ] && [ "$part" = True ] && [ "$(lastpaths)" = "$real" ] &&
    grep -q "no such file or directory: $T/nosuch; skipped" "$T/m2.out"; then
	ok "one source missing: warned, left out of the partial snapshot, exit 3"
else notok "one source missing (exit $rc, partial $part, paths $(lastpaths))"
	sed 's/^/#   /' "$T/m2.out"; fi

mkdir -p "$T/other/proj"
rm -f "$T/flag/asked"
"$TACIT" backup -r "$R" --passphrase-command "$T/pc.sh" "$S/proj" \
    "$T/other/proj" >"$T/d.out" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && [ ! -e "$T/flag/asked" ] &&
    grep -q "would both be stored as 'proj'" "$T/d.out"; then
	ok "two sources of the same name: refused before the passphrase"
else notok "two sources of the same name (exit $rc, asked: $(ls "$T/flag"))"
	sed 's/^/#   /' "$T/d.out"; fi

# --- another user -------------------------------------------------------------
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	as="setpriv --reuid=65534 --regid=65534 --clear-groups"
	chmod o+x "$TESTTMP" "$T"; chmod o+rx "$S" "$S/proj"
	chmod 0700 "$R"
	rm -f "$T/flag/asked"
	$as "$TACIT" backup -r "$R" --passphrase-command "$T/pc.sh" \
	    "$S/proj" >"$T/u.out" 2>&1
	rc=$?
	if [ "$rc" -eq 1 ] && [ ! -e "$T/flag/asked" ] && grep -q \
	    'permission denied: the repository belongs to root (mode 0700); run tacit as root' \
	    "$T/u.out"; then
		ok "non-root on a root repository: told whose it is, no passphrase asked"
	else notok "non-root on a root repository (exit $rc, asked: $(ls "$T/flag"))"
		sed 's/^/#   /' "$T/u.out"; fi

	R2=$T/repo2
	mkrepo "$R2" && chown -R 65534:65534 "$R2"
	mkdir -p "$T/closed"; chmod 0700 "$T/closed"
	rm -f "$T/flag/asked"
	$as "$TACIT" backup -r "$R2" --passphrase-command "$T/pc.sh" \
	    "$T/closed" >"$T/c.out" 2>&1
	rc=$?
	if [ "$rc" -eq 1 ] && [ ! -e "$T/flag/asked" ] &&
	    grep -q "permission denied: $T/closed" "$T/c.out" &&
	    [ "$(nsnap "$R2")" = 0 ]; then
		ok "an unreadable source alone: exit 1 before the passphrase"
	else notok "an unreadable source alone (exit $rc, asked: $(ls "$T/flag"))"
		sed 's/^/#   /' "$T/c.out"; fi
	chmod 0755 "$T/closed"
else
	ok "# SKIP another user: needs root and setpriv"
fi
