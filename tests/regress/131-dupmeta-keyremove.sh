#!/bin/sh
# 131-dupmeta-keyremove.sh: issue 19, doc/format.md section 2.1.  key add
# writes a slot twice (keys/ and copy/keys/, the same bytes); key remove
# and key passwd remove both copies, so a removed passphrase survives in
# neither.  A removal cut between its two unlinks (keys/<id> gone,
# copy/keys/<id> left) never lets the removed passphrase in, check names
# what is left, and the next key remove (or repair metadata) removes it.
# A slot whose first copy is damaged is removed with its copy too.
. "$(dirname "$0")/lib.sh"

PW2="second passphrase of 131 test"
PW3="third passphrase of 131 test"
R=$T/repo
mkrepo "$R" || notok "setup: init"
S1=$(slots "$R")

# addkey PASS: key add of PASS (unlocking with $PW); the new slot's id.
addkey() {
	printf '%s\n%s\n' "$PW" "$1" | "$TACIT" key add -r "$R" \
	    --passphrase-fd 0 --new-passphrase-fd 0 $FAST >/dev/null 2>&1 ||
	    notok "setup: key add"
	slots "$R" | grep -v -x -e "$S1" -e "${2:-$S1}"
}
# opens PASS: does PASS unlock $R?  Its exit code.
opens() { printf '%s\n' "$1" | "$TACIT" key list -r "$R" --passphrase-fd 0 \
    >"$T/l.out" 2>&1; }

S2=$(addkey "$PW2")
[ -n "$S2" ] && [ -f "$R/copy/keys/$S2" ] &&
    cmp -s "$R/keys/$S2" "$R/copy/keys/$S2" &&
    ok "key add writes the new slot twice, the same bytes" ||
    notok "key add writes the new slot twice, the same bytes"
opens "$PW2" && ok "the new passphrase opens" || notok "the new passphrase opens"

xcode 0 "key remove of the second slot" tp key remove -r "$R" "$S2"
[ ! -e "$R/keys/$S2" ] && [ ! -e "$R/copy/keys/$S2" ] &&
    ok "key remove removes both copies" ||
    notok "key remove removes both copies ($(ls "$R/keys" "$R/copy/keys" | tr '\n' ' '))"
opens "$PW2"; rc=$?
[ "$rc" -eq 12 ] && ok "the removed passphrase no longer opens (12)" ||
    notok "the removed passphrase no longer opens (exit $rc)"

# key passwd: the old slot goes in both places.
printf '%s\n%s\n' "$PW" "$PW3" | "$TACIT" key passwd -r "$R" \
    --passphrase-fd 0 --new-passphrase-fd 0 $FAST >/dev/null 2>&1 ||
    notok "setup: key passwd"
[ ! -e "$R/keys/$S1" ] && [ ! -e "$R/copy/keys/$S1" ] &&
    [ "$(ls "$R/keys")" = "$(ls "$R/copy/keys")" ] &&
    ok "key passwd removes both copies of the old slot, writes both new" ||
    notok "key passwd removes both copies of the old slot, writes both new"
opens "$PW"; rc=$?
[ "$rc" -eq 12 ] && ok "the old passphrase no longer opens (12)" ||
    notok "the old passphrase no longer opens (exit $rc)"
PW=$PW3 S1=$(slots "$R")

# A removal cut between its two unlinks: keys/<id> gone, the copy left.
S2=$(addkey "$PW2")
rm "$R/keys/$S2"
opens "$PW2"; rc=$?
[ "$rc" -eq 12 ] &&
    ok "an unfinished removal: the removed passphrase does not open (12)" ||
    { notok "an unfinished removal: the removed passphrase does not open (exit $rc)"
	sed 's/^/#   /' "$T/l.out"; }
xcode 14 "check exits 14" tp check -r "$R"
grep -q "copy/keys/$S2 has no keys/$S2" "$T/.out" &&
    ok "and names copy/keys/$S2" || { notok "and names copy/keys/$S2"
	sed 's/^/#   /' "$T/.out"; }
xcode 0 "repair metadata" tp repair metadata -r "$R"
[ ! -e "$R/copy/keys/$S2" ] && ok "removes what the removal left" ||
    notok "removes what the removal left"
xcode 0 "check is clean" tp check -r "$R"
# ... and the next key remove finishes such a removal too.
S2=$(addkey "$PW2")
S3=$(addkey "$PW2" "$S2")
rm "$R/keys/$S2"
xcode 0 "key remove of another slot" tp key remove -r "$R" "$S3"
[ ! -e "$R/copy/keys/$S2" ] && [ ! -e "$R/copy/keys/$S3" ] &&
    [ ! -e "$R/keys/$S3" ] &&
    ok "finishes the unfinished removal too" ||
    notok "finishes the unfinished removal too"

# A slot whose first copy is damaged is removed with its copy.
S2=$(addkey "$PW2")
dd if=/dev/zero of="$R/keys/$S2" bs=4096 count=1 conv=notrunc 2>/dev/null
opens "$PW2" && ok "a slot with a zeroed first copy opens from its copy" ||
    notok "a slot with a zeroed first copy opens from its copy"
xcode 0 "key remove of that slot" tp key remove -r "$R" "$S2"
[ ! -e "$R/keys/$S2" ] && [ ! -e "$R/copy/keys/$S2" ] &&
    ok "removes both copies" || notok "removes both copies"
opens "$PW2"; rc=$?
[ "$rc" -eq 12 ] && ok "and that passphrase no longer opens (12)" ||
    notok "and that passphrase no longer opens (exit $rc)"
xcode 0 "check is clean at the end" tp check -r "$R"
