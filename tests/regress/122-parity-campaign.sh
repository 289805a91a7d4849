#!/bin/sh
# 122-parity-campaign.sh: random damage over a repository of 160 MB of
# data (10 full packs and the rest: two snapshots).  Seed 1 (SEED=N picks
# another; LONG=1 runs seeds 1 to 5): in every pack, index segment and
# snapshot, a 4 KiB burst at a random offset (any alignment), and in every
# file of 4 MiB and more also a 128 KiB burst at a random offset: N = 2
# bursts per large file, 1 per small one, the most section 23.6
# guarantees.  Then check --read-data exits 15 (repairable, nothing
# lost), both snapshots restore bit for bit, repair data exits 0 and
# check --read-data is clean.
. "$(dirname "$0")/lib.sh"

R=$T/repo S=$T/src
printf '%s\n' "$PW" >"$T/pw"
tk() { "$TACIT" "$@" --passphrase-fd 3 3<"$T/pw"; }
mkrepo "$R" || notok "setup: init"
mkdir -p "$S/a" "$S/b"
# MB: the random data in MB (100 + 60); the ASan + UBSan build, there for
# memory errors on the repair paths after the static pass ran it whole,
# takes a tenth (CI time).
big=100000000 big2=60000000
[ "${CONF:-}" = san ] && [ "${LONG:-0}" != 1 ] && big=10000000 big2=6000000
head -c $big /dev/urandom >"$S/a/big"
for i in 1 2 3 4 5 6 7 8 9; do seq "$i" 300000 >"$S/a/t$i"; done
tk backup -q -r "$R" "$S/a" || notok "setup: backup 1"
head -c $big2 /dev/urandom >"$S/b/big2"
tk backup -q -r "$R" "$S/a" "$S/b" || notok "setup: backup 2"
snaps=$(ls "$R/snapshots")
for s in $snaps; do
	tk restore -q -r "$R" "$(printf %.8s "$s")" --target "$T/ref.$s" ||
	    notok "setup: restore $s"
done

seeds=${SEED:-1}
[ "${LONG:-0}" = 1 ] && seeds="1 2 3 4 5"
for seed in $seeds; do
	C=$T/c
	rm -rf "$C"
	cp -a "$R" "$C"
	python3 - "$C" "$seed" >"$T/damage" <<'EOF'
import os, random, struct, sys
root, seed = sys.argv[1], int(sys.argv[2])
rnd = random.Random(seed)
files = []
for d in ("packs", "index", "snapshots"):
    for dp, _, fs in os.walk(os.path.join(root, d)):
        files += [os.path.join(dp, f) for f in fs]
n = 0
for path in sorted(files):
    with open(path, "r+b") as f:
        P = os.fstat(f.fileno()).st_size
        f.seek(P - 40); L = struct.unpack("<Q", f.read(8))[0]
        bursts = [4096] + ([131072] if L >= 4 << 20 else [])
        for b in bursts:
            off = rnd.randrange(0, max(1, P - b))
            f.seek(off); f.write(bytes(min(b, P - off))); n += 1
print(len(files), n)
EOF
	set -- $(cat "$T/damage")
	tk check --read-data -r "$C" >"$T/ck" 2>&1
	rc=$?
	if [ "$rc" -eq 15 ]; then
		ok "seed $seed: $2 bursts in $1 files: check says all repairable (exit 15)"
	else notok "seed $seed: check exit $rc, wanted 15"; sed 's/^/#   /' "$T/ck" | head -20; fi
	good=1
	for s in $snaps; do
		rm -rf "$T/dst"
		tk restore -q -r "$C" "$(printf %.8s "$s")" --target "$T/dst" \
		    >"$T/rs" 2>&1 && diff -r "$T/ref.$s" "$T/dst" >>"$T/rs" 2>&1 ||
		    { good=0; sed 's/^/#   /' "$T/rs" | head -10; }
	done
	[ "$good" = 1 ] && ok "seed $seed: every snapshot restores bit for bit" ||
	    notok "seed $seed: a snapshot differs"
	"$TACIT" repair data -r "$C" </dev/null >"$T/rp" 2>&1
	rc=$?
	tk check --read-data -r "$C" >"$T/ck2" 2>&1
	rc2=$?
	if [ "$rc" -eq 0 ] && [ "$rc2" -eq 0 ]; then
		ok "seed $seed: repair data (no passphrase), then check is clean"
	else notok "seed $seed: repair data exit $rc, check $rc2"
		sed 's/^/#   /' "$T/rp" "$T/ck2" | head -20; fi
done
rm -rf "$T/c" "$T"/ref.* "$T/dst" "$S"
