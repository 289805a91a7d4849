#!/bin/sh
# 24-check.sh: tacit check.  A clean repository passes (exit 0) with and
# without --read-data; a flipped byte in a pack is found by --read-data and
# named by snapshot and path (exit 14); a missing or truncated pack and a
# lost index segment are found by the structural check; leftovers of an
# interrupted run are reported as harmless; the subsets 1/2 and 2/2
# together read everything.
. "$(dirname "$0")/lib.sh"

R=$T/repo
printf '%s\n' "$PW" >"$T/pw"
# Without parity: damage must be found by the AEAD (120-parity: with it).
"$TACIT" init -q -r "$R" $FAST --parity 0 --passphrase-fd 3 3<"$T/pw" >/dev/null
mkdir -p "$T/src/a" "$T/src/b"
head -c 40000000 /dev/urandom >"$T/src/a/big"
for i in 1 2 3 4 5; do printf 'small %s\n' $i >"$T/src/b/f$i"; done
"$TACIT" backup -q -r "$R" "$T/src" --passphrase-fd 3 3<"$T/pw"
ck() {
	r=$1
	shift
	"$TACIT" check -r "$r" --passphrase-fd 3 "$@" 3<"$T/pw"
}

xcode 0 "a clean repository passes check" ck "$R"
xcode 0 "and check --read-data" ck "$R" --read-data
grepq "data read; 0 problems" "$T/.out" && ok "reporting the data read" ||
    notok "summary: $(cat "$T/.out")"

C=$T/c1; cp -a "$R" "$C"
big=$(ls -S "$C"/packs/*/* | head -n 1)
python3 -c "import sys; f=open(sys.argv[1],'r+b'); f.seek(4096); b=f.read(1); f.seek(4096); f.write(bytes([b[0]^1]))" "$big"
xcode 0 "a flipped data byte passes the structural check" ck "$C"
xcode 14 "check --read-data finds it (exit 14)" ck "$C" --read-data
grepq "/src/a/big: data damaged" "$T/.out" &&
    ok "and names the snapshot path it damages" ||
    notok "report: $(cat "$T/.out")"
"$TACIT" check -r "$C" --read-data-subset 1/2 --passphrase-fd 3 3<"$T/pw" \
    >"$T/s1" 2>&1
r1=$?
"$TACIT" check -r "$C" --read-data-subset 2/2 --passphrase-fd 3 3<"$T/pw" \
    >"$T/s2" 2>&1
r2=$?
[ $((r1 + r2)) -eq 14 ] &&
    ok "exactly one of the subsets 1/2 and 2/2 finds the damage" ||
    notok "subsets: exit $r1 and $r2"

C=$T/c2; cp -a "$R" "$C"
rm "$(ls -S "$C"/packs/*/* | tail -n 1)"
xcode 14 "a missing pack is found by the structural check" ck "$C"
grepq "missing" "$T/.out" && ok "and said missing" || notok "$(cat "$T/.out")"

C=$T/c3; cp -a "$R" "$C"
p=$(ls -S "$C"/packs/*/* | head -n 1)
truncate -s 1000000 "$p"
xcode 14 "a truncated pack is found by the structural check" ck "$C"

C=$T/c4; cp -a "$R" "$C"
rm "$C"/index/*
xcode 14 "lost index segments: every reference is reported missing" ck "$C"

C=$T/c5; cp -a "$R" "$C"
printf 'half a pack\n' >"$(ls -d "$C"/packs/* | head -n 1)/.tmp-0123456789abcdef"
printf 'junk\n' >"$C/snapshots/.tmp-0123456789abcdef"
xcode 0 "leftovers of an interrupted run do not fail check" ck "$C"
grepq "2 harmless leftovers" "$T/.out" && ok "they are counted as harmless" ||
    notok "summary: $(cat "$T/.out")"
grepq "2 harmless leftovers (17 B)" "$T/.out" &&
    ok "and their size on disk is given" || notok "summary: $(cat "$T/.out")"
