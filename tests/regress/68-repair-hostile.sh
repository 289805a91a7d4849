#!/bin/sh
# 68-repair-hostile.sh: repair on repositories whose bytes are hostile
# (whoever can seal: a worker compromised in an earlier backup).  Packs
# whose header and trailer are authentic but forged (tests/tools/forgepack:
# a count of 2^32-1, an offset near 2^32, overlapping blobs, a 4 GiB raw
# length, a sealed length over its raw length, type 9, a trailer that
# claims a 2^62-byte or larger-than-the-pack header, a pack sealed under
# another pack's id, a 30-byte pack) are each refused by name, with the
# address space capped at 1 GiB and a timeout: no crash, nothing
# allocated by the forged numbers; the good packs are still indexed and
# check passes (the forged ones are leftovers).  A well-formed header over
# a blob that is not authentic: indexed, and left out with --read-data.
# Forged trees (tests/tools/forge): a directory that contains itself (its
# tree stored under an id that is not its own) and index entries that
# claim 4 GiB: repair snapshots ends, empties them, and the repaired
# snapshot passes check and restores.
. "$(dirname "$0")/lib.sh"
# Repositories without parity (--parity 0): damage is met by the AEAD
# alone, as before parity; 120-parity.sh damages them with parity.

R=$T/repo SRC=$T/src
FP=${TOOLDIR:?}/forgepack
mkrepo "$R" --parity 0 || notok "setup: init"
mkdir -p "$SRC"
head -c 400000 /dev/urandom >"$SRC/f"
echo small >"$SRC/g"
tp backup -q -r "$R" "$SRC" || notok "setup: backup"
printf '%s\n' "$PW" >"$T/pw"

# run ARGS...: tacit ARGS, address space 1 GiB (not under ASan), 120 s at
# most; output in $T/run.out, status in rc.
run() {
	(if [ "${CONF:-}" != san ]; then ulimit -v 1048576; fi
	 timeout -k 5 120 "$TACIT" "$@" --passphrase-fd 3 3<"$T/pw") \
	    >"$T/run.out" 2>&1
	rc=$?
}

n=0
for m in count offset overlap rawlen sealed type hlen hbig moved short; do
	p=$("$FP" -r "$R" --passphrase-fd 3 3<"$T/pw" "$m") ||
	    { notok "setup: forgepack $m"; continue; }
	cp -a "$R" "$T/r1"
	run repair index -r "$T/r1"
	if [ "$rc" -eq 0 ] &&
	    grep -q "pack $p: header or trailer damaged, truncated or forged: left out" \
	    "$T/run.out" && grep -q "1 pack and 0 blobs left out" "$T/run.out"
	then n=$((n + 1))
	else notok "a forged pack ($m) is refused by name (exit $rc)"
		sed 's/^/#   /' "$T/run.out" | head; fi
	rm -f "$R"/packs/*/"$p"
	rm -rf "$T/r1"
done
if [ "$n" -eq 10 ]; then ok "each of 10 forged pack headers is refused by name, no crash"
else notok "only $n of 10 forged pack headers refused"; fi

# All of them at once, beside the good packs.
for m in count offset overlap rawlen sealed type hlen hbig moved short; do
	"$FP" -r "$R" --passphrase-fd 3 3<"$T/pw" "$m" >/dev/null
done
rm -f "$R"/index/*
run repair index -r "$R"
if [ "$rc" -eq 0 ] && grep -q "10 packs and 0 blobs left out" "$T/run.out"
then ok "with all ten beside them, the good packs are indexed"
else notok "with all ten beside them, the good packs are indexed (exit $rc)"
	sed 's/^/#   /' "$T/run.out" | head; fi
run check -r "$R" --read-data
if [ "$rc" -eq 0 ] && grep -q " 10 harmless leftovers" "$T/run.out"; then
	ok "check --read-data passes; the forged packs are leftovers"
else notok "check --read-data passes after it (exit $rc)"
	sed 's/^/#   /' "$T/run.out" | head; fi

# An authentic header over a blob that is not.
p=$("$FP" -r "$R" --passphrase-fd 3 3<"$T/pw" good)
run repair index -r "$R"
if [ "$rc" -eq 0 ] && grep -q "0 blobs left out" "$T/run.out"; then
	ok "a well-formed header's blob is indexed without --read-data"
else notok "a well-formed header's blob is indexed (exit $rc)"; fi
run repair index -r "$R" --read-data
if [ "$rc" -eq 0 ] && grep -q "pack $p: blob [0-9a-f]* damaged" "$T/run.out" &&
    grep -q "10 packs and 1 blob left out" "$T/run.out"; then
	ok "with --read-data the blob that is not authentic is left out"
else notok "with --read-data the blob is left out (exit $rc)"
	sed 's/^/#   /' "$T/run.out" | head; fi

# --- forged trees: repair snapshots ---------------------------------------------
spec() {
	printf '%s\n' "$@" | "$TOOLDIR/forge" -r "$R" --passphrase-fd 3 3<"$T/pw"
}
rm -rf "$R"
mkrepo "$R" --parity 0 || notok "setup: init"
id=$(spec 'file a x' 'dir d' 'cycle loop' 'file f y' end \
    'bigfile big 4294967295' 'bigdir bd 4294967295')
run repair snapshots -r "$R" --forget
if [ "$rc" -eq 0 ] &&
    grep -q "/forged/d/: directory listing missing or damaged: kept as an empty directory" "$T/run.out" &&
    grep -q "/big: data missing or damaged: kept as an empty file" "$T/run.out" &&
    grep -q "/bd/: directory listing missing or damaged" "$T/run.out"; then
	ok "repair snapshots ends on a cycle and 4 GiB claims, and empties them"
else notok "repair snapshots on forged trees (exit $rc)"
	sed 's/^/#   /' "$T/run.out" | head -20; fi
# The forged pack stays (it holds a and f too); check still says its
# header is forged, and nothing else.
run check -r "$R"
if [ "$rc" -eq 14 ] && [ "$(grep -c 'warning' "$T/run.out")" -eq 1 ] &&
    grep -q "warning: pack [0-9a-f]*: header damaged" "$T/run.out"; then
	ok "the repaired snapshot's trees and data pass check"
else notok "the repaired snapshot's trees and data pass check (exit $rc)"
	sed 's/^/#   /' "$T/run.out" | head; fi
rm -rf "$T/out"
run restore -r "$R" latest --target "$T/out"
if [ "$(cat "$T/out/forged/a" 2>/dev/null)" = x ] && [ -d "$T/out/forged/d" ] &&
    [ -z "$(ls "$T/out/forged/d")" ] && [ -f "$T/out/forged/big" ] &&
    [ "$(fsize "$T/out/forged/big")" -eq 0 ]; then
	ok "it restores: a whole, d and bd empty directories, big an empty file"
else notok "the repaired snapshot restores (exit $rc)"
	sed 's/^/#   /' "$T/run.out" | head; fi
