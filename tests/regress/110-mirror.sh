#!/bin/sh
# 110-mirror.sh: a repository copied file by file is a repository (issue
# 18, "Mirrors").  Copies made with cp -a and rsync -a pass check
# --read-data and restore bit for bit; copies taken while a backup runs
# (the backup stopped with SIGSTOP at several moments, and once just
# before it commits, copied with rsync -a, then continued) pass check with
# at most harmless leftovers; rsync -a --ignore-existing brings such a
# copy up to date.  check --same-as B says whether B holds the same files
# as A by name and size: 0 the same, 16 with the files one lacks (text
# and --json), 16 for another repository's copy, 10 for no repository;
# a file damaged on B but of the same size is not seen by names (check
# --read-data -r B sees it).
. "$(dirname "$0")/lib.sh"

R=$T/repo SRC=$T/src
mkdir -p "$SRC/d"
head -c 3000000 /dev/urandom >"$SRC/big"
echo small >"$SRC/d/small"
mkrepo "$R" || { notok "setup: init"; exit 0; }
tp backup -q -r "$R" "$SRC" || notok "setup: first backup"

# --- whole copies ----------------------------------------------------------
cp -a "$R" "$T/cp"
rsync -a "$R/" "$T/rs/"
for m in cp rs; do
	xcode 0 "$m: a copy passes check --read-data" \
	    tp check -q -r "$T/$m" --read-data
	rm -rf "$T/out.$m"
	if tp restore -q -r "$T/$m" latest --target "$T/out.$m" &&
	    diff -r "$SRC" "$T/out.$m/src" >/dev/null; then
		ok "$m: the copy restores bit for bit"
	else notok "$m: restore from the copy"; fi
	xcode 0 "check --same-as $m: the same" \
	    tp check -q -r "$R" --same-as "$T/$m"
done
tp check -r "$R" --same-as "$T/rs" >"$T/same.out" 2>&1
if grep -q "holds the same [0-9]* files" "$T/same.out"; then
	ok "check --same-as says the copy holds the same files"
else notok "check --same-as output"; sed 's/^/#   /' "$T/same.out"; fi

# --- copies taken mid-way through a backup --------------------------------
head -c 40000000 /dev/urandom >"$SRC/huge"
printf '%s\n' "$PW" >"$T/pw"
setsid "$TACIT" backup -q -r "$R" "$SRC" --passphrase-fd 3 3<"$T/pw" \
    >"$T/bk.out" 2>&1 &
bk=$!
k=0
for d in 0.3 0.5 0.7 1 1.5; do
	sleep "$d"
	kill -STOP -"$bk" 2>/dev/null || break
	k=$((k + 1))
	rsync -a "$R/" "$T/mid$k/"
	kill -CONT -"$bk" 2>/dev/null
done
wait "$bk"
rc=$?
[ "$rc" -eq 0 ] || notok "the stopped and continued backup (exit $rc)"
if [ "$k" -eq 0 ]; then
	ok "# SKIP the backup ended before the first stop"
fi
i=1
while [ "$i" -le "$k" ]; do
	xcode 0 "copy $i taken mid-way (SIGSTOP) passes check" \
	    tp check -q -r "$T/mid$i"
	i=$((i + 1))
done
if [ "$k" -gt 0 ]; then
	tp check -r "$R" --same-as "$T/mid1" >"$T/mid.same" 2>&1
	rc=$?
	if [ "$rc" -eq 16 ] &&
	    grep -q "^only in A: snapshots/" "$T/mid.same" &&
	    ! grep -q "^only in B:" "$T/mid.same"; then
		ok "--same-as: the first mid-way copy lacks the new snapshot, has nothing A lacks (exit 16)"
	else notok "--same-as against the first mid-way copy (exit $rc)"
		sed 's/^/#   /' "$T/mid.same"; fi
fi
# Just before the commit: packs and index written, no snapshot.
head -c 2000000 /dev/urandom >"$SRC/more"
if command -v strace >/dev/null && paused_backup "$R" "$SRC" &&
    paused_committing "$R"; then
	kill -STOP -"$slow"
	rsync -a "$R/" "$T/pause/"
	kill -CONT -"$slow"
	kill -KILL -"$slow" 2>/dev/null
	wait "$slow" 2>/dev/null
	tp check -r "$T/pause" >"$T/pause.out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && grep -q "[1-9][0-9]* harmless leftover" \
	    "$T/pause.out"; then
		ok "a copy taken as a backup commits passes check, with its leftovers"
	else notok "copy taken at the commit (exit $rc)"
		sed 's/^/#   /' "$T/pause.out"; fi
	# The killed backup's packs and index stay in A: the copy holds
	# the same files, its temporaries aside.
	xcode 0 "--same-as: the copy at the commit holds A's files (temporaries aside)" \
	    tp check -q -r "$R" --same-as "$T/pause"
else
	ok "# SKIP strace is missing or the paused backup did not start"
	kill -KILL -"$slow" 2>/dev/null
fi

# --- the copy behind: what it lacks, then brought up to date --------------
tp check -r "$R" --same-as "$T/rs" >"$T/behind.out" 2>&1
rc=$?
if [ "$rc" -eq 16 ] && grep -q "^only in A: snapshots/" "$T/behind.out" &&
    grep -q "^only in A: packs/" "$T/behind.out" &&
    grep -q "^only in A: index/" "$T/behind.out"; then
	ok "--same-as: the old copy lacks the new snapshot, index and packs (exit 16)"
else notok "--same-as behind (exit $rc)"; sed 's/^/#   /' "$T/behind.out"; fi
tp check -r "$R" --same-as "$T/rs" --json >"$T/behind.json" 2>/dev/null
rc=$?
if [ "$rc" -eq 16 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["same"] is False and d["same_repository"] is True
assert any(f["name"].startswith("snapshots/") for f in d["only_in_a"])
assert d["only_in_b"] == [] and d["other_size"] == []
' "$T/behind.json"; then
	ok "--same-as --json: the same lists"
else notok "--same-as --json (exit $rc)"; sed 's/^/#   /' "$T/behind.json"; fi
rsync -a --ignore-existing "$R/" "$T/rs/"
xcode 0 "rsync -a --ignore-existing brings the copy up to date" \
    tp check -q -r "$R" --same-as "$T/rs"
xcode 0 "the updated copy passes check --read-data" \
    tp check -q -r "$T/rs" --read-data

# --- what names and sizes cannot tell, and what is no copy ----------------
# A pack of the first snapshot (which check --read-data reads).
p=$T/rs/$(cd "$T/cp" && find packs -type f ! -name '.tmp-*' | head -n 1)
flip "$p" 100
xcode 0 "--same-as compares names and sizes only: a flipped byte is the same" \
    tp check -q -r "$R" --same-as "$T/rs"
xcode 15 "check --read-data of the copy finds the flipped byte (repairable from the parity: 15)" \
    tp check -q -r "$T/rs" --read-data
rm -f "$p"
xcode 16 "--same-as: a pack removed from the copy" \
    tp check -q -r "$R" --same-as "$T/rs"
mkrepo "$T/other"
xcode 16 "--same-as another repository: 16" \
    tp check -q -r "$R" --same-as "$T/other"
mkdir "$T/empty"
xcode 10 "--same-as an empty directory: 10" \
    tp check -q -r "$R" --same-as "$T/empty"
xcode 10 "--same-as nothing: 10" \
    tp check -q -r "$R" --same-as "$T/none"
xcode 2 "--json without --same-as: 2" tp check -q -r "$R" --json
xcode 2 "--same-as the repository itself: 2" \
    tp check -q -r "$R" --same-as "$R"
