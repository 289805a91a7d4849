# tests/tools/crash.sh: helpers shared by the crash, power-loss and fault
# tests.  Source it after tests/regress/lib.sh.
#
#   TOOLS          this directory (dataset.py, powerloss.py)
#   SRC            the data set (the caller sets it)
#   LONG           1 in the long mode (make check LONG=1)
#   tk ARGS        tacit with the test passphrase on descriptor 3
#   ds ARGS        tests/tools/dataset.py
#   snaps REPO     the snapshot ids of REPO, one a line
#   record REPO    keep a copy of $SRC (hard links: dataset.py edit
#                  replaces files) for every snapshot of REPO not yet
#                  known, that is the snapshots a run just made
#   verify REPO ID restore snapshot ID and compare it with its copy;
#                  0 if identical, else 1 with the difference in $T/.diff
#   rnd N          set RN to a deterministic pseudo-random number in 0..N-1
#                  (TACIT_CRASH_SEED changes the sequence)
TOOLS=$(cd "$(dirname "$0")/../tools" && pwd)
# These tests run tacit under strace; LeakSanitizer cannot work under
# ptrace (an ASan build then fails at exit), so it is off here.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS
: "${LONG:=0}"
printf '%s\n' "$PW" >"$T/pw"
mkdir -p "$T/copies"

tk() { "$TACIT" "$@" --passphrase-fd 3 3<"$T/pw"; }
ds() { python3 -S "$TOOLS/dataset.py" "$@"; }

# (The file names are the ids; 24-check and 14-tamper show that
# `snapshots` lists exactly these.)
snaps() { ls "$1/snapshots" 2>/dev/null | grep -v '^\.'; }

record() {	# (its loop variable is its own: callers use $id)
	for _rid in $(snaps "$1"); do
		[ -e "$T/copies/$_rid" ] || cp -al "$SRC" "$T/copies/$_rid"
	done
}

verify() {
	rm -rf "$T/.dst"
	if ! tk restore -q -r "$1" "$2" --target "$T/.dst" >"$T/.diff" 2>&1
	then
		rm -rf "$T/.dst"
		return 1
	fi
	if [ ! -e "$T/copies/$2" ]; then
		echo "snapshot $2 was never recorded" >"$T/.diff"
		rm -rf "$T/.dst"
		return 1
	fi
	diff -r "$T/copies/$2" "$T/.dst/$(basename "$SRC")" >"$T/.diff" 2>&1
	set -- $?
	rm -rf "$T/.dst"
	return "$1"
}

RND=${TACIT_CRASH_SEED:-20261127}
rnd() {
	RND=$(( (RND * 1103515245 + 12345) % 2147483648 ))
	RN=$(( (RND / 65536) % $1 ))
}
