#!/bin/sh
# 65-repair-index.sh: tacit repair index rebuilds a lost index from the
# pack headers.  Every index segment removed: check reports the blobs
# missing (exit 14); --dry-run writes nothing; repair index writes a new
# index from which check --read-data passes and both snapshots restore bit
# for bit.  One of two segments lost: the same.  A re-run on a whole
# index replaces it by one equal to it.  The command line: 'tacit repair'
# lists its subcommands (exit 2), an unknown one is named, --forget does
# not apply to repair index (exit 2), and it takes the exclusive lock.
# A damaged segment: repair snapshots refuses (the blobs it lists are in
# their packs, not lost) until repair index has replaced it.
. "$(dirname "$0")/lib.sh"
# Repositories without parity (--parity 0): damage is met by the AEAD
# alone, as before parity; 120-parity.sh damages them with parity.

R=$T/repo SRC=$T/src
mkrepo "$R" --parity 0 || notok "setup: init"
mkdir -p "$SRC/d" "$SRC/e"
head -c 3000000 /dev/urandom >"$SRC/d/big"
for i in 1 2 3 4 5; do echo "small $i" >"$SRC/e/s$i"; done
tp backup -q -r "$R" "$SRC" || notok "setup: first backup"
cp -a "$SRC" "$T/copy1"
head -c 500000 /dev/urandom >"$SRC/d/more"
echo changed >"$SRC/e/s1"
tp backup -q -r "$R" "$SRC" || notok "setup: second backup"
cp -a "$SRC" "$T/copy2"
S1=$(tp snapshots -r "$R" 2>/dev/null | sed -n '1s/ .*//p')
S2=$(tp snapshots -r "$R" 2>/dev/null | sed -n '2s/ .*//p')

# restores SNAP COPY: snapshot SNAP restores to exactly COPY.
restores() {
	rm -rf "$T/out"
	tp restore -q -r "$R" "$1" --target "$T/out" >"$T/rs.out" 2>&1 &&
	    [ "$(treesum "$T/out/src")" = "$(treesum "$2")" ]
}

# --- the command line -------------------------------------------------------
"$TACIT" repair >"$T/out.txt" 2>&1
rc=$?
if [ "$rc" -eq 2 ] && grep -q "index" "$T/out.txt" &&
    grep -q "snapshots" "$T/out.txt"; then
	ok "tacit repair lists its subcommands (exit 2)"
else notok "tacit repair lists its subcommands (exit $rc)"; fi
"$TACIT" repair idnex -r "$R" >"$T/out.txt" 2>&1
rc=$?
if [ "$rc" -eq 2 ] && grep -q "did you mean 'repair index'" "$T/out.txt"
then ok "a mistyped repair subcommand gets 'did you mean'"
else notok "a mistyped repair subcommand gets 'did you mean' (exit $rc)"
	sed 's/^/#   /' "$T/out.txt"; fi
xcode 2 "repair index --forget is refused (does not apply)" \
    tp repair index -r "$R" --forget
xcode 2 "repair index takes no operand" tp repair index -r "$R" extra
"$TACIT" repair index --help >"$T/out.txt" 2>&1
if grep -q -- "--read-data" "$T/out.txt" && grep -q -- "--dry-run" \
    "$T/out.txt"; then ok "repair index --help names --read-data and --dry-run"
else notok "repair index --help names --read-data and --dry-run"; fi

# --- every segment lost -----------------------------------------------------
cp -a "$R" "$T/whole"
rm -f "$R"/index/*
xcode 14 "check reports the blobs missing once the index is gone" \
    tp check -r "$R"
xcode 0 "repair index --dry-run runs" tp repair index -r "$R" --dry-run
if [ -z "$(ls "$R/index")" ]; then ok "--dry-run wrote no segment"
else notok "--dry-run wrote a segment"; fi
tp repair index -r "$R" >"$T/ri.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -q "^[0-9]* packs\{0,1\} read, [1-9][0-9]* blobs indexed" \
    "$T/ri.out"; then ok "repair index rebuilds the index (exit 0)"
else notok "repair index rebuilds the index (exit $rc)"
	sed 's/^/#   /' "$T/ri.out"; fi
xcode 0 "check --read-data passes on the rebuilt index" \
    tp check -r "$R" --read-data
if restores "$S1" "$T/copy1" && restores "$S2" "$T/copy2"; then
	ok "both snapshots restore bit for bit from the rebuilt index"
else notok "both snapshots restore bit for bit from the rebuilt index"
	sed 's/^/#   /' "$T/rs.out"; fi
a=$(tp check -r "$T/whole" 2>/dev/null | sed 's/; took.*//')
b=$(tp check -r "$R" 2>/dev/null | sed 's/; took.*//')
if [ -n "$a" ] && [ "$a" = "$b" ]; then
	ok "the rebuilt index finds what the original one did ($b)"
else notok "the rebuilt index finds what the original one did ($a / $b)"; fi

# --- one segment of two lost ------------------------------------------------
rm -rf "$R"
cp -a "$T/whole" "$R"
rm -f "$R/index/$(ls "$R/index" | head -1)"
xcode 14 "check reports missing blobs with one segment lost" \
    tp check -r "$R"
xcode 0 "repair index after one lost segment" tp repair index -r "$R"
if [ "$(ls "$R/index" | wc -l)" -eq 1 ]; then
	ok "the old segment was removed once the new one was written"
else notok "index/ holds $(ls "$R/index" | wc -l) segments, not 1"; fi
xcode 0 "check --read-data passes" tp check -r "$R" --read-data
if restores "$S2" "$T/copy2"; then ok "the latest snapshot restores"
else notok "the latest snapshot restores"; fi

# --- a re-run, and the lock -------------------------------------------------
xcode 0 "repair index on a whole index" tp repair index -r "$R"
xcode 0 "check passes after it" tp check -r "$R"
# A backup paused before its commit holds the add lock: repair refuses.
if ! command -v strace >/dev/null || ! command -v setsid >/dev/null; then
	ok "# SKIP strace or setsid is missing"
elif paused_backup "$R" "$SRC"; then
	xcode 11 "repair index refuses while a backup holds the lock (exit 11)" \
	    tp repair index -r "$R"
	paused_end "$R" || notok "setup: the killed backup still holds the lock"
else notok "setup: the paused backup never took the lock"; fi

# --- a damaged segment: repair snapshots refuses, repair index first ---------
seg=$(ls "$R/index" | head -1)
flip "$R/index/$seg" 100
tp repair snapshots -r "$R" >"$T/rs.out" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && grep -q "run 'tacit repair index' first" "$T/rs.out" &&
    [ "$(ls "$R/snapshots" | wc -l)" -eq 2 ]; then
	ok "repair snapshots refuses while a segment is damaged (its blobs are not lost)"
else notok "repair snapshots refuses while a segment is damaged (exit $rc)"
	sed 's/^/#   /' "$T/rs.out"; fi
xcode 0 "repair index replaces the damaged segment" tp repair index -r "$R"
xcode 0 "check --read-data passes" tp check -r "$R" --read-data
if restores "$S1" "$T/copy1" && restores "$S2" "$T/copy2"; then
	ok "both snapshots restore bit for bit"
else notok "both snapshots restore bit for bit"; fi
