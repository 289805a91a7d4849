#!/bin/sh
# 127-prune-heal.sh: prune's repack reads a damaged pack through its
# parity (issue 19).  A repository with the default parity: snapshots A
# (3 MB, one pack of its own), B (5 MB of its own, then forgotten: its
# snapshot file removed) and C (A edited), so prune repacks A's pack (it
# is not full) and deletes B's.
#  - one 4 KiB sector of A's pack zeroed in the middle of its data (within
#    the guarantee of doc/format.md section 23.6): prune exits 0 and says
#    it repaired the pack in memory; the damaged pack is gone (not written
#    in place: it was repacked), check --read-data is clean, A and C
#    restore bit for bit;
#  - EIO (strace) on the first read of the repack, the read of the whole
#    pack that follows and its first 4 KiB: the unreadable sector is an
#    erasure, repaired; prune completes and check --read-data is clean;
#  - 1 MiB of A's pack zeroed (beyond its parity): as before parity, prune
#    stops (exit 14), says the blob fails authentication, deletes nothing
#    and changes no file.
. "$(dirname "$0")/lib.sh"

printf '%s\n' "$PW" >"$T/pw"
R=$T/repo
tk() { "$TACIT" "$@" --passphrase-fd 3 3<"$T/pw"; }
state() { (cd "$1" && find . -type f ! -name lock -exec md5sum {} + | sort); }
same() {	# REPO SRC SNAP
	rm -rf "$T/dst"
	tk restore -q -r "$1" "$3" --target "$T/dst" >"$T/.rout" 2>&1 &&
	    [ "$(treesum "$T/dst/$(basename "$2")")" = "$(treesum "$2")" ]
}
# zero FILE OFFSET-EXPR LEN: zero LEN bytes of a file with parity at
# OFFSET-EXPR, a python expression of its data length L (section 23.4).
zero() {
	python3 - "$1" "$2" "$3" <<'PYEOF'
import struct, sys
f = open(sys.argv[1], "r+b")
f.seek(-56, 2)
head = f.read(24)
if head[:8] != b"TACITPAR":
    sys.exit("no parity table at the end of " + sys.argv[1])
L = struct.unpack("<Q", head[16:24])[0]
off = eval(sys.argv[2])
f.seek(off)
f.write(bytes(int(sys.argv[3])))
PYEOF
}

tk init -q -r "$R" $FAST >/dev/null 2>&1 || notok "setup: init"
mkdir -p "$T/a" "$T/b" "$T/c"
head -c 3000000 /dev/urandom >"$T/a/one"
for i in 1 2 3; do seq "$i" 3000 >"$T/a/s$i"; done
tk backup -q -r "$R" "$T/a" || notok "setup: backup A"
A=$(ls "$R/snapshots") PA=$(ls "$R"/packs/*/*)
PA=${PA#"$R"/}
head -c 5000000 /dev/urandom >"$T/b/big"
tk backup -q -r "$R" "$T/b" || notok "setup: backup B"
B=$(ls "$R/snapshots" | grep -v "$A")
cp -a "$T/a/." "$T/c/"
head -c 300000 /dev/urandom >>"$T/c/one"
tk backup -q -r "$R" "$T/c" || notok "setup: backup C"
C=$(ls "$R/snapshots" | grep -v "$A" | grep -v "$B")
rm "$R/snapshots/$B"
[ -n "$C" ] && [ -f "$R/$PA" ] || notok "setup: snapshots $A $B $C, pack $PA"
a8=$(echo "$A" | cut -c1-8)

# One sector in the middle of the data of A's pack: repaired in memory.
W=$T/w1; cp -a "$R" "$W"
zero "$W/$PA" 'L // 2 - 2048' 4096 || notok "setup: damage"
xcode 15 "setup: check --read-data calls the damage repairable" \
    tk check -r "$W" --read-data
xcode 0 "prune over a repairable pack completes (exit 0)" tk prune -r "$W"
grepq "repaired in memory" "$T/.out" &&
    ok "prune says it repaired the pack in memory" ||
    notok "no 'repaired in memory': $(cat "$T/.out")"
grepq "to repack: [1-9]" "$T/.out" ||
    notok "the plan does not repack: $(cat "$T/.out")"
[ ! -e "$W/$PA" ] && ok "the damaged pack was repacked and deleted" ||
    notok "the damaged pack is still there"
xcode 0 "check --read-data is clean after the prune" \
    tk check -r "$W" --read-data
same "$W" "$T/a" "$A" && same "$W" "$T/c" "$C" &&
    ok "A and C restore bit for bit" || notok "restore: $(cat "$T/.rout")"

# A read error (a bad sector) while repacking: EIO (strace) on the first
# pack read of the repack, on the read of the whole pack that follows and
# on the first 4 KiB of the pack read again piece by piece: that sector
# is taken for an erasure, repaired from the parity, and prune completes.
if command -v strace >/dev/null; then
	W=$T/w3; cp -a "$R" "$W"
	env "$NOLEAK" strace -f -qq -o "$T/tr" -e trace=pread64 \
	    "$TACIT" prune -r "$W" --dry-run --passphrase-fd 3 3<"$T/pw" \
	    >/dev/null 2>&1 || notok "setup: traced dry run"
	n=$(grep -c 'pread64(' "$T/tr")
	env "$NOLEAK" strace -f -qq -o /dev/null -e trace=pread64 \
	    -e inject=pread64:error=EIO:syscall=getpid:when=$((n + 1))..$((n + 3)) \
	    "$TACIT" prune -r "$W" --passphrase-fd 3 3<"$T/pw" >"$T/.out" 2>&1
	rc=$?
	[ $rc -eq 0 ] && grepq "damaged (1 shard); repaired in memory" "$T/.out" &&
	    ok "EIO while repacking: prune repairs from the parity (exit 0, said so)" ||
	    notok "EIO while repacking: exit $rc: $(cat "$T/.out")"
	xcode 0 "EIO while repacking: check --read-data is clean after" \
	    tk check -r "$W" --read-data
	same "$W" "$T/a" "$A" && same "$W" "$T/c" "$C" &&
	    ok "EIO while repacking: A and C restore bit for bit" ||
	    notok "restore: $(cat "$T/.rout")"
else
	ok "# SKIP the EIO case: strace is missing"
fi

# 1 MiB zeroed: beyond the parity, today's refusal.
W=$T/w2; cp -a "$R" "$W"
zero "$W/$PA" 'L // 4' 1048576 || notok "setup: damage"
state "$W" >"$T/s0"
xcode 14 "damage beyond the parity: prune stops (exit 14)" tk prune -r "$W"
grepq "fails authentication" "$T/.out" && grepq "snapshot $a8" "$T/.out" &&
    ok "beyond the parity: the damaged blob and snapshot A are named" ||
    notok "beyond the parity: $(cat "$T/.out")"
grepq "nothing was deleted" "$T/.out" &&
    ok "beyond the parity: says nothing was deleted" ||
    notok "beyond the parity: $(cat "$T/.out")"
state "$W" >"$T/s1"
cmp -s "$T/s0" "$T/s1" && ok "beyond the parity: no file changed" ||
    notok "beyond the parity: files changed: $(diff "$T/s0" "$T/s1" | head -3)"
