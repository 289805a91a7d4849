#!/bin/sh
# 29-hostile.sh: repositories whose bytes are hostile although the worker
# is honest (issue 13, items 8, 9 and 16).  Whoever can seal (a worker
# compromised during an earlier backup) forges trees and index entries with
# tests/tools/forge:
#  (8)  a tree stored under its own id as a subdirectory of itself: ls,
#       restore and check end, bounded, and report it (ls and check 14,
#       restore 3); a chain of 65540 nested trees: refused past 65536
#       levels (ls from a path 64000 levels down, check; restore, and a
#       source deeper than the limit not backed up past it, with LONG=1:
#       the kernel's checks of each open cost time by depth, so these
#       take minutes);
#  (9)  index entries that claim 4 GiB of raw length for a 1 MiB frame (a
#       file's chunk, a directory's tree, the snapshot's log): refused by
#       name before anything is allocated, also by check without
#       --read-data; with the address space capped at 1 GiB (release)
#       nothing runs out of memory;
#  (16) a real directory tree 400 levels deep with 200-byte names (80 KiB
#       paths): backup, ls, restore, check and check --read-data all work,
#       and restore gives every directory its mode and makes the hard link
#       at the bottom a hard link (paths past PATH_MAX opened in pieces).
# Every command runs under a timeout with its output cut at 64 KiB.
. "$(dirname "$0")/lib.sh"
# Repositories without parity (--parity 0): damage is met by the AEAD
# alone, as before parity; 120-parity.sh damages them with parity.
DT=$(dirname "$0")/../tools/deeptree.py
# Trees past PATH_MAX (LONG=1) go with descriptors, whatever rm can do.
trap 'python3 "$DT" rm "$T/toodeep" "$T/dstdeep" 2>/dev/null; rm -rf "$T"' \
    EXIT INT TERM

W=$T/work
mkdir -p "$W"
printf '%s\n' "$PW" >"$T/pw"

# repo NAME: a new repository $T/NAME.
repo() { mkrepo "$T/$1" --parity 0 || notok "setup: init $1"; }
# spec REPO LINE...: forge a snapshot of these SPEC lines; prints its id.
spec() {
	r=$1; shift
	printf '%s\n' "$@" | "$TOOLDIR/forge" -r "$T/$r" --passphrase-fd 3 3<"$T/pw"
}
AS=
QUIET=
# run TAG SECS ARGS...: tacit ARGS with the passphrase, killed after SECS,
# its output (at most 64 KiB; with QUIET set, its messages only) in $W/TAG,
# its status in rc.  With AS set, the address space is capped at AS KiB
# (not under ASan: it maps terabytes).
run() {
	tag=$1 secs=$2; shift 2
	{ (if [ -n "$AS" ] && [ "$CONF" != san ]; then ulimit -v "$AS"; fi
	   if [ -n "$QUIET" ]; then
		printf '%s\n' "$PW" | timeout -k 5 "$secs" "$TACIT" "$@" \
		    --passphrase-fd 0 2>&1 >/dev/null
	   else
		printf '%s\n' "$PW" | timeout -k 5 "$secs" "$TACIT" "$@" \
		    --passphrase-fd 0 2>&1
	   fi); echo $? >"$W/$tag.rc"; } 2>&1 |
	    head -c 65536 >"$W/$tag"
	rc=$(cat "$W/$tag.rc")
}
# judge DESC WANT PATTERN...: rc is WANT, the output holds every PATTERN
# (extended regular expressions).
judge() {
	desc=$1 want=$2; shift 2
	why=
	[ "$rc" = "$want" ] || why="exit $rc, wanted $want"
	for p in "$@"; do
		grep -Eq -- "$p" "$W/$tag" || why="$why; no '$p'"
	done
	if [ -z "$why" ]; then ok "$desc"
	else notok "$desc (${why#; })"
		head -c 2000 "$W/$tag" | sed 's/^/#   /'; echo; fi
}

# --- (8) a tree that contains itself --------------------------------------------
repo cyc
id=$(spec cyc 'file a x' 'dir d' 'cycle loop' 'file f y' end)
CYC='forged/d: directory listing (does not match its id|contains itself).*blob [0-9a-f]{8}'
run ls8 60 ls -r "$T/cyc" "$id"
judge "(8) ls of a tree that contains itself ends, exit 14, names it" 14 "$CYC"
run restore8 120 restore -r "$T/cyc" "$id" --target "$T/dst8"
judge "(8) restore of it ends without a crash, exit 3, names it" 3 "$CYC"
if [ "$(cat "$T/dst8/forged/a" 2>/dev/null)" = x ] &&
    [ ! -e "$T/dst8/forged/d/loop" ]; then
	ok "(8) the rest is restored, nothing below the cycle"
else notok "(8) the rest is restored, nothing below the cycle"; fi
run check8 60 check -r "$T/cyc"
judge "(8) check reports the cycle as damage, exit 14" 14 "snapshot ${id%"${id#????????}"}: /$CYC"
# The same with a sibling directory: the trees come in a window of several.
repo cyc2
id=$(spec cyc2 'dir d' 'cycle loop' 'file f y' end 'dir e' 'file g z' end)
run ls8w 60 ls -r "$T/cyc2" "$id"
judge "(8) ... also when its tree comes in a window with a sibling's: ls 14" 14 "$CYC"
run restore8w 120 restore -r "$T/cyc2" "$id" --target "$T/dst8w"
judge "(8) ... restore 3" 3 "$CYC"
[ "$(cat "$T/dst8w/forged/e/g" 2>/dev/null)" = z ] &&
    ok "(8) ... and the sibling is restored" ||
    notok "(8) ... and the sibling is restored"
run check8w 60 check -r "$T/cyc2"
judge "(8) ... check 14" 14 "/$CYC"

# --- (8) deeper than the format allows --------------------------------------------
repo chain
N=65540
id=$(awk -v n=$N 'BEGIN { for (i = 0; i < n; i++) print "dir d"
	for (i = 0; i < n; i++) print "end" }' |
    "$TOOLDIR/forge" -r "$T/chain" --passphrase-fd 3 3<"$T/pw")
DEEP='\[\.\.\.\](/?d)+: more than 65536 directory levels deep'
# From 64000 levels down (the argument stays under 128 KiB): the rest of
# ls's output, a full path a directory, stays small.
inner=forged$(awk 'BEGIN { for (i = 0; i < 64000; i++) printf "/d" }')
QUIET=1; run lsdeep 120 ls -r "$T/chain" "$id" "$inner"; QUIET=
judge "(8) ls of $N nested trees stops at 65536 levels, exit 14" 14 "$DEEP"
run checkdeep 120 check -r "$T/chain"
judge "(8) check reports the depth as damage, exit 14" 14 "$DEEP"
if [ "${LONG:-}" = 1 ]; then
	(ulimit -n 1024 2>/dev/null
	 run restoredeep 3600 restore -r "$T/chain" "$id" --target "$T/dstdeep"
	 judge "(8) restore stops at 65536 levels, exit 3" 3 "$DEEP")
	python3 "$DT" rm "$T/dstdeep"

	# A source deeper than that: backup leaves out what readers refuse.
	python3 "$DT" make "$T/toodeep" 65540
	repo bdeep
	(ulimit -n 1024 2>/dev/null
	 run bkdeep 3600 backup -r "$T/bdeep" "$T/toodeep"
	 judge "(8) backup of a source 65540 levels deep: partial, exit 3, names the limit" \
	     3 'more than 65536 directory levels deep.*skipped')
	run ckbdeep 600 check -r "$T/bdeep"
	judge "(8) ... and what it stored checks clean" 0
	python3 "$DT" rm "$T/toodeep"
else
	ok "(8) restore of $N nested trees stops at 65536 levels # SKIP minutes long: LONG=1"
	ok "(8) backup of a source 65540 levels deep is partial # SKIP minutes long: LONG=1"
fi

# --- (9) lengths that cannot be true ------------------------------------------------
repo big
id=$(spec big 'file a x' 'bigfile big 4294967295')
AS=1048576; run restore9 120 restore -r "$T/big" "$id" --target "$T/dst9"; AS=
judge "(9) a 4 GiB raw length for a file's chunk: refused by name, exit 3" 3 \
    "forged/big: data blob claims to be larger than the repository's chunk_max.*blob [0-9a-f]{8}"
[ "$(cat "$T/dst9/forged/a" 2>/dev/null)" = x ] &&
    ok "(9) the other file is restored" || notok "(9) the other file is restored"
run check9 60 check -r "$T/big"
judge "(9) check without --read-data reports it, exit 14" 14 \
    "forged/big: data blob claims to be larger than the repository allows"
AS=1048576; run check9r 120 check --read-data -r "$T/big"; AS=
judge "(9) check --read-data reports it, exit 14" 14 \
    "forged/big: data blob claims to be larger than the repository allows"

repo bigt
id=$(spec bigt 'file a x' 'bigdir bd 4294967295' 'biglog 4294967295')
AS=1048576; run ls9 60 ls -r "$T/bigt" "$id"; AS=
judge "(9) a 4 GiB raw length for a tree: ls refuses it by name, exit 14" 14 \
    "forged/bd: directory listing claims a raw length over the format's limit"
AS=1048576; run restore9t 120 restore -r "$T/bigt" "$id" --target "$T/dst9t"; AS=
judge "(9) ... restore too, exit 3" 3 \
    "forged/bd: directory listing claims a raw length over the format's limit"
AS=1048576; run log9 60 log -r "$T/bigt" "$id"; AS=
judge "(9) a 4 GiB raw length for the snapshot's log: refused, exit 14" 14 \
    "the log of this snapshot is larger than a log can be"
run check9t 60 check -r "$T/bigt"
judge "(9) check reports the tree, the log and the pack header, exit 14" 14 \
    "forged/bd: directory listing claims a raw length" \
    "the backup's log\): data blob claims to be larger" "pack [0-9a-f]{32}: header damaged"

# --- (16) an 80 KiB path --------------------------------------------------------------
n=$(printf '%0200d' 0 | tr 0 n)
mkdir -p -m 0751 "$T/deep"
(cd "$T/deep" && i=0 && while [ $i -lt 400 ]; do
	mkdir -m 0751 "$n" && cd -P "$n" || exit 1; i=$((i + 1)); done &&
    echo hello >leaf.txt && ln leaf.txt leaf2.txt)
repo long
run bk16 300 backup -r "$T/long" "$T/deep"
judge "(16) backup of a tree 400 levels deep with 200-byte names, exit 0" 0
printf '%s\n' "$PW" | timeout -k 5 120 "$TACIT" ls -r "$T/long" latest \
    --passphrase-fd 0 2>"$W/ls16.err" | awk '{ n++; if (length($0) > m) m = length($0) }
    END { print n, m }' >"$W/ls16"
set -- $(cat "$W/ls16")
if [ "${1:-0}" -eq 403 ] && [ "${2:-0}" -gt 80400 ] && [ ! -s "$W/ls16.err" ]; then
	ok "(16) ls lists all 403 entries, the longest line with its 80 KiB path"
else notok "(16) ls lists all 403 entries ($(cat "$W/ls16"))"
	head -c 2000 "$W/ls16.err" | sed 's/^/#   /'; echo; fi
run restore16 300 restore -r "$T/long" latest --target "$T/dst16"
judge "(16) restore of it, exit 0" 0
got=$(find "$T/dst16" -name leaf.txt -execdir cat {} \; 2>&1 | head -c 100)
dirs=$(find "$T/dst16" -type d | wc -l)
if [ "$got" = hello ] && [ "$dirs" -eq 402 ]; then
	ok "(16) the file at the bottom is restored, with all 401 directories"
else notok "(16) the file at the bottom is restored ($got, $dirs)"; fi
other=$(find "$T/dst16" -mindepth 1 -type d ! -perm 0751 | wc -l)
links=$(find "$T/dst16" -name 'leaf*.txt' -execdir stat -c %i:%h {} \; |
    sort -u | tr '\n' ' ')
if [ "$other" -eq 0 ]; then
	ok "(16) every directory has its mode back, the deepest too"
else notok "(16) every directory has its mode back ($other without it)"; fi
case $links in
*:2" ") [ "$(echo "$links" | wc -w)" -eq 1 ] &&
	ok "(16) the hard link 80 KiB down is a hard link again" ||
	notok "(16) the hard link 80 KiB down is a hard link again ($links)" ;;
*) notok "(16) the hard link 80 KiB down is a hard link again ($links)" ;;
esac
rm -rf "$T/dst16"
run check16 300 check -r "$T/long"
judge "(16) check of it, exit 0" 0
run check16r 300 check --read-data -r "$T/long"
judge "(16) check --read-data of it, exit 0" 0
