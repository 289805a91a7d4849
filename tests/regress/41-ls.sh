#!/bin/sh
# 41-ls.sh: what ls shows, and what restore reports file by file.
# - a name as ls prints it (back\x5cslash, new\x0aline) is accepted back
#   by ls PATH;
# - a device node shows its major and minor numbers (text and --json);
# - ls --json has the documented mtime (seconds, nine decimals) and the
#   changed-while-read and unreadable flags;
# - restore names each path whose metadata could not be set, and what;
# - a hard link that becomes a copy (a target without hard links) is
#   reported per file and counted in the summary.
. "$(dirname "$0")/lib.sh"
# Repositories without parity (--parity 0): damage is met by the AEAD
# alone, as before parity; 120-parity.sh damages them with parity.

R=$T/repo S=$T/src
mkrepo "$R" --parity 0 || notok "setup: init"
mkdir -p "$S/d"
printf 'one\n' >"$S/d/back\\slash"
printf 'two\n' >"$S/d/new
line"
printf 'three\n' >"$S/plain"
touch -d '1969-12-31 23:59:59.25 UTC' "$S/old"
root=0
if [ "$(id -u)" = 0 ] && mknod "$S/null" c 1 3 2>/dev/null; then root=1; fi
tp backup -r "$R" "$S" -q >"$T/b.out" 2>&1 || {
	notok "setup: backup"; sed 's/^/#   /' "$T/b.out"; }

# --- names as ls prints them ------------------------------------------------
tp ls -r "$R" latest >"$T/ls.out" 2>&1
for shown in '/src/d/back\x5cslash' '/src/d/new\x0aline'; do
	if ! grep -qxF -- "$shown" "$T/ls.out" &&
	    ! grep -qF -- " $shown" "$T/ls.out"; then
		notok "ls prints $shown"; sed 's/^/#   /' "$T/ls.out"
		continue
	fi
	tp ls -r "$R" latest "$shown" >"$T/one.out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && [ "$(wc -l <"$T/one.out")" -eq 1 ] &&
	    grep -qF -- " $shown" "$T/one.out"; then
		ok "ls PATH takes '$shown' as ls printed it"
	else notok "ls PATH takes '$shown' as ls printed it (exit $rc)"
		sed 's/^/#   /' "$T/one.out"; fi
done
xcode 1 "a path that is not there is still an error" \
    tp ls -r "$R" latest '/src/d/back\x5cslashX'

# --- device numbers -----------------------------------------------------------
if [ "$root" = 1 ]; then
	tp ls -r "$R" latest /src/null >"$T/dev.out" 2>&1
	if grep -q '^c[-rwx]\{9\} .* 1,  *3 .* /src/null$' "$T/dev.out"; then
		ok "ls shows a device node's major, minor"
	else notok "ls shows a device node's major, minor"
		sed 's/^/#   /' "$T/dev.out"; fi
	tp ls -r "$R" latest /src/null --json >"$T/dev.json" 2>&1
	if python3 -c 'import json,sys; j=json.loads(open(sys.argv[1]).read())
sys.exit(not (j["type"] == "chardev" and j["major"] == 1 and j["minor"] == 3))' \
	    "$T/dev.json" 2>/dev/null; then
		ok "ls --json has major and minor for a device node"
	else notok "ls --json has major and minor for a device node"
		sed 's/^/#   /' "$T/dev.json"; fi
else
	ok "# SKIP device nodes: not root (mknod needs CAP_MKNOD)"
fi

# --- ls --json: mtime and flags ---------------------------------------------
tp ls -r "$R" latest --json >"$T/all.json" 2>&1
if python3 - "$T/all.json" "$S" <<'EOF'
import json, os, re, sys
raw = open(sys.argv[1]).read().splitlines()
bad = []
for line in raw:
    j = json.loads(line)
    m = re.search(r'"mtime":(-?[0-9]+\.[0-9]{9})[,}]', line)
    if not m:
        bad.append("no mtime with nine decimals: " + line)
        continue
    if j["path"] in ("/src/plain", "/src/old"):
        st = os.lstat(sys.argv[2] + j["path"][4:])
        ns = st.st_mtime_ns
        sec, frac = divmod(ns, 10**9)
        want = "%d.%09d" % (sec, frac) if ns >= 0 else \
            "-%d.%09d" % divmod(-ns, 10**9)
        if m.group(1) != want:
            bad.append("%s: mtime %s, want %s" % (j["path"], m.group(1), want))
    if j.get("changed") is not False or j.get("unreadable") is not False:
        bad.append("flags missing or set: " + line)
if bad:
    print("\n".join("#   " + b for b in bad)); sys.exit(1)
EOF
then ok "ls --json: mtime (nine decimals, exact, also before 1970) and both flags on every entry"
else notok "ls --json: mtime and flags"; fi >"$T/j.out" 2>&1
cat "$T/j.out"

if command -v strace >/dev/null; then
	printf '%s\n' "$PW" >"$T/pw"
	# The last fstat of the file, after reading it, fails: "changed".
	strace -f -qq -o /dev/null -P "$S/plain" -e trace=newfstatat \
	    -e inject=newfstatat:error=EIO:syscall=getpid:when=3 \
	    "$TACIT" backup -r "$R" "$S" --force -q --passphrase-fd 3 \
	    3<"$T/pw" >/dev/null 2>&1
	tp ls -r "$R" latest /src/plain --json >"$T/c.json" 2>&1
	strace -f -qq -o /dev/null -P "$S/plain" -e trace=read,pread64 \
	    -e inject=read,pread64:error=EIO:syscall=getpid:when=1 \
	    "$TACIT" backup -r "$R" "$S" --force -q --passphrase-fd 3 \
	    3<"$T/pw" >/dev/null 2>&1
	tp ls -r "$R" latest /src/plain --json >"$T/u.json" 2>&1
	if python3 -c 'import json,sys
c = json.loads(open(sys.argv[1]).read()); u = json.loads(open(sys.argv[2]).read())
sys.exit(not (c["changed"] is True and c["unreadable"] is False and
    u["unreadable"] is True and u["changed"] is False))' "$T/c.json" \
	    "$T/u.json" 2>/dev/null
	then ok "ls --json carries changed (true) and unreadable (true)"
	else notok "ls --json carries changed and unreadable"
		sed 's/^/#   /' "$T/c.json" "$T/u.json"; fi
else
	ok "# SKIP changed/unreadable flags: strace is missing"
fi

# --- restore names what it could not set ------------------------------------
if [ "$(id -u)" != 0 ]; then
	ok "# SKIP metadata and hard-link reports: not root (needs a tmpfs mount, setcap, a loop device)"
	exit 0
fi
M=$T/mnt L=
cleanup() {
	mountpoint -q "$M/shm" 2>/dev/null && umount "$M/shm"
	mountpoint -q "$M/ex" 2>/dev/null && umount "$M/ex"
	[ -n "$L" ] && losetup -d "$L" 2>/dev/null
}
trap cleanup EXIT
# bk PATH: back it up; print the new snapshot's id (restored by id below,
# so the test says the same of a tacit without snapshot filters).
bk() {
	tp backup -r "$R" "$1" -q --json 2>/dev/null | python3 -c \
	    'import json,sys; print(json.load(sys.stdin)["snapshot"])'
}
mkdir -p "$M/shm" "$M/ex" "$T/dst"

# An xattr too large for the target: made on a tmpfs (no 4 KiB limit).
big=$(head -c 6000 /dev/zero | tr '\0' x)
touch "$T/dst/probe"
if ! mount -t tmpfs none "$M/shm" 2>/dev/null; then
	ok "# SKIP a too-large xattr: cannot mount a tmpfs"
elif mkdir "$M/shm/s" && echo data >"$M/shm/s/big" &&
    ! setfattr -n user.big -v "$big" "$M/shm/s/big" 2>/dev/null; then
	ok "# SKIP a too-large xattr: this tmpfs takes no 6000-byte xattr"
elif setfattr -n user.big -v "$big" "$T/dst/probe" 2>/dev/null; then
	ok "# SKIP a too-large xattr: the target file system takes it"
else
	id=$(bk "$M/shm/s")
	tp restore -r "$R" "$id" --target "$T/dst/x" \
	    >"$T/x.out" 2>&1
	rc=$?
	if [ "$rc" -eq 3 ] && grep -q "s/big: metadata not set: xattr user.big: .*(too large for the target file system)" "$T/x.out"
	then ok "restore names the file and the xattr too large for the target (exit 3)"
	else notok "restore names the file and the xattr too large (exit $rc)"
		sed 's/^/#   /' "$T/x.out"; fi
fi

# A file capability, restored by someone who is not root.
if ! command -v setcap >/dev/null || ! command -v setpriv >/dev/null; then
	ok "# SKIP a capability as non-root: setcap or setpriv is missing"
else
	mkdir -p "$T/cap"
	echo cap >"$T/cap/tool"
	if setcap cap_net_raw+ep "$T/cap/tool" 2>/dev/null &&
	    id=$(bk "$T/cap") && [ -n "$id" ]; then
		chmod o+x "$TESTTMP"; chmod o+rx "$T"; chmod -R o+rX "$R"
		mkdir -p "$T/nr"; chown 65534:65534 "$T/nr"
		printf '%s\n' "$PW" | setpriv --reuid=65534 --regid=65534 \
		    --clear-groups "$TACIT" restore -r "$R" "$id" \
		    --target "$T/nr/r" --passphrase-fd 0 \
		    >"$T/c.out" 2>&1
		rc=$?
		if [ "$rc" -eq 3 ] && grep -q "cap/tool: metadata not set: xattr security.capability: .*(needs root)" "$T/c.out"
		then ok "restore as non-root names the file capability it could not set (needs root)"
		else notok "restore as non-root names the capability (exit $rc)"
			sed 's/^/#   /' "$T/c.out"; fi
	else
		ok "# SKIP a capability as non-root: setcap failed here"
	fi
fi

# A directory without owner x (0600) above a symlink's directory and a
# hard link's source, restored by someone who is not root: its mode is set
# last (after the symlinks and the links), else the restore cannot reach
# below it and makes the link a copy and the symlink not at all.
if ! command -v setpriv >/dev/null; then
	ok "# SKIP a 0600 directory as non-root: setpriv is missing"
elif [ "$(id -u)" != 0 ]; then
	ok "# SKIP a 0600 directory as non-root: the test needs root to switch"
else
	mkdir -p "$T/nx/a/b/c"
	echo hi >"$T/nx/a/f1"
	ln "$T/nx/a/f1" "$T/nx/h2"
	ln -s target "$T/nx/a/b/c/link"
	echo x >"$T/nx/a/b/c/g"
	chmod 0600 "$T/nx/a"
	if id=$(bk "$T/nx") && [ -n "$id" ]; then
		chmod o+x "$TESTTMP"; chmod o+rx "$T"; chmod -R o+rX "$R"
		mkdir -p "$T/nr2"; chown 65534:65534 "$T/nr2"
		printf '%s\n' "$PW" | setpriv --reuid=65534 --regid=65534 \
		    --clear-groups "$TACIT" restore -r "$R" "$id" \
		    --target "$T/nr2/r" --passphrase-fd 0 >"$T/nx.out" 2>&1
		rc=$?
		o=$T/nr2/r/nx
		if [ "$rc" -eq 0 ] && [ -L "$o/a/b/c/link" ] &&
		    [ "$(stat -c %h "$o/h2")" = 2 ] &&
		    [ "$(stat -c %a "$o/a")" = 600 ] &&
		    [ "$(stat -c %a "$o/a/b/c")" = 755 ]; then
			ok "restore as non-root below a 0600 directory: the symlink, the hard link and every mode"
		else notok "restore as non-root below a 0600 directory (exit $rc)"
			sed 's/^/#   /' "$T/nx.out"; fi
		chmod 0700 "$T/nx/a" "$o/a" 2>/dev/null
	else notok "setup: backup of the 0600 directory"; fi
fi

# A target without owners, modes or hard links: exFAT through FUSE.
if ! command -v mkfs.exfat >/dev/null ||
    ! command -v mount.exfat-fuse >/dev/null; then
	ok "# SKIP exFAT target: mkfs.exfat (exfatprogs) or exfat-fuse is missing"
elif ! truncate -s 32M "$T/ex.img" || ! mkfs.exfat "$T/ex.img" >/dev/null 2>&1 ||
    ! L=$(losetup -f --show "$T/ex.img" 2>/dev/null) ||
    ! mount.exfat-fuse "$L" "$M/ex" >/dev/null 2>&1; then
	ok "# SKIP exFAT target: cannot loop-mount an image here"
else
	mkdir -p "$T/hl"
	echo linked >"$T/hl/one"
	ln "$T/hl/one" "$T/hl/two"
	chown 1000:1000 "$T/hl/one"
	id=$(bk "$T/hl")
	tp restore -r "$R" "$id" --target "$M/ex/r" \
	    >"$T/e.out" 2>&1
	rc=$?
	if [ "$rc" -eq 3 ] && [ "$(cat "$M/ex/r/hl/one" 2>/dev/null)" = linked ] &&
	    [ "$(cat "$M/ex/r/hl/two" 2>/dev/null)" = linked ]; then
		ok "restore onto exFAT writes both files (exit 3)"
	else notok "restore onto exFAT writes both files (exit $rc)"
		sed 's/^/#   /' "$T/e.out"; fi
	if grep -q "hl/two: restored as a copy, not as a hard link of hl/one" "$T/e.out" &&
	    grep -q "^hard links: 1 restored as copies" "$T/e.out" &&
	    grep -q "incomplete: .* 1 hard links as copies" "$T/e.out"; then
		ok "the hard link that became a copy is named and counted in the summary"
	else notok "the hard link that became a copy is named and counted"
		sed 's/^/#   /' "$T/e.out"; fi
	if grep -q "hl/one: metadata not set: owner 1000:1000: " "$T/e.out" &&
	    grep -q "hl/one: metadata not set: .*mode 0644: the target file system keeps" "$T/e.out"
	then ok "the owner and the mode exFAT does not keep are named per file"
	else notok "the owner and the mode exFAT does not keep are named"
		sed 's/^/#   /' "$T/e.out"; fi
fi
