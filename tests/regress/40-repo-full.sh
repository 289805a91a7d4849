#!/bin/sh
# 40-repo-full.sh: a failed repository write gives one clear message that
# blames the repository, never a source file, and never a silent exit 1
# (issue 14, "Failures say what happened").
#  - ENOSPC and EIO injected (strace) into every repository call of a
#    backup in turn (openat(O_CREAT), write, fsync, renameat2, mkdirat):
#    exit 1, one "error:" line and no other, no source path in it; ENOSPC
#    says "the repository's disk is full (N MiB free); nothing was
#    committed", EIO says which call failed and why;
#  - a real small disk (a tmpfs with size=) filled by a backup, then more
#    backups onto it: every run prints that message and exits 1.
# Errors are injected with :syscall=getpid, because the worker's seccomp
# filter kills it for the invalid syscall number strace uses by default.
if [ -z "${TACIT_FULL_NS:-}" ] &&
    unshare -m --propagation private true 2>/dev/null; then
	TACIT_FULL_NS=1 exec unshare -m --propagation private sh "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

if ! command -v strace >/dev/null; then
	ok "# SKIP strace is missing"; exit 0; fi
printf '%s\n' "$PW" >"$T/pw"
R=$T/repo SRC=$T/src W=$T/w
"$TACIT" init -q -r "$R" $FAST --passphrase-fd 3 3<"$T/pw" >/dev/null 2>&1 ||
    notok "setup: init"
mkdir -p "$SRC/d"
head -c 3000000 /dev/urandom >"$SRC/big"
for i in 1 2 3 4 5 6; do echo "small $i" >"$SRC/d/f$i"; done

# judge DESC FILE RC RE: exit 1, exactly one line on stderr, an "error:"
# line matching RE, and no source path in it.
bad=0
judge() {
	if [ "$3" -eq 1 ] && [ "$(wc -l <"$2")" -eq 1 ] &&
	    grep -q "^tacit: error: $4" "$2" && ! grep -q "$SRC" "$2"; then
		return 0
	fi
	bad=$((bad + 1))
	notok "$1: exit $3 (wanted 1 and one message: $4)"
	sed 's/^/#   /' "$2"
}
FULL="the repository's disk is full ([0-9][0-9]* MiB free); nothing was committed"

# --- every repository call, traced once, then faulted one at a time ---------
# A fresh repository each time (a copy of the empty one): the same calls
# in the same order in every run.
rm -rf "$W"
cp -a "$R" "$W"
repo_calls "$W" "$TACIT" backup -q -r "$W" "$SRC" --passphrase-fd 3 \
    3<"$T/pw" || notok "setup: traced backup"
n=$(wc -l <"$T/calls")
[ "$n" -ge 10 ] || notok "only $n repository calls found in the trace"
runs=0 i=0
while read -r sc k; do
	i=$((i + 1))
	take $i || continue	# STRIDE (lib.sh)
	for e in ENOSPC EIO; do
		rm -rf "$W"
		cp -a "$R" "$W"
		inject "$sc" "$sc" "$e" "$k" \
		    "$TACIT" backup -q -r "$W" "$SRC" --passphrase-fd 3 \
		    3<"$T/pw"
		rc=$?
		runs=$((runs + 1))
		case $e in
		ENOSPC)	re=$FULL ;;
		*)	re="cannot write to the repository ([a-z]*: Input/output error); nothing was committed" ;;
		esac
		judge "$e at $sc #$k" "$T/f.out" "$rc" "$re"
	done
done <"$T/calls"
[ "$bad" -eq 0 ] && ok "$runs faults (ENOSPC, EIO) over $(each) of $n repository calls: exit 1, one message that blames the repository"

# --- a real small disk, filled -------------------------------------------------
M=$T/mnt
mkdir -p "$M"
if ! mount -t tmpfs -o size=12m tmpfs "$M" 2>/dev/null; then
	ok "# SKIP cannot mount a tmpfs here (a real full disk)"
	exit 0
fi
trap 'umount -l "$M" 2>/dev/null' EXIT
"$TACIT" init -q -r "$M/repo" $FAST --passphrase-fd 3 3<"$T/pw" \
    >/dev/null 2>&1 || notok "setup: init on the small disk"
for i in 1 2 3 4 5; do head -c 4000000 /dev/urandom >"$SRC/big$i"; done
bad=0
for run in 1 2 3 4 5 6 7 8; do
	"$TACIT" backup -q -r "$M/repo" "$SRC" --passphrase-fd 3 3<"$T/pw" \
	    >"$T/f.out" 2>&1
	judge "run $run onto the full disk" "$T/f.out" $? "$FULL"
done
[ "$bad" -eq 0 ] &&
    ok "8 backups onto a 12 MiB disk: each exits 1 with '$(sed 's/^tacit: error: //; s/;.*//' "$T/f.out")'"
left=$(find "$M/repo" -name '.tmp-*' | wc -l)
[ "$left" -eq 0 ] && ok "no temporary file left on the full disk" ||
    notok "$left temporary files left on the full disk"
umount "$M"
