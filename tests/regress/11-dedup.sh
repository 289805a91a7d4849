#!/bin/sh
# 11-dedup.sh: content-defined chunking deduplicates.  A copy of a 40 MiB
# file under a second name adds (almost) nothing to the repository; five
# bytes inserted near the start of a 40 MiB file add only the chunks
# around the edit (at most 3 max-size chunks), not the whole file; and
# both the new and the old snapshot restore byte-identical content.
. "$(dirname "$0")/lib.sh"

R=$T/repo S=$T/src
mkrepo "$R" || notok "setup: init"
mkdir -p "$S"
head -c 41943040 /dev/urandom >"$S/big"
cp "$S/big" "$T/big.orig"

# jfield FILE KEY: a number from a backup --json summary.
jfield() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' \
	    "$1" "$2" 2>/dev/null || echo -1
}
rsize() { du -sb "$R" | cut -f1; }
MiB=1048576

tp backup -r "$R" "$S" --json >"$T/b1.json" 2>"$T/b1.err"
rc=$?
raw1=$(jfield "$T/b1.json" added_raw)
if [ "$rc" -eq 0 ] && [ "$raw1" -ge $((40 * MiB)) ]; then
	ok "first backup stores the 40 MiB file (added_raw $raw1)"
else notok "first backup stores the 40 MiB file (exit $rc, added_raw $raw1)"
	sed 's/^/#   /' "$T/b1.err"; fi
snap1=$(tp snapshots -r "$R" --json | python3 -c \
    'import json,sys; print(json.load(sys.stdin)[-1]["id"])')

# --- a copy under another name ----------------------------------------------
cp "$S/big" "$S/copy"
before=$(rsize)
tp backup -r "$R" "$S" --json >"$T/b2.json" 2>"$T/b2.err"
rc=$?
raw2=$(jfield "$T/b2.json" added_raw)
grow=$(( $(rsize) - before ))
if [ "$rc" -eq 0 ] && [ "$raw2" -ge 0 ] && [ "$raw2" -lt "$MiB" ]; then
	ok "backup of a copy adds less than 1 MiB of data (added_raw $raw2)"
else notok "backup of a copy adds less than 1 MiB (exit $rc, added_raw $raw2)"
	sed 's/^/#   /' "$T/b2.err"; fi
if [ "$grow" -lt $((2 * MiB)) ]; then
	ok "the repository grows by less than 2 MiB for the copy ($grow bytes)"
else notok "the repository grows by less than 2 MiB for the copy ($grow bytes)"; fi
if [ "$(jfield "$T/b2.json" files_read)" -eq 1 ]; then
	ok "only the new copy was read"
else notok "only the new copy was read ($(cat "$T/b2.json"))"; fi

# --- five bytes inserted at offset 1000 -------------------------------------------
python3 - "$S/big" <<'EOF'
import sys
p = sys.argv[1]
d = open(p, "rb").read()
open(p, "wb").write(d[:1000] + b"HELLO" + d[1000:])
EOF
before=$(rsize)
tp backup -r "$R" "$S" --json >"$T/b3.json" 2>"$T/b3.err"
rc=$?
raw3=$(jfield "$T/b3.json" added_raw)
grow=$(( $(rsize) - before ))
if [ "$rc" -eq 0 ] && [ "$raw3" -gt 0 ] && [ "$raw3" -le $((12 * MiB)) ]; then
	ok "an insertion adds only the chunks around it (added_raw $raw3)"
else notok "an insertion adds at most 3 x 4 MiB (exit $rc, added_raw $raw3)"
	sed 's/^/#   /' "$T/b3.err"; fi
if [ "$grow" -le $((13 * MiB)) ]; then
	ok "the repository grows accordingly ($grow bytes)"
else notok "the repository grows by at most 13 MiB ($grow bytes)"; fi

# --- both versions restore ---------------------------------------------------------
tp restore -r "$R" latest --target "$T/new" >"$T/r.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && cmp "$S/big" "$T/new/src/big" >>"$T/r.out" 2>&1 &&
    cmp "$T/big.orig" "$T/new/src/copy" >>"$T/r.out" 2>&1; then
	ok "the new snapshot restores the edited file and the copy identically"
else notok "the new snapshot restores identically (exit $rc)"
	sed 's/^/#   /' "$T/r.out"; fi
tp restore -r "$R" "$snap1" --target "$T/old" >"$T/r.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && cmp "$T/big.orig" "$T/old/src/big" >>"$T/r.out" 2>&1 &&
    [ ! -e "$T/old/src/copy" ]; then
	ok "the first snapshot still restores the old content (and no copy)"
else notok "the first snapshot restores the old content (exit $rc)"
	sed 's/^/#   /' "$T/r.out"; fi
