# tests/regress/lib.sh: helpers for end-to-end tests.  Source it first.
#
#   T          a fresh scratch directory for this script
#   PW         the test passphrase;  tp ARGS  runs tacit with PW on fd 0
#   FAST       cheap KDF options for new slots (tests only; real slots use
#              the default cost)
#   ok/notok   print one case result;  check DESC CMD...  runs CMD
#   xcode N DESC CMD...  passes if CMD exits with status N
#   grepq PATTERN FILE   quiet grep that works on binary files
set -u
: "${TACIT:?}"
: "${TESTTMP:?}"
T=$(mktemp -d "$TESTTMP/$(basename "$0" .sh).XXXXXX") || exit 1
PW="correct horse battery staple"
FAST="--kdf-memory 64 --kdf-iterations 1 --kdf-lanes 1"

ok()	{ echo "ok - $*"; }
notok()	{ echo "not ok - $*"; }

check() {
	desc=$1
	shift
	if "$@" >"$T/.out" 2>&1; then ok "$desc"; else
		notok "$desc"; sed 's/^/#   /' "$T/.out"; fi
}

xcode() {
	want=$1
	desc=$2
	shift 2
	"$@" >"$T/.out" 2>&1
	got=$?
	if [ "$got" -eq "$want" ]; then ok "$desc"; else
		notok "$desc (exit $got, wanted $want)"
		sed 's/^/#   /' "$T/.out"
	fi
}

# tp ARGS: tacit with the test passphrase on descriptor 0.
tp() {
	printf '%s\n' "$PW" | "$TACIT" "$@" --passphrase-fd 0
}

grepq() { grep -a -q -- "$1" "$2"; }

# NOLEAK: the environment of a command run under strace, as in
# env "$NOLEAK" strace ...: LeakSanitizer cannot work under ptrace (an ASan
# build then fails at exit), so it is off for the traced command only.
NOLEAK="ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

# --- helpers for byte-level tampering and tree comparison -------------------

# fsize FILE: its size in bytes.
fsize() { wc -c <"$1" | tr -d ' '; }

# getbyte FILE OFFSET: the byte at OFFSET as a decimal number.
getbyte() { od -An -tu1 -j "$2" -N1 "$1" | tr -d ' '; }

# putbyte FILE OFFSET VALUE: overwrite one byte (VALUE decimal 0..255).
putbyte() {
	# shellcheck disable=SC2059
	printf "\\$(printf %03o "$3")" |
	    dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# flip FILE OFFSET: invert every bit of the byte at OFFSET.
flip() { putbyte "$1" "$2" $(( $(getbyte "$1" "$2") ^ 255 )); }

# treesum DIR: names, types, modes and checksums of everything under DIR,
# sorted, so two listings compare equal only if nothing changed.
treesum() {
	(cd "$1" && find . -exec stat -c '%A %s %n' {} + | sort &&
	    find . -type f -exec cksum {} + | sort)
}

# mkrepo DIR: a new repository with the test passphrase and cheap KDF.
mkrepo() { _mkr=$1; shift; tp init -r "$_mkr" $FAST "$@" >/dev/null 2>&1; }

# slots DIR: the key slot file names of the repository DIR, one a line.
slots() { ls "$1/keys"; }

# now_ms: wall-clock milliseconds (GNU date).
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# --- faults injected into repository calls (27-faults, 40-repo-full,
# 42-init-fail) ----------------------------------------------------------

# STRIDE: the loops over every fault or power-cut point (26-powerloss,
# 27-faults, 40-repo-full, 42-init-fail) take every STRIDE-th point.  All
# of them (1) but in the ASan + UBSan build (CONF=san): 3, as CI runs every
# point against the static binary before, and the sanitizer pass is there
# for memory errors on those error paths, which every third point still
# walks (.ci/run: CI time).  TACIT_FAULT_STRIDE sets it; LONG=1 takes all.
if [ "${LONG:-0}" = 1 ]; then STRIDE=${TACIT_FAULT_STRIDE:-1}
elif [ "${CONF:-}" = san ]; then STRIDE=${TACIT_FAULT_STRIDE:-3}
else STRIDE=${TACIT_FAULT_STRIDE:-1}; fi
# take N: the Nth point (from 1) is one of those taken.
take() { [ $(( ($1 - 1) % STRIDE )) -eq 0 ]; }
# each: "each" or "every STRIDE-th", for the ok lines.
each() { [ "$STRIDE" -eq 1 ] && echo each || echo "every ${STRIDE}th"; }

# repo_calls DIR CMD...: run CMD once under strace and list in $T/calls
# each call it made on DIR that a full or failing disk can fail (openat
# with O_CREAT, write, fsync, renameat2, mkdirat), one a line: "SYSCALL
# N", N its ordinal among that process's calls of SYSCALL, as strace
# counts for when=.  The status of CMD.
repo_calls() {
	_dir=$1 _rc=0
	shift
	env "$NOLEAK" strace -f -qq -y -o "$T/cal" \
	    -e trace=openat,write,fsync,renameat2,mkdirat "$@" || _rc=$?
	awk -v r="$_dir" '{ split($2, a, "("); n[$1 " " a[1]]++ }
	    (index($0, r "/") || index($0, r ">")) &&
	    ($2 ~ /^(write|fsync|renameat2|mkdirat)\(/ ||
	    ($2 ~ /^openat\(/ && /O_CREAT/)) { print a[1], n[$1 " " a[1]] }' \
	    "$T/cal" >"$T/calls"
	return $_rc
}

# inject TRACE SYSCALL ERRNO WHEN CMD...: CMD under strace (tracing the
# calls TRACE) with the WHENth call of SYSCALL ("K+": the Kth and every
# later one) failing with ERRNO; its output in $T/f.out, its status
# returned.  :syscall=getpid, because the worker's seccomp filter kills it
# for the invalid syscall number strace uses by default.
inject() {
	_tr=$1 _sc=$2 _e=$3 _w=$4
	shift 4
	env "$NOLEAK" strace -f -qq -o /dev/null -e trace="$_tr" \
	    -e inject="$_sc:error=$_e:syscall=getpid:when=$_w" \
	    "$@" >"$T/f.out" 2>&1
}

# --- a command cut anywhere: killed, failed, its power lost (51-forget-crash,
# 57-prune-crash, 58-prune-powerloss, 69-repair-crash, 71-tag-crash,
# 101-copy-crash, 121-parity-crash, 132-dupmeta-crash) ------------------------

# TRACE: the calls tests/tools/powerloss.py replays (a test may trace fewer).
TRACE=openat,write,pwrite64,fsync,fdatasync,renameat,renameat2,unlinkat,mkdirat,ftruncate

# calls_max FILE SC: the most calls of SC that one process made, in FILE
# written by strace -f (each line begins with the pid; when= counts the
# calls of each process).
calls_max() {
	awk -v s="$2" 'index($2, s "(") == 1 { n[$1]++ }
	    END { m = 0; for (p in n) if (n[p] > m) m = n[p]; print m }' "$1"
}

# crash_points FIRST STEP LAST: the points FIRST, FIRST+STEP, ... up to
# LAST, one a line.
crash_points() {
	_cp=$1
	while [ "$_cp" -le "$3" ]; do
		echo "$_cp"
		_cp=$((_cp + $2))
	done
}

# crash_taken LAST: the points from 1 to LAST that take (STRIDE) takes.
crash_taken() {
	_cp=1
	while [ "$_cp" -le "$1" ]; do
		take "$_cp" && echo "$_cp"
		_cp=$((_cp + 1))
	done
}

# crashloop CUT POINTS BASE AFTER CMD...: for each point K in the list
# POINTS, W (the caller's) is made a fresh copy of BASE ("-": W is only
# removed, for a command that makes it) and CMD runs under strace, cut at
# its Kth call as CUT says:
#   kill:SC         SIGKILL at its Kth call of SC (strace -f: the calls of
#                   each process are counted apart)
#   error:SC:ERRNO  its Kth call of SC fails with ERRNO (through getpid,
#                   which the worker's seccomp filter allows, as inject)
#   power:MODE      SIGKILL at its Kth fsync (past its last one: it runs
#                   to the end), its calls of $TRACE recorded in $T/trace;
#                   then tests/tools/powerloss.py makes W what a disk
#                   would hold had the power gone there (MODE: strict or
#                   meta), its output in $T/pl.out; when the simulator
#                   fails, crashloop calls the caller's
#                   failed "the simulator failed" "$T/pl.out"
# CMD reads ${CL_IN:-/dev/null} on descriptor 0, ${CL_FD3:-$T/pw} on 3
# and ${CL_FD4:-/dev/null} on 4 (files, opened afresh for each run); its
# output goes to $T/run.out.  Then AFTER (one command, run with no
# arguments) makes the checks of the test, which are its own: it finds k
# (the point), sc (the call cut: fsync for power), mode (power only), rc
# (the status of CMD) and how ("kill at SC #K", "ERRNO at SC #K", "power
# cut at fsync K (MODE)") set.  Returns 1 for an unknown CUT, else 0.
# shellcheck disable=SC2034	# how, rc: for AFTER
crashloop() {
	_cl_cut=$1 _cl_pts=$2 _cl_base=$3 _cl_after=$4
	shift 4
	mode=
	case $_cl_cut in
	kill:?*)	sc=${_cl_cut#kill:} ;;
	error:?*:?*)	_cl_err=${_cl_cut##*:} sc=${_cl_cut#error:}
			sc=${sc%:*} ;;
	power:?*)	mode=${_cl_cut#power:} sc=fsync ;;
	*)		notok "crashloop: no such cut: $_cl_cut"; return 1 ;;
	esac
	for k in $_cl_pts; do
		rm -rf "$W"
		[ "$_cl_base" = - ] || cp -a "$_cl_base" "$W"
		case $_cl_cut in
		kill:*)
			how="kill at $sc #$k"
			_cl_run -o /dev/null -e trace="$sc" \
			    -e inject="$sc:signal=KILL:when=$k" "$@" ;;
		error:*)
			how="$_cl_err at $sc #$k"
			_cl_run -o /dev/null -e trace="$sc" \
			    -e inject="$sc:error=$_cl_err:syscall=getpid:when=$k" \
			    "$@" ;;
		power:*)
			how="power cut at fsync $k ($mode)"
			_cl_run -y -s 0 -o "$T/trace" -e trace="$TRACE" \
			    -e inject="fsync:signal=KILL:when=$k" "$@" ;;
		esac
		rc=$?
		if [ -n "$mode" ] && ! python3 -S \
		    "$(dirname "$0")/../tools/powerloss.py" "$W" "$_cl_base" \
		    "$T/trace" "$mode" >"$T/pl.out" 2>&1; then
			failed "the simulator failed" "$T/pl.out"
		fi
		$_cl_after
	done
	return 0
}
# _cl_run STRACE-ARGS... CMD...: crashloop's traced run.
_cl_run() {
	env "$NOLEAK" strace -f -qq "$@" <"${CL_IN:-/dev/null}" \
	    3<"${CL_FD3:-$T/pw}" 4<"${CL_FD4:-/dev/null}" >"$T/run.out" 2>&1
}

# --- a file changed as tacit opens it (41-fidelity) --------------------------

# fan_listen SIZE FILE...: a fanotify listener (permission events: root) in
# the background ($lp, its output in $T/listen) that truncates each FILE
# to SIZE bytes ("half": half its size) the first time a process other
# than the test opens it (tacit's own checks of a source use O_PATH, which
# fanotify does not see), then lets the open go on.  0 once it listens;
# 1, the listener stopped and the reason in $T/listen, if it cannot.
fan_listen() {
	_size=$1
	shift
	case $_size in half) _size="os.stat(p).st_size // 2";; esac
	python3 -c "
import ctypes, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.fanotify_init(0x4 | 0x1, os.O_RDONLY)   # FAN_CLASS_CONTENT|CLOEXEC
if fd < 0:
    print('no fanotify:', os.strerror(ctypes.get_errno())); sys.exit(1)
done = {}
for p in sys.argv[1:]:
    if libc.fanotify_mark(fd, 1, 0x10000, -100, p.encode()) != 0:  # OPEN_PERM
        print('no mark:', os.strerror(ctypes.get_errno())); sys.exit(1)
    done[os.stat(p).st_ino] = p
print('ready', flush=True)
while True:
    buf = os.read(fd, 4096)
    o = 0
    while o < len(buf):
        ln, ver, _, ml, mask, efd, pid = struct.unpack_from('IBBHQii', buf, o)
        ino = os.fstat(efd).st_ino
        if ino in done:
            p = done.pop(ino)
            os.truncate(p, $_size)
        os.write(fd, struct.pack('iI', efd, 1))          # FAN_ALLOW
        os.close(efd)
        o += ln
" "$@" >"$T/listen" 2>&1 &
	lp=$!
	_i=0
	while ! grep -q ready "$T/listen" 2>/dev/null && [ $_i -lt 100 ] &&
	    kill -0 $lp 2>/dev/null; do
		sleep 0.1; _i=$((_i + 1))
	done
	grep -q ready "$T/listen" && return 0
	fan_stop
	return 1
}

# fan_stop: stop the listener of fan_listen.
fan_stop() { kill $lp 2>/dev/null; wait $lp 2>/dev/null; }

# --- the repository lock (doc/format.md, "The lock") ----------------------

# lock_lines FILE: the lines of /proc/locks about FILE (its inode).
lock_lines() {
	set -- $(stat -c '%Hd %Ld %i' "$1")
	grep " $(printf '%02x:%02x' "$1" "$2"):$3 " /proc/locks
}
# holds_lock FILE: some process holds a writer's lock on FILE (a POSIX
# write lock from byte 0: a backup, a key add, a remover; or the whole-file
# flock of earlier tacit builds, so that a test also runs, and fails for what
# it tests, on such a build).  Read from
# /proc/locks: probing with a lock of our own would hold it for a moment,
# and a backup that tried its lock at that moment would be refused.
holds_lock() {
	lock_lines "$1" | grep -q -E "(POSIX|FLOCK) +ADVISORY +WRITE [0-9]+ [0-9a-f:]+ 0 "
}
# lock_pid FILE: the pid of that writer.
lock_pid() {
	lock_lines "$1" |
	    awk '$4 == "WRITE" && $7 == "0" { print $5; exit }'
}
# paused_backup REPO SRC: start a backup of SRC into REPO (with $PW) in the
# background ($slow: its process group's leader) that stops for a minute
# just before it commits (strace delays the rename of its snapshot): its
# packs and index segments are written, its snapshot is not.  Returns once
# it holds the lock, 1 if it never took it; paused_end REPO ends it.
paused_backup() {
	printf '%s\n' "$PW" >"$T/.slowpw"
	setsid strace -f -qq -o /dev/null -P "$1/snapshots" -e trace=renameat2 \
	    -e inject=renameat2:delay_enter=60000000 \
	    "$TACIT" backup -q -r "$1" "$2" --passphrase-fd 3 \
	    3<"$T/.slowpw" >"$T/slow.out" 2>&1 &
	slow=$!
	_i=0
	while ! holds_lock "$1/lock"; do
		_i=$((_i + 1))
		[ $_i -lt 1500 ] || return 1
		sleep 0.02
	done
}
# paused_end REPO: end the paused backup (SIGKILL to its process group) and
# wait, up to 30 s, until the kernel has dropped its lock on REPO: the
# worker, the last process of the group to go, can still hold it for a
# while after strace has been reaped (a step after this one found REPO
# "locked by pid N (tacit-worker)" in a CI run).  1 if it is still held.
paused_end() {
	# (Never "kill -0": with $slow unset that is this test's own group.)
	if [ -n "${slow:-}" ]; then
		kill -KILL "-$slow" 2>/dev/null
		wait "$slow" 2>/dev/null
	fi
	slow=
	_i=0
	while holds_lock "$1/lock"; do
		_i=$((_i + 1))
		[ $_i -lt 1500 ] || return 1
		sleep 0.02
	done
}
# paused_committing REPO: wait (up to 60 s) until the paused backup has come
# to its snapshot (a temporary file in REPO/snapshots); 1 if it never does.
paused_committing() {
	_i=0
	while ! ls -a "$1/snapshots" | grep -q '^\.tmp-'; do
		_i=$((_i + 1))
		[ $_i -lt 3000 ] || return 1
		sleep 0.02
	done
}
