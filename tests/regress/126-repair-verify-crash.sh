#!/bin/sh
# 126-repair-verify-crash.sh: repair data --verify-data cut anywhere (P9),
# as 121-parity-crash.sh does for plain repair data.  A base repository
# with parity has a full pack whose three checksum tables are zeroed plus
# a data sector (only the AEAD can locate that damage), and a sector
# zeroed in its index segment and in its snapshot (repairable from the
# tables).  A whole run on a copy gives the repaired repository (REF).
# On fresh copies (crashloop, lib.sh), repair data --verify-data is
# killed by strace at a write, fsync and renameat of the worker on a
# repository file (the points are those calls' ordinals in a whole run,
# so a cut lands on a file write, not on a message to stderr; the middle
# one of each in make check, every one with LONG=1), then cut by a
# simulated power loss
# (tests/tools/powerloss.py, strict; meta too with LONG=1) at the middle
# fsync and after the last (each fsync with LONG=1).  After every cut:
#  - every pack, index segment and snapshot is byte for byte either the
#    base's (old) or REF's (repaired): none is half rewritten, none lost;
#  - check --read-data exits 0, 14 or 15 (the old pack is beyond its
#    parity without the key), then repair data --verify-data exits 0,
#    check --read-data is clean and latest restores bit for bit.
# Controls: the kills land, and a power cut after the last fsync leaves
# nothing to repair.  On a tacit without --verify-data the whole run is a
# usage error (exit 2): the setup fails.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../tools/crash.sh"

if ! command -v strace >/dev/null; then
	ok "# SKIP strace is missing"; exit 0; fi
SRC=$T/src W=$T/w B=$T/base REF=$T/refrepo
vd() { "$TACIT" repair data -r "$W" --verify-data --passphrase-fd 3 3<"$T/pw" \
    </dev/null; }

tk init -q -r "$B" $FAST >/dev/null 2>&1 || notok "setup: init"
mkdir -p "$SRC"
head -c 20000000 /dev/urandom >"$SRC/big"
seq 1 50000 >"$SRC/small"
tk backup -q -r "$B" "$SRC" || notok "setup: backup"
tk restore -q -r "$B" latest --target "$T/ref" || notok "setup: restore"
full=""
for f in "$B"/packs/*/*; do
	[ "$(fsize "$f")" -eq 17308008 ] && full=$f
done
[ -n "$full" ] || { notok "setup: no full pack with parity (17308008 bytes)"; exit 1; }
zero() {
	python3 -c 'import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2])); f.write(bytes(int(sys.argv[3])))' "$@"
}
zsec() { zero "$1" $(($2 * 4096)) 4096; }
# The full pack (16 MiB data, q = 3): L = 16777216, S = 131072, T = 2168
# (section 23.3): tables A at L, C at L + T + S, B at the end.
zero "$full" 16777216 2168
zero "$full" $((16777216 + 2168 + 131072)) 2168
zero "$full" $((17308008 - 2168)) 2168
zsec "$full" 100
zsec "$(ls "$B"/index/* | head -n 1)" 0
zsec "$(ls "$B"/snapshots/* | head -n 1)" 0
rm -rf "$REF"; cp -a "$B" "$REF"
"$TACIT" repair data -r "$REF" --verify-data --passphrase-fd 3 3<"$T/pw" \
    </dev/null >"$T/ref.out" 2>&1 &&
    tk check --read-data -r "$REF" >>"$T/ref.out" 2>&1 ||
    { notok "setup: a whole repair data --verify-data repairs all three"
    sed 's/^/#   /' "$T/ref.out" | head; exit 1; }

fails=0 cuts=0 killed=0
failed() {	# DESC FILE
	fails=$((fails + 1))
	notok "$how: $1"
	[ "$fails" -le 5 ] && [ -n "${2:-}" ] && sed 's/^/#   /' "$2" | head -20
}
# Every file is the base's or the repaired one (temporaries aside).
oldnew() {
	(cd "$B" && find packs index snapshots -type f) | while read -r f; do
		if [ ! -f "$W/$f" ]; then echo "lost: $f"
		elif ! cmp -s "$W/$f" "$B/$f" && ! cmp -s "$W/$f" "$REF/$f"
		then echo "neither old nor repaired: $f"; fi
	done
}
after() {
	oldnew >"$T/on.out" 2>&1
	[ -s "$T/on.out" ] && failed "a file is half rewritten" "$T/on.out"
	tk check --read-data -r "$W" >"$T/ck.out" 2>&1
	rc=$?
	[ "$rc" -eq 0 ] || [ "$rc" -eq 14 ] || [ "$rc" -eq 15 ] ||
	    failed "check exits $rc" "$T/ck.out"
	vd >"$T/re.out" 2>&1 || failed "the re-run fails" "$T/re.out"
	tk check --read-data -r "$W" >"$T/ck.out" 2>&1 ||
	    failed "check --read-data fails after the re-run" "$T/ck.out"
	rm -rf "$T/dst"
	tk restore -q -r "$W" latest --target "$T/dst" >"$T/rs.out" 2>&1 &&
	    diff -r "$T/ref" "$T/dst" >>"$T/rs.out" 2>&1 ||
	    failed "latest differs" "$T/rs.out"
}

rm -rf "$W"; cp -a "$B" "$W"
strace -f -qq -y -o "$T/cal" -e trace=write,fsync,renameat "$TACIT" repair \
    data -r "$W" --verify-data --passphrase-fd 3 3<"$T/pw" </dev/null \
    >"$T/cal.out" 2>&1 || notok "a whole run under strace fails"
# repo_points SC: the ordinals (each process's, as when= counts) of the
# calls of SC in $T/cal made on a file or directory of $W.
repo_points() {
	awk -v s="$1" -v w="$W" 'index($2, s "(") == 1 { n[$1]++
	    if (index($0, w "/") || index($0, w ">")) print n[$1] }' "$T/cal"
}
# killed_after: count the kill, then the checks.
killed_after() {
	[ "$rc" -eq 0 ] || killed=$((killed + 1))
	cuts=$((cuts + 1))
	after
}
for sc in fsync renameat write; do
	pts=$(repo_points "$sc")
	[ -n "$pts" ] || { notok "no $sc on the repository in a whole run"
	    continue; }
	# make check: the middle one of them.
	[ "${LONG:-0}" = 1 ] || pts=$(echo "$pts" |
	    awk '{ p[NR] = $1 } END { print p[int((NR + 1) / 2)] }')
	crashloop "kill:$sc" "$pts" "$B" killed_after "$TACIT" repair data \
	    -r "$W" --verify-data --passphrase-fd 3
done
[ "$killed" -ge 3 ] && ok "the kills landed ($killed of $cuts runs killed)" ||
    notok "only $killed of $cuts runs were killed"

modes=strict
[ "${LONG:-0}" = 1 ] && modes="strict meta"
rm -rf "$W"; cp -a "$B" "$W"
strace -f -qq -y -s 0 -o "$T/trace" -e trace="$TRACE" "$TACIT" repair data \
    -r "$W" --verify-data --passphrase-fd 3 3<"$T/pw" </dev/null \
    >/dev/null 2>&1
n=$(grep -c ' fsync(' "$T/trace")
# powercut: a power cut's checks.
powercut() {
	how="power cut at fsync $k of $n ($mode)"
	cuts=$((cuts + 1))
	if [ "$k" -gt "$n" ]; then
		xcode 0 "control: a power cut after the last fsync leaves nothing to repair ($mode)" \
		    tk check --read-data -r "$W"
	fi
	after
}
for m in $modes; do
	k=1 step=1
	[ "${LONG:-0}" = 1 ] || { k=$(( (n + 1) / 2 )); step=$((n + 1 - k)); }
	[ "$step" -ge 1 ] || step=1
	crashloop "power:$m" "$(crash_points "$k" "$step" $((n + 1)))" "$B" \
	    powercut "$TACIT" repair data -r "$W" --verify-data \
	    --passphrase-fd 3
done
[ "$fails" -eq 0 ] && ok "after each of $cuts cuts: every file old or repaired, check finds nothing else, a re-run of --verify-data repairs all"
