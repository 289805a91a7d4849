#!/bin/sh
# 86-mount-kill.sh: kill -9 of either process of tacit mount while a
# reader holds a file open there: the mount point is detached within a
# second (polled), no "Transport endpoint is not connected" is left, the
# survivors say which one died (the worker's death; the keyholder's has
# nobody left to relay it), and a new mount works.  Ctrl-C (SIGINT to
# the whole process group) unmounts and exits 0.  Root only.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then ok "# SKIP not root (86-mount-kill needs mount(2))"; exit 0; fi
if [ ! -c /dev/fuse ]; then ok "# SKIP no /dev/fuse here"; exit 0; fi
command -v setsid >/dev/null || { ok "# SKIP setsid is missing"; exit 0; }

R=$T/repo S=$T/src M=$T/mnt
mkrepo "$R" || notok "setup: init"
mkdir -p "$S" "$M"
head -c 1000000 /dev/urandom >"$S/f"
tp backup -r "$R" "$S" >/dev/null 2>&1 || notok "setup: backup"
trap 'exec 4<&-; kill "$kh" 2>/dev/null; umount -l "$M" 2>/dev/null' EXIT

# start: mount in the background (its own process group, as a shell job
# would be); $kh the keyholder, $wk the worker.
start() {
	printf '%s\n' "$PW" >"$T/pw"
	setsid "$TACIT" mount -r "$R" "$M" --passphrase-fd 3 3<"$T/pw" \
	    >"$T/m.out" 2>&1 &
	kh=$!
	i=0
	while [ ! -e "$M/latest/src/f" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	wk=$(pgrep -P "$kh" | head -1)
	[ -e "$M/latest/src/f" ] && [ -n "$wk" ]
}
# gone: within a second (10 polls), no mount of ours at $M.
gone() {
	i=0
	while grep -q " $M fuse" /proc/mounts && [ $i -lt 10 ]; do sleep 0.1; i=$((i + 1)); done
	! grep -q " $M fuse" /proc/mounts && stat "$M" >/dev/null 2>&1
}

for victim in worker keyholder; do
	start || { notok "setup: mount ($victim)"; sed 's/^/#   /' "$T/m.out"; continue; }
	exec 4<"$M/latest/src/f"	# a reader holds a file open
	if [ $victim = worker ]; then kill -9 "$wk"; else kill -9 "$kh"; fi
	if gone; then ok "kill -9 of the $victim: the mount point is detached within a second"
	else notok "kill -9 of the $victim: the mount point is detached within a second"
		grep " $M " /proc/mounts | sed 's/^/#   /'; fi
	exec 4<&-
	wait "$kh" 2>/dev/null
	i=0
	while ! grep -q "died" "$T/m.out" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	# (The keyholder's death leaves nobody to relay the keeper's
	# message: it tries the terminal, which a test has not.)
	if [ $victim = worker ]; then
		if grep -q "the mount worker died" "$T/m.out" &&
		    grep -q "worker was killed by signal 9" "$T/m.out"; then
			ok "kill -9 of the worker: both survivors say the worker died"
		else notok "kill -9 of the worker: both survivors say the worker died"
			sed 's/^/#   /' "$T/m.out"; fi
	fi
	if start && cmp -s "$S/f" "$M/latest/src/f"; then ok "after the $victim died a new mount works"
	else notok "after the $victim died a new mount works"; sed 's/^/#   /' "$T/m.out"; fi
	kill -INT -"$kh"	# Ctrl-C: the whole group
	wait "$kh"
	rc=$?
	if [ "$rc" = 0 ] && gone; then ok "Ctrl-C unmounts and tacit exits 0"
	else notok "Ctrl-C unmounts and tacit exits 0 (exit $rc)"; sed 's/^/#   /' "$T/m.out"; fi
done
