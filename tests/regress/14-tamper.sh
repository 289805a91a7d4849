#!/bin/sh
# 14-tamper.sh: damage is detected, named and contained.  In copies of a
# repository, one flipped byte or a truncation of any pack makes restore
# exit 3 or 14 (never 0, never a crash), every file that differs from the
# source is named (or a directory above it is), and everything else comes
# back identical; damage to data only of the big file names just that
# file.  A flipped byte in a snapshot file names that snapshot and the
# others still list; a deleted index segment is reported by path (exit 3).
. "$(dirname "$0")/lib.sh"

R=$T/repo S=$T/src
# Without parity (--parity 0): the AEAD alone must catch every flip;
# 120-parity.sh damages repositories with parity.
mkrepo "$R" --parity 0 || notok "setup: init"
for d in d1 d2 d3 d4; do
	mkdir -p "$S/$d"
	for f in f1 f2 f3 f4 f5; do printf '%s/%s small\n' $d $f >"$S/$d/$f"; done
done
head -c 41943040 /dev/urandom >"$S/zbig"
tp backup -r "$R" "$S" >"$T/b1.out" 2>&1 || notok "setup: backup 1"
snap1=$(ls "$R/snapshots")
find "$R/packs" -type f | sort >"$T/packs1"
printf 'late\n' >"$S/late"
tp backup -r "$R" "$S" >"$T/b2.out" 2>&1 || notok "setup: backup 2"
snap2=$(ls "$R/snapshots" | grep -v "^$snap1\$")
[ "$(wc -l <"$T/packs1")" -ge 3 ] || notok "setup: the first run wrote 3+ packs"

# verify.py SRC DST ERR [SKIP]: each source file (but the one named SKIP,
# not in the first snapshot) is identical in DST/src or named
# in ERR (itself, a directory above it, or the root tree); prints the
# named files.  Exits 1 on an unnamed difference, 2 if nothing was named.
cat >"$T/verify.py" <<'EOF'
import os, sys
src, dst, err = sys.argv[1:4]
skip = sys.argv[4:]
msg = open(err, errors="replace").read()
everything = "root tree" in msg
named, bad = [], []
for d, _, fs in os.walk(src):
    for f in fs:
        rel = os.path.join("src", os.path.relpath(os.path.join(d, f), src))
        rel = os.path.normpath(rel)
        if rel in skip:
            continue
        parts = rel.split("/")
        up = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
        if everything or any(p + ": " in msg for p in up):
            named.append(rel)
            continue
        try:
            same = open(os.path.join(d, f), "rb").read() == \
                open(os.path.join(dst, rel), "rb").read()
        except OSError:
            same = False
        if not same:
            bad.append(rel)
print(" ".join(sorted(named)) if not everything else "EVERYTHING")
if bad:
    print("differ but not named:", " ".join(bad))
sys.exit(1 if bad else 2 if not named else 0)
EOF

# tamper TAG CMD...: copy the repository, run CMD in it ($C is the copy),
# restore snapshot $SNAP (latest); sets rc, vr (verify status), named.
SNAP=latest SKIP=
tamper() {
	tag=$1; shift
	C=$T/c.$tag; rm -rf "$C" "$T/d.$tag"; cp -a "$R" "$C"
	"$@"
	tp restore -r "$C" "$SNAP" --target "$T/d.$tag" >"$T/o.$tag" 2>"$T/e.$tag"
	rc=$?
	python3 "$T/verify.py" "$S" "$T/d.$tag" "$T/e.$tag" $SKIP >"$T/v.$tag" 2>&1
	vr=$? named=$(head -n 1 "$T/v.$tag")
	rm -rf "$C" "$T/d.$tag"
}
# judge DESC: restore exited 3 or 14, damage named, the rest identical.
judge() {
	if { [ "$rc" -eq 3 ] || [ "$rc" -eq 14 ]; } && [ "$vr" -eq 0 ]; then
		ok "$1: exit $rc, named: $named"
	else notok "$1: exit $rc (wanted 3 or 14; verify $vr)"
		sed 's/^/#   /' "$T/v.$tag" "$T/e.$tag"; fi
}
flipat() { f=$C/${1#"$R"/}; flip "$f" "$2"; }
cutto() { f=$C/${1#"$R"/}; truncate -s "$2" "$f"; }

only_big_flip= only_big_cut= k=0
for p in $(cat "$T/packs1"); do
	k=$((k + 1)); sz=$(fsize "$p")
	tamper "flip$k" flipat "$p" $((sz / 2))
	judge "byte flipped in the middle of pack $k ($sz bytes)"
	[ "$rc" -eq 3 ] && [ "$named" = src/zbig ] && only_big_flip=$k
	tamper "first$k" flipat "$p" 0
	judge "first byte of pack $k flipped"
	SNAP=$snap1 SKIP=src/late	# its root tree is in the last pack
	tamper "cut$k" cutto "$p" $((sz / 2))
	judge "pack $k truncated to half, first snapshot restored"
	SNAP=latest
	[ "$rc" -eq 3 ] && [ "$named" = src/zbig ] && only_big_cut=$k
done
if [ -n "$only_big_flip" ]; then
	ok "(a) a flip in a pack of big-file data only: exit 3, names just src/zbig"
else notok "(a) a flip in a pack of big-file data only names just src/zbig"; fi
if [ -n "$only_big_cut" ]; then
	ok "(d) a truncated pack of big-file data only: exit 3, names just src/zbig"
else notok "(d) a truncated pack of big-file data only names just src/zbig"; fi

# --- (b) a damaged snapshot file -----------------------------------------------
C=$T/c.snap; cp -a "$R" "$C"
flip "$C/snapshots/$snap1" $(( $(fsize "$C/snapshots/$snap1") / 2 ))
tp snapshots -r "$C" >"$T/s.out" 2>"$T/s.err"
rc=$?
p1=$(printf %.8s "$snap1") p2=$(printf %.8s "$snap2")
if grep -q "$p1" "$T/s.err" && grep -qi damaged "$T/s.err"; then
	ok "(b) snapshots names the damaged snapshot $p1 on stderr (exit $rc)"
else notok "(b) snapshots names the damaged snapshot $p1 on stderr (exit $rc)"
	sed 's/^/#   /' "$T/s.err"; fi
if [ "$rc" -eq 14 ] && grep -q "^$p2 " "$T/s.out" && ! grep -q "^$p1" "$T/s.out"
then ok "(b) the intact snapshot is still listed, the damaged one is not, exit 14"
else notok "(b) the intact snapshot is still listed (exit $rc)"
	sed 's/^/#   /' "$T/s.out"; fi
tamper snaprest true	# (the copy is fresh again: a plain restore works)
if [ "$rc" -eq 0 ] && [ "$vr" -eq 2 ]; then ok "control: the untouched copy restores (exit 0)"
else notok "control: the untouched copy restores (exit $rc, verify $vr)"; fi

# --- (c) a deleted index segment ----------------------------------------------
# The first run's segment indexes zbig and the d* trees; the second run's
# has the new root trees and late.
old_index() { rm -f "$C/index/$(cd "$R/index" && ls -tr | head -n 1)"; }
tamper noidx old_index
if [ "$rc" -eq 3 ] && [ "$vr" -eq 0 ] && grep -q 'src/zbig: .*missing' "$T/e.noidx" &&
    grep -q 'src/d1: .*missing' "$T/e.noidx"; then
	ok "(c) a deleted index segment: exit 3, missing data named by path"
else notok "(c) a deleted index segment: exit 3, missing data named (exit $rc)"
	sed 's/^/#   /' "$T/v.noidx" "$T/e.noidx"; fi
