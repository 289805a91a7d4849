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

# killat K CMD...: CMD under strace, the process killed (SIGKILL) at its
# Kth renameat2.
killat() {
	_k=$1
	shift
	env "$NOLEAK" strace -f -qq -o /dev/null -e trace=renameat2 \
	    -e inject="renameat2:signal=KILL:when=$_k" "$@" >"$T/k.out" 2>&1
}
# whole DESC DIR: DIR opens, repair metadata exits 0, check is clean.
whole() {
	xcode 0 "$1: repair metadata" tp repair metadata -r "$2"
	xcode 0 "$1: check is then clean" tp check -r "$2"
}

between=0
for k in 1 2 3 4 5 6; do
	R=$T/init$k
	printf '%s\n' "$PW" | killat $k "$TACIT" init -r "$R" \
	    --passphrase-fd 0 $FAST
	if [ -e "$R/header" ] || [ -e "$R/copy/header" ]; then
		[ ! -e "$R/header" ] && between=1
		xcode 0 "init killed at rename $k: the repository opens" \
		    tp snapshots -r "$R"
		whole "init killed at rename $k" "$R"
	else
		xcode 0 "init killed at rename $k: no header; init again" \
		    tp init -r "$R" $FAST
		xcode 0 "init killed at rename $k: then it opens" \
		    tp snapshots -r "$R"
	fi
	[ "$(getbyte "$R/header" 8)" = 2 ] && cmp -s "$R/header" "$R/copy/header" ||
	    notok "init killed at rename $k: header and copy/header in the end"
done
[ "$between" = 1 ] &&
    ok "a cut between copy/header and header leaves a repository that opens" ||
    notok "a cut between copy/header and header leaves a repository that opens"

mkrepo "$T/base" || notok "setup: init"
S1=$(slots "$T/base")
between=0
for k in 1 2; do
	R=$T/add$k
	cp -a "$T/base" "$R"
	printf '%s\n%s\n' "$PW" "$PW2" | killat $k "$TACIT" key add -r "$R" \
	    --passphrase-fd 0 --new-passphrase-fd 0 $FAST
	xcode 0 "key add killed at rename $k: the old passphrase opens" \
	    tp key list -r "$R"
	S2=$(slots "$R" | grep -v -x "$S1")
	if [ -n "$S2" ]; then
		printf '%s\n' "$PW2" | "$TACIT" key list -r "$R" \
		    --passphrase-fd 0 >/dev/null 2>&1 &&
		    ok "key add killed at rename $k: the new passphrase opens" ||
		    notok "key add killed at rename $k: the new passphrase opens"
		if [ ! -e "$R/copy/keys/$S2" ]; then
			between=1
			xcode 14 "key add killed at rename $k: check exits 14" \
			    tp check -r "$R"
			grep -q "copy/keys/$S2 is missing or damaged" "$T/.out" &&
			    ok "and names copy/keys/$S2" ||
			    { notok "and names copy/keys/$S2"
				sed 's/^/#   /' "$T/.out"; }
		fi
	fi
	whole "key add killed at rename $k" "$R"
	for s in $(slots "$R"); do
		cmp -s "$R/keys/$s" "$R/copy/keys/$s" ||
		    notok "key add killed at rename $k: slot $s whole in the end"
	done
done
[ "$between" = 1 ] &&
    ok "a cut between a new slot's two writes leaves it opening, its copy named" ||
    notok "a cut between a new slot's two writes leaves it opening, its copy named"

# --- power loss at each fsync of key add and key remove -------------------
TRACE=openat,write,fsync,renameat,renameat2,unlinkat,mkdirat
printf '%s\n%s\n' "$PW" "$PW2" >"$T/pw2"
printf '%s\n' "$PW" >"$T/pw"
printf '%s\n' "$PW2" >"$T/pwnew"
cp -a "$T/base" "$T/base2"
"$TACIT" key add -r "$T/base2" --passphrase-fd 3 --new-passphrase-fd 3 \
    $FAST 3<"$T/pw2" >/dev/null 2>&1 || notok "setup: key add"
SB=$(slots "$T/base2" | grep -v -x "$S1")
# ptraced K CMD...: CMD under strace into $T/trace, killed at fsync K.
ptraced() {
	_k=$1
	shift
	env "$NOLEAK" strace -f -qq -y -s 0 -o "$T/trace" -e trace="$TRACE" \
	    -e inject="fsync:signal=KILL:when=$_k" "$@" >"$T/run.out" 2>&1
}
opens() { "$TACIT" key list -r "$1" --passphrase-fd 3 3<"$2" >/dev/null 2>&1; }
cuts=0 bad=0
# The meta model too with LONG=1 (as 26-powerloss): CI stays fast.
PLMODES=strict
[ "${LONG:-0}" = 1 ] && PLMODES="strict meta"
for what in add remove; do
	base=$T/base
	[ "$what" = remove ] && base=$T/base2
	for mode in $PLMODES; do
		k=1
		while [ "$k" -le 8 ]; do
			W=$T/pl
			rm -rf "$W" && cp -a "$base" "$W"
			if [ "$what" = add ]; then
				ptraced $k "$TACIT" key add -r "$W" \
				    --passphrase-fd 3 --new-passphrase-fd 3 \
				    $FAST 3<"$T/pw2"
			else
				ptraced $k "$TACIT" key remove -r "$W" "$SB" \
				    --passphrase-fd 3 3<"$T/pw"
			fi
			python3 -S "$TOOLS/powerloss.py" "$W" "$base" \
			    "$T/trace" "$mode" >"$T/pl.out" 2>&1 ||
			    { bad=$((bad + 1)); notok "key $what, $mode, fsync $k: the simulator failed"; }
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
			k=$((k + 1))
		done
	done
done
[ "$bad" -eq 0 ] &&
    ok "$cuts power cuts in key add and key remove: the old passphrase opens, a removed one never from its copy alone, repair metadata makes it whole" ||
    notok "$bad failures in $cuts power cuts of key add and key remove"
