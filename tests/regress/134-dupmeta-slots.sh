#!/bin/sh
# 134-dupmeta-slots.sh: issue 19, doc/format.md section 2.1: which copy of
# a key slot is good when the two differ and the slot is not the one that
# unlocked.  A copy that does not decode (zeroed), or whose sealed
# metadata does not open, is the lost one: named, and `repair metadata`
# rewrites it.  Two copies that both decode with intact metadata but
# differ in the wrapped key can be told apart only by that slot's
# passphrase: tacit says so, `repair metadata` leaves both and exits 14,
# and with that passphrase it rewrites the bad one.  keys/ gone as a
# whole: the slots of copy/keys/ open the repository, and `repair
# metadata` makes keys/ again.
. "$(dirname "$0")/lib.sh"

PW2="second passphrase of 134 test"
R=$T/orig W=$T/work
mkrepo "$R" || notok "setup: init"
SA=$(slots "$R")
printf '%s\n%s\n' "$PW" "$PW2" | "$TACIT" key add -r "$R" --passphrase-fd 0 \
    --new-passphrase-fd 0 $FAST >/dev/null 2>&1 || notok "setup: key add"
SB=$(slots "$R" | grep -v -x "$SA")
fresh() { rm -rf "$W" && cp -a "$R" "$W"; }
# tp2 ARGS: tacit with the second passphrase.
tp2() { printf '%s\n' "$PW2" | "$TACIT" "$@" --passphrase-fd 0; }
whole() {	# DESC: the two copies of every slot of $W are the same bytes
	for s in $SA $SB; do
		cmp -s "$W/keys/$s" "$W/copy/keys/$s" ||
		    { notok "$1: slot $s whole"; return; }
	done
	ok "$1: every slot whole"
}

fresh; dd if=/dev/zero of="$W/keys/$SB" bs=4096 count=1 conv=notrunc \
    2>/dev/null
xcode 14 "slot B's first copy zeroed, unlocked with A: check exits 14" \
    tp check -r "$W"
grep -q "$W/keys/$SB is missing or damaged" "$T/.out" && ok "and names it" ||
    { notok "and names it"; sed 's/^/#   /' "$T/.out"; }
xcode 0 "repair metadata (with A) rewrites it" tp repair metadata -r "$W"
whole "zeroed B"
xcode 0 "B opens" tp2 key list -r "$W"

fresh; flip "$W/copy/keys/$SB" $(( $(fsize "$W/copy/keys/$SB") - 1 ))
xcode 14 "slot B's copy with damaged sealed metadata: check exits 14" \
    tp check -r "$W"
grep -q "$W/copy/keys/$SB is missing or damaged" "$T/.out" &&
    ok "and names the copy" || { notok "and names the copy"
	sed 's/^/#   /' "$T/.out"; }
xcode 0 "repair metadata (with A) rewrites it" tp repair metadata -r "$W"
whole "B's metadata"

fresh; flip "$W/keys/$SB" 60
xcode 14 "slot B's wrapped key flipped, unlocked with A: check exits 14" \
    tp check -r "$W"
grep -q "only the passphrase of key slot $SB" "$T/.out" &&
    ok "and says only B's passphrase can tell" ||
    { notok "and says only B's passphrase can tell"; sed 's/^/#   /' "$T/.out"; }
xcode 14 "repair metadata with A leaves them (14)" tp repair metadata -r "$W"
cmp -s "$W/keys/$SB" "$W/copy/keys/$SB" &&
    notok "repair metadata with A changed neither copy"
xcode 0 "B still opens (from its copy)" tp2 key list -r "$W"
xcode 0 "repair metadata with B's passphrase rewrites the bad one" \
    tp2 repair metadata -r "$W"
whole "flipped wrapped key"
xcode 0 "then check is clean" tp check -r "$W"

fresh; rm -rf "$W/keys"
xcode 0 "keys/ gone: the copies open the repository" tp snapshots -r "$W"
xcode 0 "and B too" tp2 snapshots -r "$W"
xcode 0 "repair metadata makes keys/ again" tp repair metadata -r "$W"
whole "keys/ gone"
xcode 0 "then check is clean" tp check -r "$W"
