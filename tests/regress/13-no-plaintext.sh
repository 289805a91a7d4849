#!/bin/sh
# 13-no-plaintext.sh: backups leak nothing readable.  After backing up
# distinctive file and directory names, an xattr name and value, a
# repeated marker in file content, a symlink target, a tag and the source
# path, no repository file contains any of them; no pack, index segment
# or snapshot file compresses; and every pack of a run is exactly the
# full pack size except at most one, the last, which has a Padmé length.
. "$(dirname "$0")/lib.sh"

R=$T/repo S=$T/src_UNIQUE_PATH_222
# Without parity: the sizes below are the packs' own, and a small file's
# parity (zero past its data's end, doc/format.md 19) would compress.
mkrepo "$R" --parity 0 || notok "setup: init"
mkdir -p "$S/secretdir_UNIQUE_321"
printf 'x\n' >"$S/secretdir_UNIQUE_321/secretname_UNIQUE_123"
setfattr -n user.xattrname_UNIQUE_654 -v xattrvalue_UNIQUE_456 \
    "$S/secretdir_UNIQUE_321/secretname_UNIQUE_123" || notok "setup: xattr"
yes MARKER_UNIQUE_789 | head -n 1000 >"$S/markers"
ln -s linktarget_UNIQUE_000 "$S/link"

# listpacks: every pack file, sorted (before/after lists tell runs apart).
listpacks() { find "$R/packs" -type f 2>/dev/null | sort; }
listpacks >"$T/p0"
tp backup -r "$R" "$S" --tag tagvalue_UNIQUE_111 >"$T/b1.out" 2>&1 ||
    { notok "setup: backup"; sed 's/^/#   /' "$T/b1.out"; }
listpacks >"$T/p1"

# --- no distinctive string anywhere ----------------------------------------
for s in secretname_UNIQUE_123 secretdir_UNIQUE_321 xattrname_UNIQUE_654 \
    xattrvalue_UNIQUE_456 MARKER_UNIQUE_789 linktarget_UNIQUE_000 \
    tagvalue_UNIQUE_111 src_UNIQUE_PATH_222 "$S" "$(basename "$T")"; do
	hits=$(grep -r -a -l -F -e "$s" "$R" | sed "s|^$R/||" | tr '\n' ' ')
	if [ -z "$hits" ]; then ok "no repository file contains '$s'"
	else notok "no repository file contains '$s' (found in: $hits)"; fi
done
# The search itself works: a plain copy of the marker file is found.
mkdir "$T/control" && cp "$S/markers" "$T/control/"
if grep -r -a -l -F -e MARKER_UNIQUE_789 "$T/control" >/dev/null; then
	ok "control: grep finds the marker in a plaintext copy"
else notok "control: grep finds the marker in a plaintext copy"; fi

# --- a run of 48 MiB of random data: several full packs ----------------------
mkdir -p "$T/bulk"
for i in 1 2 3; do head -c 16777216 /dev/urandom >"$T/bulk/r$i"; done
tp backup -r "$R" "$T/bulk" >"$T/b2.out" 2>&1 ||
    { notok "setup: bulk backup"; sed 's/^/#   /' "$T/b2.out"; }
listpacks >"$T/p2"

# packsizes: new packs of each run as "RUN SIZE", one a line.
{ comm -13 "$T/p0" "$T/p1" | xargs -r stat -c '1 %s'
  comm -13 "$T/p1" "$T/p2" | xargs -r stat -c '2 %s'; } >"$T/sizes"
python3 - "$T/sizes" >"$T/why" 2>&1 <<'EOF'
import sys
FULL = 16 << 20
def padme(n):
    if n < 2: return n
    e = n.bit_length() - 1; s = e.bit_length(); m = (1 << (e - s)) - 1
    return (n + m) & ~m
runs = {}
for line in open(sys.argv[1]):
    r, s = line.split(); runs.setdefault(r, []).append(int(s))
bad = []
if len(runs.get("2", [])) < 3:
    bad.append("the bulk run wrote fewer than 3 packs: %s" % runs.get("2"))
for r, sizes in sorted(runs.items()):
    odd = [s for s in sizes if s != FULL]
    if len(odd) > 1: bad.append("run %s: %d packs not full size: %s" % (r, len(odd), odd))
    bad += ["run %s: %d is not a Padme length" % (r, s) for s in odd if padme(s) != s]
print("\n".join(bad) or "sizes: %s" % runs)
sys.exit(bool(bad))
EOF
if [ "$?" -eq 0 ]; then
	ok "per run, all packs are 16 MiB but at most one of Padmé length"
else notok "per run, all packs are 16 MiB but at most one of Padmé length"
	sed 's/^/#   /' "$T/why"; fi

# --- sealed files do not compress ----------------------------------------------
bad= n=0
for f in $(find "$R/packs" "$R/index" "$R/snapshots" -type f); do
	n=$((n + 1))
	sz=$(fsize "$f") gz=$(gzip -9 -n -c <"$f" | wc -c)
	[ $((gz * 100)) -ge $((sz * 99)) ] || bad="$bad ${f#"$R"/}($sz->$gz)"
done
if [ -z "$bad" ] && [ "$n" -ge 6 ]; then
	ok "none of the $n pack, index and snapshot files compresses with gzip"
else notok "pack, index and snapshot files do not compress ($n files):$bad"; fi
if [ $(( $(gzip -9 -n -c <"$S/markers" | wc -c) * 100 )) -lt \
    $(( $(fsize "$S/markers") * 99 )) ]; then
	ok "control: the gzip check catches the plaintext marker file"
else notok "control: the gzip check catches the plaintext marker file"; fi
