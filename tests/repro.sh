#!/bin/sh
# tests/repro.sh: is the static binary reproducible?  Builds HEAD's
# build/static/tacit twice, in two fresh clones at two different paths
# (the second three levels deeper), two seconds apart, with two umasks and
# time zones; checks that neither binary holds a path it was built in, and
# compares the bytes.  Prints both SHA-256 sums; exits 1 if they differ
# (and runs diffoscope when it is installed).  make repro runs this; so
# does CI.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
commit=$(git -C "$top" rev-parse HEAD)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tacit-repro.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

build() {	# dir umask TZ
	git clone -q --shared --no-checkout "$top" "$tmp/$1"
	git -C "$tmp/$1" checkout -q "$commit"
	(cd "$tmp/$1" && umask "$2" && TZ=$3 make -s static >"$tmp/$(basename "$1").log" 2>&1) || {
		cat "$tmp/$(basename "$1").log"
		echo "repro: make static failed in $1"
		exit 1
	}
}

build a 022 UTC
sleep 2
build second/build/tree 027 America/New_York
a=$tmp/a/build/static/tacit
b=$tmp/second/build/tree/build/static/tacit
sa=$(sha256sum <"$a" | cut -d' ' -f1)
sb=$(sha256sum <"$b" | cut -d' ' -f1)
echo "repro: commit $commit"
echo "repro: build 1 ($tmp/a): $sa, $(stat -c %s "$a") bytes"
echo "repro: build 2 ($tmp/second/build/tree): $sb, $(stat -c %s "$b") bytes"
for f in "$a" "$b"; do
	if grep -a -q -e "$tmp" -e "$top" "$f"; then
		echo "repro: $f holds its build directory's path"
		exit 1
	fi
done
if cmp -s "$a" "$b"; then
	echo "repro: identical"
	exit 0
fi
echo "repro: the two builds DIFFER"
if command -v diffoscope >/dev/null 2>&1; then
	diffoscope "$a" "$b" | head -100 || true
fi
exit 1
