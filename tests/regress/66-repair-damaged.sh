#!/bin/sh
# 66-repair-damaged.sh: repair index with damaged packs.  (1) A pack whose
# trailer is damaged and one cut short: repair index reports each by name,
# leaves its blobs out of the index and still indexes the others; check
# then reports the latest snapshot's blobs missing (not "damaged" from a
# pack it cannot read); the next backup stores them again, after which
# check --read-data passes and the new snapshot restores bit for bit.
# (2) One data blob of a pack flipped: repair index --read-data leaves
# that blob out and names it (without --read-data it is indexed, and
# check --read-data finds it); the next backup stores it again, and check
# --read-data passes.  Also: a second repair index without --read-data
# keeps the stored-again copy the index names, not the damaged one.
# (1c) A damaged trailer while the index segments still list the pack's
# blobs: repair index keeps them from the old index (with --read-data
# after reading each); check --read-data then reports only the trailer,
# the latest snapshot restores bit for bit, and after the next prune (no
# backup in between) check --read-data passes and it still restores.
. "$(dirname "$0")/lib.sh"
# Repositories without parity (--parity 0): damage is met by the AEAD
# alone, as before parity; 120-parity.sh damages them with parity.

R=$T/repo SRC=$T/src
B=${TOOLDIR:?}/blobmap
mkrepo "$R" --parity 0 || notok "setup: init"
mkdir -p "$SRC/d" "$SRC/e"
head -c 2000000 /dev/urandom >"$SRC/d/one"
echo small >"$SRC/e/s"
tp backup -q -r "$R" "$SRC" || notok "setup: first backup"
head -c 1500000 /dev/urandom >"$SRC/d/two"
tp backup -q -r "$R" "$SRC" || notok "setup: second backup"
tp snapshots -r "$R" >/dev/null 2>&1 || notok "setup: snapshots"
printf '%s\n' "$PW" | "$B" -r "$R" --passphrase-fd 0 >"$T/map" 2>&1 ||
    notok "setup: blobmap"
# The pack of d/two's first chunk: written by the second backup only.
c2=$(awk '$1 == "file" && $3 == "/src/d/two" { print $2; exit }' "$T/map")
P2=$(awk -v c="$c2" '$1 == "blob" && $6 == c { print $3; exit }' "$T/map")
P2F=$(ls "$R"/packs/*/"$P2")
cp -a "$R" "$T/base"

# restores SNAP: snapshot SNAP restores to exactly $SRC.
restores() {
	rm -rf "$T/out"
	tp restore -q -r "$R" "$1" --target "$T/out" >"$T/rs.out" 2>&1 &&
	    [ "$(treesum "$T/out/src")" = "$(treesum "$SRC")" ]
}

# --- (1) a damaged trailer ----------------------------------------------------
flip "$P2F" $(( $(fsize "$P2F") - 3 ))
rm -f "$R"/index/*
tp repair index -r "$R" >"$T/ri.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -q "pack $P2: header or trailer damaged.*left out" \
    "$T/ri.out" && grep -q "1 pack and 0 blobs left out" "$T/ri.out"; then
	ok "repair index names the pack with a damaged trailer and leaves it out"
else notok "repair index names the pack with a damaged trailer (exit $rc)"
	sed 's/^/#   /' "$T/ri.out"; fi
tp check -r "$R" >"$T/ck.out" 2>&1
rc=$?
if [ "$rc" -eq 14 ] && grep -q "missing from the index" "$T/ck.out"; then
	ok "check then reports the latest snapshot's blobs missing"
else notok "check then reports the latest snapshot's blobs missing (exit $rc)"
	sed 's/^/#   /' "$T/ck.out" | head; fi
tp backup -q -r "$R" "$SRC" 2>/dev/null || notok "the next backup fails"
# It stored the lost blobs again under their ids: the damaged snapshot
# lacks only its log, which was nowhere else.
tp check -r "$R" --read-data >"$T/ck.out" 2>&1
rc=$?
if [ "$rc" -eq 14 ] && [ "$(grep -c 'missing' "$T/ck.out")" -eq 1 ] &&
    grep -q "(the backup's log): data missing" "$T/ck.out"; then
	ok "the next backup stored the lost data again: only the old log is missing"
else notok "the next backup stored the lost data again (exit $rc)"
	sed 's/^/#   /' "$T/ck.out" | head; fi
xcode 0 "repair snapshots --forget replaces the snapshot that lost its log" \
    tp repair snapshots -r "$R" --forget
xcode 0 "then check --read-data passes" tp check -r "$R" --read-data
if restores latest; then ok "the new snapshot restores bit for bit"
else notok "the new snapshot restores bit for bit"
	sed 's/^/#   /' "$T/rs.out"; fi

# --- (1c) a damaged trailer, the index segments intact ---------------------
# The segments still list the pack's blobs, which are whole: repair index
# keeps them (it used to drop the pack, remove the segments, and the next
# prune deleted the pack).
rm -rf "$R"
cp -a "$T/base" "$R"
P2F=$(ls "$R"/packs/*/"$P2")
flip "$P2F" $(( $(fsize "$P2F") - 3 ))
for rd in "" --read-data; do
	tp repair index -r "$R" $rd >"$T/ri.out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && grep -q "pack $P2: header damaged: [1-9][0-9]* blobs\{0,1\} kept from the old index" "$T/ri.out" &&
	    grep -q "0 packs and 0 blobs left out" "$T/ri.out"; then
		ok "repair index $rd keeps the blobs the old index lists for a pack with a damaged trailer"
	else notok "repair index $rd keeps the blobs of a pack with a damaged trailer (exit $rc)"
		sed 's/^/#   /' "$T/ri.out"; fi
done
# No blob is missing or damaged: check --read-data reports only the trailer
# (repair index touches no pack; prune rewrites it).
tp check -r "$R" --read-data >"$T/ck.out" 2>&1
rc=$?
if [ "$rc" -eq 14 ] && grep -q "1 problem;" "$T/ck.out" &&
    grep -q "pack $P2: trailer damaged" "$T/ck.out"; then
	ok "then check --read-data finds every blob whole (only the trailer is reported)"
else notok "then check --read-data finds every blob whole (exit $rc)"
	sed 's/^/#   /' "$T/ck.out" | head; fi
if restores latest; then ok "the latest snapshot restores bit for bit"
else notok "the latest snapshot restores bit for bit"
	sed 's/^/#   /' "$T/rs.out"; fi
xcode 0 "the next prune" tp prune -r "$R"
xcode 0 "check --read-data passes after prune (nothing stored again)" \
    tp check -r "$R" --read-data
if restores latest; then ok "after prune the latest snapshot restores bit for bit"
else notok "after prune the latest snapshot restores bit for bit"
	sed 's/^/#   /' "$T/rs.out"; fi

# --- (1b) a pack cut short ----------------------------------------------------
rm -rf "$R"
cp -a "$T/base" "$R"
P2F=$(ls "$R"/packs/*/"$P2")
head -c 1000 "$P2F" >"$T/cut" && cat "$T/cut" >"$P2F"
rm -f "$R"/index/*
tp repair index -r "$R" >"$T/ri.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -q "pack $P2: .*left out" "$T/ri.out"; then
	ok "a pack cut short is named and left out"
else notok "a pack cut short is named and left out (exit $rc)"
	sed 's/^/#   /' "$T/ri.out"; fi
tp backup -q -r "$R" "$SRC" 2>/dev/null || notok "the next backup fails"
xcode 0 "repair snapshots --forget" tp repair snapshots -r "$R" --forget
xcode 0 "check --read-data passes after the backup and the repair" \
    tp check -r "$R" --read-data

# --- (2) one damaged blob -----------------------------------------------------
rm -rf "$R"
cp -a "$T/base" "$R"
set -- $(awk -v c="$c2" '$1 == "blob" && $6 == c { print $4, $5; exit }' \
    "$T/map")
P2F=$(ls "$R"/packs/*/"$P2")
flip "$P2F" $(( $1 + $2 / 2 ))
xcode 0 "repair index without --read-data" tp repair index -r "$R"
xcode 14 "check --read-data finds the damaged blob it indexed" \
    tp check -r "$R" --read-data
tp repair index -r "$R" --read-data >"$T/ri.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -q "pack $P2: blob $c2 damaged.*left out" \
    "$T/ri.out" && grep -q "0 packs and 1 blob left out" "$T/ri.out"; then
	ok "repair index --read-data names the damaged blob and leaves it out"
else notok "repair index --read-data leaves the damaged blob out (exit $rc)"
	sed 's/^/#   /' "$T/ri.out"; fi
tp check -r "$R" >"$T/ck.out" 2>&1
if grep -q "/src/d/two: data missing from the index (blob $c2)" "$T/ck.out"
then ok "check reports exactly that blob missing"
else notok "check reports exactly that blob missing"
	sed 's/^/#   /' "$T/ck.out" | head; fi
tp backup -q -r "$R" "$SRC" || notok "the next backup fails"
xcode 0 "after the next backup, check --read-data passes" \
    tp check -r "$R" --read-data
xcode 0 "repair index again, without --read-data" tp repair index -r "$R"
xcode 0 "it kept the good copy the index named: check --read-data passes" \
    tp check -r "$R" --read-data
if restores latest; then ok "the latest snapshot restores bit for bit"
else notok "the latest snapshot restores bit for bit"
	sed 's/^/#   /' "$T/rs.out"; fi
