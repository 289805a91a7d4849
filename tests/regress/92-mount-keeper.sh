#!/bin/sh
# 92-mount-keeper.sh: the root mount keeper (src/mountpt.c) is confined:
# /proc shows Seccomp 2, NoNewPrivs 1 and CAP_SYS_ADMIN as its only
# capability (effective, permitted and bounding; none inheritable or
# ambient); under that filter SIGTERM still unmounts (the keeper's
# umount2) and exits 0, and kill -9 of the worker still leaves the mount
# point detached within a second.  (The user's keeper execs the setuid
# fusermount3 and is not confined: threat-model.md; the death tests cover
# the root keeper's forbidden classes.)  Root only (mount(2)).
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then ok "# SKIP not root (92-mount-keeper needs mount(2))"; exit 0; fi
[ -c /dev/fuse ] || { ok "# SKIP no /dev/fuse here"; exit 0; }
for p in setsid pgrep; do
	command -v $p >/dev/null || { ok "# SKIP $p is missing"; exit 0; }
done

# field PID NAME: the value of NAME in /proc/PID/status.
field() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" 2>/dev/null; }
# keeper_of WORKER: its child, the keeper.
keeper_of() {
	for c in $(pgrep -P "$1"); do
		case $(cat "/proc/$c/comm" 2>/dev/null) in
		fusermount*|"") ;;
		*) echo "$c"; return ;;
		esac
	done
}
# mounted: a FUSE mount of ours at $M.
mounted() { grep -q " $M fuse" /proc/mounts; }
# gone: within a second (10 polls), no mount at $M, and $M answers stat.
gone() {
	i=0
	while mounted && [ $i -lt 10 ]; do sleep 0.1; i=$((i + 1)); done
	! mounted && stat "$M" >/dev/null 2>&1
}

R=$T/repo S=$T/src M=$T/mnt
mkrepo "$R" || notok "setup: init"
mkdir -p "$S" "$M"
printf 'keeper data\n' >"$S/f"
tp backup -r "$R" "$S" >/dev/null 2>&1 || notok "setup: backup"
printf '%s\n' "$PW" >"$T/pw"
trap 'kill "$kh" 2>/dev/null; umount -l "$M" 2>/dev/null' EXIT

start() {
	setsid "$TACIT" mount -r "$R" "$M" --passphrase-fd 3 3<"$T/pw" \
	    >"$T/m.out" 2>&1 &
	kh=$!
	i=0
	while [ ! -e "$M/latest/src/f" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	wk=$(pgrep -P "$kh" | head -1)
	kp=
	[ -n "$wk" ] && kp=$(keeper_of "$wk")
	[ -e "$M/latest/src/f" ] && [ -n "$kp" ]
}
if ! start; then notok "setup: mount"; sed 's/^/#   /' "$T/m.out"; exit 0; fi
admin=0000000000200000		# CAP_SYS_ADMIN (21) alone
if [ "${CONF:-}" = san ]; then
	ok "root: the keeper's confinement # SKIP the SAN build has none (SANDBOX_OFF)"
elif [ "$(field "$kp" Seccomp)" = 2 ] && [ "$(field "$kp" NoNewPrivs)" = 1 ]; then
	ok "root: the keeper has Seccomp 2, NoNewPrivs 1"
else notok "root: the keeper has Seccomp 2, NoNewPrivs 1"
	grep -E '^(Seccomp|NoNewPrivs)' "/proc/$kp/status" | sed 's/^/#   /'; fi
if [ "${CONF:-}" = san ]; then
	ok "root: the keeper's capabilities # SKIP the SAN build has no sandbox (SANDBOX_OFF)"
elif [ "$(field "$kp" CapEff)" = $admin ] && [ "$(field "$kp" CapPrm)" = $admin ] &&
    [ "$(field "$kp" CapBnd)" = $admin ] && [ "$(field "$kp" CapInh)" = 0000000000000000 ] &&
    [ "$(field "$kp" CapAmb)" = 0000000000000000 ]; then
	ok "root: the keeper keeps CAP_SYS_ADMIN only (for umount2)"
else notok "root: the keeper keeps CAP_SYS_ADMIN only (for umount2)"
	grep '^Cap' "/proc/$kp/status" | sed 's/^/#   /'; fi
kill -TERM "$wk"
wait "$kh"
rc=$?
if [ "$rc" = 0 ] && gone; then ok "root: SIGTERM: the confined keeper unmounts, exit 0"
else notok "root: SIGTERM: the confined keeper unmounts, exit 0 (exit $rc)"; sed 's/^/#   /' "$T/m.out"; fi
if start; then
	kill -9 "$wk"
	if gone; then ok "root: kill -9 of the worker: the confined keeper detaches the mount"
	else notok "root: kill -9 of the worker: the confined keeper detaches the mount"; fi
	wait "$kh" 2>/dev/null
	if grep -q "the mount worker died: .* detached" "$T/m.out"; then
		ok "root: the confined keeper says the worker died"
	else notok "root: the confined keeper says the worker died"; sed 's/^/#   /' "$T/m.out"; fi
else notok "setup: second mount"; fi

