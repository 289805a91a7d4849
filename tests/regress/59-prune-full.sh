#!/bin/sh
# 59-prune-full.sh: a prune that runs out of space while it repacks
# (issue 16).  On a 24 MiB tmpfs: snapshots A and C (packs not full: to be
# repacked), B forgotten (its pack to be deleted), and a file that leaves
# too little room for the new packs.  The prune fails with exit 1, says
# the disk is full, keeps the packs it meant to repack unchanged, and
# still deletes B's pack (in the usual order: a new index first), which
# frees room: check passes with no leftover, A and C restore bit for bit.
# With the file gone, a second prune finishes the repacking and check
# --read-data is clean.
if [ -z "${TACIT_FULL_NS:-}" ] &&
    unshare -m --propagation private true 2>/dev/null; then
	TACIT_FULL_NS=1 exec unshare -m --propagation private sh "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

printf '%s\n' "$PW" >"$T/pw"
# LeakSanitizer cannot work under ptrace (the SAN build's traced runs).
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS
M=$T/mnt R=$T/mnt/repo
mkdir -p "$M"
if ! mount -t tmpfs -o size=24m tmpfs "$M" 2>/dev/null; then
	ok "# SKIP cannot mount a tmpfs here (a real full disk)"
	exit 0
fi
trap 'umount -l "$M" 2>/dev/null' EXIT
tk() { "$TACIT" "$@" --passphrase-fd 3 3<"$T/pw"; }
state() { (cd "$1" && find . -type f -exec md5sum {} + | sort); }
same() {	# SRC SNAP
	rm -rf "$T/dst"
	tk restore -q -r "$R" "$2" --target "$T/dst" >"$T/.rout" 2>&1 &&
	    diff -r "$1" "$T/dst/$(basename "$1")" >/dev/null 2>&1
}

tk init -q -r "$R" $FAST >/dev/null 2>&1 || notok "setup: init"
mkdir -p "$T/a" "$T/b" "$T/c"
head -c 3000000 /dev/urandom >"$T/a/one"
tk backup -q -r "$R" "$T/a" || notok "setup: backup A"
A=$(ls "$R/snapshots")
head -c 6000000 /dev/urandom >"$T/b/big"
ls "$R"/packs/*/* | sort >"$T/p0"
tk backup -q -r "$R" "$T/b" || notok "setup: backup B"
ls "$R"/packs/*/* | sort | comm -13 "$T/p0" - >"$T/pb"
B=$(ls "$R/snapshots" | grep -v "$A")
cp -a "$T/a/." "$T/c/"
head -c 500000 /dev/urandom >>"$T/c/one"
tk backup -q -r "$R" "$T/c" || notok "setup: backup C"
C=$(ls "$R/snapshots" | grep -v "$A" | grep -v "$B")
rm "$R/snapshots/$B"
# Leave about 1 MiB: the new packs need about 4.
free=$(df -B1 --output=avail "$M" | tail -n 1)
head -c $((free - 1048576)) /dev/zero >"$M/filler" 2>/dev/null

(cd "$R" && find packs -type f -exec md5sum {} + | sort) >"$T/s0"
tk prune -r "$R" >"$T/p1.out" 2>&1
rc=$?
[ "$rc" -eq 1 ] && ok "prune on a full disk fails (exit 1)" ||
    notok "prune on a full disk: exit $rc: $(cat "$T/p1.out")"
grepq "error: the repository.s disk is full" "$T/p1.out" &&
    ok "and says the disk is full" || notok "message: $(cat "$T/p1.out")"
grepq "deleted only the 1 pack no snapshot uses" "$T/p1.out" &&
    ok "and that it deleted only the unused pack" ||
    notok "message: $(cat "$T/p1.out")"
[ "$(grep -c 'error:' "$T/p1.out")" -le 3 ] ||
    notok "too many messages: $(cat "$T/p1.out")"
gone=0
for p in $(cat "$T/pb"); do [ -e "$p" ] || gone=$((gone + 1)); done
[ "$gone" -ge 1 ] && ok "B's pack is deleted" || notok "B's pack is still there"
(cd "$R" && find packs -type f -exec md5sum {} + | sort) >"$T/s1"
[ -z "$(comm -23 "$T/s0" "$T/s1" | grep -v "$(sed 's|.*/||' "$T/pb")")" ] &&
    ok "every other pack is there unchanged" ||
    notok "packs lost: $(comm -23 "$T/s0" "$T/s1" | head -3)"
xcode 0 "check passes after it" tk check -r "$R"
grepq " 0 harmless leftovers" "$T/.out" &&
    ok "with no leftover (the new packs written before the disk filled are gone)" ||
    notok "check: $(cat "$T/.out")"
same "$T/a" "$A" && same "$T/c" "$C" && ok "A and C restore" ||
    notok "restore: $(cat "$T/.rout")"

rm "$M/filler"
xcode 0 "with space, a second prune finishes" tk prune -r "$R"
xcode 0 "check --read-data is clean" tk check -r "$R" --read-data
grepq " 0 problems; 0 harmless" "$T/.out" || notok "check: $(cat "$T/.out")"
same "$T/a" "$A" && same "$T/c" "$C" && ok "A and C restore after it" ||
    notok "restore: $(cat "$T/.rout")"
cd /
umount "$M"
