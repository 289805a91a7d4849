#!/bin/sh
# 56-prune-damage.sh: prune never deletes around data it cannot read
# (issue 16; restic's "Will not start prune to prevent (additional) data
# loss").  Snapshots A (8 MB, one pack of its own), B (20 MB of its own,
# then forgotten: its snapshot file removed) and C (A edited):
#  - a missing or truncated pack that A and C use: exit 14, both named
#    with `tacit repair snapshots`, no file removed or changed;
#  - every index segment lost (what the snapshots reach is missing from
#    the index): exit 14, the snapshots named, nothing changed;
#  - a damaged index segment or snapshot: exit 14, `tacit repair index`
#    or `repair snapshots` named, nothing changed;
#  - a damaged pack that only B used: pruned (exit 0), check clean;
#  - a byte flipped in a blob of A's pack, which prune repacks (it is not
#    full): the copy is authenticated, so prune stops (exit 14), names A,
#    deletes nothing, and check then reports only the damage;
#  - EIO on a pack read while repacking (strace): exit 1, the pack named,
#    nothing deleted; check passes (leftovers at most), A and C restore,
#    and a second prune completes with a clean check --read-data.
. "$(dirname "$0")/lib.sh"
# Repositories without parity (--parity 0): damage is met by the AEAD
# alone, as before parity; 120-parity.sh damages them with parity.

if ! command -v strace >/dev/null; then
	ok "# SKIP strace is missing"; exit 0; fi
printf '%s\n' "$PW" >"$T/pw"
R=$T/repo
tk() { "$TACIT" "$@" --passphrase-fd 3 3<"$T/pw"; }
state() { (cd "$1" && find . -type f -exec md5sum {} + | sort); }
# kept BEFORE AFTER: every file of BEFORE is in AFTER unchanged.
kept() { [ -z "$(comm -23 "$1" "$2")" ]; }
same() {	# REPO SRC SNAP
	rm -rf "$T/dst"
	tk restore -q -r "$1" "$3" --target "$T/dst" >"$T/.rout" 2>&1 &&
	    diff -r "$2" "$T/dst/$(basename "$2")" >/dev/null 2>&1
}

tk init -q -r "$R" $FAST --parity 0 >/dev/null 2>&1 || notok "setup: init"
mkdir -p "$T/a" "$T/b" "$T/c"
head -c 8000000 /dev/urandom >"$T/a/one"
tk backup -q -r "$R" "$T/a" || notok "setup: backup A"
A=$(ls "$R/snapshots") PA=$(ls "$R"/packs/*/*)
PA=${PA#"$R"/}
head -c 20000000 /dev/urandom >"$T/b/big"
ls "$R"/packs/*/* | sort >"$T/p0"
tk backup -q -r "$R" "$T/b" || notok "setup: backup B"
B=$(ls "$R/snapshots" | grep -v "$A")
ls "$R"/packs/*/* | sort | comm -13 "$T/p0" - >"$T/pb"
cp -a "$T/a/." "$T/c/"
head -c 300000 /dev/urandom >>"$T/c/one"
tk backup -q -r "$R" "$T/c" || notok "setup: backup C"
C=$(ls "$R/snapshots" | grep -v "$A" | grep -v "$B")
rm "$R/snapshots/$B"
[ -n "$C" ] && [ "$(wc -l <"$T/pb")" -ge 2 ] ||
    notok "setup: snapshots $A $B $C, B's packs: $(cat "$T/pb")"
a8=$(echo "$A" | cut -c1-8) c8=$(echo "$C" | cut -c1-8)

# refused DESC WHAT: prune on $W refuses (exit 14), says WHAT, changes nothing.
refused() {
	state "$W" >"$T/s0"
	xcode 14 "$1: prune refuses (exit 14)" tk prune -r "$W"
	grepq "$2" "$T/.out" && ok "$1: says $2" ||
	    notok "$1: output: $(cat "$T/.out")"
	grepq "nothing was deleted\|will not prune" "$T/.out" ||
	    notok "$1: does not say it deleted nothing"
	state "$W" >"$T/s1"
	cmp -s "$T/s0" "$T/s1" && ok "$1: no file changed" ||
	    notok "$1: files changed: $(diff "$T/s0" "$T/s1" | head -3)"
}

W=$T/w1; cp -a "$R" "$W"; rm "$W/$PA"
refused "A's pack missing" "repair snapshots"
grepq "snapshot $a8" "$T/.out" && grepq "snapshot $c8" "$T/.out" &&
    ok "A's pack missing: both snapshots that use it are named" ||
    notok "names: $(cat "$T/.out")"

W=$T/w2; cp -a "$R" "$W"; truncate -s 1000000 "$W/$PA"
refused "A's pack truncated" "snapshot $a8 reaches"

W=$T/w8; cp -a "$R" "$W"; rm "$W"/index/*
refused "every index segment lost" "repair snapshots"
grepq "missing from the" "$T/.out" || notok "lost index: $(cat "$T/.out")"

W=$T/w3; cp -a "$R" "$W"
seg=$(ls "$W"/index/* | head -n 1); flip "$seg" 40
refused "a damaged index segment" "repair index"

W=$T/w4; cp -a "$R" "$W"; flip "$W/snapshots/$A" 40
refused "a damaged snapshot" "repair snapshots"

# A damaged pack only the forgotten B used: deleted like any unused one.
W=$T/w5; cp -a "$R" "$W"
for p in $(cat "$T/pb"); do
	q=$W/${p#"$R"/}
	[ "$(fsize "$q")" -gt 1000 ] && flip "$q" 500
done
xcode 0 "a damaged pack only B used is pruned" tk prune -r "$W"
gone=0
for p in $(cat "$T/pb"); do [ -e "$W/${p#"$R"/}" ] || gone=$((gone + 1)); done
[ "$gone" -ge 1 ] && ok "B's damaged packs are gone ($gone)" ||
    notok "B's packs are still there"
xcode 0 "check --read-data is clean after it" tk check -r "$W" --read-data

# A flipped byte in a blob prune must copy.
W=$T/w6; cp -a "$R" "$W"
flip "$W/$PA" 100
refused "a damaged blob to repack" "repair snapshots"
grepq "fails authentication" "$T/.out" && ok "says the blob fails authentication" ||
    notok "$(cat "$T/.out")"
grepq "snapshot $a8" "$T/.out" && ok "names snapshot A" ||
    notok "names: $(cat "$T/.out")"

# EIO on the first pack read of the repacking.
W=$T/w7; cp -a "$R" "$W"
env "$NOLEAK" strace -f -qq -o "$T/tr" -e trace=pread64 \
    "$TACIT" prune -r "$W" --dry-run --passphrase-fd 3 3<"$T/pw" \
    >/dev/null 2>&1 || notok "setup: traced dry run"
n=$(grep -c 'pread64(' "$T/tr")
state "$W" >"$T/s0"
env "$NOLEAK" strace -f -qq -o /dev/null \
    -e inject=pread64:error=EIO:syscall=getpid:when=$((n + 1))+ \
    "$TACIT" prune -r "$W" --passphrase-fd 3 3<"$T/pw" >"$T/.out" 2>&1
rc=$?
[ "$rc" -eq 1 ] && ok "EIO while repacking: prune stops (exit 1)" ||
    notok "EIO while repacking: exit $rc: $(cat "$T/.out")"
grepq "Input/output error" "$T/.out" && grepq "pack [0-9a-f]*: cannot read" "$T/.out" &&
    ok "EIO while repacking: the pack and the error are named" ||
    notok "EIO: $(cat "$T/.out")"
grepq "nothing was deleted" "$T/.out" || notok "EIO: not 'nothing was deleted'"
state "$W" >"$T/s1"
kept "$T/s0" "$T/s1" && ok "EIO while repacking: every file is still there" ||
    notok "EIO: files lost: $(comm -23 "$T/s0" "$T/s1" | head -3)"
xcode 0 "EIO while repacking: check passes" tk check -r "$W"
same "$W" "$T/a" "$A" && same "$W" "$T/c" "$C" &&
    ok "EIO while repacking: A and C restore" || notok "restore: $(cat "$T/.rout")"
xcode 0 "a second prune completes" tk prune -r "$W"
xcode 0 "and check --read-data is clean" tk check -r "$W" --read-data
grepq " 0 harmless leftovers" "$T/.out" || notok "leftovers: $(cat "$T/.out")"
same "$W" "$T/a" "$A" && same "$W" "$T/c" "$C" &&
    ok "A and C restore after the second prune" || notok "restore: $(cat "$T/.rout")"
