#!/bin/bash
# quiet.sh TACIT DATASET REPS [TOOLS]: the two steps issue #20's targets
# name, first backup and restore, timed on a quiet machine.  For each of
# REPS runs, the tools (default "tacit restic"; also borg-lz4) take turns;
# before each timed step the 1-minute load average must fall under 0.2
# (polled every 2 s, at most 10 minutes); the source is read once before
# each backup (warm, as bench.sh does); before each restore every file of
# the repository is evicted from the page cache (a backup disk plugged in
# again); restores go to a tmpfs.  tacit uses its default key slot, so its
# unlock is in both steps.  One line a step: data set, tool, step, wall
# seconds, exit status, the load it started at; and the repository's size.
# Data sets are bench.sh's (make bench builds them) under
# ${BENCH_DATA:-/var/tmp/tacit-bench-data}/ds; scratch in
# ${QUIET_DIR:-/var/tmp/tacit-quiet}, its tmpfs (mounted if none is there)
# unmounted at the end.
# A fresh VM is slow the first time it touches a page of its memory: the
# first restore onto a new tmpfs is warmed up by filling it once.
set -u
T=$(realpath "${1:?usage: quiet.sh TACIT DATASET REPS [TOOLS]}")
ds=${2:?usage: quiet.sh TACIT DATASET REPS [TOOLS]}
reps=${3:-3}
tools=${4:-"tacit restic"}
src=${BENCH_DATA:-/var/tmp/tacit-bench-data}/ds/$ds
w=${QUIET_DIR:-/var/tmp/tacit-quiet}
[ -d "$src" ] || { echo "quiet.sh: no data set $src (make bench builds it)" >&2; exit 2; }
mkdir -p "$w/rt"
printf 'quiet-bench-pass-1\n' >"$w/pw"
trap 'rm -rf "$w/repo" "$w/rt"/*' EXIT
if ! mountpoint -q "$w/rt"; then	# unmounted at the end only if ours
	mount -t tmpfs -o size=8g tmpfs "$w/rt" || exit 2
	trap 'rm -rf "$w/repo" "$w/rt"/*; umount "$w/rt"' EXIT
	dd if=/dev/zero of="$w/rt/fill" bs=1M count=7500 status=none
	rm -f "$w/rt/fill"
fi

evict() {
	find "$w/repo" -type f -exec dd if={} iflag=nocache count=0 status=none \;
}
warm() { find "$src" -type f -print0 | xargs -0 cat >/dev/null; }
settle() {
	local i l
	for i in $(seq 1 300); do
		l=$(cut -d' ' -f1 /proc/loadavg)
		awk -v l="$l" 'BEGIN { exit !(l < 0.2) }' && break
		sleep 2
	done
	cut -d' ' -f1 /proc/loadavg
}
timed() {
	local s e rc
	s=$(date +%s.%N)
	"$@" >/dev/null 2>&1
	rc=$?
	e=$(date +%s.%N)
	echo "$(echo "$e - $s" | bc) rc=$rc"
}
step() {	# TOOL STEP CMD...
	local tool=$1 what=$2 l
	shift 2
	sync
	[ "$what" = restore ] && evict
	l=$(settle)
	echo "$ds $tool $what $(timed "$@") load=$l"
}

for r in $(seq 1 "$reps"); do
	for tool in $tools; do
		rm -rf "$w/repo" "$w/rt"/*
		mkdir -p "$w/rt/x"
		case $tool in
		tacit)
			tk() { env -u RESTIC_PASSWORD "$T" "$@" --passphrase-fd 3 3<"$w/pw"; }
			tk init -r "$w/repo" >/dev/null 2>&1
			warm
			step tacit backup tk backup -q -r "$w/repo" "$src"
			step tacit restore tk restore -q -r "$w/repo" \
			    --target "$w/rt/x" latest ;;
		restic)
			export RESTIC_PASSWORD_FILE=$w/pw
			restic init -q -r "$w/repo" >/dev/null 2>&1
			warm
			step restic backup restic backup -q -r "$w/repo" "$src"
			step restic restore restic restore -q -r "$w/repo" latest \
			    --target "$w/rt/x"
			unset RESTIC_PASSWORD_FILE ;;
		borg-lz4)
			export BORG_PASSPHRASE=quiet-bench-pass-1 BORG_BASE_DIR=$w/borgbase
			borg init -e repokey "$w/repo" >/dev/null 2>&1
			warm
			step borg-lz4 backup borg create --compression lz4 \
			    "$w/repo::a" "$src"
			(cd "$w/rt/x" && step borg-lz4 restore borg extract "$w/repo::a")
			rm -rf "$w/borgbase"
			unset BORG_PASSPHRASE BORG_BASE_DIR ;;
		*)	echo "quiet.sh: no such tool: $tool" >&2; exit 2 ;;
		esac
		du -sb "$w/repo" | awk -v d="$ds" -v t="$tool" '{ print d, t, "repo_bytes", $1 }'
	done
done
