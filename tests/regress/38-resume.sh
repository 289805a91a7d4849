#!/bin/sh
# 38-resume.sh: an interrupted restore never leaves a wrong file under its
# final name, and running it again finishes the job (issue 14, P9).
#
# A snapshot of small files (a/), one 32 MiB file (b/big) and more small
# files (c/) is restored under strace, which slows every pwrite64 down
# (no tight timing: the window to interrupt in is seconds wide), and the
# restore is interrupted once about 8 MiB are in the target, while b/big
# is being written:
#  (1) kill -9 of every process of the restore;
#  (2) SIGINT to the tacit processes, as Ctrl-C would send it.
# After each: every regular file under its own name in the target is
# complete (the bytes of the snapshot), the interrupted file is at most a
# .tacit-tmp-* file; a rerun exits 0, says how many entries were already
# complete and how many new, removes the leftovers, and the target then
# equals the snapshot (names, types, modes, sizes, mtimes, bytes).
#  (3) a file of the target corrupted in place (same size and mtime):
#      a plain rerun skips it as complete (exit 0); restore --verify
#      rereads it, names it and exits 3; --verify --overwrite repairs it.
#  (4) leftovers (.tacit-tmp-*) are gone after a rerun, in the target's
#      directories and the target itself, and none is ever outside it.
#  (5) the same as (1), killed by strace at the first, middle and last
#      pwrite64, renameat2 and openat2 of a restore.
. "$(dirname "$0")/lib.sh"
# Repositories without parity (--parity 0): damage is met by the AEAD
# alone, as before parity; 120-parity.sh damages them with parity.

# tacit under strace: LeakSanitizer cannot work under ptrace.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS
if ! command -v strace >/dev/null || ! command -v setsid >/dev/null; then
	ok "# SKIP strace or setsid is missing"; exit 0; fi

R=$T/repo S=$T/src
printf '%s\n' "$PW" >"$T/pw"
tk() { "$TACIT" "$@" --passphrase-fd 3 3<"$T/pw"; }
tk init -q -r "$R" $FAST --parity 0 >/dev/null 2>&1 || notok "setup: init"
mkdir -p "$S/a" "$S/b" "$S/c"
for i in 1 2 3 4 5 6 7 8; do
	head -c $((i * 1000)) /dev/urandom >"$S/a/f$i"
	head -c $((i * 1000)) /dev/urandom >"$S/c/f$i"
done
head -c 33554432 /dev/urandom >"$S/b/big"
ln -s f1 "$S/c/link"
chmod 0640 "$S/a/f2"; chmod 0750 "$S/c"
touch -d '2021-03-04 05:06:07.123456789' "$S/a/f1" "$S/b/big" "$S/a" "$S/b"
tk backup -q -r "$R" "$S" >/dev/null 2>&1 || notok "setup: backup"

# files_bytes DIR: the bytes in the regular files below DIR.
files_bytes() {
	find "$1" -type f -printf '%s\n' 2>/dev/null |
	    awk '{ s += $1 } END { print s + 0 }'
}

# snapsum DIR: every entry with type, mode, size, mtime (not of symlinks,
# whose times a restore without a private root may not set), and the
# checksums of the files.
snapsum() {
	(cd "$1" && find . ! -type l -exec stat -c '%A %s %.9Y %n' {} + |
	    sort && find . -type l -exec stat -c '%A %n' {} + | sort &&
	    find . -type f -exec cksum {} + | sort)
}
snapsum "$S" >"$T/want"
TOTAL=$(files_bytes "$S")

# interrupt HOW DST: restore into DST, slowed down, and interrupt it with
# HOW (kill9 or int) once 8 MiB are in DST; the exit status in $T/rc.
interrupt() {
	setsid strace -f -qq -o /dev/null -e trace=pwrite64 \
	    -e inject=pwrite64:delay_enter=150000 \
	    "$TACIT" restore -r "$R" latest --target "$2" \
	    --passphrase-fd 3 3<"$T/pw" >"$T/out.$1" 2>&1 &
	bg=$!
	i=0
	while [ $i -lt 1200 ] && [ "$(files_bytes "$2")" -lt 8388608 ] &&
	    kill -0 $bg 2>/dev/null; do
		i=$((i + 1))
		sleep 0.05
	done
	if [ "$1" = kill9 ]; then
		kill -9 -$bg 2>/dev/null
	else
		# Ctrl-C: SIGINT to the tacit processes (not to strace).
		for p in $(pgrep -g $bg -x tacit) $(pgrep -g $bg -x \
		    tacit-worker); do
			kill -INT "$p" 2>/dev/null
		done
	fi
	wait $bg
	echo $? >"$T/rc.$1"
	i=0	# every process of the group gone
	while pgrep -g $bg >/dev/null 2>&1 && [ $i -lt 200 ]; do
		i=$((i + 1))
		sleep 0.05
	done
	pgrep -g $bg >/dev/null 2>&1 && kill -9 -$bg 2>/dev/null
}

# complete DST: every regular file under its own name in DST/src is the
# snapshot's (the interrupted one is at most a temporary file).
complete() {
	_cbad=0
	for f in $(cd "$1/src" && find . -type f ! -name '.tacit-tmp-*'); do
		cmp -s "$S/$f" "$1/src/$f" || { echo "differs: $f"; _cbad=1; }
	done
	return $_cbad
}

# leftovers DIR: the temporary files below DIR, one a line.
leftovers() { find "$1" -name '.tacit-tmp-*' 2>/dev/null; }

for how in kill9 int; do
	D=$T/dst.$how
	interrupt $how "$D"
	# The restore must really have been cut short.
	[ "$(files_bytes "$D")" -lt "$TOTAL" ] &&
	    ok "$how: interrupted in the middle (exit $(cat "$T/rc.$how"))" ||
	    notok "$how: not interrupted in the middle: $(ls -R "$D" |
	    head -20)"
	complete "$D" >"$T/.out" 2>&1 &&
	    ok "$how: every file under its final name is complete" ||
	    { notok "$how: a file under its final name differs"
	    sed 's/^/#   /' "$T/.out"; }
	[ -z "$(find "$T" -maxdepth 1 -name '.tacit-tmp-*')" ] &&
	    ok "$how: nothing left outside the target" ||
	    notok "$how: leftovers outside the target"
	xcode 0 "$how: the rerun finishes the job" \
	    tk restore -r "$R" latest --target "$D"
	cp "$T/.out" "$T/rerun.$how"
	n=$(sed -n 's/^entries: \([0-9]*\) new, \([0-9]*\) already complete.*/\1 \2/p' \
	    "$T/rerun.$how")
	set -- $n
	[ $# = 2 ] && [ "$1" -gt 0 ] && [ "$2" -gt 0 ] &&
	    ok "$how: it says how many were complete ($2) and new ($1)" ||
	    { notok "$how: no counts of complete and new entries"
	    sed 's/^/#   /' "$T/rerun.$how"; }
	snapsum "$D/src" >"$T/got.$how"
	cmp -s "$T/want" "$T/got.$how" &&
	    ok "$how: the target equals the snapshot" ||
	    { notok "$how: the target differs from the snapshot"
	    diff "$T/want" "$T/got.$how" | head -20 | sed 's/^/#   /'; }
	[ -z "$(leftovers "$D")" ] &&
	    ok "$how: no .tacit-tmp-* left after the rerun" ||
	    notok "$how: left after the rerun: $(leftovers "$D")"
	xcode 0 "$how: a third run finds everything complete" \
	    tk restore -r "$R" latest --target "$D"
	grepq '^entries: 0 new, ' "$T/.out" &&
	    ok "$how: and writes nothing" ||
	    { notok "$how: the third run wrote something"
	    sed 's/^/#   /' "$T/.out"; }
done

# --verify of a fresh restore compares every file written.
xcode 0 "a fresh restore --verify finds nothing different" \
    tk restore -r "$R" latest --target "$T/fresh" --verify
grepq 'verified: 0 files differ' "$T/.out" && ok "and says so" ||
    { notok "no verify summary"; sed 's/^/#   /' "$T/.out"; }

# (3) Same size and mtime, other bytes: only --verify can tell.
D=$T/fresh
# (Made here too where the one above failed: without --verify.)
tk restore -q -r "$R" latest --target "$D" >/dev/null 2>&1
flip "$D/src/c/f5" 100
touch -r "$S/c/f5" "$D/src/c/f5"
xcode 0 "corrupted: a plain rerun skips it as complete" \
    tk restore -r "$R" latest --target "$D"
xcode 3 "corrupted: restore --verify exits 3" \
    tk restore -r "$R" latest --target "$D" --verify
grepq 'src/c/f5: differs from the snapshot' "$T/.out" &&
    ok "corrupted: and names the file" ||
    { notok "corrupted: the file is not named"; sed 's/^/#   /' "$T/.out"; }
[ "$(grep -c 'differs from the snapshot' "$T/.out")" = 1 ] &&
    ok "corrupted: and no other file" ||
    { notok "corrupted: other files named"; sed 's/^/#   /' "$T/.out"; }
xcode 0 "corrupted: --verify --overwrite replaces it" \
    tk restore -r "$R" latest --target "$D" --verify --overwrite
cmp -s "$S/c/f5" "$D/src/c/f5" && grepq ' 1 replaced' "$T/.out" &&
    ok "corrupted: repaired, and counted replaced" ||
    { notok "corrupted: not repaired"; sed 's/^/#   /' "$T/.out"; }

# (3b) Same size and mtime, but another mode: not what a restore leaves,
# so not taken as complete (a planted file would otherwise stay).
chmod 0666 "$D/src/c/f5"
touch -r "$S/c/f5" "$D/src/c/f5"
xcode 3 "another mode: the rerun does not take it as complete (exit 3)" \
    tk restore -r "$R" latest --target "$D"
grepq 'src/c/f5: exists and differs' "$T/.out" &&
    ok "another mode: named as differing" ||
    { notok "another mode: not named"; sed 's/^/#   /' "$T/.out"; }
xcode 0 "another mode: --overwrite replaces it" \
    tk restore -r "$R" latest --target "$D" --overwrite

# (4) Leftovers of a killed run anywhere in the target (made here: the
# runs above left theirs in b/), also at the top, are removed; an entry
# that only looks like one (a directory) is not.
D=$T/fresh
printf x >"$D/.tacit-tmp-0123456789ab"
printf x >"$D/src/a/.tacit-tmp-abcdef012345"
mkdir "$D/src/c/.tacit-tmp-000000000000"
xcode 0 "leftovers: the rerun exits 0" tk restore -r "$R" latest --target "$D"
[ -z "$(leftovers "$D" | grep -v '/src/c/.tacit-tmp-000000000000$')" ] &&
    ok "leftovers: removed" || notok "leftovers: still there: $(leftovers "$D")"
grepq ' 2 unfinished files of an earlier restore removed' "$T/.out" &&
    ok "leftovers: counted" ||
    { notok "leftovers: not counted"; sed 's/^/#   /' "$T/.out"; }
[ -d "$D/src/c/.tacit-tmp-000000000000" ] &&
    ok "leftovers: a directory of that name is left alone" ||
    notok "leftovers: a directory was removed"

# (5) kill -9 (strace: SIGKILL at the call) at the first, middle and last
# pwrite64, renameat2 and openat2 of a restore: the same as (1) each time.
SYSCALLS="pwrite64 renameat2 openat2"
strace -f -qq -o "$T/cal" -e trace=$(echo $SYSCALLS | tr ' ' ,) \
    "$TACIT" restore -r "$R" latest --target "$T/cal.dst" \
    --passphrase-fd 3 3<"$T/pw" >/dev/null 2>&1 ||
    notok "setup: calibration restore under strace"
for sc in $SYSCALLS; do
	max=$(grep -c "^[0-9]* $sc(" "$T/cal")
	bad=
	for n in 1 $(( (max + 1) / 2 )) $max; do
		D=$T/k.$sc.$n
		strace -f -qq -o /dev/null -e trace=$sc \
		    -e inject=$sc:signal=KILL:when=$n \
		    "$TACIT" restore -r "$R" latest --target "$D" \
		    --passphrase-fd 3 3<"$T/pw" >"$T/k.out" 2>&1
		rc=$?
		[ $rc = 0 ] && bad="$bad #$n: not killed;"
		complete "$D" >/dev/null 2>&1 ||
		    bad="$bad #$n: a file under its name differs;"
		tk restore -r "$R" latest --target "$D" >"$T/k.out" 2>&1 ||
		    bad="$bad #$n: the rerun failed: $(cat "$T/k.out");"
		snapsum "$D/src" | cmp -s "$T/want" - ||
		    bad="$bad #$n: the target differs after the rerun;"
		[ -z "$(leftovers "$D")" ] ||
		    bad="$bad #$n: leftovers after the rerun;"
		rm -rf "$D"
	done
	[ -z "$bad" ] &&
	    ok "killed at $sc #1, #$(( (max + 1) / 2 )), #$max (of $max): no wrong file, the rerun finishes" ||
	    notok "killed at $sc:$bad"
done

rm -rf "$T"
