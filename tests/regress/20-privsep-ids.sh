#!/bin/sh
# 20-privsep-ids.sh: the ids and capabilities of a worker started by root,
# read from /proc while it waits, sandboxed, for the keyholder to read the
# passphrase (from a FIFO this script has not written yet).  The read-only
# roles (snapshots, ls, check, log, dump, find, diff) run as nobody:nogroup
# with CAP_DAC_READ_SEARCH only; backup, restore and forget stay uid 0, by
# design, with their own sets; no
# root worker keeps a supplementary group.  A root backup leaves every
# repository file owned by root, and the commands still work.
. "$(dirname "$0")/lib.sh"

if "$TACIT" version | grep -q 'sandbox compiled out'; then
	ok "# SKIP this build has no sandbox (ASan)"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	ok "# SKIP the ids are dropped only when tacit runs as root"
	exit 0
fi
R=$T/repo
printf '%s\n' "$PW" >"$T/pw"
nobody=$(id -u nobody 2>/dev/null || echo 65534)
nogroup=$(id -g nobody 2>/dev/null || echo 65534)
"$TACIT" init -q -r "$R" $FAST --passphrase-fd 3 3<"$T/pw" >/dev/null || exit 1
mkdir "$T/src"
echo hello >"$T/src/file"
chmod 0600 "$T/src/file"

field() { awk -v f="$1:" '$1 == f {$1 = ""; sub(/^ /, ""); print}' \
    "/proc/$2/status"; }

# run NAME WANTUID CAPS ARGS...: start tacit ARGS with the passphrase on a
# FIFO, check its worker while it waits, then let it finish.
run() {
	name=$1 wuid=$2 wgid=$3 caps=$4
	shift 4
	rm -f "$T/fifo"
	mkfifo "$T/fifo"
	exec 4<>"$T/fifo"	# our own end: writing never blocks
	"$TACIT" "$@" --passphrase-fd 3 3<>"$T/fifo" >"$T/out.$name" 2>&1 &
	bg=$!
	wk=
	i=0
	while [ $i -lt 200 ]; do
		wk=$(pgrep -P "$bg" -x tacit-worker 2>/dev/null | head -n 1)
		[ -n "$wk" ] && [ "$(field Seccomp "$wk")" = 2 ] && break
		i=$((i + 1))
		sleep 0.05
	done
	if [ -z "$wk" ]; then
		notok "$name: the worker was seen running"
	else
		u=$(field Uid "$wk")
		g=$(field Gid "$wk")
		[ "$(echo $u)" = "$wuid $wuid $wuid $wuid" ] &&
		    ok "$name: worker Uid $wuid (real, effective, saved, fs)" ||
		    notok "$name: worker Uid $u, wanted $wuid"
		[ "$(echo $g)" = "$wgid $wgid $wgid $wgid" ] &&
		    ok "$name: worker Gid $wgid" ||
		    notok "$name: worker Gid $g, wanted $wgid"
		[ -z "$(field Groups "$wk")" ] &&
		    ok "$name: worker has no supplementary group" ||
		    notok "$name: worker Groups $(field Groups "$wk")"
		for c in CapEff CapPrm CapBnd; do
			[ "$(field $c "$wk")" = "$caps" ] &&
			    ok "$name: worker $c $caps" ||
			    notok "$name: worker $c $(field $c "$wk"), wanted $caps"
		done
		[ "$(field CapInh "$wk")" = 0000000000000000 ] &&
		[ "$(field CapAmb "$wk")" = 0000000000000000 ] &&
		    ok "$name: worker has no inheritable or ambient capability" ||
		    notok "$name: worker CapInh $(field CapInh "$wk")" \
			"CapAmb $(field CapAmb "$wk")"
		[ "$(field NoNewPrivs "$wk")" = 1 ] &&
		    ok "$name: worker NoNewPrivs 1" ||
		    notok "$name: worker NoNewPrivs $(field NoNewPrivs "$wk")"
		# Non-dumpable: /proc/PID files stay root's after the drop.
		[ "$(stat -c %u "/proc/$wk/environ")" = 0 ] &&
		    ok "$name: worker is still not dumpable" ||
		    notok "$name: worker's /proc files are not root's"
	fi
	printf '%s\n' "$PW" >&4
	wait $bg
	rc=$?
	[ $rc = 0 ] && ok "$name: finishes (exit 0)" ||
	    notok "$name: exit $rc: $(cat "$T/out.$name")"
	exec 4>&-
}

# backup: DAC_OVERRIDE(1), DAC_READ_SEARCH(2), FOWNER(3), and SYS_ADMIN(21)
# to see trusted.* attributes; uid 0 kept.
run backup 0 0 000000000020000e backup -q -r "$R" "$T/src"
# The other writing commands (key, init...): the same without SYS_ADMIN.
run keylist 0 0 000000000000000e key list -r "$R"
bad=$(find "$R" \( ! -user 0 -o ! -group 0 \) -print)
[ -z "$bad" ] && ok "every repository file of a root backup is root's" ||
    notok "repository files not root's: $bad"
# snapshots, ls, check, log: DAC_READ_SEARCH(2) only, as nobody.
run snapshots "$nobody" "$nogroup" 000000000000000c snapshots -r "$R"
grep -q "$T/src" "$T/out.snapshots" && ok "snapshots as nobody lists it" ||
    notok "snapshots output: $(cat "$T/out.snapshots")"
run ls "$nobody" "$nogroup" 000000000000000c ls -r "$R" latest
grep -q file "$T/out.ls" && ok "ls as nobody lists the file" ||
    notok "ls output: $(cat "$T/out.ls")"
run check "$nobody" "$nogroup" 000000000000000c check -q -r "$R" --read-data
run log "$nobody" "$nogroup" 000000000000000c log -r "$R" latest
# dump, find, diff: the same read role.
run dump "$nobody" "$nogroup" 000000000000000c dump -r "$R" latest /src/file
run find "$nobody" "$nogroup" 000000000000000c find -r "$R" file
run diff "$nobody" "$nogroup" 000000000000000c diff -r "$R" latest latest
# prune: DAC_OVERRIDE(1) DAC_READ_SEARCH(2) FOWNER(3); uid 0 kept (the
# packs and index it writes must be root's).
run prune 0 0 000000000000000e prune -q -r "$R"
# restore: CHOWN(0) DAC_OVERRIDE(1) DAC_READ_SEARCH(2) FOWNER(3) FSETID(4)
# SYS_ADMIN(21) MKNOD(27) SETFCAP(31); uid 0 kept.
chown 1234:2345 "$T/src/file"
run backup2 0 0 000000000020000e backup -q -r "$R" "$T/src"
run restore 0 0 000000008820001b restore -q -r "$R" -t "$T/dst" latest
got=$(find "$T/dst" -name file -exec stat -c '%u:%g %a' {} \;)
[ "$got" = "1234:2345 600" ] && ok "restore as root keeps owner and mode" ||
    notok "restored file: $got"
# forget: the repo role's set, uid 0 kept (its filter opens nothing for
# writing; Landlock lets it remove files in snapshots/ only).
run forget 0 0 000000000000000e forget -q -r "$R" --keep-last 1
[ "$(ls "$R/snapshots" | grep -vc '^\.')" = 1 ] &&
    ok "forget as root removed all but the last snapshot" ||
    notok "forget as root: $(ls "$R/snapshots")"
# In a user namespace (unshare -r) uid 0 is not the real root: the ids are
# left alone (nobody may be unmapped, setgroups denied) and the commands
# still work.
if unshare -r true 2>/dev/null; then
	mkdir "$T/src2"
	echo mapped >"$T/src2/file"	# root's: mapped in the namespace
	xcode 0 "in a user namespace, snapshots still works" unshare -r \
	    "$TACIT" snapshots -r "$R" --passphrase-fd 3 3<"$T/pw"
	xcode 0 "in a user namespace, backup still works" unshare -r \
	    "$TACIT" backup -q -r "$R" "$T/src2" --passphrase-fd 3 3<"$T/pw"
else
	ok "# SKIP unshare -r does not work here"
fi
