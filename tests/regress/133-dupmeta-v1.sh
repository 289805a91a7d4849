#!/bin/sh
# 133-dupmeta-v1.sh: issue 19, doc/format.md section 22.  A format 1
# repository (one copy of each file; made here from a new one: copy/
# removed, the header's version set to 1 with its checksum, which is all
# that differs, as format 2 changed no object) still opens, backs up and
# restores, and stays format 1 through key add and key remove (no copy/
# made).  `repair metadata` upgrades it on purpose: copy/ then holds the
# same bytes as header, config and keys/ (and nothing an older tacit's
# key remove left there), the header says 2, and check is clean.  With
# TACIT_V1 set to a tacit that reads format 1 only (the baseline), that
# tacit opens the format 1 repository and refuses the upgraded one (13).
. "$(dirname "$0")/lib.sh"

PW2="second passphrase of 133 test"
R=$T/repo S=$T/src
mkdir -p "$S" && head -c 200000 /dev/urandom >"$S/a" && printf x >"$S/b"
mkrepo "$R" || notok "setup: init"
S1=$(slots "$R")

# setver FILE V: the header FILE with format V and its checksum.
setver() {
	putbyte "$1" 8 "$2"
	sum=$(head -c 28 "$1" | b2sum -l 128 | cut -d' ' -f1)
	off=28
	for h in $(printf %s "$sum" | sed 's/../& /g'); do
		putbyte "$1" $off $((0x$h))
		off=$((off + 1))
	done
}
[ "$(getbyte "$R/header" 8)" -eq 2 ] && ok "init makes format 2" ||
    notok "init makes format 2"
rm -rf "$R/copy"
setver "$R/header" 1

xcode 0 "format 1: backup" tp backup -q -r "$R" "$S"
xcode 0 "format 1: restore" tp restore -r "$R" latest --target "$T/d1"
[ "$(treesum "$T/d1/src")" = "$(treesum "$S")" ] &&
    ok "format 1: bit for bit" || notok "format 1: bit for bit"
xcode 0 "format 1: check is clean (no copies expected)" tp check -r "$R"
grep -q "missing or damaged" "$T/.out" && notok "format 1: check names no copy"
printf '%s\n%s\n' "$PW" "$PW2" | "$TACIT" key add -r "$R" --passphrase-fd 0 \
    --new-passphrase-fd 0 $FAST >/dev/null 2>&1 || notok "format 1: key add"
S2=$(slots "$R" | grep -v -x "$S1")
[ ! -e "$R/copy" ] && [ "$(getbyte "$R/header" 8)" -eq 1 ] &&
    [ "$(slots "$R" | wc -l)" -eq 2 ] &&
    ok "format 1: key add writes one copy, the header stays format 1" ||
    notok "format 1: key add writes one copy, the header stays format 1"
if [ -n "${TACIT_V1:-}" ] && [ -x "$TACIT_V1" ]; then
	printf '%s\n' "$PW" | "$TACIT_V1" snapshots -r "$R" --passphrase-fd 0 \
	    >/dev/null 2>&1 && ok "format 1: the format 1 tacit opens it" ||
	    notok "format 1: the format 1 tacit opens it"
fi

# An interrupted upgrade, then an older tacit's key remove: copy/ holds
# the removed slot.  The upgrade must not bring it back.
mkdir -p "$R/copy/keys" && cp "$R/keys/$S2" "$R/copy/keys/"
rm "$R/keys/$S2"
xcode 0 "format 1 with a stray copy/: still opens" tp snapshots -r "$R"
printf '%s\n' "$PW2" | "$TACIT" key list -r "$R" --passphrase-fd 0 \
    >/dev/null 2>&1
rc=$?
[ "$rc" -eq 12 ] && ok "the stray copy/ is not read (removed slot: 12)" ||
    notok "the stray copy/ is not read (removed slot: exit $rc)"

xcode 0 "repair metadata upgrades it" tp repair metadata -r "$R"
grep -q "now repository format 2" "$T/.out" && ok "and says so" ||
    { notok "and says so"; sed 's/^/#   /' "$T/.out"; }
[ "$(getbyte "$R/header" 8)" -eq 2 ] && cmp -s "$R/header" "$R/copy/header" &&
    cmp -s "$R/config" "$R/copy/config" &&
    [ "$(ls "$R/keys")" = "$(ls "$R/copy/keys")" ] &&
    ok "format 2 now: copy/ holds the same header, config and slots" ||
    notok "format 2 now: copy/ holds the same header, config and slots ($(ls "$R/copy/keys" | tr '\n' ' '))"
for s in $(slots "$R"); do
	cmp -s "$R/keys/$s" "$R/copy/keys/$s" || notok "slot $s: copies differ"
done
[ ! -e "$R/copy/keys/$S2" ] &&
    ok "the slot removed meanwhile is not brought back" ||
    notok "the slot removed meanwhile is not brought back"
xcode 0 "check is clean after the upgrade" tp check -r "$R"
grep -q "missing or damaged" "$T/.out" && notok "nothing named after the upgrade"
xcode 0 "restore after the upgrade" tp restore -r "$R" latest --target "$T/d2"
[ "$(treesum "$T/d2/src")" = "$(treesum "$S")" ] &&
    ok "after the upgrade: bit for bit" || notok "after the upgrade: bit for bit"
xcode 0 "repair metadata again: nothing to do" tp repair metadata -r "$R"
grep -q "is whole" "$T/.out" && ok "and says every copy is whole" ||
    notok "and says every copy is whole"
if [ -n "${TACIT_V1:-}" ] && [ -x "$TACIT_V1" ]; then
	printf '%s\n' "$PW" | "$TACIT_V1" snapshots -r "$R" --passphrase-fd 0 \
	    >"$T/v1.out" 2>&1
	rc=$?
	[ "$rc" -eq 13 ] && grep -q "format 2" "$T/v1.out" &&
	    ok "the format 1 tacit refuses the upgraded repository (13)" ||
	    notok "the format 1 tacit refuses the upgraded repository (exit $rc)"
else
	ok "# SKIP TACIT_V1 unset: no format 1 tacit to try"
fi
