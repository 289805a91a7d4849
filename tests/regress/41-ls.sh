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

R=$T/repo S=$T/src
mkrepo "$R" || notok "setup: init"
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
