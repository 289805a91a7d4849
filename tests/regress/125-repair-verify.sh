#!/bin/sh
# 125-repair-verify.sh: repair data --verify-data proves every repair with
# the AEAD (doc/format.md section 23.8).  A repository with the default
# parity holds a full pack (128 KiB shards), an index segment and a
# snapshot (4 KiB shards).  On fresh copies:
#  (a) a 4 KiB sector of the full pack zeroed: --verify-data repairs it
#      (exit 0), check --read-data is clean, latest restores bit for bit;
#      --dry-run before it names the file and writes nothing;
#  (b) all three checksum tables zeroed plus one data sector, in the full
#      pack, in the index segment and in the snapshot (each its own
#      copy), and in the pack the last 4 KiB of its data (its trailer and
#      the end of its header): plain repair data cannot (exit 14, the
#      file named, nothing written); --verify-data finds the damaged
#      shards by the AEAD and repairs it (exit 0), check --read-data is
#      clean, restore identical;
#  (c) a hostile pack: a data shard altered, its parity and all three
#      tables recomputed to match (tests/tools/reparity: parity is
#      unkeyed), then another sector zeroed: plain repair data accepts it
#      (exit 0: parity cannot tell; documented in threat-model.md; check
#      --read-data then still finds the blob damaged, 14), while
#      --verify-data refuses to rename over it (exit 14, the pack named,
#      the file on disk byte for byte as before);
#  (d) --verify-data with a wrong passphrase: exit 12, every file of the
#      repository unchanged;
#  and without --verify-data no passphrase is read (stdin /dev/null).
# On a tacit without --verify-data every case of it fails (the cases of
# plain repair data are controls and pass): the option is a usage error
# there (exit 2), never one of the codes wanted here, and the damage it
# should have repaired is still found by check and restore.
. "$(dirname "$0")/lib.sh"

: "${TOOLDIR:?}"
R=$T/repo S=$T/src W=$T/w
printf '%s\n' "$PW" >"$T/pw"
printf 'not the passphrase\n' >"$T/bad"
tk() { "$TACIT" "$@" --passphrase-fd 3 3<"$T/pw"; }
mkrepo "$R" || notok "setup: init"
mkdir -p "$S/d"
head -c 20000000 /dev/urandom >"$S/big"
for i in 1 2 3 4 5; do seq "$i" 9999 >"$S/d/f$i"; done
tk backup -q -r "$R" "$S" || notok "setup: backup"
tk restore -q -r "$R" latest --target "$T/ref" || notok "setup: restore"
full=""
for f in "$R"/packs/*/*; do
	[ "$(fsize "$f")" -eq 17308008 ] && full=${f#"$R"/}
done
seg=index/$(ls "$R/index" | head -n 1)
snap=snapshots/$(ls "$R/snapshots" | head -n 1)
[ -n "$full" ] || { notok "setup: no full pack with parity"; exit 1; }

# geom FILE: "L S T P" of a file with parity (section 23.2, its head).
geom() {
	python3 -c 'import struct, sys
f = open(sys.argv[1], "rb").read()
P = len(f)
h = f[P - 56:P - 32]
assert h[:8] == b"TACITPAR"
ver, q, L = struct.unpack("<IIQ", h[8:])
S = 4096 if L < 4 << 20 else 131072
k = -(-L // S)
G = -(-k // 128)
p = max(3 if S == 4096 else 4, -(-min(k, 128) * q // 100))
if S == 131072:	# the floor of 128 KiB shards (p4 + 5) / 4, section 23.2
    p = max(p, (max(3, -(-128 * q // 100)) + 5) // 4)
T = 16 * (k + G * p) + 56
assert P == L + 3 * T + G * p * S
print(L, S, T, P)' "$1"
}
# zero FILE OFF LEN: LEN zero bytes at OFF.
zero() {
	python3 -c 'import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2])); f.write(bytes(int(sys.argv[3])))' "$@"
}
zsec() { zero "$1" $(($2 * 4096)) 4096; }
# notables FILE: all three table copies zeroed.
notables() {
	set -- "$1" $(geom "$1")
	zero "$1" "$2" "$4"
	zero "$1" $(($2 + $4 + $3)) "$4"
	zero "$1" $(($5 - $4)) "$4"
}
sums() { (cd "$1" && find . -type f -exec cksum {} + | sort); }
fresh() { rm -rf "$W" "$T/dst"; cp -a "$R" "$W"; }
restored() {	# DESC: latest of $W restores bit for bit
	rm -rf "$T/dst"
	if tk restore -q -r "$W" latest --target "$T/dst" >"$T/rs" 2>&1 &&
	    diff -r "$T/ref" "$T/dst" >>"$T/rs" 2>&1; then ok "$1"
	else notok "$1"; sed 's/^/#   /' "$T/rs" | head; fi
}
vd() { "$TACIT" repair data -r "$W" --verify-data "$@" --passphrase-fd 3 \
    3<"$T/pw" </dev/null; }
plain() { "$TACIT" repair data -r "$W" </dev/null; }

# --- (a) one sector of the full pack -------------------------------------
fresh
zsec "$W/$full" 7
sums "$W" >"$T/before"
xcode 0 "(a) --verify-data --dry-run reports" vd --dry-run
grepq "repairable from its parity (proven" "$T/.out" &&
    ok "(a) --dry-run names the file repairable, proven" ||
    notok "(a) --dry-run does not name it"
sums "$W" >"$T/after"
cmp -s "$T/before" "$T/after" && ok "(a) --dry-run writes nothing" ||
    notok "(a) --dry-run wrote"
xcode 0 "(a) repair data --verify-data repairs a zeroed sector" vd
grepq "proven by authentication" "$T/.out" &&
    ok "(a) it says the repair was proven" ||
    notok "(a) no word of the proof"
xcode 0 "(a) check --read-data is then clean" tk check --read-data -r "$W"
restored "(a) latest restores bit for bit"

# --- (b) tables lost: the AEAD finds the damaged shards ------------------
for f in "$full" "$seg" "$snap"; do
	kind=${f%%/*}
	fresh
	notables "$W/$f"
	zsec "$W/$f" 0
	sums "$W" >"$T/before"
	xcode 14 "(b) $kind: plain repair data cannot repair lost tables" plain
	grepq "$(basename "$f"): damaged beyond its parity" "$T/.out" &&
	    ok "(b) $kind: named as beyond its parity" ||
	    notok "(b) $kind: not named"
	sums "$W" >"$T/after"
	cmp -s "$T/before" "$T/after" && ok "(b) $kind: nothing written" ||
	    notok "(b) $kind: plain repair data wrote"
	xcode 0 "(b) $kind: --verify-data repairs it (shards found by the AEAD)" vd
	grepq "shards found by authentication)" "$T/.out" &&
	    ok "(b) $kind: it says the AEAD found the shards" ||
	    notok "(b) $kind: no word of the AEAD"
	xcode 0 "(b) $kind: check --read-data is then clean" \
	    tk check --read-data -r "$W"
	restored "(b) $kind: latest restores bit for bit"
done

# The pack's trailer and the end of its header (the last 4 KiB of its
# data): the trailer's and header's shards are the erasures.
fresh
set -- $(geom "$W/$full")
notables "$W/$full"
zero "$W/$full" $(($1 - 4096)) 4096
xcode 14 "(b) pack trailer and header: plain repair data cannot" plain
xcode 0 "(b) pack trailer and header: --verify-data repairs them" vd
xcode 0 "(b) pack trailer and header: check --read-data is then clean" \
    tk check --read-data -r "$W"
restored "(b) pack trailer and header: latest restores bit for bit"

# --- (c) forged parity ---------------------------------------------------
fresh
python3 -c 'import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(300 * 4096); b = bytearray(f.read(64))
    b[0] ^= 1; f.seek(300 * 4096); f.write(b)' "$W/$full"
"$TOOLDIR/reparity" "$W/$full" >/dev/null 2>"$T/rp" ||
    { notok "(c) setup: reparity"; sed 's/^/#   /' "$T/rp"; }
zsec "$W/$full" 2000
cp -a "$W" "$T/w2"
xcode 0 "(c) plain repair data accepts forged parity (parity is unkeyed)" plain
xcode 14 "(c) ... and every reader still rejects the bytes (check: 14)" \
    tk check --read-data -r "$W"
rm -rf "$W"
mv "$T/w2" "$W"
cp "$W/$full" "$T/forged"
xcode 14 "(c) --verify-data refuses bytes the AEAD rejects" vd
grepq "$(basename "$full").*not rewritten" "$T/.out" &&
    ok "(c) the pack is named, not rewritten" ||
    notok "(c) the pack is not named"
cmp -s "$W/$full" "$T/forged" && ok "(c) the file on disk is unchanged" ||
    notok "(c) the forged repair was written"

# --- (d) wrong passphrase ------------------------------------------------
fresh
zsec "$W/$full" 7
sums "$W" >"$T/before"
xcode 12 "(d) --verify-data with a wrong passphrase: exit 12" \
    "$TACIT" repair data -r "$W" --verify-data --passphrase-fd 3 \
    3<"$T/bad" </dev/null
grepq "wrong passphrase" "$T/.out" && ok "(d) it says so" ||
    notok "(d) no clear error"
sums "$W" >"$T/after"
cmp -s "$T/before" "$T/after" && ok "(d) nothing written" ||
    notok "(d) the repository changed"

# --- without --verify-data: no passphrase --------------------------------
fresh
zsec "$W/$full" 7
xcode 0 "repair data without --verify-data needs no passphrase" plain
rm -rf "$T"
