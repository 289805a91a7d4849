#!/bin/sh
# 121-parity-crash.sh: repair data cut anywhere (P9).  A base repository
# with parity has a sector zeroed in a full pack, in its index segment and
# in a snapshot (three files repairable).  On copies, repair data is
# killed by strace at its Nth write, fsync and renameat (the middle one of
# each in make check; every one with LONG=1), then cut by a simulated
# power loss (tests/tools/powerloss.py, strict; meta too with LONG=1) at
# the middle fsync and after the last (each fsync with LONG=1).  After
# every cut:
#  - check --read-data finds nothing but repairable damage (exit 0 or 15,
#    never 14): no file is ever half rewritten;
#  - latest restores bit for bit;
#  - repair data run again exits 0 and check --read-data is then clean.
# Controls: the kills land, and a power cut after the last fsync leaves
# nothing to repair.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../tools/crash.sh"

if ! command -v strace >/dev/null; then
	ok "# SKIP strace is missing"; exit 0; fi
SRC=$T/src W=$T/w B=$T/base

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
zsec() { dd if=/dev/zero of="$1" bs=4096 seek="$2" count=1 conv=notrunc 2>/dev/null; }
[ -n "$full" ] || { notok "setup: no full pack with parity (17308008 bytes)"; exit 1; }
zsec "$full" 100
zsec "$(ls "$B"/index/* | head -n 1)" 0
zsec "$(ls "$B"/snapshots/* | head -n 1)" 0
tk check --read-data -r "$B" >"$T/ck0" 2>&1
xcode 15 "setup: three files repairable" sh -c "[ \$(grep -c repairable '$T/ck0') -ge 3 ] && exit 15"

fails=0 cuts=0 killed=0
failed() {	# DESC FILE
	fails=$((fails + 1))
	notok "$how: $1"
	[ "$fails" -le 5 ] && [ -n "${2:-}" ] && sed 's/^/#   /' "$2" | head -20
}
after() {
	tk check --read-data -r "$W" >"$T/ck.out" 2>&1
	rc=$?
	[ "$rc" -eq 0 ] || [ "$rc" -eq 15 ] || failed "check exits $rc" "$T/ck.out"
	rm -rf "$T/dst"
	tk restore -q -r "$W" latest --target "$T/dst" >"$T/rs.out" 2>&1 &&
	    diff -r "$T/ref" "$T/dst" >>"$T/rs.out" 2>&1 ||
	    failed "latest differs" "$T/rs.out"
	"$TACIT" repair data -r "$W" </dev/null >"$T/re.out" 2>&1 ||
	    failed "the re-run fails" "$T/re.out"
	tk check --read-data -r "$W" >"$T/ck.out" 2>&1 ||
	    failed "check --read-data fails after the re-run" "$T/ck.out"
}

rm -rf "$W"; cp -a "$B" "$W"
strace -f -qq -o "$T/cal" -e trace=write,fsync,renameat "$TACIT" repair data \
    -r "$W" </dev/null >"$T/cal.out" 2>&1 || notok "a whole run under strace fails"
# killed_after: count the kill, then the checks.
killed_after() {
	[ "$rc" -eq 0 ] || killed=$((killed + 1))
	cuts=$((cuts + 1))
	after
}
CL_FD3=/dev/null	# repair data needs no passphrase
for sc in fsync renameat write; do
	max=$(calls_max "$T/cal" "$sc")
	step=1 k=1
	[ "${LONG:-0}" = 1 ] || { k=$(( (max + 1) / 2 )); step=$((max + 1)); }
	crashloop "kill:$sc" "$(crash_points "$k" "$step" "$max")" "$B" \
	    killed_after "$TACIT" repair data -r "$W"
done
[ "$killed" -ge 3 ] && ok "the kills landed ($killed of $cuts runs killed)" ||
    notok "only $killed of $cuts runs were killed"

modes=strict
[ "${LONG:-0}" = 1 ] && modes="strict meta"
rm -rf "$W"; cp -a "$B" "$W"
strace -f -qq -y -s 0 -o "$T/trace" -e trace="$TRACE" "$TACIT" repair data \
    -r "$W" </dev/null >/dev/null 2>&1
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
	    powercut "$TACIT" repair data -r "$W"
done
[ "$fails" -eq 0 ] && ok "after each of $cuts cuts: check finds only repairable damage, latest restores, a re-run repairs all"
