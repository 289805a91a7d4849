#!/bin/sh
# 132-dupmeta-crash.sh: P9, issue 19, doc/format.md section 2.1.  kill -9
# (strace) at each renameat2 of `init` (keys/<id>, copy/keys/<id>,
# config, copy/config, copy/header, header) and of `key add` (keys/<id>,
# copy/keys/<id>): after each, the directory is either an interrupted
# init that a second `init` clears and redoes, or a repository that opens
# with the passphrase; a lost copy is named by `check` and made whole by
# `repair metadata`, after which `check` is clean.  The cut between the
# header's two writes leaves copy/header alone, and the repository opens
# from it; the cut between a new slot's two writes leaves keys/<id>
# alone, and the new passphrase opens.  Power loss (tests/tools/
# powerloss.py, strict; meta too with LONG=1, as 26-powerloss) at each
# fsync of `key add` and of `key remove`: the old passphrase always
# opens; the new one opens or not, the removed one opens only while
# keys/<id> is there (never from copy/keys/ alone); `repair metadata`
# then makes check clean.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../tools/crash.sh"

if ! command -v strace >/dev/null; then
	ok "# SKIP strace is missing"; exit 0; fi
PW2="second passphrase of 132 test"

# whole DESC DIR: DIR opens, repair metadata exits 0, check is clean.
whole() {
	xcode 0 "$1: repair metadata" tp repair metadata -r "$2"
	xcode 0 "$1: check is then clean" tp check -r "$2"
}

# initcut: after init was killed at its Kth rename.
initcut() {
	if [ -e "$W/header" ] || [ -e "$W/copy/header" ]; then
		[ ! -e "$W/header" ] && between=1
		xcode 0 "init killed at rename $k: the repository opens" \
		    tp snapshots -r "$W"
		whole "init killed at rename $k" "$W"
	else
		xcode 0 "init killed at rename $k: no header; init again" \
		    tp init -r "$W" $FAST
		xcode 0 "init killed at rename $k: then it opens" \
		    tp snapshots -r "$W"
	fi
	[ "$(getbyte "$W/header" 8)" = 2 ] && cmp -s "$W/header" "$W/copy/header" ||
	    notok "init killed at rename $k: header and copy/header in the end"
}
between=0 W=$T/init CL_IN=$T/pw
# shellcheck disable=SC2086
crashloop kill:renameat2 "1 2 3 4 5 6" - initcut \
    "$TACIT" init -r "$W" --passphrase-fd 0 $FAST
[ "$between" = 1 ] &&
    ok "a cut between copy/header and header leaves a repository that opens" ||
    notok "a cut between copy/header and header leaves a repository that opens"

mkrepo "$T/base" || notok "setup: init"
S1=$(slots "$T/base")
# addcut: after key add was killed at its Kth rename.
addcut() {
	xcode 0 "key add killed at rename $k: the old passphrase opens" \
	    tp key list -r "$W"
	S2=$(slots "$W" | grep -v -x "$S1")
	if [ -n "$S2" ]; then
		printf '%s\n' "$PW2" | "$TACIT" key list -r "$W" \
		    --passphrase-fd 0 >/dev/null 2>&1 &&
		    ok "key add killed at rename $k: the new passphrase opens" ||
		    notok "key add killed at rename $k: the new passphrase opens"
		if [ ! -e "$W/copy/keys/$S2" ]; then
			between=1
			xcode 14 "key add killed at rename $k: check exits 14" \
			    tp check -r "$W"
			grep -q "copy/keys/$S2 is missing or damaged" "$T/.out" &&
			    ok "and names copy/keys/$S2" ||
			    { notok "and names copy/keys/$S2"
				sed 's/^/#   /' "$T/.out"; }
		fi
	fi
	whole "key add killed at rename $k" "$W"
	for s in $(slots "$W"); do
		cmp -s "$W/keys/$s" "$W/copy/keys/$s" ||
		    notok "key add killed at rename $k: slot $s whole in the end"
	done
}
between=0 W=$T/add CL_IN=$T/pw2
printf '%s\n%s\n' "$PW" "$PW2" >"$T/pw2"
# shellcheck disable=SC2086
crashloop kill:renameat2 "1 2" "$T/base" addcut \
    "$TACIT" key add -r "$W" --passphrase-fd 0 --new-passphrase-fd 0 $FAST
unset CL_IN
[ "$between" = 1 ] &&
    ok "a cut between a new slot's two writes leaves it opening, its copy named" ||
    notok "a cut between a new slot's two writes leaves it opening, its copy named"

# --- power loss at each fsync of key add and key remove -------------------
TRACE=openat,write,fsync,renameat,renameat2,unlinkat,mkdirat
printf '%s\n' "$PW2" >"$T/pwnew"
cp -a "$T/base" "$T/base2"
"$TACIT" key add -r "$T/base2" --passphrase-fd 3 --new-passphrase-fd 3 \
    $FAST 3<"$T/pw2" >/dev/null 2>&1 || notok "setup: key add"
SB=$(slots "$T/base2" | grep -v -x "$S1")
opens() { "$TACIT" key list -r "$1" --passphrase-fd 3 3<"$2" >/dev/null 2>&1; }
cuts=0 bad=0
# The meta model too with LONG=1 (as 26-powerloss): CI stays fast.
PLMODES=strict
[ "${LONG:-0}" = 1 ] && PLMODES="strict meta"
failed() {	# DESC FILE
	bad=$((bad + 1))
	notok "key $what, $mode, fsync $k: $1"
}
# plcut: after a power cut in key add or key remove.
plcut() {
	cuts=$((cuts + 1))
	opens "$W" "$T/pw" || { bad=$((bad + 1))
		notok "key $what, $mode, fsync $k: the old passphrase opens"; }
	if [ "$what" = remove ] && [ ! -e "$W/keys/$SB" ] &&
	    opens "$W" "$T/pwnew"; then
		bad=$((bad + 1))
		notok "key remove, $mode, fsync $k: the removed passphrase opens without keys/$SB"
	fi
	tp repair metadata -r "$W" >"$T/r.out" 2>&1 &&
	    tp check -r "$W" >"$T/c.out" 2>&1 ||
	    { bad=$((bad + 1))
		notok "key $what, $mode, fsync $k: repair metadata, then check clean"
		sed 's/^/#   /' "$T/r.out" "$T/c.out" | head -10; }
}
W=$T/pl what=add CL_FD3=$T/pw2
for m in $PLMODES; do
	# shellcheck disable=SC2086
	crashloop "power:$m" "1 2 3 4 5 6 7 8" "$T/base" plcut \
	    "$TACIT" key add -r "$W" --passphrase-fd 3 --new-passphrase-fd 3 \
	    $FAST
done
what=remove CL_FD3=$T/pw
for m in $PLMODES; do
	crashloop "power:$m" "1 2 3 4 5 6 7 8" "$T/base2" plcut \
	    "$TACIT" key remove -r "$W" "$SB" --passphrase-fd 3
done
[ "$bad" -eq 0 ] &&
    ok "$cuts power cuts in key add and key remove: the old passphrase opens, a removed one never from its copy alone, repair metadata makes it whole" ||
    notok "$bad failures in $cuts power cuts of key add and key remove"
