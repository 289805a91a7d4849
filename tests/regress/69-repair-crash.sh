#!/bin/sh
# 69-repair-crash.sh: repair index and repair snapshots cut anywhere (P9).
# Each run works on a copy of a base repository and is killed by strace
# at its Nth write, fsync, renameat2 or unlinkat (every N up to what a
# whole run makes with LONG=1; in make check, which must stay fast, the
# middle one of each), then in a second pass cut by a
# simulated power loss at each of its fsyncs (tests/tools/powerloss.py,
# strict; also meta with LONG=1; in make check the middle fsync and after
# the last).  After
# every cut:
#  - repair index (on a whole repository, where it replaces every
#    segment): check passes (at most leftovers), every snapshot restores
#    bit for bit, a re-run succeeds and check passes again;
#  - repair snapshots --read-data --forget (one chunk of file x flipped,
#    so the two snapshots that hold x are rewritten and the chunk dropped
#    from the index): check reports nothing but x's damage, the snapshot
#    without x restores bit for bit, a re-run succeeds, then check
#    --read-data passes, and every snapshot restores: the one without x
#    bit for bit, the repaired ones with x empty and the rest bit for bit.
# Then ENOSPC injected at each write, fsync and renameat2 with LONG=1 (in
# make check: the middle write): exit 1 with an error line, and the same
# checks.
# Controls: the kills land (most runs fail), and a power cut after the
# last fsync loses nothing.
. "$(dirname "$0")/lib.sh"
# Repositories without parity (--parity 0): damage is met by the AEAD
# alone, as before parity; 120-parity.sh damages them with parity.
. "$(dirname "$0")/../tools/crash.sh"

if ! command -v strace >/dev/null; then
	ok "# SKIP strace is missing"; exit 0; fi
SRC=$T/src W=$T/w B=$T/base

# --- the base: S0 without x, S1 and S2 with it --------------------------------
tk init -q -r "$B" $FAST --parity 0 >/dev/null 2>&1 || notok "setup: init"
ds make "$SRC" 1 0.1
tk backup -q -r "$B" "$SRC" || notok "setup: backup 0"
S0=$(snaps "$B")
cp -a "$SRC" "$T/copy0"
head -c 300000 /dev/urandom >"$SRC/x"
tk backup -q -r "$B" "$SRC" || notok "setup: backup 1"
S1=$(snaps "$B" | grep -v "$S0")
ds edit "$SRC" 1 1
tk backup -q -r "$B" "$SRC" || notok "setup: backup 2"
cp -a "$SRC" "$T/copy2"
tk check -r "$B" >/dev/null 2>&1 || notok "setup: check"
"$TOOLDIR/blobmap" -r "$B" --passphrase-fd 3 3<"$T/pw" >"$T/map" 2>&1 ||
    notok "setup: blobmap"
c=$(awk '$1 == "file" && $3 == "/src/x" { print $2; exit }' "$T/map")
set -- $(awk -v c="$c" '$1 == "blob" && $6 == c { print $3, $4, $5; exit }' \
    "$T/map")
cp -a "$B" "$T/baseD"
flip "$(ls "$T/baseD"/packs/*/"$1")" $(( $2 + $3 / 2 ))

fails=0 cuts=0 killed=0 full=0
failed() {	# DESC FILE
	fails=$((fails + 1))
	notok "$what, $how: $1"
	[ "$fails" -le 5 ] && [ -n "${2:-}" ] && sed 's/^/#   /' "$2" | head -20
}

# restored ID COPY [x]: snapshot ID restores to COPY (with "x": x empty).
restored() {
	rm -rf "$T/.dst"
	tk restore -q -r "$W" "$1" --target "$T/.dst" >"$T/.diff" 2>&1
	if [ "${3:-}" = x ]; then
		[ -f "$T/.dst/src/x" ] && [ "$(fsize "$T/.dst/src/x")" -eq 0 ] ||
		    return 1
		rm -f "$T/.dst/src/x"
		diff -r -x x "$2" "$T/.dst/src" >"$T/.diff" 2>&1
	else
		diff -r "$2" "$T/.dst/src" >"$T/.diff" 2>&1
	fi
}

# after_index: the checks after a cut repair index.
after_index() {
	tk check -r "$W" >"$T/ck.out" 2>&1 || failed "check fails" "$T/ck.out"
	for id in $(snaps "$W"); do
		cp=$T/copy2
		[ "$id" = "$S0" ] && cp=$T/copy0
		[ "$id" = "$S1" ] && continue	# its copy was edited
		restored "$id" "$cp" || failed "snapshot $id differs" "$T/.diff"
	done
	tk repair index -r "$W" >"$T/re.out" 2>&1 ||
	    failed "the re-run fails" "$T/re.out"
	tk check -r "$W" --read-data >"$T/ck.out" 2>&1 ||
	    failed "check --read-data fails after the re-run" "$T/ck.out"
}

# after_snaps: the checks after a cut repair snapshots.
after_snaps() {
	tk check -r "$W" >"$T/ck.out" 2>&1
	if grep 'warning' "$T/ck.out" | grep -qv '/src/x'; then
		failed "check reports more than x's damage" "$T/ck.out"; fi
	restored "$S0" "$T/copy0" || failed "snapshot S0 differs" "$T/.diff"
	tk repair snapshots -r "$W" --read-data --forget >"$T/re.out" 2>&1 ||
	    failed "the re-run fails" "$T/re.out"
	tk check -r "$W" --read-data >"$T/ck.out" 2>&1 ||
	    failed "check --read-data fails after the re-run" "$T/ck.out"
	[ "$(snaps "$W" | wc -l)" -eq 3 ] ||
	    failed "$(snaps "$W" | wc -l) snapshots, not 3" "$T/re.out"
	restored "$S0" "$T/copy0" || failed "S0 differs at the end" "$T/.diff"
	latest=$(tk snapshots -r "$W" 2>/dev/null |
	    awk 'length($1) == 8 && $1 ~ /^[0-9a-f]+$/ { l = $1 } END { print l }')
	restored "$latest" "$T/copy2" x ||
	    failed "the repaired latest snapshot differs" "$T/.diff"
}

# points BASE AFTER CMD...: kill CMD (on a copy of BASE) at each point.
points() {
	base=$1 after=$2
	shift 2
	rm -rf "$W"
	cp -a "$base" "$W"
	strace -f -qq -o "$T/cal" -e trace=write,fsync,renameat2,unlinkat \
	    "$TACIT" "$@" --passphrase-fd 3 3<"$T/pw" >"$T/cal.out" 2>&1 ||
	    notok "$what: a whole run under strace fails"
	cp "$T/cal" "$T/cal.$what"
	for sc in fsync renameat2 unlinkat write; do
		max=$(calls_max "$T/cal" "$sc")
		step=1 k=1
		[ "$LONG" = 1 ] || { k=$(( (max + 1) / 2 )); step=$((max + 1)); }
		crashloop "kill:$sc" "$(crash_points "$k" "$step" "$max")" \
		    "$base" killed_after "$TACIT" "$@" --passphrase-fd 3
	done
}
killed_after() {
	[ "$rc" -eq 0 ] || killed=$((killed + 1))
	cuts=$((cuts + 1))
	$after
}

# powercuts BASE AFTER MODES CMD...: cut CMD at each fsync, power lost.
powercuts() {
	base=$1 after=$2 modes=$3
	shift 3
	rm -rf "$W"
	cp -a "$base" "$W"
	strace -f -qq -y -s 0 -o "$T/trace" -e trace="$TRACE" \
	    "$TACIT" "$@" --passphrase-fd 3 3<"$T/pw" >/dev/null 2>&1
	n=$(grep -c ' fsync(' "$T/trace")
	for m in $modes; do
		k=1 step=1
		# make check: the middle fsync, then after the last.
		[ "$LONG" = 1 ] || { k=$(( (n + 1) / 2 )); step=$((n + 1 - k)); }
		[ "$step" -ge 1 ] || step=1
		crashloop "power:$m" "$(crash_points "$k" "$step" $((n + 1)))" \
		    "$base" counted_after "$TACIT" "$@" \
		    --passphrase-fd 3
	done
	if [ "$LONG" = 1 ]; then
		ok "$what: a power cut at each of $n fsyncs and after the last ($modes)"
	else ok "$what: a power cut at the middle of $n fsyncs and after the last ($modes; each one with LONG=1)"; fi
}

# nospace BASE AFTER CMD...: ENOSPC at 2 points (every one with LONG=1) of
# each of write, fsync and renameat2 of CMD: exit 1 with an error line.
nospace() {
	base=$1 after=$2
	shift 2
	scs="write fsync renameat2"
	[ "$LONG" = 1 ] || scs=write
	for sc in $scs; do
		max=$(calls_max "$T/cal.$what" "$sc")
		step=1 k=1
		[ "$LONG" = 1 ] || { k=$(( (max + 1) / 2 )); step=$((max + 1)); }
		crashloop "error:$sc:ENOSPC" "$(crash_points "$k" "$step" "$max")" \
		    "$base" full_after "$TACIT" "$@" --passphrase-fd 3
	done
}
counted_after() {
	cuts=$((cuts + 1))
	$after
}
full_after() {
	if [ "$rc" -ne 0 ] && { [ "$rc" -ne 1 ] ||
	    ! grep -q "^tacit: error: " "$T/run.out"; }; then
		failed "exit $rc, not 1 with an error" "$T/run.out"
	fi
	[ "$rc" -eq 1 ] && full=$((full + 1))
	cuts=$((cuts + 1))
	$after
}

if [ "$LONG" = 1 ]; then M=${M:-strict meta}; else M=strict; fi
what="repair index"
points "$B" after_index repair index -r "$W"
powercuts "$B" after_index "$M" repair index -r "$W"
nospace "$B" after_index repair index -r "$W"
what="repair snapshots"
points "$T/baseD" after_snaps repair snapshots -r "$W" --read-data --forget
powercuts "$T/baseD" after_snaps "$M" repair snapshots -r "$W" --read-data \
    --forget
nospace "$T/baseD" after_snaps repair snapshots -r "$W" --read-data --forget
if [ "$full" -ge 2 ]; then ok "$full runs stopped on ENOSPC with exit 1 and one error"
else notok "only $full runs stopped on ENOSPC"; fi

if [ "$killed" -ge 3 ]; then ok "$killed kills landed (runs that failed)"
else notok "only $killed kills landed"; fi
if [ "$fails" -eq 0 ]; then
	ok "$cuts cuts: after each, check passed (but for x's damage), the snapshots restored, a re-run finished"
else notok "$fails failures in $cuts cuts"; fi
