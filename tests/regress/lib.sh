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
T=$(mktemp -d "$TESTTMP/$(basename "$0" .sh).XXXXXX")
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
mkrepo() { tp init -r "$1" $FAST >/dev/null 2>&1; }

# slots DIR: the key slot file names of the repository DIR, one a line.
slots() { ls "$1/keys"; }

# now_ms: wall-clock milliseconds (GNU date).
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

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
# it holds the lock, 1 if it never took it; kill -KILL "-$slow" ends it.
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
