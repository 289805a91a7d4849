#!/bin/sh
# 100-copy.sh: tacit copy -r SRC --to DST (issue 18).  Every snapshot of
# SRC is copied into DST (its own passphrase, from --to-passphrase-fd);
# DST then passes check --read-data and restores each one bit for bit;
# a second run copies nothing and says so; a copied snapshot records its
# original (so a copy of DST back into SRC copies nothing either).
# Filters (SNAP operands, --tag, --path) pick what is copied.  A wrong
# DST passphrase is exit 12 with nothing written to DST; DST == SRC, a
# missing --to and an option of another command are exit 2; a missing DST
# is exit 10.  --json gives the source and copy ids.  init
# --copy-chunker-from: a backup of the same tree straight into DST adds
# no data after the copy; without it, all of it again.  And a wrong
# source passphrase for init --copy-chunker-from leaves no repository.
. "$(dirname "$0")/lib.sh"

S=$T/src D=$T/dst DATA=$T/data
PW2="another passphrase for DST"
printf '%s\n' "$PW2" >"$T/pw2"
printf '%s\n' "$PW" >"$T/pw1"
# cp ARGS: tacit copy with SRC's passphrase on 0 and DST's on 5.
cpy() { tp copy "$@" 5<"$T/pw2"; }
# t2 ARGS: tacit with DST's passphrase.
t2() { "$TACIT" "$@" --passphrase-fd 5 5<"$T/pw2"; }

mkdir -p "$DATA/a/b" "$DATA/e"
head -c 3000000 /dev/urandom >"$DATA/big"
printf 'small\n' >"$DATA/a/small"
printf 'x\n' >"$DATA/a/b/deep"
ln -s small "$DATA/a/link"
mkrepo "$S" || notok "setup: init SRC"
tp backup -q -r "$S" "$DATA" --tag one || notok "setup: backup 1"
head -c 2000000 /dev/urandom >"$DATA/e/second"
tp backup -q -r "$S" "$DATA" --tag two || notok "setup: backup 2"
tp backup -q -r "$S" "$DATA/a" || notok "setup: backup 3"
printf '%s\n' "$PW2" | "$TACIT" init -q -r "$D" $FAST --passphrase-fd 0 \
    >/dev/null 2>&1 || notok "setup: init DST"

# Usage errors, before any passphrase.
xcode 2 "copy without --to is a usage error" tp copy -r "$S"
xcode 2 "copy into SRC itself is refused" cpy -r "$S" --to "$S" \
    --to-passphrase-fd 5
xcode 2 "an option of another command (--target) is refused" \
    cpy -r "$S" --to "$D" --to-passphrase-fd 5 --target "$T/x"
xcode 10 "a missing DST is exit 10" cpy -r "$S" --to "$T/none" \
    --to-passphrase-fd 5

# A wrong DST passphrase: exit 12, DST unchanged.
find "$D" -type f | sort >"$T/dst.before"
printf 'wrong one\n' >"$T/pwx"
xcode 12 "a wrong DST passphrase is exit 12" sh -c "printf '%s\n' '$PW' |
    '$TACIT' copy -r '$S' --to '$D' --passphrase-fd 0 --to-passphrase-fd 5 \
    5<'$T/pwx'"
grepq "$D" "$T/.out" && ok "the refusal names DST" ||
    { notok "the refusal names DST"; sed 's/^/#   /' "$T/.out"; }
find "$D" -type f | sort >"$T/dst.after"
check "after a wrong DST passphrase DST is as it was" \
    cmp "$T/dst.before" "$T/dst.after"

# Filters: --tag one copies one snapshot; SNAP by id another.
cpy -r "$S" --to "$D" --to-passphrase-fd 5 --tag one --json >"$T/j1" 2>&1
n=$(t2 snapshots -r "$D" 2>/dev/null | grep -c '^[0-9a-f]\{8\} ')
[ "$n" = 1 ] && ok "copy --tag one copied one snapshot" ||
    { notok "copy --tag one copied $n snapshots"; sed 's/^/#   /' "$T/j1"; }
grepq '"source":"' "$T/j1" && grepq '"copy":"' "$T/j1" &&
    ok "--json names the source and the copy" ||
    { notok "--json names the source and the copy"; sed 's/^/#   /' "$T/j1"; }
third=$(tp snapshots -r "$S" --path "$DATA/a" 2>/dev/null |
    sed -n 's/^\([0-9a-f]\{8\}\) .*/\1/p')
cpy -r "$S" --to "$D" --to-passphrase-fd 5 "$third" >"$T/o2" 2>&1
t2 snapshots -r "$D" --path "$DATA/a" >"$T/s2" 2>&1
grepq "$DATA/a" "$T/s2" && ok "copy SNAP copied the snapshot named" ||
    { notok "copy SNAP copied the snapshot named"; sed 's/^/#   /' "$T/o2"; }
n=$(t2 snapshots -r "$D" 2>/dev/null | grep -c '^[0-9a-f]\{8\} ')
[ "$n" = 2 ] && ok "and only it" || notok "DST holds $n snapshots, not 2"

cpy -r "$S" --to "$D" --to-passphrase-fd 5 --tag none-has-it >"$T/none" 2>&1
grepq "no snapshot of $S is chosen" "$T/none" &&
    ok "a filter that picks nothing says so" ||
    { notok "a filter that picks nothing says so"; sed 's/^/#   /' "$T/none"; }

# The rest, then nothing.
check "copy of the rest" cpy -r "$S" --to "$D" --to-passphrase-fd 5
n=$(t2 snapshots -r "$D" 2>/dev/null | grep -c '^[0-9a-f]\{8\} ')
[ "$n" = 3 ] && ok "DST holds the three snapshots" ||
    notok "DST holds $n snapshots, not 3"
find "$D" -type f | sort >"$T/dst.before"
cpy -r "$S" --to "$D" --to-passphrase-fd 5 >"$T/again" 2>&1 ||
    notok "the second copy fails"
grepq "nothing to copy" "$T/again" && ok "a second copy says it copies nothing" ||
    { notok "a second copy says it copies nothing"; sed 's/^/#   /' "$T/again"; }
find "$D" -type f | sort >"$T/dst.after"
check "and writes nothing" cmp "$T/dst.before" "$T/dst.after"
cpy -r "$S" --to "$D" --to-passphrase-fd 5 --json >"$T/again.j" 2>&1
grepq '"copied":\[\],"skipped":3' "$T/again.j" &&
    ok "its --json: nothing copied, three skipped" ||
    { notok "its --json"; sed 's/^/#   /' "$T/again.j"; }
# Back from DST into SRC: every one is an original there.
printf '%s\n' "$PW2" | "$TACIT" copy -r "$D" --to "$S" --passphrase-fd 0 \
    --to-passphrase-fd 5 5<"$T/pw1" >"$T/back" 2>&1
grepq "nothing to copy" "$T/back" &&
    ok "a copy back into SRC copies nothing (the originals are there)" ||
    { notok "a copy back into SRC"; sed 's/^/#   /' "$T/back"; }

# Locks: DST's adding lock held (a backup into DST) refuses the copy
# (exit 11); SRC's exclusive lock (a prune) too; SRC's adding lock (a
# backup into SRC) does not: copy only reads SRC.
# hold FILE START LEN: a process holding that byte range exclusively.
hold() {
	python3 -c 'import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_EX, int(sys.argv[3]), int(sys.argv[2]))
open(sys.argv[1] + ".held", "w").close()
time.sleep(60)' "$1" "$2" "$3" &
	holder=$!
	while [ ! -e "$1.held" ]; do sleep 0.05; done
	rm -f "$1.held"
}
hold "$D/lock" 0 1
xcode 11 "a copy while DST's adding lock is held is exit 11" \
    cpy -r "$S" --to "$D" --to-passphrase-fd 5
kill $holder; wait $holder 2>/dev/null
hold "$S/lock" 0 2
xcode 11 "a copy while SRC's exclusive lock is held is exit 11" \
    cpy -r "$S" --to "$D" --to-passphrase-fd 5
kill $holder; wait $holder 2>/dev/null
hold "$S/lock" 0 1
check "a copy while a backup holds SRC's adding lock runs" \
    cpy -r "$S" --to "$D" --to-passphrase-fd 5
kill $holder; wait $holder 2>/dev/null

check "DST passes check --read-data" t2 check -r "$D" --read-data
fails=0
for tag in one two; do
	id=$(t2 snapshots -r "$D" --tag "$tag" 2>/dev/null |
	    sed -n 's/^\([0-9a-f]\{8\}\) .*/\1/p')
	rm -rf "$T/r"
	t2 restore -q -r "$D" "$id" --target "$T/r" >/dev/null 2>&1 ||
	    fails=$((fails + 1))
	sid=$(tp snapshots -r "$S" --tag "$tag" 2>/dev/null |
	    sed -n 's/^\([0-9a-f]\{8\}\) .*/\1/p')
	rm -rf "$T/r0"
	tp restore -q -r "$S" "$sid" --target "$T/r0" >/dev/null 2>&1
	treesum "$T/r0" >"$T/sum0"
	treesum "$T/r" >"$T/sum1"
	cmp -s "$T/sum0" "$T/sum1" || fails=$((fails + 1))
done
[ $fails = 0 ] && ok "each copied snapshot restores as its original does" ||
    notok "$fails copied snapshots restore differently"
t2 log -r "$D" latest >"$T/log" 2>&1
grepq "backup of" "$T/log" && ok "the log of a snapshot came with it" ||
    notok "the log of a snapshot came with it"

# Deduplication: DST made with --copy-chunker-from SRC takes a backup of
# the same tree without new data; a DST made without it stores it again.
D2=$T/dst2
printf '%s\n' "$PW2" | "$TACIT" init -q -r "$D2" $FAST --passphrase-fd 0 \
    --copy-chunker-from "$S" --from-passphrase-fd 5 5<"$T/pw1" \
    >"$T/init2" 2>&1 || { notok "init --copy-chunker-from"; sed 's/^/#   /' "$T/init2"; }
check "copy into the DST made with --copy-chunker-from" \
    cpy -r "$S" --to "$D2" --to-passphrase-fd 5
t2 backup -r "$D2" "$DATA" --force --json >"$T/b2" 2>/dev/null
t2 backup -r "$D" "$DATA" --force --json >"$T/b1" 2>/dev/null
a2=$(sed 's/.*"added_stored":\([0-9]*\).*/\1/' "$T/b2")
a1=$(sed 's/.*"added_stored":\([0-9]*\).*/\1/' "$T/b1")
[ -n "$a2" ] && [ "$a2" -lt 65536 ] &&
    ok "with shared chunker parameters a backup after the copy adds $a2 bytes" ||
    { notok "with shared chunker parameters the backup added ${a2:-?} bytes"; sed 's/^/#   /' "$T/b2"; }
# Not all 5 MB: a file that holds no cut point of either chunker is one
# chunk in both and deduplicates anyway (2 MB: about 3 % of runs).  Both
# files doing so is about 1 in 10,000.
[ -n "$a1" ] && [ "$a1" -gt 1000000 ] &&
    ok "without them it stores the data again ($a1 bytes)" ||
    { notok "without them the backup added ${a1:-?} bytes"; sed 's/^/#   /' "$T/b1"; }
check "the DST with shared parameters passes check --read-data" \
    t2 check -r "$D2" --read-data

# init --copy-chunker-from with a wrong SRC passphrase: no repository.
printf '%s\n' "$PW2" | "$TACIT" init -q -r "$T/dst3" $FAST --passphrase-fd 0 \
    --copy-chunker-from "$S" --from-passphrase-fd 5 5<"$T/pwx" \
    >"$T/init3" 2>&1
rc=$?
[ $rc = 12 ] && ok "init --copy-chunker-from with a wrong SRC passphrase is exit 12" ||
    { notok "init --copy-chunker-from with a wrong SRC passphrase: exit $rc"; sed 's/^/#   /' "$T/init3"; }
[ ! -e "$T/dst3/header" ] && ok "and makes no repository" ||
    notok "and makes no repository"
xcode 2 "--copy-chunker-from does not apply to backup" \
    tp backup -r "$S" "$DATA" --copy-chunker-from "$S"
rm -rf "$T"
