#!/bin/sh
# 03-keys.sh: key slot management.  `key add` adds a slot both passphrases
# open; `key passwd` rewrites one slot only; `key remove` refuses the slot
# in use and the last slot and rejects unknown or ambiguous ids; `key
# recovery` prints a well-formed recovery key once, which opens the
# repository in any spelling and whose typos are caught.
. "$(dirname "$0")/lib.sh"

PW2="second passphrase for tests"
PW3="third passphrase, after passwd"

# unlock PASS ARGS: run tacit ARGS with PASS on descriptor 0.
with() { p=$1; shift; printf '%s\n' "$p" | "$TACIT" "$@" --passphrase-fd 0; }
nslots() { ls "$1/keys" | wc -l | tr -d ' '; }

R=$T/repo
mkrepo "$R" || notok "setup: init"
A=$(slots "$R")

# --- key add ------------------------------------------------------------------
printf '%s\n%s\n' "$PW" "$PW2" | "$TACIT" key add -r "$R" --passphrase-fd 0 \
    --new-passphrase-fd 0 $FAST >"$T/out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && [ "$(nslots "$R")" -eq 2 ]; then
	ok "key add (both passphrases on one descriptor) makes a second slot"
else notok "key add makes a second slot (exit $rc, $(nslots "$R") slots)"
	sed 's/^/#   /' "$T/out"; fi
B=$(slots "$R" | grep -v "^$A\$")
tp key list -r "$R" >"$T/list" 2>&1
if [ "$(grep -c ' passphrase ' "$T/list")" -eq 2 ] &&
    grep -q "^\* $A " "$T/list" && grep -q "^  $B " "$T/list"; then
	ok "key list shows both slots, the one used marked '*'"
else notok "key list shows both slots, the one used marked '*'"
	sed 's/^/#   /' "$T/list"; fi
xcode 0 "the first passphrase still unlocks" tp key list -r "$R"
with "$PW2" key list -r "$R" >"$T/list2" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -q "^\* $B " "$T/list2"; then
	ok "the added passphrase unlocks (its own slot is current)"
else notok "the added passphrase unlocks (exit $rc)"
	sed 's/^/#   /' "$T/list2"; fi
printf '%s\n' "$PW2" >"$T/pw2"
printf '%s\n%s\n' "$PW" "$PW" | "$TACIT" key add -r "$R" --passphrase-fd 0 \
    --new-passphrase-fd 3 $FAST 3<"$T/pw2" >/dev/null 2>&1
# (a second slot with the same passphrase is allowed; remove it again)
C=$(slots "$R" | grep -v -e "^$A\$" -e "^$B\$")
if [ "$(nslots "$R")" -eq 3 ] && [ -n "$C" ]; then
	ok "key add with the new passphrase on another descriptor"
	rm -f "$R/keys/$C"
else notok "key add with the new passphrase on another descriptor"; fi
printf '%s\n\n' "$PW" | "$TACIT" key add -r "$R" --passphrase-fd 0 \
    --new-passphrase-fd 0 $FAST >"$T/out" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && [ "$(nslots "$R")" -eq 2 ]; then
	ok "key add with an empty new passphrase is refused, no slot added"
else notok "key add with an empty new passphrase is refused (exit $rc)"; fi
printf 'wrong\n%s\n' "$PW2" | "$TACIT" key add -r "$R" --passphrase-fd 0 \
    --new-passphrase-fd 0 $FAST >/dev/null 2>&1
rc=$?
if [ "$rc" -eq 12 ] && [ "$(nslots "$R")" -eq 2 ]; then
	ok "key add with a wrong passphrase exits 12, no slot added"
else notok "key add with a wrong passphrase exits 12 (exit $rc)"; fi

# --- key passwd -------------------------------------------------------------------
cp "$R/keys/$B" "$T/B.before"
printf '%s\n%s\n' "$PW" "$PW3" | "$TACIT" key passwd -r "$R" --passphrase-fd 0 \
    --new-passphrase-fd 0 $FAST >"$T/out" 2>&1
rc=$?
if [ "$rc" -eq 0 ]; then ok "key passwd exits 0"
else notok "key passwd exits 0 (exit $rc)"; sed 's/^/#   /' "$T/out"; fi
if [ "$(nslots "$R")" -eq 2 ]; then ok "key passwd keeps the slot count"
else notok "key passwd keeps the slot count ($(nslots "$R"))"; fi
if [ -f "$R/keys/$B" ] && cmp -s "$T/B.before" "$R/keys/$B"; then
	ok "key passwd leaves the other slot byte-identical"
else notok "key passwd leaves the other slot byte-identical"; fi
if [ ! -e "$R/keys/$A" ]; then ok "key passwd replaces the old slot file"
else notok "key passwd replaces the old slot file"; fi
xcode 12 "after passwd the old passphrase no longer unlocks" tp key list -r "$R"
xcode 0 "after passwd the new passphrase unlocks" with "$PW3" key list -r "$R"
xcode 0 "after passwd the other passphrase still unlocks" \
    with "$PW2" key list -r "$R"
A=$(slots "$R" | grep -v "^$B\$")	# the slot of PW3

# --- key remove -------------------------------------------------------------------
before=$(treesum "$R")
with "$PW3" key remove -r "$R" "$A" >"$T/out" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && [ "$(treesum "$R")" = "$before" ] &&
    grep -q "unlocked with" "$T/out"; then
	ok "key remove of the slot that unlocked is refused"
else notok "key remove of the slot that unlocked is refused (exit $rc)"
	sed 's/^/#   /' "$T/out"; fi
with "$PW3" key remove -r "$R" 0123456789abcdef >"$T/out" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && grep -q "no key slot" "$T/out" &&
    [ "$(treesum "$R")" = "$before" ]; then
	ok "key remove of an unknown id is an error"
else notok "key remove of an unknown id is an error (exit $rc)"
	sed 's/^/#   /' "$T/out"; fi
xcode 2 "key remove without an id is a usage error" \
    with "$PW3" key remove -r "$R"
with "$PW3" key remove -r "$R" "$B" >"$T/out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && [ ! -e "$R/keys/$B" ] && [ "$(nslots "$R")" -eq 1 ]; then
	ok "key remove of the other slot works"
else notok "key remove of the other slot works (exit $rc)"
	sed 's/^/#   /' "$T/out"; fi
xcode 12 "the removed slot's passphrase no longer unlocks" \
    with "$PW2" key list -r "$R"
with "$PW3" key remove -r "$R" "$A" >"$T/out" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && [ -e "$R/keys/$A" ] && grep -q "last" "$T/out"; then
	ok "key remove of the last slot is refused"
else notok "key remove of the last slot is refused (exit $rc)"
	sed 's/^/#   /' "$T/out"; fi
xcode 0 "the repository still opens after the refused removal" \
    with "$PW3" key list -r "$R"

# Ambiguous prefix: add slots until two ids share their first hex digit
# (at most 17 slots by the pigeonhole principle), then remove by that digit.
Q=$T/amb
mkrepo "$Q" || notok "setup: init amb"
dup=
n=1
while [ -z "$dup" ] && [ "$n" -lt 17 ]; do
	printf '%s\n%s\n' "$PW" "$PW2" | "$TACIT" key add -r "$Q" \
	    --passphrase-fd 0 --new-passphrase-fd 0 $FAST >/dev/null 2>&1 ||
	    break
	n=$((n + 1))
	dup=$(slots "$Q" | cut -c1 | sort | uniq -d | head -n 1)
done
before=$(treesum "$Q")
tp key remove -r "$Q" "$dup" >"$T/out" 2>&1
rc=$?
if [ -n "$dup" ] && [ "$rc" -ne 0 ] && grep -q "ambiguous" "$T/out" &&
    [ "$(treesum "$Q")" = "$before" ]; then
	ok "key remove of an ambiguous prefix is an error, nothing removed"
else notok "key remove of an ambiguous prefix is an error (prefix '$dup', exit $rc)"
	sed 's/^/#   /' "$T/out"; fi
# A unique prefix of a non-current slot does work.
cur=$(tp key list -r "$Q" 2>/dev/null | sed -n 's/^\* \([0-9a-f]*\) .*/\1/p')
victim=$(slots "$Q" | grep -v "^$cur\$" | while read -r id; do
	p=$(printf %s "$id" | cut -c1-6)
	[ "$(slots "$Q" | grep -c "^$p")" -eq 1 ] && { echo "$id"; break; }
done)
xcode 0 "key remove by a unique prefix works" tp key remove -r "$Q" \
    "$(printf %s "$victim" | cut -c1-6)"
if [ -n "$victim" ] && [ ! -e "$Q/keys/$victim" ]; then
	ok "the prefix named the right slot"
else notok "the prefix named the right slot ($victim)"; fi

# --- key recovery -------------------------------------------------------------------
V=$T/rec
mkrepo "$V" || notok "setup: init rec"
P=$(slots "$V")
tp key recovery -r "$V" $FAST >"$T/rec.out" 2>"$T/rec.err"
rc=$?
crock='[0-9ABCDEFGHJKMNPQRSTVWXYZ]'
g="$crock$crock$crock$crock$crock"
if [ "$rc" -eq 0 ] &&
    grep -Eqx "Recovery key: $g-$g-$g-$g-$g-$g" "$T/rec.out" &&
    [ "$(wc -l <"$T/rec.out")" -eq 1 ]; then
	ok "key recovery prints one well-formed 'Recovery key:' line"
else notok "key recovery prints one well-formed 'Recovery key:' line (exit $rc)"
	sed 's/^/#   /' "$T/rec.out" "$T/rec.err"; fi
if ! grepq "Recovery key" "$T/rec.err" &&
    ! grep -Eq "$g-$g" "$T/rec.err"; then
	ok "the recovery key is not printed on stderr"
else notok "the recovery key is not printed on stderr"; fi
K=$(sed -n 's/^Recovery key: //p' "$T/rec.out")
RS=$(slots "$V" | grep -v "^$P\$")
if [ "$(nslots "$V")" -eq 2 ] && [ -n "$RS" ]; then
	ok "key recovery adds one slot"
else notok "key recovery adds one slot"; fi

with "$K" key list -r "$V" >"$T/list" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -q "^\* $RS recovery " "$T/list" &&
    grep -q "^  $P passphrase " "$T/list"; then
	ok "the recovery key unlocks; key list shows its slot of kind recovery"
else notok "the recovery key unlocks; key list shows kind recovery (exit $rc)"
	sed 's/^/#   /' "$T/list"; fi
lower=$(printf %s "$K" | tr 'A-Z' 'a-z')
xcode 0 "the recovery key in lower case unlocks" with "$lower" key list -r "$V"
nodash=$(printf %s "$K" | tr -d '-')
xcode 0 "the recovery key without dashes unlocks" with "$nodash" key list -r "$V"
spaced=$(printf %s "$K" | tr '-' ' ')
xcode 0 "the recovery key with spaces for dashes unlocks" \
    with "$spaced" key list -r "$V"
# Crockford reading: O is 0, I and L are 1 (only if the key has a 0 or 1).
alt=$(printf %s "$K" | tr '01' 'OL')
if [ "$alt" != "$K" ]; then
	xcode 0 "the recovery key with O for 0 and L for 1 unlocks" \
	    with "$alt" key list -r "$V"
else ok "# SKIP recovery key has no 0 or 1 to misread"; fi

# One wrong character in the first group: caught by the check digits.
first=$(printf %s "$K" | cut -c1)
if [ "$first" = A ]; then sub=B; else sub=A; fi
typo="$sub$(printf %s "$K" | cut -c2-)"
with "$typo" key list -r "$V" >"$T/out" 2>&1
rc=$?
if [ "$rc" -eq 12 ] && grep -qi "typo" "$T/out"; then
	ok "a recovery key with a one-character typo exits 12 and says typo"
else notok "a recovery key with a one-character typo exits 12 and says typo (exit $rc)"
	sed 's/^/#   /' "$T/out"; fi

before=$(treesum "$V")
printf '%s\n%s\n' "$K" "$PW3" | "$TACIT" key passwd -r "$V" --passphrase-fd 0 \
    --new-passphrase-fd 0 $FAST >"$T/out" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && [ "$(treesum "$V")" = "$before" ] &&
    grep -q "recovery" "$T/out"; then
	ok "key passwd on the recovery slot (unlocked with it) is refused"
else notok "key passwd on the recovery slot (unlocked with it) is refused (exit $rc)"
	sed 's/^/#   /' "$T/out"; fi
printf '%s\n%s\n' "$PW" "$PW3" | "$TACIT" key passwd -r "$V" "$RS" \
    --passphrase-fd 0 --new-passphrase-fd 0 $FAST >"$T/out" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && [ "$(treesum "$V")" = "$before" ]; then
	ok "key passwd ID of the recovery slot is refused"
else notok "key passwd ID of the recovery slot is refused (exit $rc)"
	sed 's/^/#   /' "$T/out"; fi
xcode 0 "the recovery key still unlocks after the refusals" \
    with "$K" key list -r "$V"
