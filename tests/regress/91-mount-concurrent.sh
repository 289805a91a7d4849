#!/bin/sh
# 91-mount-concurrent.sh: the mount serves readers at the same time (a few
# threads; a read of the repository lets the others go on).  With the
# keyholder stopped (SIGSTOP), a cat of a file not yet read waits for it;
# meanwhile a stat and a lookup of entries in a directory already listed,
# and a readdir of it, still answer (they need no keyholder).  On the
# single-threaded loop they waited for the cat.  Then, with the keyholder
# going again, two cats of two large files and an ls -lR run together and
# all end with the right bytes.  ls -l of a directory of 200 files gets
# their attributes by readdirplus, not by 200 lookups (tacit -v counts
# both).  Root only.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then ok "# SKIP not root (91-mount-concurrent needs mount(2))"; exit 0; fi
if [ ! -c /dev/fuse ]; then ok "# SKIP no /dev/fuse here"; exit 0; fi
command -v timeout >/dev/null || { ok "# SKIP timeout is missing"; exit 0; }

R=$T/repo S=$T/src M=$T/mnt
mkrepo "$R" || notok "setup: init"
mkdir -p "$S/d" "$M"
head -c 20971520 /dev/urandom >"$S/big1"
head -c 20971520 /dev/urandom >"$S/big2"
mkdir -p "$S/e"
i=0
while [ $i -lt 200 ]; do printf '%s\n' $i >"$S/d/f$i"; printf x >"$S/e/g$i"; i=$((i + 1)); done
tp backup -r "$R" "$S" >"$T/b.out" 2>&1 || { notok "setup: backup"; sed 's/^/#   /' "$T/b.out"; }
trap 'kill -CONT "$kh" 2>/dev/null; umount -l "$M" 2>/dev/null' EXIT
printf '%s\n' "$PW" >"$T/pw"

"$TACIT" mount -r "$R" "$M" -v --passphrase-fd 3 3<"$T/pw" >"$T/m.out" 2>&1 &
kh=$!
i=0
while [ ! -e "$M/latest" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
[ -e "$M/latest" ] || { notok "setup: mount"; sed 's/^/#   /' "$T/m.out"; exit 0; }
P=$M/latest/src
ls -f "$P/d" >/dev/null	# the directory's tree is read, no entry looked up

kill -STOP "$kh"
cat "$P/big1" >"$T/c1" &
c1=$!
sleep 2		# the cat now waits for the keyholder (any later is fine too)
timeout 20 stat -c %s "$P/d/f150" >"$T/st" 2>&1; rc=$?
timeout 20 ls "$P/d" >"$T/ls1" 2>&1; lrc=$?
if [ $rc = 0 ] && [ "$(cat "$T/st")" = 4 ] && [ $lrc = 0 ] && [ "$(wc -l <"$T/ls1")" = 200 ]; then
	ok "a stat and a readdir answer while a read waits for the keyholder"
else notok "a stat and a readdir answer while a read waits for the keyholder (stat $rc, ls $lrc)"
	head -3 "$T/st" | sed 's/^/#   /'; fi
kill -CONT "$kh"
wait $c1; rc=$?
if [ $rc = 0 ] && cmp -s "$T/c1" "$S/big1"; then ok "the waiting read ends with the right bytes"
else notok "the waiting read ends with the right bytes (cat $rc)"; fi

cat "$P/big2" >"$T/c2" & c2=$!
ls -l "$P/e" >"$T/lse" 2>&1
cat "$P/big1" >"$T/c1b" & c1=$!
ls -lR "$M/latest/" >"$T/lsr" 2>&1 & l=$!
wait $c2; r2=$?; wait $c1; r1=$?; wait $l; rl=$?
if [ $r1 = 0 ] && [ $r2 = 0 ] && [ $rl = 0 ] && cmp -s "$T/c2" "$S/big2" &&
    cmp -s "$T/c1b" "$S/big1" && [ "$(grep -c '^-rw' "$T/lsr")" = 402 ]; then
	ok "two cats and an ls -lR at once all end right"
else notok "two cats and an ls -lR at once all end right (cat $r1 $r2, ls $rl)"; fi
kill -TERM "$kh"
wait "$kh"
rc=$?
if [ $rc = 0 ] && ! grep -q " $M " /proc/mounts; then ok "SIGTERM unmounts, exit 0"
else notok "SIGTERM unmounts, exit 0 (exit $rc)"; sed 's/^/#   /' "$T/m.out"; fi
line=$(grep 'entries: ' "$T/m.out")
echo "# ${line:-no count}"
lk=$(echo "$line" | sed -n 's/.*entries: \([0-9]*\) looked up, \([0-9]*\) by readdirplus.*/\1/p')
pl=$(echo "$line" | sed -n 's/.*entries: \([0-9]*\) looked up, \([0-9]*\) by readdirplus.*/\2/p')
if [ "$(grep -c '^-' "$T/lse")" = 200 ] && [ -n "$lk" ] && [ -n "$pl" ] && [ "$pl" -ge 200 ] && [ "$lk" -lt 200 ]; then
	ok "ls -l of 200 files takes their attributes by readdirplus ($pl entries), not a lookup each ($lk lookups in all)"
else notok "ls -l of 200 files takes their attributes by readdirplus (${pl:-?} entries, ${lk:-?} lookups)"; fi
