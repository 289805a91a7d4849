#!/bin/sh
# 06-header.sh: P8 for the header, config and key slots.  A damaged header
# exits 10 (not tacit) or 14 (damaged); a newer format with a valid
# checksum exits 13 naming the format; any change to the sealed config, or
# a config from elsewhere, is rejected naming "config"; a damaged key slot
# never opens, a hostile KDF cost is refused at once, and a malformed slot
# is skipped with a warning while the good slots still work.
. "$(dirname "$0")/lib.sh"

PW2="header test second passphrase"
R=$T/orig
mkrepo "$R" || notok "setup: init"
S=$(slots "$R")
W=$T/work

# fresh: $W becomes a pristine copy of $R, without the second copies in
# copy/ (format 2): the cases below damage the one copy left (130-134
# damage one copy of two).
fresh() { rm -rf "$W" && cp -a "$R" "$W" && rm -rf "$W/copy"; }

# expect CODE DESC [PATTERN]: `key list` on $W exits CODE and, if PATTERN is
# given, its stderr matches it (case-insensitive).
expect() {
	code=$1
	desc=$2
	pat=${3:-}
	tp key list -r "$W" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -eq "$code" ] &&
	    { [ -z "$pat" ] || grep -qi -- "$pat" "$T/err"; }; then
		ok "$desc"
	else notok "$desc (exit $got, wanted $code${pat:+ and '$pat'})"
		sed 's/^/#   /' "$T/err"; fi
}

# --- header -----------------------------------------------------------------------
fresh; flip "$W/header" 0
expect 10 "header: flipped magic byte exits 10" "not a tacit repository"
fresh; flip "$W/header" 7
expect 10 "header: flipped last magic byte exits 10"
fresh; flip "$W/header" 8
expect 14 "header: flipped version byte exits 14 (checksum)" "damaged"
fresh; flip "$W/header" 12
expect 14 "header: flipped first id byte exits 14" "damaged"
fresh; flip "$W/header" 27
expect 14 "header: flipped last id byte exits 14" "damaged"
fresh; flip "$W/header" 28
expect 14 "header: flipped first checksum byte exits 14" "damaged"
fresh; flip "$W/header" 43
expect 14 "header: flipped last checksum byte exits 14" "damaged"

# Format 3 with a valid BLAKE2b-128 checksum over bytes 0..27: a newer
# format, not damage.  b2sum -l 128 is the unkeyed BLAKE2b with a 16-byte
# digest, as crypto_generichash computes it (04 checks this on a real header).
fmt3() {
	putbyte "$1" 8 3
	sum=$(head -c 28 "$1" | b2sum -l 128 | cut -d' ' -f1)
	off=28
	for h in $(printf %s "$sum" | sed 's/../& /g'); do
		putbyte "$1" $off $((0x$h))
		off=$((off + 1))
	done
}
fresh; fmt3 "$W/header"
expect 13 "header: format 3 with a valid checksum exits 13" "format 3"
if grep -q "formats 1 and 2" "$T/err"; then
	ok "the format 3 message also names the formats this tacit reads (1, 2)"
else notok "the format 3 message also names the formats this tacit reads (1, 2)"; fi
# A newer format is obeyed, never overruled by the copy of the header.
rm -rf "$W" && cp -a "$R" "$W"; fmt3 "$W/header"
expect 13 "header: format 3 with an intact format 2 copy still exits 13" \
    "format 3"

fresh; head -c 43 "$R/header" >"$W/header"
expect 14 "header: truncated to 43 bytes exits 14 (damaged)"
fresh; : >"$W/header"
expect 10 "header: empty exits 10"
fresh; cat "$R/header" >>"$W/header"
expect 14 "header: doubled (88 bytes) exits 14 (damaged)"
fresh; rm "$W/header"
expect 10 "header: missing exits 10" "no header"

# --- config ----------------------------------------------------------------------
csize=$(fsize "$R/config")
for pos in 0 1 23 24 $((csize / 2)) $((csize - 17)) $((csize - 16)) \
    $((csize - 1)); do
	fresh; flip "$W/config" "$pos"
	expect 14 "config: flipped byte $pos of $csize exits 14" "config"
done
fresh; head -c $((csize - 1)) "$R/config" >"$W/config"
expect 14 "config: truncated by one byte exits 14" "config"
fresh; head -c 39 "$R/config" >"$W/config"
expect 14 "config: truncated below the envelope overhead exits 14" "config"
fresh; : >"$W/config"
expect 14 "config: empty exits 14" "config"
fresh; printf 'x' >>"$W/config"
expect 14 "config: one byte appended exits 14" "config"
fresh; head -c 8192 /dev/zero >>"$W/config"
expect 14 "config: 8 KiB appended exits 14" "config"
fresh; rm "$W/config"
expect 14 "config: missing exits 14" "config"

# Swap config and key slot: neither file opens as the other.
fresh
cp "$R/keys/$S" "$W/config"
cp "$R/config" "$W/keys/$S"
tp key list -r "$W" >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" -eq 14 ] || [ "$rc" -eq 12 ]; then
	ok "config and key slot swapped: rejected (exit $rc)"
else notok "config and key slot swapped: rejected (exit $rc)"
	sed 's/^/#   /' "$T/err"; fi
# A key slot's bytes in place of the config (slot left in place too).
fresh; cp "$R/keys/$S" "$W/config"
expect 14 "config replaced by a key slot's bytes exits 14" "config"

# The config of another repository with the same passphrase.
O=$T/other
mkrepo "$O" || notok "setup: init other"
fresh; cp "$O/config" "$W/config"
expect 14 "config copied from another repository exits 14" "config"
# ... and another repository's key slot (same passphrase) does not open this
# one: the wrap is bound to the repository id.
fresh; rm "$W/keys/$S"; cp "$O/keys/$(slots "$O")" "$W/keys/"
expect 12 "key slot copied from another repository does not unlock (12)"
# A slot renamed to another id: the wrap is bound to the slot id too.
fresh; mv "$W/keys/$S" "$W/keys/0123456789abcdef"
expect 12 "key slot renamed to another id does not unlock (12)"

# --- key slot --------------------------------------------------------------------
# Layout: magic 0..7, format 8..11, kdf 12..15, t 16..19, m 20..23,
# lanes 24..27, salt 28..43, wrapped key 44..115, meta length 116..119.
for pos in 44 60 80 100 115; do
	fresh; flip "$W/keys/$S" "$pos"
	tp key list -r "$W" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" -eq 12 ] || [ "$rc" -eq 14 ]; then
		ok "key slot: flipped wrapped-key byte $pos is rejected (exit $rc)"
	else notok "key slot: flipped wrapped-key byte $pos is rejected (exit $rc)"
		sed 's/^/#   /' "$T/err"; fi
done
for pos in 0 8 12 16 28 43; do
	fresh; flip "$W/keys/$S" "$pos"
	tp key list -r "$W" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" -eq 12 ] || [ "$rc" -eq 14 ]; then
		ok "key slot: flipped parameter byte $pos is rejected (exit $rc)"
	else notok "key slot: flipped parameter byte $pos is rejected (exit $rc)"
		sed 's/^/#   /' "$T/err"; fi
done

# A hostile KDF cost: memory 0xFFFFFFFF KiB.  It must be refused by the cap
# check before any allocation, i.e. at once.
fresh
for off in 20 21 22 23; do putbyte "$W/keys/$S" $off 255; done
t0=$(now_ms)
tp key list -r "$W" >"$T/out" 2>"$T/err"
rc=$?
dt=$(( $(now_ms) - t0 ))
if [ "$rc" -ne 0 ] && grep -q "$S" "$T/err" &&
    grep -q "2097152" "$T/err"; then
	ok "key slot with KDF memory 0xFFFFFFFF is refused naming the cap (exit $rc)"
else notok "key slot with KDF memory 0xFFFFFFFF is refused naming the cap (exit $rc)"
	sed 's/^/#   /' "$T/err"; fi
if [ "$dt" -lt 5000 ]; then
	ok "the hostile KDF memory is refused quickly (${dt} ms)"
else notok "the hostile KDF memory is refused quickly (${dt} ms)"; fi
fresh
for off in 16 17 18 19; do putbyte "$W/keys/$S" $off 255; done
t0=$(now_ms)
tp key list -r "$W" >"$T/out" 2>"$T/err"
rc=$?
dt=$(( $(now_ms) - t0 ))
if [ "$rc" -ne 0 ] && [ "$dt" -lt 5000 ] && grep -qi "iterations" "$T/err"
then ok "key slot with KDF iterations 0xFFFFFFFF is refused at once (exit $rc)"
else notok "key slot with KDF iterations 0xFFFFFFFF is refused at once (exit $rc, ${dt} ms)"
	sed 's/^/#   /' "$T/err"; fi
fresh
for off in 24 25 26 27; do putbyte "$W/keys/$S" $off 255; done
t0=$(now_ms)
tp key list -r "$W" >"$T/out" 2>"$T/err"
rc=$?
dt=$(( $(now_ms) - t0 ))
if [ "$rc" -ne 0 ] && [ "$dt" -lt 5000 ] && grep -qi "lanes" "$T/err"
then ok "key slot with KDF lanes 0xFFFFFFFF is refused at once (exit $rc)"
else notok "key slot with KDF lanes 0xFFFFFFFF is refused at once (exit $rc, ${dt} ms)"
	sed 's/^/#   /' "$T/err"; fi

# A slot with extra bytes appended is skipped with a warning; a second,
# intact slot still opens the repository.  Damage whichever slot is read
# first, so the good one is found only after the bad one was skipped.
R2=$T/two
mkrepo "$R2" || notok "setup: init two"
printf '%s\n%s\n' "$PW" "$PW" | "$TACIT" key add -r "$R2" --passphrase-fd 0 \
    --new-passphrase-fd 0 $FAST >/dev/null 2>&1 || notok "setup: key add"
rm -rf "$R2/copy"	# one copy of each slot, as in fresh
first=$(tp key list -r "$R2" 2>/dev/null | sed -n '1s/^. \([0-9a-f]*\) .*/\1/p')
second=$(slots "$R2" | grep -v "^$first\$")
printf 'extra' >>"$R2/keys/$first"
tp key list -r "$R2" >"$T/out" 2>"$T/err"
rc=$?
if grep -q "$first.*skipped" "$T/err"; then
	ok "a key slot with bytes appended is skipped with a warning naming it"
else notok "a key slot with bytes appended is skipped with a warning (exit $rc)"
	sed 's/^/#   /' "$T/err"; fi
if grep -q "^\* $second " "$T/out"; then
	ok "the intact slot still unlocks next to the skipped one"
else notok "the intact slot still unlocks next to the skipped one"
	sed 's/^/#   /' "$T/out"; fi
# Listing cannot describe the malformed slot: it says so and exits 14.
if [ "$rc" -eq 14 ] && grep -q "$first.*damaged" "$T/err"; then
	ok "key list names the malformed slot as damaged and exits 14"
else notok "key list names the malformed slot as damaged and exits 14 (exit $rc)"
	sed 's/^/#   /' "$T/err"; fi
# Commands other than list are not hindered by the skipped slot.
printf '%s\n%s\n' "$PW" "$PW2" | "$TACIT" key add -r "$R2" --passphrase-fd 0 \
    --new-passphrase-fd 0 $FAST >"$T/out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && [ "$(slots "$R2" | wc -l)" -eq 3 ]; then
	ok "key add works while a malformed slot is skipped"
else notok "key add works while a malformed slot is skipped (exit $rc)"
	sed 's/^/#   /' "$T/out"; fi
rm -f "$R2/keys/$(slots "$R2" | grep -v -e "^$first\$" -e "^$second\$")"
rm -rf "$R2/copy"
# --json must stay valid JSON when a slot cannot be listed.
tp key list -r "$R2" --json >"$T/json" 2>/dev/null
if command -v python3 >/dev/null 2>&1; then
	python3 -c 'import json,sys; json.load(sys.stdin)' <"$T/json" 2>/dev/null
	prc=$?
else
	grep -q '^\[{"id":' "$T/json"
	prc=$?
fi
if [ "$prc" -eq 0 ]; then
	ok "key list --json is valid JSON when a damaged slot comes first"
else notok "key list --json is valid JSON when a damaged slot comes first"
	sed 's/^/#   /' "$T/json"; fi
# With only the damaged slot left, there is no usable slot: 14.
rm "$R2/keys/$second"
xcode 14 "with only a malformed slot left the repository is damaged (14)" \
    tp key list -r "$R2"

# Sealed slot metadata (offset 120..) that fails to open is reported by name.
fresh; flip "$W/keys/$S" $(( $(fsize "$W/keys/$S") - 1 ))
tp key list -r "$W" >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" -eq 14 ] && grep -q "$S.*damaged" "$T/err"; then
	ok "key slot with damaged sealed metadata: key list names it, exits 14"
else notok "key slot with damaged sealed metadata: key list names it, exits 14 (exit $rc)"
	sed 's/^/#   /' "$T/err"; fi

# None of the above touched the original repository.
xcode 0 "the original repository still opens" tp key list -r "$R"
