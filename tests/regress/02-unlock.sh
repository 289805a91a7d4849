#!/bin/sh
# 02-unlock.sh: unlocking a repository.  The right passphrase opens it and
# `key list` marks the slot used; a wrong one exits 12, an empty one is
# refused; passphrases come from any descriptor and may end in CRLF; a
# missing or foreign directory exits 10; `key list --json` is valid JSON.
. "$(dirname "$0")/lib.sh"

R=$T/repo
mkrepo "$R" || notok "setup: init"
sid=$(slots "$R")

# --- the right passphrase ---------------------------------------------------
tp key list -r "$R" >"$T/list" 2>"$T/err"
rc=$?
if [ "$rc" -eq 0 ]; then ok "right passphrase: key list exits 0"
else notok "right passphrase: key list exits 0 (exit $rc)"
	sed 's/^/#   /' "$T/err"; fi
if [ "$(wc -l <"$T/list")" -eq 1 ] &&
    grep -Eq "^\* $sid passphrase " "$T/list"; then
	ok "key list shows the one slot, marked current with '*'"
else notok "key list shows the one slot, marked current with '*'"
	sed 's/^/#   /' "$T/list"; fi

# --- a wrong passphrase -----------------------------------------------------
printf 'not the passphrase\n' |
    "$TACIT" key list -r "$R" --passphrase-fd 0 >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" -eq 12 ]; then ok "wrong passphrase exits 12"
else notok "wrong passphrase exits 12 (exit $rc)"; fi
if grep -q "wrong passphrase" "$T/err"; then
	ok "wrong passphrase is named on stderr"
else notok "wrong passphrase is named on stderr"
	sed 's/^/#   /' "$T/err"; fi
if [ ! -s "$T/out" ]; then ok "wrong passphrase lists nothing on stdout"
else notok "wrong passphrase lists nothing on stdout"; fi

# A prefix or an extension of the passphrase is wrong too.
printf '%s\n' "${PW% *}" |
    "$TACIT" key list -r "$R" --passphrase-fd 0 >/dev/null 2>&1
rc1=$?
printf '%s \n' "$PW" |
    "$TACIT" key list -r "$R" --passphrase-fd 0 >/dev/null 2>&1
rc2=$?
if [ "$rc1" -eq 12 ] && [ "$rc2" -eq 12 ]; then
	ok "a prefix or extension of the passphrase is wrong (exit 12)"
else notok "a prefix or extension of the passphrase is wrong (exits $rc1, $rc2)"; fi

# --- an empty passphrase ----------------------------------------------------
printf '\n' | "$TACIT" key list -r "$R" --passphrase-fd 0 >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" -ne 0 ] && grep -qi "empty passphrase" "$T/err"; then
	ok "empty passphrase is refused with a clear message"
else notok "empty passphrase is refused with a clear message (exit $rc)"
	sed 's/^/#   /' "$T/err"; fi
"$TACIT" key list -r "$R" --passphrase-fd 0 </dev/null >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" -ne 0 ] && grep -qi "empty passphrase" "$T/err"; then
	ok "no input at all (EOF) is refused as an empty passphrase"
else notok "no input at all (EOF) is refused as an empty passphrase (exit $rc)"
	sed 's/^/#   /' "$T/err"; fi

# --- other descriptors and line endings ------------------------------------
printf '%s\n' "$PW" >"$T/pw"
xcode 0 "passphrase on descriptor 3 works" \
    "$TACIT" key list -r "$R" --passphrase-fd 3 3<"$T/pw"
printf '%s\r\n' "$PW" >"$T/pw.crlf"
xcode 0 "passphrase file with a CRLF line ending works" \
    "$TACIT" key list -r "$R" --passphrase-fd 3 3<"$T/pw.crlf"
printf '%s' "$PW" >"$T/pw.nonl"
xcode 0 "passphrase file without a final newline works" \
    "$TACIT" key list -r "$R" --passphrase-fd 3 3<"$T/pw.nonl"
# Only one line is read: what follows the first line is not part of it.
printf '%s\nsecond line\n' "$PW" >"$T/pw.two"
xcode 0 "only the first line of the descriptor is the passphrase" \
    "$TACIT" key list -r "$R" --passphrase-fd 3 3<"$T/pw.two"
xcode 1 "a closed descriptor is an error (exit 1)" \
    "$TACIT" key list -r "$R" --passphrase-fd 7 7<&-

# --- not a repository ---------------------------------------------------------
xcode 10 "nonexistent repository directory exits 10" \
    tp key list -r "$T/does-not-exist"
mkdir "$T/plain"
echo hello >"$T/plain/file"
xcode 10 "a directory that is not a repository exits 10" \
    tp key list -r "$T/plain"
mkdir "$T/emptydir"
xcode 10 "an empty directory exits 10" tp key list -r "$T/emptydir"

# --- JSON -----------------------------------------------------------------------
tp key list -r "$R" --json >"$T/json" 2>"$T/err"
rc=$?
if command -v python3 >/dev/null 2>&1; then
	python3 -c '
import json, sys
a = json.load(sys.stdin)
assert isinstance(a, list) and len(a) == 1, a
s = a[0]
assert s["id"] == sys.argv[1] and s["kind"] == "passphrase", s
assert s["current"] is True, s
' "$sid" <"$T/json" >"$T/py" 2>&1
	prc=$?
else
	grep -q "^\[{\"id\":\"$sid\",\"kind\":\"passphrase\"" "$T/json" &&
	    grep -q '"current":true' "$T/json" && grep -q '}]$' "$T/json"
	prc=$?
fi
if [ "$rc" -eq 0 ] && [ "$prc" -eq 0 ]; then
	ok "key list --json prints a JSON array describing the slot"
else notok "key list --json prints a JSON array describing the slot"
	sed 's/^/#   /' "$T/json" "$T/py" 2>/dev/null; fi
