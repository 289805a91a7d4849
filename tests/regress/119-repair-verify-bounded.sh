#!/bin/sh
# 119-repair-verify-bounded.sh: repair data --verify-data is bounded on a
# hostile repository (doc/format.md section 23.8, "Bounds").  A copy of
# a full 16 MiB pack (its parity whole) planted as an index segment and
# as a snapshot, at --parity 3 and 25; the same copy under index/ with all
# three checksum tables zeroed (the AEAD then searches, within its
# budget); 140 MB of zeros as an index segment in a repository without
# parity.  Each run ends with exit 14 naming the planted file, nothing
# written, and the worker's keyholder requests (frames of even type it
# sends on descriptor 3, counted with strace as 79-diff-window does) at
# most a few more than the clean repository's: the snapshot and the
# 140 MB file are refused by their size (more than SNAP_FILE_MAX,
# INDEX_FILE_MAX) before any request, a copy whose parity holds but that
# fails authentication is one request, and the search with the tables
# lost stops at its byte budget (1 GiB to the keyholder: 64 trials of
# 16 MiB).  Before the fix the search ran on every one of them (minutes
# each, thousands of requests; a timeout of 600 s is a backstop only),
# and the 140 MB file killed the run ("keyholder gone", exit 1).  Also:
# the passphrase options without --verify-data are a usage error (exit 2).
. "$(dirname "$0")/lib.sh"

if ! command -v strace >/dev/null; then
	ok "# SKIP strace is missing"; exit 0; fi
printf '%s\n' "$PW" >"$T/pw"
ID=0123456789abcdef0123456789abcdef

# requests FILE: the worker's keyholder requests in the strace output.
requests() {
	awk '$2 ~ /^sendmsg\(3</ && /iov_len=12}/ {
	    if (match($0, /iov_base="\\x[0-9a-f][0-9a-f]/)) {
		b = substr($0, RSTART + 13, 1)
		if (index("02468ace", b)) n++
	    } } END { print n + 0 }' "$1"
}
# vd REPO: repair data --verify-data under strace (600 s at most); sets
# rc and n (its requests).
vd() {
	env "$NOLEAK" timeout 600 strace -f -qq -xx -y -o "$T/trace" \
	    -e trace=sendmsg "$TACIT" repair data -r "$1" --verify-data \
	    --passphrase-fd 3 3<"$T/pw" </dev/null >"$T/out" 2>&1
	rc=$?
	n=$(requests "$T/trace")
}
# notables FILE: the three table copies zeroed (each holds the magic
# TACITPAR 56 bytes before its end; A and C are T + S apart).
notables() {
	python3 -c 'import sys
f = open(sys.argv[1], "r+b"); d = f.read(); m = []
i = d.find(b"TACITPAR")
while i >= 0:
    m.append(i); i = d.find(b"TACITPAR", i + 1)
assert len(m) == 3 and m[2] + 56 == len(d), m
S = 131072 if m[0] - (m[1] - m[0] - 131072 - 56) >= 4 << 20 else 4096
T = m[1] - m[0] - S
for x in m:
    f.seek(x + 56 - T); f.write(bytes(T))' "$1"
}
sums() { (cd "$1" && find . -type f -exec cksum {} + | sort); }
# setup PCT: repository $T/rPCT with a full pack; P is its path.
setup() {
	R=$T/r$1
	mkrepo "$R" --parity "$1" || notok "setup: init --parity $1"
	mkdir -p "$T/s$1"
	head -c 20000000 /dev/urandom >"$T/s$1/big"
	"$TACIT" backup -q -r "$R" "$T/s$1" --passphrase-fd 3 3<"$T/pw" ||
	    notok "setup: backup --parity $1"
	P=$(ls -S "$R"/packs/*/* | head -n 1)
	vd "$R"
	n0=$n
	[ "$rc" -eq 0 ] && [ "$n0" -gt 0 ] &&
	    ok "control ($1 %): a clean repository verifies ($n0 requests)" ||
	    notok "control ($1 %): exit $rc, $n0 requests"
}
# planted DESC FILE BOUND: FILE (in $R) planted, repair it: exit 14,
# FILE named, nothing written, at most BOUND requests more than n0.
planted() {
	sums "$R" >"$T/before"
	vd "$R"
	sums "$R" >"$T/after"
	if [ "$rc" -eq 14 ] && grepq "$(basename "$2")" "$T/out" &&
	    cmp -s "$T/before" "$T/after"; then
		ok "$1: exit 14, named, nothing written"
	else notok "$1: exit $rc (want 14, named, nothing written)"
		sed 's/^/#   /' "$T/out" | head -5; fi
	if [ "$n" -le $((n0 + $3)) ]; then
		ok "$1: $((n - n0)) keyholder requests (at most $3)"
	else notok "$1: $((n - n0)) keyholder requests (at most $3)"; fi
	rm -f "$R/$2"
}

for pct in 3 25; do
	setup $pct
	cp "$P" "$R/index/$ID"
	planted "$pct %: a pack as an index segment" "index/$ID" 2
	cp "$P" "$R/snapshots/$ID"
	planted "$pct %: a pack as a snapshot" "snapshots/$ID" 0
	grepq "more than any snapshot" "$T/out" &&
	    ok "$pct %: the snapshot is refused by its size" ||
	    notok "$pct %: the snapshot is not refused by its size"
done
# The tables lost (at 25 %): the search, within its budget.
cp "$P" "$R/index/$ID"
notables "$R/index/$ID" || notok "setup: notables"
planted "25 %: a pack without tables as an index segment" "index/$ID" 70

# 140 MB of zeros under index/ without parity: refused by its size.
R=$T/r0
mkrepo "$R" --parity 0 || notok "setup: init --parity 0"
vd "$R"
n0=$n
head -c 140000000 /dev/zero >"$R/index/$ID"
planted "140 MB of zeros as an index segment" "index/$ID" 0
grepq "keyholder gone" "$T/out" && notok "140 MB: the keyholder went away" ||
    ok "140 MB: the run completed (no 'keyholder gone')"

# The passphrase options without --verify-data.
for o in "--passphrase-fd 3" "--no-pinentry" "--pinentry /bin/false"; do
	"$TACIT" repair data -r "$R" $o 3<"$T/pw" </dev/null >"$T/out" 2>&1
	rc=$?
	[ "$rc" -eq 2 ] && grepq "only with --verify-data" "$T/out" &&
	    ok "repair data $o without --verify-data: exit 2" ||
	    notok "repair data $o without --verify-data: exit $rc (want 2)"
done
