#!/bin/bash
# tests/bench/bench.sh TACIT INPROC LIMITS: the body of `make bench`.
#
#   TACIT   the release binary (keyholder + sandboxed worker, as users run it)
#   INPROC  the bench-only build that runs the same data path in one process
#   LIMITS  tests/bench/limits.c built against tacit's chunker
#
# Sections (BENCH_PARTS, default all of them, in this order):
#   limits   what one core can do per stage: read from the page cache,
#            tacit's chunker, zstd at the repository's level, keyed BLAKE2b,
#            XChaCha20-Poly1305; the ideal pipeline rate per data set
#   peers    tacit, restic and borg (lz4) on each data set: init, first
#            backup, unchanged backup, backup after a small change, restore
#            (to a tmpfs, verified with rsync -aHAXc), check --read-data;
#            BENCH_REPS runs, the tools interleaved, medians
#   privsep  tests/bench/privsep.sh: the pair against the one-process build
#   unlock   tests/bench/unlock.sh: unlock time at the default KDF cost
#   scale    tacit's backup time against the number of small files and
#            against bytes
#   parity   tests/bench/parity.sh: backup and restore with --parity 0
#            and the default, the space parity takes, repair data speed
#   prune    per data set and tool: ten backups of the data set plus a
#            churn file (16 MiB of new random data each time, so every
#            snapshot holds data of its own) with the data set's small
#            change applied and reverted in turn, then forget --keep-last
#            3 with prune (borg: prune --keep-last 3, then compact); wall
#            time, peak RSS and the repository's size before and after
#   mount    tacit mount next to restic mount (and borg mount where
#            llfuse or pyfuse3 is installed): the Linux tree and the
#            1 GiB random file, each backed up alone; per step a fresh
#            mount, then ls -lR and tar -c of the tree, cat of the file;
#            wall time and the serving processes' peak RSS
#            (BENCH_MOUNT_TREE=linux, BENCH_MOUNT_FILE=random; alone:
#            BENCH_PARTS=mount)
#   copy     tests/bench/copy.sh: a history of snapshots of the first data
#            set copied into an empty repository, with and without shared
#            chunker parameters, tacit next to restic copy
# Knobs: BENCH_DATASETS="linux random small vmimage" (also: tiny),
#   BENCH_TOOLS="tacit restic borg-lz4" (also: borg-zstd3), BENCH_REPS=3,
#   BENCH_SCALE_FILES="10000 100000 300000", BENCH_SCALE_MIB="256 512 1024",
#   BENCH_SCALE_REPS=1, BENCH_CHECK_REPS=1 (check --read-data runs in the
#   first runs only: it reads the whole repository and changes nothing),
#   BENCH_LIMITS_MIB=256, BENCH_DATA=/var/tmp/tacit-bench-data, BENCH_KEEP=1
#   (keep the scratch and logs).
# Quiet machine (every timed step, see settle): BENCH_QUIET_LOAD=0.2 (the
#   1-minute load average a step waits for), BENCH_QUIET_WAIT=120 (seconds
#   one step waits at most), BENCH_QUIET_BUDGET=1800 (seconds all steps
#   wait together; then they only record the load).  BENCH_QUIET_WAIT=0
#   records without waiting.  A report with a step that started above the
#   threshold, or with fewer than 3 runs, says in its header that its
#   ratios are not evidence for the targets.
# Output: the markdown report on stdout and in
#   $BENCH_DATA/results/bench-<stamp>.md (raw TSVs beside it);
#   progress on stderr.  Scratch: $BENCH_DATA/runs/<stamp>/, removed at the
#   end unless BENCH_KEEP=1.
set -eu
umask 022
export LC_ALL=C

tacit=$(realpath "${1:?usage: bench.sh TACIT INPROC LIMITS}")
inproc=$(realpath "${2:?usage: bench.sh TACIT INPROC LIMITS}")
limits=$(realpath "${3:?usage: bench.sh TACIT INPROC LIMITS [IPC_BENCH]}")
ipcbench=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
data=${BENCH_DATA:-/var/tmp/tacit-bench-data}
export BENCH_DATA=$data
datasets=${BENCH_DATASETS:-linux random small vmimage}
tools=${BENCH_TOOLS:-tacit restic borg-lz4}
reps=${BENCH_REPS:-3}
parts=${BENCH_PARTS:-limits peers privsep unlock parity scale prune mount copy}
scale_files=${BENCH_SCALE_FILES:-10000 100000 300000}
scale_mib=${BENCH_SCALE_MIB:-256 512 1024}
scale_reps=${BENCH_SCALE_REPS:-1}
check_reps=${BENCH_CHECK_REPS:-1}
limits_mib=${BENCH_LIMITS_MIB:-256}
quiet_load=${BENCH_QUIET_LOAD:-0.2}
quiet_wait=${BENCH_QUIET_WAIT:-120}
quiet_budget=${BENCH_QUIET_BUDGET:-1800}
stamp=$(date +%Y%m%d-%H%M%S)
py=/usr/bin/python3
gen="$py $here/gen.py"
ds=$data/ds
results=$data/results
run=$data/runs/$stamp
out=$results/bench-$stamp
# The zstd level and chunk sizes every new repository gets (src/config.c).
level=$(sed -n 's/.*zstd_level = \([0-9]*\);.*/\1/p' "$top/src/config.c")
level=${level:-3}
t0=$(date +%s)

say() {
	printf '[bench %s +%ss] %s\n' "$(date +%H:%M:%S)" \
	    $(($(date +%s) - t0)) "$*" >&2
}

has() { command -v "$1" >/dev/null 2>&1; }
in_list() { case " $2 " in *" $1 "*) return 0 ;; esac; return 1; }

mkdir -p "$run" "$out"
pw=$run/passphrase
printf 'correct horse battery staple bench\n' >"$pw"
chmod 600 "$pw"

# Restores go to a tmpfs: this measures the tool, not the file system (on
# an ext4 without a journal, creating many files right after deleting many
# slows down for minutes).  Root mounts one for the run; others use /dev/shm.
rtmp=$run/restore
mounted=0
if [ "$(id -u)" = 0 ]; then
	mkdir -p "$rtmp"
	mount -t tmpfs -o size=8g,mode=0755 tacit-bench "$rtmp" && mounted=1
fi
if [ "$mounted" = 0 ]; then
	rtmp=$(mktemp -d /dev/shm/tacit-bench.XXXXXX)
fi

cleanup() {
	for s in "$data"/tacit-stash/*/; do
		[ -f "$s/manifest.json" ] || continue
		$gen revert "$ds/$(basename "$s")" "$s" >/dev/null || true
	done
	if [ "$mounted" = 1 ]; then
		umount "$rtmp" || true
	else
		rm -rf "$rtmp"
	fi
	[ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ tools
# For tool T (dash as underscore): T_ok (installed?), T_ver, T_env (in the
# run's environment), and T_init / T_backup / T_restore / T_check, which
# set CMD (and CWD).  Every command gets the passphrase on descriptor 3.
tacit_ok() { [ -x "$tacit" ]; }
tacit_ver() { "$tacit" version 2>&1 | head -n1; }
tacit_env() { :; }
tacit_init() { CMD=("$tacit" init -q -r "$1" --passphrase-fd 3); }
tacit_backup() { CMD=("$tacit" backup -q -r "$1" --passphrase-fd 3 "$2"); }
tacit_restore() {
	CMD=("$tacit" restore -q -r "$1" --passphrase-fd 3 latest --target "$2")
}
tacit_check() { CMD=("$tacit" check -q -r "$1" --passphrase-fd 3 --read-data); }
tacit_prune() {
	CMD=("$tacit" forget -q -r "$1" --passphrase-fd 3 --keep-last 3 --prune)
}
restic_prune() { CMD=(restic forget -q -r "$1" --keep-last 3 --prune); }
borg_lz4_prune() {
	CMD=(sh -c 'borg prune --keep-last 3 "$1" && borg compact "$1"' sh "$1")
}
borg_zstd3_prune() { borg_lz4_prune "$@"; }

restic_ok() { has restic; }
restic_ver() { restic version | head -n1; }
restic_env() { export RESTIC_PASSWORD_FILE="$pw"; }
restic_init() { CMD=(restic init -q -r "$1"); }
restic_backup() { CMD=(restic backup -q -r "$1" "$2"); }
restic_restore() { CMD=(restic restore -q -r "$1" latest --target "$2"); }
restic_check() { CMD=(restic check -q --read-data -r "$1"); }

borg_lz4_ok() { has borg; }
borg_lz4_ver() { borg --version; }
borg_lz4_env() {
	export BORG_PASSPHRASE_FD=3 BORG_DISPLAY_PASSPHRASE=no
	export BORG_RELOCATED_REPO_ACCESS_IS_OK=no
}
borg_lz4_init() { CMD=(borg init --encryption=repokey "$1"); }
borg_lz4_backup() { CMD=(borg create "$1::$3" "$2"); }
borg_lz4_restore() { CWD=$2; CMD=(borg extract "$1::$3"); }
borg_lz4_check() { CMD=(borg check --verify-data "$1"); }

borg_zstd3_ok() { has borg; }
borg_zstd3_ver() { borg --version; }
borg_zstd3_env() { borg_lz4_env; }
borg_zstd3_init() { borg_lz4_init "$@"; }
borg_zstd3_backup() { CMD=(borg create --compression zstd,3 "$1::$3" "$2"); }
borg_zstd3_restore() { borg_lz4_restore "$@"; }
borg_zstd3_check() { borg_lz4_check "$@"; }

fn() { echo "${1//-/_}"; }

# ---------------------------------------------------------------- helpers
# own_env DIR: an empty HOME, XDG_* and TMPDIR under DIR for one tool run
own_env() {
	mkdir -p "$1/home" "$1/tmp/xdg-runtime"
	chmod 700 "$1/tmp/xdg-runtime"
	export HOME=$1/home TMPDIR=$1/tmp XDG_RUNTIME_DIR=$1/tmp/xdg-runtime
	export XDG_CACHE_HOME=$HOME/.cache XDG_CONFIG_HOME=$HOME/.config
	export XDG_DATA_HOME=$HOME/.local/share XDG_STATE_HOME=$HOME/.local/state
}

# wall user sys maxrss_kb from a /usr/bin/time -v file
times_of() {
	awk -F': ' '
	    /Elapsed \(wall clock\)/ { n = split($2, a, ":"); w = 0
		for (i = 1; i <= n; i++) w = w * 60 + a[i] }
	    /User time \(seconds\)/ { u = $2 }
	    /System time \(seconds\)/ { s = $2 }
	    /Maximum resident set size/ { m = $2 }
	    END { printf "%.3f\t%.2f\t%.2f\t%d\n", w, u, s, m }' "$1"
}

bytes_of() { du -sb "$1" 2>/dev/null | cut -f1; }

load1() { cut -d' ' -f1 /proc/loadavg; }

# settle LABEL: before a timed step, wait until the 1-minute load average
# is under $quiet_load, polling every 5 s, for at most $quiet_wait seconds
# and while the run's waiting budget lasts; append LABEL, the load before
# and after the wait, the seconds waited and the outcome (quiet, timeout,
# no-budget, no-wait) to $out/load.tsv, which report.py turns into the
# report's header.  The budget lives in a file: steps run in subshells.
# Every timed step goes through here (measure calls it; so do the parts
# that time outside measure: limits, privsep, unlock).
settle() {
	local label=$1 l0 l w=0 st spent left
	l0=$(load1)
	l=$l0
	st=quiet
	spent=$(cat "$out/quiet-spent" 2>/dev/null || echo 0)
	while awk -v l="$l" -v t="$quiet_load" 'BEGIN { exit !(l >= t) }'; do
		left=$((quiet_budget - spent - w))
		if [ "$quiet_wait" -le 0 ]; then
			st=no-wait; break
		elif [ "$w" -ge "$quiet_wait" ]; then
			st=timeout; break
		elif [ "$left" -le 0 ]; then
			st=no-budget; break
		fi
		sleep 5
		w=$((w + 5))
		l=$(load1)
	done
	echo $((spent + w)) >"$out/quiet-spent"
	printf '%s\t%s\t%s\t%s\t%s\n' "$label" "$l0" "$l" "$w" "$st" \
	    >>"$out/load.tsv"
	[ "$st" = quiet ] && [ "$w" = 0 ] ||
	    say "  load $l0 -> $l after ${w} s: $st ($label)"
}

# measure FILE TOOL DS REP STEP REPO WARM...: wait for a quiet machine
# (settle), read the WARM paths (the page cache of this VM does not stay
# warm by itself), sync, run CMD under /usr/bin/time -v in CWD, append a
# row to FILE.  Returns CMD's status.
measure() {
	local f=$1 tool=$2 d=$3 rep=$4 step=$5 repo=$6 log rc tm rb
	shift 6
	log=$run/log/$tool.$d.$rep.$step
	mkdir -p "$run/log"
	settle "$(basename "$f" .tsv):$tool:$d:$rep:$step"
	[ $# -gt 0 ] && "$limits" warm "$@" 2>/dev/null
	sync
	rc=0
	(cd "${CWD:-$run}" && exec /usr/bin/time -v -o "$log.time" \
	    "${CMD[@]}" 3<"$pw") >"$log.out" 2>&1 || rc=$?
	CWD=
	tm="0	0	0	0"
	[ -s "$log.time" ] && tm=$(times_of "$log.time")
	rb=$(bytes_of "$repo")
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$d" "$rep" "$step" \
	    "$tm" "${rb:-0}" "$rc" >>"$f"
	if [ "$rc" != 0 ]; then
		say "  $tool $step FAILED ($rc): $(tail -n2 "$log.out" | tr '\n' ' ')"
	else
		say "  $tool $step: $(echo "$tm" | awk -F'\t' '{printf "%.2f s wall, %.2f s CPU, %d MiB", $1, $2 + $3, $4 / 1024}')"
	fi
	return "$rc"
}

# where a restore of SRC into TARGET put it
restored() {
	for c in "$1$2" "$1/$(basename "$2")" "$1"; do
		[ -d "$c" ] && { echo "$c"; return; }
	done
	echo "$1"
}

apply_change() { $gen apply "$1" "$ds/$1" "$data/tacit-stash/$1" "$data/mod" >/dev/null; }
revert_change() { $gen revert "$ds/$1" "$data/tacit-stash/$1" >/dev/null; }

# ------------------------------------------------------------------ peers
# one_run TOOL DS REP: the whole sequence in a fresh HOME and repository
one_run() {
	local tool=$1 d=$2 rep=$3 t src dir repo tsv tgt v n
	t=$(fn "$1")
	src=$ds/$d
	dir=$run/$d/$tool.$rep
	repo=$dir/repo
	tsv=$out/peers.tsv
	say "$d: $tool, run $rep of $reps"
	(
	own_env "$dir"
	"${t}_env"
	"${t}_init" "$repo"
	measure "$tsv" "$tool" "$d" "$rep" init "$repo" || exit 1
	"${t}_backup" "$repo" "$src" s1
	measure "$tsv" "$tool" "$d" "$rep" full "$repo" "$src" || exit 1
	"${t}_backup" "$repo" "$src" s2
	measure "$tsv" "$tool" "$d" "$rep" nochange "$repo" "$src" "$repo" ||
	    exit 1
	apply_change "$d" || exit 1
	"${t}_backup" "$repo" "$src" s3
	measure "$tsv" "$tool" "$d" "$rep" change "$repo" "$src" "$repo" || {
		revert_change "$d"; exit 1; }
	tgt=$rtmp/$tool.$d.$rep
	mkdir -p "$tgt"
	"${t}_restore" "$repo" "$tgt" s3
	if measure "$tsv" "$tool" "$d" "$rep" restore "$repo" "$repo" &&
	    [ "$rep" = 1 ]; then
		v=$out/verify.$tool.$d.txt
		rsync -aHAXc --dry-run --itemize-changes --delete "$src/" \
		    "$(restored "$tgt" "$src")/" >"$v" 2>&1 || true
		n=$(wc -l <"$v")
		printf '%s\t%s\t%s\n' "$tool" "$d" "$n" >>"$out/verify.tsv"
		say "  verify: $n differences ($v)"
	fi
	rm -rf "$tgt"
	revert_change "$d"
	if [ "$rep" -le "$check_reps" ]; then
		"${t}_check" "$repo"
		measure "$tsv" "$tool" "$d" "$rep" check "$repo" "$repo" || true
	fi
	# The data path alone: the same first backup into a repository whose
	# key slot uses Argon2id at its floor (64 MiB, 1 pass), so that the
	# peak RSS and time are not the 512 MiB KDF's.  Once per data set.
	if [ "$tool" = tacit ] && [ "$rep" = 1 ]; then
		rm -rf "$repo"
		CMD=("$tacit" init -q -r "$repo" --passphrase-fd 3 \
		    --kdf-memory 64 --kdf-iterations 1)
		measure "$tsv" "$tool" "$d" "$rep" init-kdf64 "$repo" || exit 1
		tacit_backup "$repo" "$src"
		measure "$tsv" "$tool" "$d" "$rep" full-kdf64 "$repo" "$src" ||
		    exit 1
	fi
	) || say "  $tool on $d stopped early (see $run/log)"
	rm -rf "$dir"
}

peers() {
	active=
	for tool in $tools; do
		if "$(fn "$tool")_ok"; then
			active="$active $tool"
			echo "version.$tool=$("$(fn "$tool")_ver")" >>"$out/meta"
		else
			say "skipping $tool: not installed"
		fi
	done
	set -- $active
	ntools=$#
	if [ "$ntools" = 0 ]; then
		say "peers: no tool to run"
		return 0
	fi
	for d in $datasets; do
		# page cache warm for everyone
		"$limits" warm "$ds/$d"
		r=1
		while [ "$r" -le "$reps" ]; do
			# rotate the order each run so drift hits every tool
			set -- $active
			k=0
			while [ "$k" -lt $(((r - 1) % ntools)) ]; do
				x=$1; shift; set -- "$@" "$x"; k=$((k + 1))
			done
			for tool in "$@"; do
				one_run "$tool" "$d" "$r"
			done
			r=$((r + 1))
		done
	done
}

# ----------------------------------------------------------------- limits
limits_part() {
	cpu=$(($(nproc) - 1))
	pin=
	has taskset && pin="taskset -c $cpu"
	echo "limits_cpu=$cpu" >>"$out/meta"
	for d in $datasets; do
		say "limits: $d (one core, $reps runs)"
		settle "limits:$d"
		$pin "$limits" read "$reps" "$ds/$d" | sed "s/^/$d	/" \
		    >>"$out/limits.tsv"
		$pin "$limits" kernels "$reps" "$limits_mib" "$level" "$ds/$d" |
		    sed "s/^/$d	/" >>"$out/limits.tsv"
	done
}

# ------------------------------------------------------------------ scale
scale_one() {	# LABEL COUNT BYTES SRC
	local label=$1 n=$2 bytes=$3 src=$4 r dir repo
	r=1
	while [ "$r" -le "$scale_reps" ]; do
		dir=$run/scale/$label.$r
		repo=$dir/repo
		(
		own_env "$dir"
		CMD=("$tacit" init -q -r "$repo" --passphrase-fd 3 \
		    --kdf-memory 64 --kdf-iterations 1)
		measure "$out/scale.tsv" tacit "$label" "$r" init "$repo" ||
		    exit 1
		tacit_backup "$repo" "$src"
		measure "$out/scale.tsv" tacit "$label" "$r" full "$repo" "$src" ||
		    exit 1
		measure "$out/scale.tsv" tacit "$label" "$r" nochange "$repo" \
		    "$src" "$repo" || exit 1
		) || say "  scale $label stopped early"
		printf '%s\t%s\t%s\n' "$label" "$n" "$bytes" >>"$out/scale-sets.tsv"
		rm -rf "$dir"
		r=$((r + 1))
	done
}

scale_part() {
	sd=$data/scale
	mkdir -p "$sd"
	for n in $scale_files; do
		s=$sd/files-$n
		if [ "$(cat "$s.done" 2>/dev/null)" != "scale n=$n seed=4" ]; then
			say "scale: generating $n small files"
			rm -rf "$s" "$s.done"
			$gen scale "$s" "$n" 4 >/dev/null
			echo "scale n=$n seed=4" >"$s.done"
		fi
		say "scale: $n files"
		scale_one "files-$n" "$n" "$(find "$s" -type f -printf '%s\n' |
		    awk '{t += $1} END {printf "%.0f", t}')" "$s"
	done
	for m in $scale_mib; do
		s=$sd/bytes-$m
		if [ "$(cat "$s.done" 2>/dev/null)" != "keystream ${m}MiB" ]; then
			say "scale: generating $m MiB"
			rm -rf "$s" "$s.done"
			mkdir -p "$s"
			key=$(printf 'scale:%s' "$m" | sha256sum | cut -c1-64)
			{ openssl enc -aes-256-ctr -K "$key" \
			    -iv 00000000000000000000000000000000 -in /dev/zero \
			    2>/dev/null || true; } | head -c $((m << 20)) >"$s/data.bin"
			echo "keystream ${m}MiB" >"$s.done"
		fi
		say "scale: $m MiB"
		scale_one "bytes-$m" 1 $((m << 20)) "$s"
	done
}

# ------------------------------------------------------------------ prune
# prune_run TOOL DS: ten backups with edits between them, then the
# tool's forget --keep-last 3 and prune.  tacit's key slot uses Argon2id
# at its floor (64 MiB, 1 pass) so that the prune row is not the KDF's.
prune_run() {
	local tool=$1 d=$2 t src dir repo churn i key
	t=$(fn "$tool")
	src=$ds/$d
	dir=$run/prune/$d/$tool
	repo=$dir/repo
	churn=$dir/churn
	say "prune: $d, $tool"
	(
	own_env "$dir"
	"${t}_env"
	if [ "$tool" = tacit ]; then
		CMD=("$tacit" init -q -r "$repo" --passphrase-fd 3 \
		    --kdf-memory 64 --kdf-iterations 1)
	else
		"${t}_init" "$repo"
	fi
	measure "$out/prune.tsv" "$tool" "$d" 1 init "$repo" || exit 1
	mkdir -p "$churn"
	i=1
	while [ "$i" -le 10 ]; do
		key=$(printf 'churn:%s' "$i" | sha256sum | cut -c1-64)
		{ openssl enc -aes-256-ctr -K "$key" \
		    -iv 00000000000000000000000000000000 -in /dev/zero \
		    2>/dev/null || true; } | head -c $((16 << 20)) \
		    >"$churn/churn.bin"
		if [ $((i % 2)) = 0 ]; then
			apply_change "$d" || exit 1
		else
			revert_change "$d"
		fi
		"${t}_backup" "$repo" "$src" "s$i"
		CMD=("${CMD[@]}" "$churn")
		measure "$out/prune.tsv" "$tool" "$d" 1 "backup$i" "$repo" \
		    "$src" || { revert_change "$d"; exit 1; }
		i=$((i + 1))
	done
	revert_change "$d"
	"${t}_prune" "$repo"
	measure "$out/prune.tsv" "$tool" "$d" 1 prune "$repo" "$repo" || exit 1
	) || say "  prune: $tool on $d stopped early (see $run/log)"
	rm -rf "$dir"
}

prune_part() {
	for d in $datasets; do
		for tool in $tools; do
			"$(fn "$tool")_ok" && prune_run "$tool" "$d"
		done
	done
}

# ------------------------------------------------------------------ mount
# mount_run TOOL DS STEPS: one repository holding the data set DS (one
# backup), then for each step a fresh mount (so the kernel's caches of
# the mount start empty; the repository is read once before, as the other
# parts warm it) and the step run on it: ls (ls -lR of the tree), tar (tar
# -c of the tree, through a pipe: GNU tar reads no file when the archive
# is /dev/null), cat (the data set's first file).  A row: tool, data set,
# step, wall seconds, peak RSS in KiB of the processes that serve the
# mount (VmHWM summed: tacit's keyholder, worker and keeper; restic;
# borg), exit status; the "mount" step is the time until the mount shows
# the data set.  Every mount is ended (SIGTERM, then fusermount3 -uz and
# kill) before the next step and when a step fails or the run stops.
mount_pids() {	# PID: it and its descendants
	local c
	echo "$1"
	for c in $(pgrep -P "$1" 2>/dev/null); do mount_pids "$c"; done
}
mount_hwm() {	# PID: VmHWM of it and its descendants, KiB
	local p s=0 v
	for p in $(mount_pids "$1"); do
		v=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' \
		    "/proc/$p/status" 2>/dev/null)
		s=$((s + ${v:-0}))
	done
	echo "$s"
}
mount_stop() {	# end the mount of $mpid on $mnt, whatever state it is in
	local i=0
	[ -n "${mpid:-}" ] || return 0
	# fusermount3 -u: every tool then exits (restic leaves the mount on
	# SIGTERM); SIGTERM if it does not.
	fusermount3 -u "$mnt" 2>/dev/null || kill -TERM "$mpid" 2>/dev/null || true
	while kill -0 "$mpid" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1)); done
	if kill -0 "$mpid" 2>/dev/null || grep -q " $mnt fuse" /proc/mounts; then
		say "  mount: $mpid did not end by itself: unmounting, killing"
		fusermount3 -uz "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
		kill -KILL $(mount_pids "$mpid") 2>/dev/null || true
	fi
	wait "$mpid" 2>/dev/null || true
	mpid=
}
mount_secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
mount_row() {	# STEP WALL RSS RC
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$d" "$1" "$2" "$3" "$4" \
	    >>"$out/mount.tsv"
	say "  $tool mount $1: $2 s, serving peak RSS $(($3 / 1024)) MiB (exit $4)"
}
mount_run() {
	local t src dir repo log step top file w0 w1 rc i
	tool=$1 d=$2
	t=$(fn "$tool")
	src=$ds/$d
	dir=$run/mount/$d/$tool
	repo=$dir/repo
	mnt=$dir/mnt
	log=$run/log/$tool.$d.mount
	shift 2
	say "mount: $d, $tool"
	mkdir -p "$run/log"
	(
	mpid=
	trap 'exit 130' INT TERM
	trap 'mount_stop; rm -rf "$dir"' EXIT
	own_env "$dir"
	"${t}_env"
	mkdir -p "$mnt"
	if [ "$tool" = tacit ]; then
		CMD=("$tacit" init -q -r "$repo" --passphrase-fd 3 \
		    --kdf-memory 64 --kdf-iterations 1)
	else
		"${t}_init" "$repo"
	fi
	"${CMD[@]}" 3<"$pw" >"$log.init" 2>&1 || { say "  init failed"; exit 1; }
	"${t}_backup" "$repo" "$src" m
	"${CMD[@]}" 3<"$pw" >"$log.backup" 2>&1 || { say "  backup failed"; exit 1; }
	# Where the data set shows in the mount.
	case $tool in
	tacit) top=$mnt/latest/$d ;;
	restic) top=$mnt/snapshots/latest$src ;;
	*) top=$mnt${src} ;;
	esac
	file=$(cd "$src" && find . -type f | sort | head -n1)
	for step in "$@"; do
		"$limits" warm "$repo" 2>/dev/null || true
		sync
		settle "mount:$tool:$d:$step"
		w0=$(date +%s.%N)
		case $tool in
		tacit) "$tacit" mount -r "$repo" "$mnt" --passphrase-fd 3 \
			    3<"$pw" >"$log.$step" 2>&1 & ;;
		restic) restic mount -r "$repo" "$mnt" 3<"$pw" \
			    >"$log.$step" 2>&1 & ;;
		*) borg mount -f "$repo::m" "$mnt" 3<"$pw" \
			    >"$log.$step" 2>&1 & ;;
		esac
		mpid=$!
		i=0
		while [ ! -e "$top" ] && kill -0 "$mpid" 2>/dev/null &&
		    [ $i -lt 1200 ]; do sleep 0.05; i=$((i + 1)); done
		w1=$(date +%s.%N)
		if [ ! -e "$top" ]; then
			say "  $tool mount failed: $(tail -n2 "$log.$step" | tr '\n' ' ')"
			mount_row "$step" 0 0 1
			mount_stop
			continue
		fi
		# The first mount of the data set is its "mount" row.
		[ "$step" = "$1" ] &&
		    mount_row mount "$(mount_secs "$w0" "$w1")" "$(mount_hwm "$mpid")" 0
		rc=0
		w0=$(date +%s.%N)
		case $step in
		ls) ls -lR "$top" >/dev/null 2>"$log.$step.err" || rc=$? ;;
		tar) { tar -cf - -C "$top" . 2>"$log.$step.err" ||
			rc=$?; } | cat >/dev/null ;;
		cat) cat "$top/$file" >/dev/null 2>"$log.$step.err" || rc=$? ;;
		esac
		w1=$(date +%s.%N)
		mount_row "$step" "$(mount_secs "$w0" "$w1")" "$(mount_hwm "$mpid")" "$rc"
		mount_stop
	done
	) || say "  mount: $tool on $d stopped early (see $run/log)"
	rm -rf "$dir"
}

mount_part() {
	local tree=${BENCH_MOUNT_TREE:-linux} file=${BENCH_MOUNT_FILE:-random}
	local tool d mnt
	bash "$here/datasets.sh" "$tree" "$file"
	for tool in $tools; do
		case $tool in
		borg-zstd3) continue ;;		# one borg is enough here
		borg*)
			if ! "$py" -c 'import llfuse' 2>/dev/null &&
			    ! "$py" -c 'import pyfuse3' 2>/dev/null; then
				say "mount: borg mount needs llfuse or pyfuse3: none here"
				printf 'borg\t-\tnone\t0\t0\t127\n' >>"$out/mount.tsv"
				continue
			fi ;;
		esac
		"$(fn "$tool")_ok" || continue
		mount_run "$tool" "$tree" ls tar
		mount_run "$tool" "$file" cat
	done
}

# ------------------------------------------------------------------- main
{
	echo "stamp=$stamp"
	echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "host=$(uname -srm)"
	echo "cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n1) x$(nproc)"
	echo "mem=$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
	echo "fs=$(df -T "$data" | awk 'NR == 2 {print $2}')"
	echo "load_start=$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "reps=$reps"
	echo "check_reps=$check_reps"
	echo "datasets=$datasets"
	echo "tools=$tools"
	echo "parts=$parts"
	echo "zstd_level=$level"
	echo "limits_mib=$limits_mib"
	echo "restore_fs=$(if [ "$mounted" = 1 ]; then echo tmpfs; else echo /dev/shm; fi)"
	echo "rsync=$(rsync --version | head -n1)"
	echo "quiet_load=$quiet_load"
	echo "quiet_wait=$quiet_wait"
	echo "quiet_budget=$quiet_budget"
} >"$out/meta"
: >"$out/peers.tsv"
: >"$out/verify.tsv"
: >"$out/limits.tsv"
: >"$out/scale.tsv"
: >"$out/scale-sets.tsv"
: >"$out/prune.tsv"
: >"$out/mount.tsv"
: >"$out/load.tsv"
echo 0 >"$out/quiet-spent"

bash "$here/datasets.sh" $datasets
for d in $datasets; do
	printf 'dataset.%s=%s\n' "$d" "$(sed -n 1p "$ds/.$d.done")" >>"$out/meta"
	printf 'files.%s=%s\n' "$d" "$(find "$ds/$d" -type f | wc -l)" >>"$out/meta"
	printf 'bytes.%s=%s\n' "$d" "$(find "$ds/$d" -type f -printf '%s\n' |
	    awk '{s += $1} END {printf "%.0f", s}')" >>"$out/meta"
done

say "run $stamp: parts=[$parts] data sets=[$datasets] tools=[$tools] reps=$reps"
in_list limits "$parts" && limits_part
in_list peers "$parts" && peers
if in_list privsep "$parts"; then
	say "privsep: pair against one process, $reps runs"
	psrc=$ds/$(echo "$datasets" | awk '{print $1}')
	[ -d "$ds/linux" ] && in_list linux "$datasets" && psrc=$ds/linux
	settle privsep
	RUNS=$reps PRIVSEP_SRC=$psrc sh "$here/privsep.sh" "$tacit" "$inproc" \
	    >"$out/privsep.md" || say "privsep failed"
	if [ -n "$ipcbench" ] && [ -x "$ipcbench" ]; then
		say "privsep: the socket against shared memory"
		{
			echo
			echo "The transport alone (tests/bench/ipc_bench.c: two"
			echo "processes, no crypto; shared memory copies in and"
			echo "out, as a keyholder must):"
			echo
			"$ipcbench"
		} >>"$out/privsep.md" || say "ipc bench failed"
	fi
fi
if in_list unlock "$parts"; then
	say "unlock: $reps runs"
	settle unlock
	RUNS=$reps sh "$here/unlock.sh" "$tacit" >"$out/unlock.md" ||
	    say "unlock failed"
fi
if in_list parity "$parts"; then
	say "parity: on and off, $reps runs"
	RUNS=$reps sh "$here/parity.sh" "$tacit" \
	    "$ds/$(echo "$datasets" | awk '{print $1}')" >"$out/parity.md" ||
	    say "parity failed"
fi
in_list scale "$parts" && scale_part
in_list prune "$parts" && prune_part
in_list mount "$parts" && mount_part
if in_list copy "$parts"; then
	say "copy: a snapshot history copied, tacit and restic"
	settle copy
	csrc=$ds/$(echo "$datasets" | awk '{print $1}')
	[ -d "$ds/linux" ] && in_list linux "$datasets" && csrc=$ds/linux
	COPY_DIR=$run/copy bash "$here/copy.sh" "$tacit" "$csrc" \
	    >"$out/copy.md" || say "copy failed"
fi
echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/meta"
echo "elapsed_s=$(($(date +%s) - t0))" >>"$out/meta"
echo "quiet_spent_s=$(cat "$out/quiet-spent")" >>"$out/meta"

"$py" "$here/report.py" "$out" >"$out.md"
say "report: $out.md (raw: $out/)"
cat "$out.md"
