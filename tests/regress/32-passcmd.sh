#!/bin/sh
# 32-passcmd.sh: --passphrase-command (split into words, no shell, a
# scrubbed environment, clear errors); a passphrase in the environment is
# refused; a weak new passphrase is warned about; and during a run no
# tacit process has the passphrase in its /proc/PID/cmdline or environ
# (nor, after the unlock, in the keyholder's memory), the command is
# reaped, and the keyholder of a key command reads nothing but its socket
# once its sandbox is on.
. "$(dirname "$0")/lib.sh"

R=$T/repo
mkrepo "$R" || { notok "init"; exit 0; }
printf '%s\n' "$PW" >"$T/pw"

# --- --passphrase-command --------------------------------------------------
xcode 0 "--passphrase-command 'cat FILE' unlocks" \
    "$TACIT" key list -r "$R" --passphrase-command "cat $T/pw"
"$TACIT" key list -r "$R" --passphrase-command \
    "printf '%s\\n' \"$PW\"" </dev/null >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" = 0 ] && grep -q "written in --passphrase-command itself" "$T/err"
then ok "--passphrase-command with printf and quoted words unlocks, warning that the passphrase is on the command line"
else notok "--passphrase-command with printf and quotes (rc $rc)"
	sed 's/^/#   /' "$T/err"; fi
xcode 12 "a command printing a wrong passphrase exits 12" \
    "$TACIT" key list -r "$R" --passphrase-command "echo nope"

"$TACIT" key list -r "$R" --passphrase-command "false" </dev/null \
    >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" = 1 ] && grep -q "passphrase command 'false' failed (exit status 1)" \
    "$T/err"; then ok "a failing command: exit 1 with its status"
else notok "a failing command: exit 1 with its status (rc $rc)"
	sed 's/^/#   /' "$T/err"; fi
"$TACIT" key list -r "$R" --passphrase-command "no-such-program-x y" \
    </dev/null >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" = 1 ] && grep -q "no-such-program-x: not found in PATH" "$T/err"
then ok "a missing program: exit 1 naming it"
else notok "a missing program: exit 1 naming it (rc $rc)"
	sed 's/^/#   /' "$T/err"; fi
xcode 1 "an empty output is refused" \
    "$TACIT" key list -r "$R" --passphrase-command "true"
"$TACIT" key list -r "$R" --passphrase-command "head -c 5000 /dev/zero" \
    </dev/null >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" = 1 ] && grep -q "printed more than 4096 bytes" "$T/err"; then
	ok "more than 4096 bytes of output is refused"
else notok "more than 4096 bytes of output is refused (rc $rc)"; fi
"$TACIT" key list -r "$R" --passphrase-command "head -c 2000 /dev/zero" \
    </dev/null >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" = 1 ] && grep -q "longer than 1024 bytes" "$T/err"; then
	ok "a passphrase over 1024 bytes is refused"
else notok "a passphrase over 1024 bytes is refused (rc $rc)"; fi
xcode 2 "an unclosed quote is a usage error" \
    "$TACIT" key list -r "$R" --passphrase-command "cat '$T/pw"
xcode 2 "--passphrase-command with --passphrase-fd is a usage error" \
    "$TACIT" key list -r "$R" --passphrase-command "cat $T/pw" \
    --passphrase-fd 0

# No shell: $VAR, * and ; reach the program as they are.
N=$T/noshell
"$TACIT" init -r "$N" $FAST --passphrase-command \
    'printf %s $HOME*;x' </dev/null >/dev/null 2>&1
printf '%s\n' '$HOME*;x' | "$TACIT" key list -r "$N" --passphrase-fd 0 \
    >/dev/null 2>&1
rc=$?
if [ "$rc" = 0 ]; then ok "no shell: \$HOME, * and ; are not expanded"
else notok "no shell: \$HOME, * and ; are not expanded (unlock rc $rc)"; fi

# The command's environment: the short list, PATH and HOME; nothing else.
MARK_SECRET=should-not-pass "$TACIT" key list -r "$R" --passphrase-command \
    "sh -c 'env >\"\$0\"; cat \"\$1\"' $T/env $T/pw" </dev/null \
    >/dev/null 2>&1
rc=$?
extra=$(cut -d= -f1 "$T/env" | grep -v -x -e TERM -e LANG -e 'LC_[A-Z_]*' \
    -e DISPLAY -e WAYLAND_DISPLAY -e XAUTHORITY -e DBUS_SESSION_BUS_ADDRESS \
    -e XDG_RUNTIME_DIR -e PATH -e HOME -e PWD -e SHLVL -e _)
if [ "$rc" = 0 ] && [ -z "$extra" ] && grep -q '^PATH=' "$T/env"; then
	ok "the command sees a scrubbed environment (and PATH, HOME)"
else notok "the command sees a scrubbed environment (rc $rc): $extra"; fi

# --- a passphrase in the environment -----------------------------------------
for v in TACIT_PASSWORD TACIT_PASSPHRASE RESTIC_PASSWORD BORG_PASSPHRASE; do
	env "$v=$PW" "$TACIT" key list -r "$R" --passphrase-fd 0 <"$T/pw" \
	    >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" = 2 ] && grep -q "$v is set" "$T/err" &&
	    grep -q -- "--passphrase-fd" "$T/err" &&
	    grep -q -- "--passphrase-command" "$T/err" &&
	    grep -q -- "--keepassxc" "$T/err" && grep -q "pinentry" "$T/err" &&
	    ! grep -qF "$PW" "$T/err" "$T/out"; then
		ok "$v in the environment: exit 2, naming the safe ways"
	else notok "$v in the environment: exit 2, naming the safe ways (rc $rc)"
		sed 's/^/#   /' "$T/err"; fi
done

# --- weak new passphrases -----------------------------------------------------
W=$T/weak
printf 'abc12345\n' | "$TACIT" init -r "$W" $FAST --passphrase-fd 0 \
    >/dev/null 2>"$T/err"
rc=$?
if [ "$rc" = 0 ] && grep -q "weak passphrase: it has fewer than 12" "$T/err"
then ok "init with a short passphrase warns (and goes on)"
else notok "init with a short passphrase warns (rc $rc)"
	sed 's/^/#   /' "$T/err"; fi
if printf '%s\n' "$PW" | "$TACIT" init -r "$T/strong" $FAST \
    --passphrase-fd 0 2>"$T/err" >/dev/null && ! grep -q weak "$T/err"
then ok "init with a long passphrase does not warn"
else notok "init with a long passphrase does not warn"
	sed 's/^/#   /' "$T/err"; fi
printf '%s\n%s\n' "$PW" "aaaaaaaaaaaaaaaaaaaaaaaa" | "$TACIT" key add -r "$R" \
    $FAST --passphrase-fd 0 --new-passphrase-fd 0 >/dev/null 2>"$T/err"
rc=$?
if [ "$rc" = 0 ] && grep -q "weak passphrase: it is one character repeated" \
    "$T/err"; then ok "key add with a repeated character warns"
else notok "key add with a repeated character warns (rc $rc)"
	sed 's/^/#   /' "$T/err"; fi
printf '%s\n%s\n' "$PW" "lowercaseonlypassw" | "$TACIT" key passwd -r "$R" \
    $FAST --passphrase-fd 0 --new-passphrase-fd 0 >/dev/null 2>"$T/err"
rc=$?
if [ "$rc" = 0 ] && grep -q "weak passphrase: it has fewer than 3 kinds" \
    "$T/err"; then ok "key passwd with one kind of character warns"
else notok "key passwd with one kind of character warns (rc $rc)"
	sed 's/^/#   /' "$T/err"; fi
printf 'abc12345\n' | "$TACIT" key list -r "$W" --passphrase-fd 0 \
    >/dev/null 2>"$T/err"
if ! grep -q weak "$T/err"; then ok "unlocking with a weak passphrase does not warn"
else notok "unlocking with a weak passphrase does not warn"; fi

# --- the running pair: /proc/PID/cmdline, environ, memory ------------------
if [ "$(id -u)" != 0 ]; then
	ok "# SKIP reading environ and memory of tacit's processes needs root"
	exit 0
fi
P=$T/pair
PPW="Pair-Secret passphrase 93"
printf '%s\n' "$PPW" >"$T/ppw"
"$TACIT" init -q -r "$P" $FAST --passphrase-fd 3 3<"$T/ppw" >/dev/null ||
    exit 1
mkdir "$T/src"
head -c 200000000 /dev/urandom >"$T/src/big"
"$TACIT" backup -q -r "$P" "$T/src" --passphrase-command "cat $T/ppw" \
    </dev/null >"$T/out" 2>&1 &
kh=$!
wk=
i=0
while [ $i -lt 400 ]; do	# until the worker is reading data
	wk=$(pgrep -P "$kh" -x tacit-worker 2>/dev/null | head -n 1)
	if [ -n "$wk" ] &&
	    [ "$(awk '/^rchar/ {print $2}' "/proc/$wk/io")" -gt 30000000 ]
	then break; fi
	i=$((i + 1))
	sleep 0.05
done
if [ -z "$wk" ]; then
	notok "the pair was seen running"
	wait $kh
	exit 0
fi
kill -STOP "$kh" "$wk"
leak=
for p in "$kh" "$wk"; do
	for f in cmdline environ; do
		tr '\0' '\n' <"/proc/$p/$f" | grep -qF "$PPW" && leak="$leak $p/$f"
	done
done
[ -z "$leak" ] && ok "no tacit process has the passphrase in cmdline or environ" ||
    notok "the passphrase is in:$leak"
hex=$(printf '%s' "$PPW" | od -An -tx1 | tr -d ' \n')
SCAN=$(cd "$(dirname "$0")/../tools" && pwd)/memscan.py
if "$TACIT" version | grep -q 'sandbox compiled out'; then
	ok "# SKIP no memory scan of an ASan build (its shadow maps are huge)"
elif python3 "$SCAN" "$kh" "$hex" >"$T/scan" 2>&1 &&
    python3 "$SCAN" "$wk" "$hex" >>"$T/scan" 2>&1; then
	ok "the passphrase read from the command is in neither process's memory"
else notok "the passphrase is in memory: $(cat "$T/scan")"; fi
kids=$(pgrep -P "$kh" | grep -v -x "$wk")
[ -z "$kids" ] && ok "the command was reaped: the keyholder's only child is the worker" ||
    notok "the keyholder has other children: $kids"
# The read ends of the worker's stdout and stderr pipes are the relay's.
extra=$(ls -l "/proc/$kh/fd" | awk -v o="$(readlink "/proc/$wk/fd/1")" \
    -v e="$(readlink "/proc/$wk/fd/2")" \
    'NR > 1 && $9 > 2 && $11 !~ /^socket:/ && $11 != o && $11 != e')
[ -z "$extra" ] && ok "keyholder: no pipe or terminal left open" ||
    notok "keyholder: open files: $extra"
kill -CONT "$kh" "$wk"
wait $kh
rc=$?
[ $rc = 0 ] && ok "the backup with --passphrase-command finishes (exit 0)" ||
    notok "the backup ended with $rc: $(cat "$T/out")"

# key add: both passphrases come from descriptors 3 and 4, read before the
# keyholder's sandbox; while it computes the new slot (a slower KDF) it is
# sandboxed and holds neither descriptor.
if "$TACIT" version | grep -q 'sandbox compiled out'; then
	ok "# SKIP this build has no sandbox (ASan)"
	exit 0
fi
printf 'Another strong passphrase 5\n' >"$T/npw"
"$TACIT" key add -q -r "$P" --kdf-memory 256 --kdf-iterations 12 \
    --kdf-lanes 1 --passphrase-fd 3 --new-passphrase-fd 4 3<"$T/ppw" \
    4<"$T/npw" >"$T/out" 2>&1 &
kh=$!
i=0
while [ $i -lt 400 ]; do
	grep -q '^Seccomp:.*2' "/proc/$kh/status" 2>/dev/null && break
	i=$((i + 1))
	sleep 0.02
done
fds=$(ls "/proc/$kh/fd" 2>/dev/null | sort -n | tr '\n' ' ')
sc=$(awk '/^Seccomp:/ {print $2}' "/proc/$kh/status" 2>/dev/null)
wait $kh
rc=$?
case " $fds" in
*" 3 "*|*" 4 "*) fdok=0 ;;
*) fdok=1 ;;
esac
if [ "$sc" = 2 ] && [ $fdok = 1 ] && [ $rc = 0 ]; then
	ok "key add: the sandboxed keyholder holds no passphrase descriptor"
else notok "key add: keyholder seccomp '$sc' fds '$fds' (rc $rc)"
	sed 's/^/#   /' "$T/out"; fi
