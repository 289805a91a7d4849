#!/bin/sh
# 07-tty.sh: passphrases from the terminal (driven by expect on a pty).
# init asks "New passphrase" and "Repeat" with echo off, refuses two
# different answers, restores the terminal; key list asks and unlocks even
# with stdin redirected; with no terminal at all tacit says to use
# --passphrase-fd instead of hanging.
. "$(dirname "$0")/lib.sh"

if ! command -v expect >/dev/null 2>&1; then
	ok "terminal passphrase tests # SKIP expect is not installed"
	exit 0
fi

TTYPW="Typed-On-The-Terminal 77"	# distinctive, to spot any echo

# These cases test tacit's own prompt, so never pinentry (which is the
# default on a terminal where one is installed; 30-pinentry.sh tests it).
printf '#!/bin/sh\nexec "%s" "$@" --no-pinentry\n' "$TACIT" >"$T/tacit"
chmod +x "$T/tacit"
TACIT=$T/tacit

# drive.exp PATTERN ANSWER ... -- COMMAND ARGS: run COMMAND on a pty; for
# each PATTERN in turn wait for it and type ANSWER and Enter; then wait for
# the end and exit with COMMAND's status (101: a pattern never came, 102:
# the command ended before it).  Everything the terminal shows is on stdout.
cat >"$T/drive.exp" <<'EOF'
set timeout 30
log_user 1
set pairs {}
set i 0
while {$i < [llength $argv] && [lindex $argv $i] ne "--"} {
	lappend pairs [lindex $argv $i] [lindex $argv [expr {$i + 1}]]
	incr i 2
}
set cmd [lrange $argv [expr {$i + 1}] end]
spawn -noecho {*}$cmd
foreach {pat ans} $pairs {
	expect {
		-exact $pat { send -- "$ans\r" }
		timeout { puts "\nDRIVE: timeout waiting for '$pat'"; exit 101 }
		eof { puts "\nDRIVE: ended before '$pat'"; exit 102 }
	}
}
expect {
	eof {}
	timeout { puts "\nDRIVE: timeout waiting for the end"; exit 101 }
}
catch wait result
exit [lindex $result 3]
EOF
drive() { expect -f "$T/drive.exp" "$@"; }

# --- init on a terminal -------------------------------------------------------------
R=$T/repo
drive "New passphrase" "$TTYPW" "Repeat" "$TTYPW" -- \
    "$TACIT" init -r "$R" $FAST >"$T/init.tty" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && [ -f "$R/header" ] && [ "$(slots "$R" | wc -l)" -eq 1 ]
then ok "init prompts 'New passphrase' then 'Repeat' and creates the repository"
else notok "init prompts 'New passphrase' then 'Repeat' (exit $rc)"
	sed 's/^/#   /' "$T/init.tty"; fi
if grep -q "New passphrase for repository $R" "$T/init.tty"; then
	ok "the prompt names the repository"
else notok "the prompt names the repository"; fi
if ! grep -aqF "$TTYPW" "$T/init.tty" && ! grep -aqF "Typed-On" "$T/init.tty"
then ok "the typed passphrase is not echoed on the terminal"
else notok "the typed passphrase is not echoed on the terminal"
	sed 's/^/#   /' "$T/init.tty"; fi
# The typed passphrase is the one that was stored: it works from a descriptor.
printf '%s\n' "$TTYPW" | "$TACIT" key list -r "$R" --passphrase-fd 0 \
    >/dev/null 2>&1
xc=$?
if [ "$xc" -eq 0 ]; then ok "the passphrase typed at init unlocks from a descriptor"
else notok "the passphrase typed at init unlocks from a descriptor (exit $xc)"; fi

D=$T/differ
drive "New passphrase" "$TTYPW" "Repeat" "$TTYPW-not" -- \
    "$TACIT" init -r "$D" $FAST >"$T/differ.tty" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -lt 100 ] && grep -q "differ" "$T/differ.tty"
then ok "two different passphrases at init fail saying they differ"
else notok "two different passphrases at init fail saying they differ (exit $rc)"
	sed 's/^/#   /' "$T/differ.tty"; fi
if [ ! -e "$D" ]; then
	ok "the failed terminal init leaves nothing, not even the directory"
else notok "the failed terminal init leaves nothing, not even the directory"; fi

# --- unlock on a terminal ------------------------------------------------------------
drive "Passphrase for repository" "$TTYPW" -- \
    "$TACIT" key list -r "$R" >"$T/list.tty" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -q "^\* $(slots "$R") passphrase" "$T/list.tty"
then ok "key list prompts on the terminal and unlocks with the typed passphrase"
else notok "key list prompts on the terminal and unlocks (exit $rc)"
	sed 's/^/#   /' "$T/list.tty"; fi
if ! grep -aqF "$TTYPW" "$T/list.tty"; then
	ok "the passphrase typed for key list is not echoed"
else notok "the passphrase typed for key list is not echoed"; fi
drive "Passphrase for repository" "wrong $TTYPW" -- \
    "$TACIT" key list -r "$R" >"$T/wrong.tty" 2>&1
rc=$?
if [ "$rc" -eq 12 ]; then ok "a wrong passphrase typed on the terminal exits 12"
else notok "a wrong passphrase typed on the terminal exits 12 (exit $rc)"
	sed 's/^/#   /' "$T/wrong.tty"; fi

# The prompt goes to the terminal even when stdin and stdout are not it.
drive "Passphrase for repository" "$TTYPW" -- sh -c \
    '"$1" key list -r "$2" </dev/null >"$3"' sh "$TACIT" "$R" "$T/list.out" \
    >"$T/redir.tty" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -q "^\* " "$T/list.out"; then
	ok "the passphrase is asked on the terminal with stdin redirected"
else notok "the passphrase is asked on the terminal with stdin redirected (exit $rc)"
	sed 's/^/#   /' "$T/redir.tty"; fi

# After tacit, the terminal has echo on again.
drive "Passphrase for repository" "$TTYPW" -- sh -c \
    '"$1" key list -r "$2" >/dev/null 2>&1; stty -a' sh "$TACIT" "$R" \
    >"$T/stty.tty" 2>&1
if grep -Eq '(^|[ ;])echo( |;|$)' "$T/stty.tty" &&
    ! grep -Eq '(^|[ ;])-echo( |;|$)' "$T/stty.tty"; then
	ok "the terminal's echo is restored after the prompt"
else notok "the terminal's echo is restored after the prompt"
	sed 's/^/#   /' "$T/stty.tty"; fi

# --- no terminal at all ---------------------------------------------------------------
# setsid detaches from any controlling terminal; -w waits for tacit's status.
setsid -w "$TACIT" key list -r "$R" </dev/null >"$T/out" 2>"$T/err" &
pid=$!
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
if kill -0 "$pid" 2>/dev/null; then
	kill "$pid"
	notok "with no terminal tacit does not wait for input (still running)"
else
	wait "$pid"
	rc=$?
	if [ "$rc" -ne 0 ] && grep -q -- "--passphrase-fd" "$T/err"; then
		ok "with no terminal tacit fails, pointing to --passphrase-fd (exit $rc)"
	else notok "with no terminal tacit fails, pointing to --passphrase-fd (exit $rc)"
		sed 's/^/#   /' "$T/err"; fi
fi
setsid -w "$TACIT" init -r "$T/notty" $FAST </dev/null >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" -ne 0 ] && grep -q -- "--passphrase-fd" "$T/err" &&
    [ -z "$(ls -A "$T/notty" 2>/dev/null)" ]; then
	ok "init with no terminal fails cleanly, leaving nothing behind"
else notok "init with no terminal fails cleanly (exit $rc)"
	sed 's/^/#   /' "$T/err"; fi
