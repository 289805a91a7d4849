#!/bin/sh
# 103-copy-prompt.sh: the other repository's passphrase asked on a real
# terminal (tmux), by the second keyholder (issue 18).  copy, SRC's
# passphrase from a command: the terminal prompt names DST, the typed
# passphrase unlocks DST and the snapshot is copied; a wrong one is exit
# 12.  Through pinentry-curses too, where it is installed: the dialog
# names DST.  init --copy-chunker-from: the prompt names SRC.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmux.sh"

if ! command -v tmux >/dev/null 2>&1; then
	ok "prompt tests # SKIP tmux is not installed"
	exit 0
fi
S=$T/src D=$T/dst
PW2="typed for DST, on the terminal"
printf '%s\n' "$PW" >"$T/pw1"
mkrepo "$S" || notok "setup: init SRC"
printf '%s\n' "$PW2" | "$TACIT" init -q -r "$D" $FAST --passphrase-fd 0 \
    >/dev/null 2>&1 || notok "setup: init DST"
mkdir -p "$T/data"
printf 'x\n' >"$T/data/f"
tp backup -q -r "$S" "$T/data" || notok "setup: backup"

# copy_typed PW ARGS: a copy, DST's passphrase typed when asked.
copy_typed() {
	pw=$1
	shift
	tm_start "$TACIT" copy -r "$S" --to "$D" --passphrase-command \
	    "cat $T/pw1" "$@"
	if ! tm_wait "Passphrase for repository $D" 20; then
		tm_screen >"$T/screen"
		tm_end 1 >/dev/null
		echo noprompt
		return
	fi
	tm_screen >"$T/screen"
	tm_type "$pw"
	tm_end
}

rc=$(copy_typed "wrong $PW2" --no-pinentry)
[ "$rc" = 12 ] && grepq "wrong passphrase" "$T/tm.err" &&
    ok "copy: a wrong DST passphrase typed on the terminal is exit 12" ||
    { notok "copy: a wrong DST passphrase typed (rc $rc)"; sed 's/^/#   /' "$T/tm.err" "$T/screen"; }
rc=$(copy_typed "$PW2" --no-pinentry)
if [ "$rc" = 0 ] && grepq "Passphrase for repository $D" "$T/screen" &&
    grepq "copied as" "$T/tm.out"; then
	ok "copy: the terminal prompt names DST, and the typed passphrase unlocks it"
else notok "copy: the terminal prompt names DST (rc $rc)"
	sed 's/^/#   /' "$T/screen" "$T/tm.err" "$T/tm.out"; fi

PE=/usr/bin/pinentry-curses
if [ -x "$PE" ]; then
	tp backup -q -r "$S" "$T/data" || notok "setup: second backup"
	rc=$(copy_typed "$PW2" --pinentry "$PE")
	if [ "$rc" = 0 ] && grepq "Passphrase for repository $D" "$T/screen" &&
	    grepq "copied as" "$T/tm.out"; then
		ok "copy: the pinentry dialog names DST, and its passphrase unlocks it"
	else notok "copy: the pinentry dialog names DST (rc $rc)"
		sed 's/^/#   /' "$T/screen" "$T/tm.err"; fi
else
	ok "copy through pinentry # SKIP pinentry-curses is not installed"
fi

# init --copy-chunker-from: SRC's passphrase asked, naming SRC.
printf '%s\n' "$PW2" >"$T/pw2"
tm_start "$TACIT" init -r "$T/dst2" $FAST --passphrase-command "cat $T/pw2" \
    --copy-chunker-from "$S" --no-pinentry
if tm_wait "Passphrase for repository $S" 20; then
	tm_screen >"$T/screen"
	tm_type "$PW"
	rc=$(tm_end)
	[ "$rc" = 0 ] && grepq "cuts files as" "$T/tm.out" &&
	    ok "init --copy-chunker-from: the prompt names SRC, and SRC's passphrase is taken" ||
	    { notok "init --copy-chunker-from (rc $rc)"; sed 's/^/#   /' "$T/tm.err"; }
else
	tm_screen >"$T/screen"
	tm_end 1 >/dev/null
	notok "init --copy-chunker-from: no prompt naming SRC"
	sed 's/^/#   /' "$T/screen" "$T/tm.err"
fi
rm -rf "$T"
