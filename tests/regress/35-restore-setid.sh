#!/bin/sh
# 35-restore-setid.sh: a restore as root recreates what the snapshot holds,
# device nodes, set-uid and set-gid files and file capabilities included
# (as tar does), unless asked not to: --no-devices leaves device nodes out
# with one warning that counts them (exit 0), --no-setid drops the set-id
# bits and does not restore security.capability.  Each option alone
# leaves the other kind as it was.  --help and tacit(1) list both.
. "$(dirname "$0")/lib.sh"

man=$(dirname "$0")/../../doc/tacit.1
for opt in no-devices no-setid; do
	"$TACIT" restore --help 2>&1 | grep -q -- "--$opt" && ok "--help lists --$opt" ||
	    notok "--help lists --$opt"
	sed 's/\\//g' "$man" | grep -q "^\.It Fl -$opt\$" &&
	    ok "tacit(1) lists --$opt" || notok "tacit(1) lists --$opt"
done
if [ "$(id -u)" -ne 0 ] || ! command -v setcap >/dev/null ||
    ! command -v getcap >/dev/null; then
	ok "# SKIP not root, or no setcap/getcap"; exit 0; fi

R=$T/repo S=$T/src
mkrepo "$R" || notok "setup: init"
mkdir -p "$S"
mknod "$S/null" c 1 3 && mknod "$S/blk" b 7 200 || notok "setup: mknod"
printf suid >"$S/suid" && chmod 4755 "$S/suid"
printf sgid >"$S/sgid" && chmod 2755 "$S/sgid"
printf cap >"$S/capf" && setcap cap_net_raw+ep "$S/capf" || notok "setup: setcap"
printf plain >"$S/plain"
tp backup -q -r "$R" "$S" >/dev/null 2>&1 || notok "setup: backup"

# state DIR: one line per entry: name, type, mode, device numbers, caps.
state() {
	d=$1/src
	for f in null blk suid sgid capf plain; do
		if [ -e "$d/$f" ]; then
			printf '%s %s' "$f" "$(stat -c '%F %a %t,%T' "$d/$f")"
			c=$(getcap "$d/$f" 2>/dev/null | sed 's/^[^ ]* //')
			printf ' caps=%s\n' "${c:-none}"
		else printf '%s absent\n' "$f"; fi
	done
}
# rest TAG ARGS: restore into $T/TAG; rc is its status.
rest() {
	tag=$1; shift
	tp restore -r "$R" latest --target "$T/$tag" "$@" >"$T/$tag.out" 2>&1
	rc=$?
}
# want TAG DESC LINE...: exit 0, and each LINE is in the state of $T/TAG.
want() {
	tag=$1 desc=$2; shift 2
	state "$T/$tag" >"$T/$tag.state"
	why=
	[ "$rc" -eq 0 ] || why="exit $rc"
	for l in "$@"; do grep -qxF -- "$l" "$T/$tag.state" || why="$why; no '$l'"; done
	if [ -z "$why" ]; then ok "$desc"
	else notok "$desc (${why#; })"; sed 's/^/#   /' "$T/$tag.state" "$T/$tag.out"; fi
}

rest all
want all "by default: devices, set-id bits and capabilities come back" \
    "null character special file 644 1,3 caps=none" \
    "blk block special file 644 7,c8 caps=none" \
    "suid regular file 4755 0,0 caps=none" \
    "sgid regular file 2755 0,0 caps=none" \
    "capf regular file 644 0,0 caps=cap_net_raw=ep"
rest both --no-devices --no-setid
want both "--no-devices --no-setid: no device, no set-id bit, no capability" \
    "null absent" "blk absent" \
    "suid regular file 755 0,0 caps=none" \
    "sgid regular file 755 0,0 caps=none" \
    "capf regular file 644 0,0 caps=none" \
    "plain regular file 644 0,0 caps=none"
[ "$(grep -c 'device nodes' "$T/both.out")" -eq 1 ] &&
    grep -q 'warning: 2 device nodes not restored (--no-devices)' "$T/both.out" &&
    ok "--no-devices: one warning, counting them" ||
    { notok "--no-devices: one warning, counting them"; sed 's/^/#   /' "$T/both.out"; }
rest nodev --no-devices
want nodev "--no-devices alone keeps set-id bits and capabilities" \
    "null absent" "blk absent" "suid regular file 4755 0,0 caps=none" \
    "capf regular file 644 0,0 caps=cap_net_raw=ep"
rest nosetid --no-setid
want nosetid "--no-setid alone keeps device nodes" \
    "null character special file 644 1,3 caps=none" \
    "suid regular file 755 0,0 caps=none" "capf regular file 644 0,0 caps=none"
grep -q 'device nodes' "$T/nosetid.out" && notok "--no-setid alone: no device warning" ||
    ok "--no-setid alone: no device warning"
