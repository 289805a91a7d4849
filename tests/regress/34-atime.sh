#!/bin/sh
# 34-atime.sh: reading a repository leaves its access times alone.  On a
# tmpfs mounted strictatime (every read moves atime), `snapshots`, `ls`,
# `log`, `restore` and `check --read-data` change the atime of no
# repository file or directory: every one is opened with O_NOATIME (the
# owner may; root may).  A control: cat moves a file's atime there.
if [ -z "${TACIT_ATIME_NS:-}" ] &&
    unshare -m --propagation private true 2>/dev/null; then
	TACIT_ATIME_NS=1 exec unshare -m --propagation private sh "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

M=$T/mnt
mkdir -p "$M"
if [ -z "${TACIT_ATIME_NS:-}" ] ||
    ! mount -t tmpfs -o strictatime,size=64m tmpfs "$M" 2>/dev/null; then
	ok "# SKIP no mount namespace or tmpfs here"; exit 0; fi
trap 'umount -l "$M" 2>/dev/null' EXIT
R=$M/repo S=$T/src
mkrepo "$R" || notok "setup: init"
mkdir -p "$S/d"
for i in 1 2 3; do head -c 100000 /dev/urandom >"$S/d/f$i"; done
printf small >"$S/small"
tp backup -q -r "$R" "$S" >/dev/null 2>&1 || notok "setup: backup"
printf more >"$S/small2"
tp backup -q -r "$R" "$S" >/dev/null 2>&1 || notok "setup: backup 2"

# The list is made once: find reads the directories, which moves theirs.
find "$R" >"$T/paths"
atimes() { tr '\n' '\0' <"$T/paths" | xargs -0 stat -c '%x %n'; }
sleep 0.05
f=$(find "$R" -maxdepth 1 -type f -name config)	# (not copy/config too)
a0=$(stat -c %x "$f")
cat "$f" >/dev/null
[ "$(stat -c %x "$f")" != "$a0" ] && ok "control: cat moves an atime here" ||
    notok "control: cat moves an atime here (strictatime not in effect)"

# same DESC CMD...: run CMD; no atime under the repository moved.
same() {
	desc=$1; shift
	atimes >"$T/before"
	sleep 0.05
	"$@" >"$T/.out" 2>&1
	rc=$?
	atimes >"$T/after"
	moved=$(diff "$T/before" "$T/after" | sed -n 's/^> [^ ]* [^ ]* [^ ]* //p' |
	    sed "s|^$R|R|" | tr '\n' ' ')
	if [ "$rc" -eq 0 ] && [ -z "$moved" ]; then ok "$desc"
	else notok "$desc (exit $rc; atime moved: $moved)"
		sed 's/^/#   /' "$T/.out"; fi
}
same "snapshots leaves every atime" tp snapshots -r "$R"
same "ls leaves every atime" tp ls -r "$R" latest
same "log leaves every atime" tp log -r "$R" latest
same "restore leaves every atime" tp restore -r "$R" latest --target "$T/dst"
same "check --read-data leaves every atime" tp check -r "$R" --read-data
