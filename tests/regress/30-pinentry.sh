#!/bin/sh
# 30-pinentry.sh: the passphrase typed into a real pinentry-curses on a real
# terminal (tmux).  key list unlocks with it and a wrong one exits 12;
# Cancel fails clearly; pinentry is the default on a terminal and
# --no-pinentry gives tacit's own prompt; init and key add ask twice
# through pinentry, and these new passphrases are read before the
# keyholder's sandbox (which forbids starting a program) goes on.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmux.sh"

PE=/usr/bin/pinentry-curses
if ! command -v tmux >/dev/null 2>&1; then
	ok "pinentry tests # SKIP tmux is not installed"
	exit 0
fi
if [ ! -x "$PE" ]; then
	ok "pinentry tests # SKIP pinentry-curses is not installed"
	exit 0
fi
TPW="Typed in pinentry, 100% sure"	# a % to see the %25 decoding
NPW="New one from pinentry 2nd"
R=$T/repo
printf '%s\n' "$TPW" | "$TACIT" init -r "$R" $FAST --passphrase-fd 0 \
    >/dev/null 2>&1 || { notok "init for the pinentry tests"; exit 0; }
SLOT=$(slots "$R")

# unlock R with PASSPHRASE typed in the pinentry dialog; ARGS for tacit
unlock() {
	pw=$1
	shift
	tm_start "$TACIT" key list -r "$R" "$@"
	if ! tm_wait "Passphrase for repository"; then
		tm_screen >"$T/screen"
		echo noscreen
		tm_end 1 >/dev/null
		return
	fi
	tm_screen >"$T/screen"
	tm_type "$pw"
	tm_end
}

rc=$(unlock "$TPW" --pinentry "$PE")
if [ "$rc" = 0 ] && grep -q "^\* $SLOT passphrase" "$T/tm.out"; then
	ok "key list --pinentry $PE: the typed passphrase unlocks"
else notok "key list --pinentry: the typed passphrase unlocks (rc $rc)"
	grep -v '^$' "$T/screen" | sed 's/^/#   /'; sed 's/^/#   /' "$T/tm.err"; fi
if grep -qF "Passphrase for repository $R" "$T/screen" &&
    grep -qF "<Cancel>" "$T/screen"; then
	ok "the pinentry dialog names the repository"
else notok "the pinentry dialog names the repository"
	grep -v '^$' "$T/screen" | sed 's/^/#   /'; fi

rc=$(unlock "wrong $TPW" --pinentry "$PE")
if [ "$rc" = 12 ] && grep -q "wrong passphrase" "$T/tm.err"; then
	ok "a wrong passphrase typed in pinentry exits 12"
else notok "a wrong passphrase typed in pinentry exits 12 (rc $rc)"
	sed 's/^/#   /' "$T/tm.err"; fi

# What the screen shows while the passphrase is typed: stars only.
tm_start "$TACIT" key list -r "$R" --pinentry "$PE"
tm_wait "Passphrase:" >/dev/null
tm send-keys -l -- "$TPW"
sleep 0.5
tm_screen >"$T/typing"
tm_keys Enter
rc=$(tm_end)
if [ "$rc" = 0 ] && grep -q '\*\*\*\*' "$T/typing" &&
    ! grep -qF "Typed in" "$T/typing"; then
	ok "pinentry shows stars, never the passphrase"
else notok "pinentry shows stars, never the passphrase (rc $rc)"
	sed 's/^/#   /' "$T/typing"; fi

# Cancel: Tab to <Cancel>, Enter.
tm_start "$TACIT" key list -r "$R" --pinentry "$PE"
tm_wait "Passphrase:" >/dev/null
tm_keys Tab
sleep 0.2
tm_keys Tab
sleep 0.2
tm_keys Enter
rc=$(tm_end)
if [ "$rc" = 1 ] && grep -q "cancelled" "$T/tm.err"; then
	ok "Cancel in pinentry fails (exit 1) saying it was cancelled"
else notok "Cancel in pinentry fails saying it was cancelled (rc $rc)"
	sed 's/^/#   /' "$T/tm.err"; fi

# The default on a terminal is pinentry; --no-pinentry is our own prompt.
if [ -x /usr/bin/pinentry ] || [ -x "$PE" ]; then
	rc=$(unlock "$TPW")
	if [ "$rc" = 0 ] && grep -qF "<OK>" "$T/screen"; then
		ok "on a terminal pinentry is the default"
	else notok "on a terminal pinentry is the default (rc $rc)"
		grep -v '^$' "$T/screen" | sed 's/^/#   /'; fi
fi
rc=$(unlock "$TPW" --no-pinentry)
if [ "$rc" = 0 ] && grep -qF "Passphrase for repository $R:" "$T/screen" &&
    ! grep -qF "<OK>" "$T/screen"; then
	ok "--no-pinentry asks with tacit's own prompt"
else notok "--no-pinentry asks with tacit's own prompt (rc $rc)"
	grep -v '^$' "$T/screen" | sed 's/^/#   /'; fi

# A pinentry program that does not exist: a clear error, no fall-back.
"$TACIT" key list -r "$R" --pinentry /nonexistent/pinentry </dev/null \
    >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" = 1 ] && grep -q "pinentry program /nonexistent/pinentry" \
    "$T/err"; then
	ok "--pinentry with a missing program fails naming it"
else notok "--pinentry with a missing program fails naming it (rc $rc)"
	sed 's/^/#   /' "$T/err"; fi

# --- new passphrases: asked twice, before the keyholder's sandbox --------
I=$T/init
tm_start "$TACIT" init -r "$I" $FAST --pinentry "$PE"
tm_wait "New passphrase for repository" && tm_type "$NPW"
tm_wait "Repeat to confirm" && tm_type "$NPW"
rc=$(tm_end)
printf '%s\n' "$NPW" | "$TACIT" key list -r "$I" --passphrase-fd 0 \
    >/dev/null 2>&1
lrc=$?
if [ "$rc" = 0 ] && [ "$lrc" = 0 ]; then
	ok "init through pinentry (asked twice); the passphrase unlocks"
else notok "init through pinentry (rc $rc, unlock $lrc)"
	sed 's/^/#   /' "$T/tm.err"; fi

# A typo in the repetition: pinentry asks both again, up to three times.
D=$T/differ
tm_start "$TACIT" init -r "$D" $FAST --pinentry "$PE"
tm_wait "New passphrase for repository" && tm_type "$NPW"
tm_wait "Repeat to confirm" && tm_type "$NPW x"
tm_wait "differ: try again (2 of 3)" && tm_type "$NPW"
tm_wait "Repeat to confirm" && tm_type "$NPW"
rc=$(tm_end)
printf '%s\n' "$NPW" | "$TACIT" key list -r "$D" --passphrase-fd 0 \
    >/dev/null 2>&1
lrc=$?
if [ "$rc" = 0 ] && [ "$lrc" = 0 ]; then
	ok "a mismatch in pinentry at init asks again; the second pair creates the repository"
else notok "a mismatch in pinentry at init asks again (rc $rc, unlock $lrc)"
	sed 's/^/#   /' "$T/tm.err"; fi
D=$T/differ3
tm_start "$TACIT" init -r "$D" $FAST --pinentry "$PE"
for try in 1 2 3; do
	tm_wait "New passphrase for repository" && tm_type "$NPW"
	tm_wait "Repeat to confirm" && tm_type "$NPW x$try"
done
rc=$(tm_end)
if [ "$rc" = 1 ] && grep -q "differ (3 tries)" "$T/tm.err" &&
    [ -z "$(ls -A "$D" 2>/dev/null)" ]; then
	ok "three different pairs in pinentry at init fail, leaving nothing"
else notok "three different pairs in pinentry at init fail (rc $rc)"
	sed 's/^/#   /' "$T/tm.err"; fi

# key add: the current passphrase from a command, the new one in pinentry,
# read right after the unlock (before the sandbox, which kills a fork).
printf '%s\n' "$TPW" >"$T/pw"
tm_start "$TACIT" key add -r "$R" $FAST --passphrase-command "cat $T/pw" \
    --pinentry "$PE"
tm_wait "New passphrase for repository" && tm_type "$NPW"
tm_wait "Repeat to confirm" && tm_type "$NPW"
rc=$(tm_end)
printf '%s\n' "$NPW" | "$TACIT" key list -r "$R" --passphrase-fd 0 \
    >/dev/null 2>&1
lrc=$?
if [ "$rc" = 0 ] && [ "$lrc" = 0 ] && [ "$(slots "$R" | wc -l)" -eq 2 ]; then
	ok "key add with the new passphrase from pinentry"
else notok "key add with the new passphrase from pinentry (rc $rc, unlock $lrc)"
	sed 's/^/#   /' "$T/tm.err"; fi

# key passwd of that slot, both passphrases in pinentry.
tm_start "$TACIT" key passwd -r "$R" $FAST --pinentry "$PE"
tm_wait "Passphrase for repository" && tm_type "$NPW"
tm_wait "New passphrase for repository" && tm_type "$TPW 2"
tm_wait "Repeat to confirm" && tm_type "$TPW 2"
rc=$(tm_end)
printf '%s\n' "$TPW 2" | "$TACIT" key list -r "$R" --passphrase-fd 0 \
    >/dev/null 2>&1
lrc=$?
if [ "$rc" = 0 ] && [ "$lrc" = 0 ]; then
	ok "key passwd with both passphrases typed in pinentry"
else notok "key passwd with both passphrases in pinentry (rc $rc, unlock $lrc)"
	sed 's/^/#   /' "$T/tm.err"; fi
