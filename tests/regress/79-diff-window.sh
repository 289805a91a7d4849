#!/bin/sh
# 79-diff-window.sh: diff reads the trees it opens a window at a time
# (one keyholder request for up to 256 trees and one for their ids, as
# stats does), not two requests per directory.  Snapshot 1 holds an empty
# directory, snapshot 2 the same with 20 directories of 20 each (420
# directories, each of the 400 below with an empty file of its own name,
# so that no two trees are the same): diff opens every one of them.  The keyholder requests of
# the worker (the frames of even type it sends on its socket, descriptor
# 3, counted with strace) are at most a quarter of the directories; read
# one by one they were more than twice as many as the directories.  The
# output is every directory once, with the totals.  Control: the count
# is of requests at all (unlock, index and snapshots take some).
. "$(dirname "$0")/lib.sh"

if ! command -v strace >/dev/null; then
	ok "# SKIP strace is missing"; exit 0; fi
printf '%s\n' "$PW" >"$T/pw"
R=$T/repo S=$T/src
mkrepo "$R" || notok "setup: init"
mkdir -p "$S"
"$TACIT" backup -q -r "$R" "$S" --passphrase-fd 3 3<"$T/pw" ||
    notok "setup: backup 1"
i=0
while [ $i -lt 20 ]; do
	j=0
	while [ $j -lt 20 ]; do
		mkdir -p "$S/d$i/e$j"
		: >"$S/d$i/e$j/f$i.$j"
		j=$((j + 1))
	done
	i=$((i + 1))
done
D=420
"$TACIT" backup -q -r "$R" "$S" --passphrase-fd 3 3<"$T/pw" ||
    notok "setup: backup 2"
set -- $("$TACIT" snapshots -r "$R" --passphrase-fd 3 3<"$T/pw" 2>/dev/null |
    awk 'length($1) == 8 && $1 ~ /^[0-9a-f]+$/ { print $1 }')
[ $# -eq 2 ] || notok "setup: two snapshots ($*)"

# requests FILE: the frames of even type (requests) sent on descriptor 3
# in the strace -xx output FILE: the worker's keyholder requests.
requests() {
	awk '$2 ~ /^sendmsg\(3</ && /iov_len=12}/ {
	    if (match($0, /iov_base="\\x[0-9a-f][0-9a-f]/)) {
		b = substr($0, RSTART + 13, 1)
		if (index("02468ace", b)) n++
	    } } END { print n + 0 }' "$1"
}

env "$NOLEAK" strace -f -qq -xx -y -o "$T/trace" -e trace=sendmsg \
    "$TACIT" diff -r "$R" "$1" "$2" --passphrase-fd 3 3<"$T/pw" \
    >"$T/diff.out" 2>"$T/diff.err"
rc=$?
n=$(requests "$T/trace")
added=$(grep -c '^+    /src/d[0-9]*/\(e[0-9]*/\)\{0,1\}$' "$T/diff.out")
if [ "$rc" -eq 0 ] && [ "$added" -eq "$D" ] &&
    grep -q "^Dirs: *$D new, *0 removed" "$T/diff.out" &&
    grep -q "^Files: *400 new, *0 removed" "$T/diff.out"; then
	ok "diff lists the $D added directories, and the totals"
else notok "diff lists the $D added directories (exit $rc, $added listed)"
	sed 's/^/#   /' "$T/diff.out" "$T/diff.err" | head -20; fi
if [ "$n" -gt 0 ]; then ok "control: the worker's keyholder requests counted ($n)"
else notok "control: the worker's keyholder requests counted (none found)"
	head -5 "$T/trace" | sed 's/^/#   /'; fi
if [ "$n" -gt 0 ] && [ "$n" -le $((D / 4)) ]; then
	ok "diff opened $D directories with $n keyholder requests (at most $((D / 4)))"
else notok "diff opened $D directories with $n keyholder requests (at most $((D / 4)))"; fi
