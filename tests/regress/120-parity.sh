#!/bin/sh
# 120-parity.sh: parity (doc/format.md section 23) repairs what a disk
# loses.  A repository with the default parity holds a full pack, a
# smaller last pack, an index segment and a snapshot.  In a fresh copy,
# for each kind of file: a 4 KiB sector zeroed at the start, the middle,
# the end, inside the parity and across a shard boundary, random bits
# flipped, and (files of 4 MiB and more) a 128 KiB burst plus a sector:
#  - check --read-data exits 15 and names the file "repairable";
#  - restore (which repairs in memory, and says so) gives every file back
#    bit for bit, and the repository is unchanged;
#  - repair data (no passphrase: its stdin is /dev/null and no passphrase
#    option is given) rewrites the file, and check --read-data is clean.
# Beyond the guarantee (a 128 KiB burst in a snapshot of a few KiB) the
# snapshot is named as damaged (exit 14) and the other one restores.
# The layout is read by an independent reader (geom.py, from section 23
# alone): the three table copies, the sizes, a full pack's exact size.
# The ASan + UBSan build takes every third case (STRIDE, lib.sh): the
# static pass before takes them all.
. "$(dirname "$0")/lib.sh"

R=$T/repo S=$T/src
printf '%s\n' "$PW" >"$T/pw"
tk() { "$TACIT" "$@" --passphrase-fd 3 3<"$T/pw"; }
mkrepo "$R" || notok "setup: init"
mkdir -p "$S/d"
head -c 22000000 /dev/urandom >"$S/big"
for i in 1 2 3 4 5 6 7 8; do seq "$i" 9999 >"$S/d/f$i"; done
tk backup -q -r "$R" "$S" || notok "setup: backup 1"
snap1=$(ls "$R/snapshots")
printf 'late\n' >"$S/late"
tk backup -q -r "$R" "$S" || notok "setup: backup 2"
snap2=$(ls "$R/snapshots" | grep -v "^$snap1\$")

# geom.py FILE: "L S k G p T P" of a file with parity, from the head at
# its end (section 23.4 step 1) and the sizes of section 23.2; checks the
# table copy's BLAKE2b-256 and that copies A and C equal B.
cat >"$T/geom.py" <<'EOF'
import hashlib, struct, sys
f = open(sys.argv[1], "rb").read()
P = len(f)
head = f[P - 56:P - 32]
assert head[:8] == b"TACITPAR", "no parity head"
ver, q, L = struct.unpack("<IIQ", head[8:])
assert ver == 1 and 1 <= q <= 25
S = 4096 if L < 4 << 20 else 131072
k = -(-L // S)
G = -(-k // 128)
p = max(3 if S == 4096 else 4, -(-min(k, 128) * q // 100))
if S == 131072:
    p = max(p, (max(3, -(-128 * q // 100)) + 5) // 4)
n = k + G * p
T = 16 * n + 56
assert P == L + 3 * T + G * p * S, "size"
B = f[P - T:]
assert hashlib.blake2b(B[:-32], digest_size=32).digest() == B[-32:]
assert f[L:L + T] == B and f[L + T + S:L + 2 * T + S] == B, "copies"
for i in range(k):
    sh = f[i * S:min((i + 1) * S, L)].ljust(S, b"\0")
    assert hashlib.blake2b(sh, digest_size=16).digest() == B[16 * i:16 * i + 16]
print(L, S, k, G, p, T, P)
EOF
if ! python3 "$T/geom.py" "$R/snapshots/$snap2" >"$T/g" 2>&1; then
	notok "setup: the snapshot has no parity (a tacit without parity?)"
	sed 's/^/#   /' "$T/g"; exit 1
fi
full="" last=""
for f in "$R"/packs/*/*; do
	set -- $(python3 "$T/geom.py" "$f") || notok "geometry of $f"
	if [ "$1" -eq 16777216 ]; then full=$f; else last=$f; fi
done
[ -n "$full" ] && [ -n "$last" ] || notok "setup: a full pack and a last pack"
seg=$(ls "$R"/index/* | head -n 1)
snapf=$R/snapshots/$snap2
set -- $(python3 "$T/geom.py" "$full")
if [ "$7" -eq 17308008 ] && [ "$(fsize "$full")" -eq 17308008 ]; then
	ok "an independent reader finds the layout; a full pack is 17308008 bytes (3.16 %)"
else notok "a full pack is $7 bytes, not 17308008"; fi
check "the index segment and the snapshot carry parity too" sh -c \
    "python3 '$T/geom.py' '$seg' && python3 '$T/geom.py' '$snapf'"
tk restore -q -r "$R" latest --target "$T/ref" >/dev/null 2>&1 ||
    notok "setup: reference restore"

# zero FILE OFF LEN: zero LEN bytes at OFF (clipped to the file).
zero() {
	_sz=$(fsize "$1") _o=$2 _n=$3
	[ "$_o" -lt 0 ] && _o=0
	[ "$_o" -ge "$_sz" ] && _o=$((_sz - 1))
	[ $((_o + _n)) -gt "$_sz" ] && _n=$((_sz - _o))
	python3 -c "import sys
f = open(sys.argv[1], 'r+b'); f.seek(int(sys.argv[2]))
f.write(bytes(int(sys.argv[3])))" "$1" "$_o" "$_n"
}
# flips FILE LEN: 40 random bits flipped within the first LEN bytes.
flips() {
	python3 -c "import random, sys
f = open(sys.argv[1], 'r+b'); b = bytearray(f.read()); r = random.Random(120)
for _ in range(40):
    i = r.randrange(int(sys.argv[2])); b[i] ^= 1 << r.randrange(8)
f.seek(0); f.write(b)" "$1" "$2"
}

n=0
# case KIND FILE WHAT MSG DAMAGE...: DAMAGE (a shell command, the file's
# copy in $C as $F) then the four promises; MSG 1: restore reads what was
# damaged, so it must say it repaired it in memory.
case_() {
	kind=$1 rel=${2#"$R"/} what=$3 msg=$4
	shift 4
	n=$((n + 1))
	take "$n" || return 0	# the SAN build: every third (lib.sh)
	C=$T/c F=$T/c/$rel
	rm -rf "$C" "$T/dst"
	cp -a "$R" "$C"
	eval "$*"
	cmp -s "$F" "$R/$rel" && { notok "$kind, $what: the damage changed nothing"; return; }
	tk check --read-data -r "$C" >"$T/ck" 2>&1
	rc=$?
	if [ "$rc" -eq 15 ] && grepq "repairable" "$T/ck"; then
		ok "$kind, $what: check says repairable (exit 15)"
	else notok "$kind, $what: check exit $rc, wanted 15"; sed 's/^/#   /' "$T/ck"; fi
	cp "$F" "$T/damaged"
	tk restore -r "$C" latest --target "$T/dst" >"$T/rs" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && [ "$(treesum "$T/dst")" = "$(treesum "$T/ref")" ] &&
	    { [ "$msg" = 0 ] || grepq "repaired in memory" "$T/rs"; } &&
	    cmp -s "$F" "$T/damaged"; then
		ok "$kind, $what: restore is bit-identical, repaired in memory (said so), nothing written"
	else notok "$kind, $what: restore exit $rc"; sed 's/^/#   /' "$T/rs"; fi
	"$TACIT" repair data -r "$C" </dev/null >"$T/rp" 2>&1
	rc=$?
	tk check --read-data -r "$C" >"$T/ck2" 2>&1
	rc2=$?
	if [ "$rc" -eq 0 ] && [ "$rc2" -eq 0 ] && cmp -s "$F" "$R/$rel" &&
	    grepq "rewritten from its parity" "$T/rp"; then
		ok "$kind, $what: repair data (no passphrase) restores the file as written; check is clean"
	else notok "$kind, $what: repair data exit $rc, then check $rc2"
		sed 's/^/#   /' "$T/rp" "$T/ck2"; fi
}

for kind in full last seg snap; do
	case $kind in
	full) f=$full ;; last) f=$last ;; seg) f=$seg ;; snap) f=$snapf ;;
	esac
	set -- $(python3 "$T/geom.py" "$f")
	L=$1 SH=$2 TB=$6 P=$7
	# Index segments and snapshots are read whole: any damage is met.
	w=0; case $kind in seg|snap) w=1 ;; esac
	case_ "$kind" "$f" "sector at the start" 1 zero '$F' 0 4096
	case_ "$kind" "$f" "sector in the middle" $w zero '$F' $((L / 2)) 4096
	case_ "$kind" "$f" "sector at the end" 0 zero '$F' $((P - 4096)) 4096
	case_ "$kind" "$f" "sector inside the parity" 0 zero '$F' $((L + TB + SH / 2)) 4096
	case_ "$kind" "$f" "sector across a shard boundary" $w zero '$F' $((SH - 2048)) 4096
	case_ "$kind" "$f" "random bit flips" 1 flips '$F' $((L < SH ? L : SH))
	if [ "$SH" -eq 131072 ]; then
		case_ "$kind" "$f" "128 KiB burst across shards and a sector" 0 \
		    zero '$F' $((L / 3)) 131072 ';' zero '$F' $((P - 5000)) 4096
		case_ "$kind" "$f" "128 KiB burst over the data's end, table A and parity" 0 \
		    zero '$F' $((L - 65536)) 131072
	fi
done

# Beyond the guarantee: the whole snapshot file is one 128 KiB burst.
C=$T/c
rm -rf "$C" "$T/dst"
cp -a "$R" "$C"
zero "$C/snapshots/$snap2" 0 131072
tk check --read-data -r "$C" >"$T/ck" 2>&1
rc=$?
if [ "$rc" -eq 14 ] && grepq "$snap2" "$T/ck"; then
	ok "beyond the parity: check names the snapshot (exit 14)"
else notok "beyond the parity: check exit $rc"; sed 's/^/#   /' "$T/ck"; fi
tk restore -q -r "$C" "$(printf %.8s "$snap1")" --target "$T/dst" >"$T/rs" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && cmp -s "$T/dst/src/big" "$S/big"; then
	ok "beyond the parity: the other snapshot restores"
else notok "beyond the parity: restore of the other snapshot exit $rc"; sed 's/^/#   /' "$T/rs"; fi
xcode 14 "beyond the parity: repair data names it and exits 14" sh -c \
    "'$TACIT' repair data -r '$C' </dev/null"
