#!/bin/sh
# 31-keepassxc.sh: --keepassxc DB ENTRY with a real KeePassXC database made
# by keepassxc-cli.  The database password is typed on a real terminal
# (tmux) straight into keepassxc-cli, whose stdin and stderr are the
# terminal and whose stdout is a pipe to tacit; its environment is
# scrubbed.  A wrong database password, a missing entry, a missing
# database and a missing keepassxc-cli are clear errors.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmux.sh"

if ! command -v keepassxc-cli >/dev/null 2>&1; then
	ok "KeePassXC tests # SKIP keepassxc-cli is not installed"
	exit 0
fi
if ! command -v tmux >/dev/null 2>&1; then
	ok "KeePassXC tests # SKIP tmux is not installed"
	exit 0
fi
DBPW="database password 42"
RPW="repository passphrase kept in KeePassXC 7%"
DB=$T/vault.kdbx
# keepassxc-cli writes ~/.config/keepassxc when it creates a database:
# keep that inside the scratch directory.
mkdir "$T/home"
kp() { HOME=$T/home keepassxc-cli "$@"; }
printf '%s\n%s\n' "$DBPW" "$DBPW" | kp db-create -q -p -t 100 "$DB" \
    >/dev/null 2>&1
printf '%s\n%s\n%s\n' "$DBPW" "$RPW" "$RPW" | kp add -q -p "$DB" tacit-repo \
    >/dev/null 2>&1
got=$(printf '%s\n' "$DBPW" | kp show -q -s -a Password "$DB" tacit-repo \
    2>/dev/null)
if [ "$got" = "$RPW" ]; then
	ok "keepassxc-cli made a database with the passphrase in an entry"
else
	notok "keepassxc-cli made a database with the passphrase in an entry"
	exit 0
fi

# run_kp ANSWER ARGS...: tacit ARGS on a terminal, ANSWER typed at
# keepassxc-cli's prompt; prints tacit's status.
run_kp() {
	answer=$1
	shift
	tm_start "$TACIT" "$@"
	tm_wait "Enter password to unlock" && tm_type "$answer"
	tm_end
}

R=$T/repo
rc=$(run_kp "$DBPW" init -r "$R" $FAST --keepassxc "$DB" tacit-repo)
printf '%s\n' "$RPW" | "$TACIT" key list -r "$R" --passphrase-fd 0 \
    >/dev/null 2>&1
lrc=$?
if [ "$rc" = 0 ] && [ "$lrc" = 0 ]; then
	ok "init --keepassxc: the entry's password becomes the passphrase"
else notok "init --keepassxc (rc $rc, unlock with it $lrc)"
	sed 's/^/#   /' "$T/tm.err"; fi

rc=$(run_kp "$DBPW" key list -r "$R" --keepassxc "$DB" tacit-repo)
if [ "$rc" = 0 ] && grep -q "^\* $(slots "$R") passphrase" "$T/tm.out"; then
	ok "key list --keepassxc DB ENTRY unlocks"
else notok "key list --keepassxc DB ENTRY unlocks (rc $rc)"
	sed 's/^/#   /' "$T/tm.err"; fi
if ! grep -qF "$DBPW" "$T/tm.screen" && ! grep -qF "$RPW" "$T/tm.screen" &&
    ! grep -qF "$RPW" "$T/tm.out" "$T/tm.err"; then
	ok "neither password is shown on the terminal or printed"
else notok "neither password is shown on the terminal or printed"; fi

# The operands may come before the option (getopt permutation).
rc=$(run_kp "$DBPW" key --keepassxc "$DB" tacit-repo list -r "$R")
if [ "$rc" = 0 ] && grep -q "^\* " "$T/tm.out"; then
	ok "--keepassxc DB ENTRY before the subcommand"
else notok "--keepassxc DB ENTRY before the subcommand (rc $rc)"
	sed 's/^/#   /' "$T/tm.err"; fi

rc=$(run_kp "wrong $DBPW" key list -r "$R" --keepassxc "$DB" tacit-repo)
if [ "$rc" = 1 ] && grep -q "wrong database password" "$T/tm.err" &&
    grep -q "Invalid credentials" "$T/tm.screen"; then
	ok "a wrong database password: exit 1, both programs say so"
else notok "a wrong database password: exit 1 and a clear error (rc $rc)"
	sed 's/^/#   /' "$T/tm.err" "$T/tm.screen"; fi

rc=$(run_kp "$DBPW" key list -r "$R" --keepassxc "$DB" no-such-entry)
if [ "$rc" = 1 ] && grep -q "entry 'no-such-entry'" "$T/tm.err" &&
    grep -q "Could not find entry" "$T/tm.screen"; then
	ok "a missing entry: exit 1 naming the entry"
else notok "a missing entry: exit 1 naming the entry (rc $rc)"
	sed 's/^/#   /' "$T/tm.err" "$T/tm.screen"; fi

"$TACIT" key list -r "$R" --keepassxc "$T/nothere.kdbx" tacit-repo \
    </dev/null >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" = 1 ] && grep -q "KeePassXC database $T/nothere.kdbx: No such" \
    "$T/err"; then
	ok "a missing database: exit 1 naming it"
else notok "a missing database: exit 1 naming it (rc $rc)"
	sed 's/^/#   /' "$T/err"; fi

mkdir "$T/emptybin"
PATH=$T/emptybin "$TACIT" key list -r "$R" --keepassxc "$DB" tacit-repo \
    </dev/null >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" = 1 ] && grep -q "keepassxc-cli: not found" "$T/err" &&
    grep -q "install KeePassXC" "$T/err"; then
	ok "keepassxc-cli missing from PATH: exit 1, says to install it"
else notok "keepassxc-cli missing from PATH: exit 1 (rc $rc)"
	sed 's/^/#   /' "$T/err"; fi

"$TACIT" key list -r "$R" --keepassxc "$DB" </dev/null >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" = 2 ]; then ok "--keepassxc without ENTRY is a usage error"
else notok "--keepassxc without ENTRY is a usage error (rc $rc)"; fi
"$TACIT" key list -r "$R" --keepassxc "$DB" tacit-repo --passphrase-fd 0 \
    </dev/null >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" = 2 ] && grep -q "only one of" "$T/err"; then
	ok "--keepassxc with --passphrase-fd is a usage error"
else notok "--keepassxc with --passphrase-fd is a usage error (rc $rc)"; fi

# keepassxc-cli while it waits for the database password: stdin the
# terminal, stdout a pipe, and no variable beyond the short list.
if [ "$(id -u)" = 0 ]; then
	tm_start "$TACIT" key list -r "$R" --keepassxc "$DB" tacit-repo
	tm_wait "Enter password to unlock" >/dev/null
	kpid=$(pgrep -f -- "$DB" | while read -r p; do
		[ "$(cat "/proc/$p/comm")" = keepassxc-cli ] && echo "$p"
	done | head -n 1)
	in=$(readlink "/proc/$kpid/fd/0" 2>/dev/null)
	out=$(readlink "/proc/$kpid/fd/1" 2>/dev/null)
	# Its own: an eventfd, /dev/null.  Ours would be a socket or a pipe.
	leak=$(ls -l "/proc/$kpid/fd" 2>/dev/null | awk 'NR > 1 && $9 > 2' |
	    grep -e 'socket:' -e 'pipe:' -e "$R")
	env=$(tr '\0' '\n' <"/proc/$kpid/environ" 2>/dev/null | cut -d= -f1 |
	    grep -v -x -e TERM -e LANG -e 'LC_[A-Z_]*' -e DISPLAY \
	    -e WAYLAND_DISPLAY -e XAUTHORITY -e DBUS_SESSION_BUS_ADDRESS \
	    -e XDG_RUNTIME_DIR)
	tm_type "$DBPW"
	rc=$(tm_end)
	case $in in /dev/pts/*|/dev/tty*) tin=1 ;; *) tin=0 ;; esac
	case $out in pipe:*) tout=1 ;; *) tout=0 ;; esac
	if [ -n "$kpid" ] && [ $tin = 1 ] && [ $tout = 1 ] && [ "$rc" = 0 ] &&
	    [ -z "$leak" ] && [ -z "$env" ]; then
		ok "keepassxc-cli: stdin the terminal, stdout a pipe, none of our descriptors, scrubbed environment"
	else notok "keepassxc-cli: pid '$kpid' stdin '$in' stdout '$out' leaked '$leak' env '$env' (rc $rc)"; fi
else
	ok "# SKIP keepassxc-cli's descriptors need root to inspect"
fi
