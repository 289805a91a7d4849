#!/bin/sh
# tests/bench/unlock.sh TACIT: how long unlocking takes at the default KDF
# cost (and at the floor), as the median of several runs of 'key list'.
# Reported, never asserted: the machine is noisy.  Scratch lives under
# build/ and is removed.
set -eu
tacit=${1:?usage: unlock.sh path/to/tacit}
runs=${RUNS:-5}
top=$(cd "$(dirname "$0")/../.." && pwd)
d=$top/build/bench-unlock
rm -rf "$d"
mkdir -p "$d"
trap 'rm -rf "$d"' EXIT
printf 'bench passphrase\n' >"$d/pw"

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

measure() {	# label, kdf options...
	label=$1
	shift
	rm -rf "$d/repo"
	s=$(now)
	"$tacit" init -q -r "$d/repo" --passphrase-fd 3 "$@" 3<"$d/pw" >/dev/null
	e=$(now)
	init=$(awk "BEGIN {print $e - $s}")
	i=0
	: >"$d/t"
	while [ "$i" -lt "$runs" ]; do
		s=$(now)
		"$tacit" key list -q -r "$d/repo" --passphrase-fd 3 3<"$d/pw" \
		    >/dev/null
		e=$(now)
		awk "BEGIN {print $e - $s}" >>"$d/t"
		i=$((i + 1))
	done
	kdf=$("$tacit" key list -q -r "$d/repo" --passphrase-fd 3 3<"$d/pw" |
	    sed 's/.*argon2id //')
	printf '| %s | %s | %.2f | %.2f |\n' "$label" "$kdf" "$init" \
	    "$(median <"$d/t")"
}

echo "unlock time, median of $runs runs ($(nproc) cores, $(uname -r))"
echo
echo "| cost | parameters | init s | unlock s |"
echo "|---|---|---:|---:|"
measure default
measure "RFC 9106 second option" --kdf-memory 64 --kdf-iterations 3 \
    --kdf-lanes 4
