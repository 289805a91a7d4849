#!/bin/sh
# 41-interrupt.sh: an interrupted run says what happened (issue 14,
# "Failures say what happened").
#  - SIGINT (and SIGTERM) to the process group, as a terminal's Ctrl-C,
#    during a backup (slowed with strace): exit 130, "interrupted: no
#    snapshot saved; N MiB of partial data stays in the repository", no
#    snapshot, check passes, the next backup works;
#  - SIGTERM to the keyholder alone: exit 130, "interrupted", no snapshot;
#  - during a restore: exit 130 and how many files are complete;
#  - on a real terminal (tmux): Ctrl-C during a backup's progress line
#    puts the message on its own line; Ctrl-C and Ctrl-D at tacit's own
#    prompt put the message on its own line and leave the terminal as it
#    was; Ctrl-C in pinentry-curses leaves it as it was too (stty -a).
# strace -DDD: the tracer in a session of its own, so the signal to the
# process group reaches tacit's two processes only, and $! is tacit.
. "$(dirname "$0")/lib.sh"

if ! command -v strace >/dev/null; then
	ok "# SKIP strace is missing"; exit 0; fi
printf '%s\n' "$PW" >"$T/pw"
R=$T/repo SRC=$T/src W=$T/w E=$T/empty
"$TACIT" init -q -r "$R" $FAST --passphrase-fd 3 3<"$T/pw" >/dev/null 2>&1 ||
    notok "setup: init"
cp -a "$R" "$E"		# backups are interrupted on copies of this one
mkdir -p "$SRC/d"
head -c 20000000 /dev/urandom >"$SRC/big"
for i in 1 2 3 4 5 6; do echo "small $i" >"$SRC/d/f$i"; done
"$TACIT" backup -q -r "$R" "$SRC" --passphrase-fd 3 3<"$T/pw" ||
    notok "setup: backup"

snaps() { ls "$1/snapshots" 2>/dev/null | grep -v '^\.' ; }

# slow CALL N ARGS...: tacit ARGS in its own process group, the Nth CALL
# held 3 s; $slow is its pid (and process group).
slow() {
	sc=$1 n=$2
	shift 2
	setsid env "$NOLEAK" strace -DDD -f -qq -o /dev/null -e trace="$sc" \
	    -e inject="$sc:delay_enter=3000000:when=$n" \
	    "$TACIT" "$@" --passphrase-fd 3 3<"$T/pw" >"$T/s.out" 2>&1 &
	slow=$!
}

# until_tmp DIR: wait (up to 30 s) until a temporary file is in DIR.
until_tmp() {
	i=0
	while [ "$(find "$1" -name '.tmp-*' | wc -l)" -eq 0 ] && [ $i -lt 600 ]
	do sleep 0.05; i=$((i + 1)); done
}

# interrupted_backup DESC SIG: a backup of a copy of $E, held at the fsync
# of its first pack (fsync #3: #1 and #2 make packs/ and its shard),
# then SIG sent to its process group.
interrupted_backup() {
	rm -rf "$W"
	cp -a "$E" "$W"
	before=$(snaps "$W" | wc -l)
	slow fsync 3 backup -r "$W" "$SRC"
	until_tmp "$W"
	sleep 1		# its data written, the fsync held
	kill "-$2" "-$slow"
	wait "$slow"
	rc=$?
	grep -v '^strace: ' "$T/s.out" >"$T/s.msg"	# its own warnings
	if [ "$rc" -eq 130 ] && [ "$(wc -l <"$T/s.msg")" -eq 1 ] &&
	    grep -q "^tacit: interrupted: no snapshot saved; [1-9][0-9]* MiB of partial data stays in the repository" \
	    "$T/s.msg"; then
		ok "$1: exit 130, $(cat "$T/s.msg")"
	else notok "$1: exit $rc"; sed 's/^/#   /' "$T/s.out"; fi
	[ "$(snaps "$W" | wc -l)" -eq "$before" ] &&
	    ok "$1: no snapshot saved" || notok "$1: a snapshot was saved"
}
interrupted_backup "Ctrl-C (SIGINT to the process group) during a backup" INT
xcode 0 "then check passes" "$TACIT" check -r "$W" --passphrase-fd 3 3<"$T/pw"
xcode 0 "and the next backup works" "$TACIT" backup -q -r "$W" "$SRC" \
    --passphrase-fd 3 3<"$T/pw"
interrupted_backup "SIGTERM to the process group during a backup" TERM

# SIGTERM to the keyholder alone: the worker stops at its next request.
rm -rf "$W"
cp -a "$E" "$W"
slow fsync 3 backup -r "$W" "$SRC"
until_tmp "$W"
kill -TERM "$slow"
wait "$slow"
rc=$?
if [ "$rc" -eq 130 ] && [ "$(tail -n 1 "$T/s.out")" = "tacit: interrupted" ] &&
    [ -z "$(snaps "$W")" ]; then
	ok "SIGTERM to the keyholder alone: exit 130, says interrupted, no snapshot"
else notok "SIGTERM to the keyholder alone: exit $rc"
	sed 's/^/#   /' "$T/s.out"; fi

# A restore held at its 4th rename (three files are complete by then).
rm -rf "$T/dst"
slow renameat2 4 restore -r "$R" latest --target "$T/dst"
i=0
while [ "$(find "$T/dst" -type f 2>/dev/null | grep -vc '/\.tacit-tmp-')" -lt 3 ] &&
    [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
sleep 0.3
kill -INT "-$slow"
wait "$slow"
rc=$?
done_files=$(find "$T/dst" -type f | grep -vc '/\.tacit-tmp-')
if [ "$rc" -eq 130 ] && grep -q "^tacit: interrupted: files restored completely: $done_files; .*run the same restore again to finish" "$T/s.out"; then
	ok "Ctrl-C during a restore: exit 130, $(grep -v '^strace: ' "$T/s.out")"
else notok "Ctrl-C during a restore: exit $rc ($done_files files there)"
	sed 's/^/#   /' "$T/s.out"; fi
xcode 0 "the same restore again finishes it" "$TACIT" restore -r "$R" latest \
    --target "$T/dst" --passphrase-fd 3 3<"$T/pw"

# --- on a terminal -------------------------------------------------------------
if ! command -v tmux >/dev/null 2>&1; then
	ok "terminal cases # SKIP tmux is not installed"
	exit 0
fi
. "$(dirname "$0")/tmux.sh"
# term ARGS...: tacit ARGS on the terminal, its stderr too; a Ctrl-C ends
# tacit only (the script traps it); then the exit status and stty -a.
term() {
	rm -f "$T/tt.rc" "$T/tt.stty"
	{
		echo '#!/bin/sh'
		echo 'trap true INT'
		printf 'exec 3<%s\n' "$(tm_q "$T/pw")"
		for a in "$@"; do tm_q "$a"; done
		echo
		printf 'echo $? >%s\n' "$(tm_q "$T/tt.rc")"
		printf 'stty -a >%s\n' "$(tm_q "$T/tt.stty")"
		echo 'sleep 60'
	} >"$T/tt.run"
	chmod +x "$T/tt.run"
	tm new-session -d -x 120 -y 30 "$T/tt.run"
}
# term_end: wait for the status; then $T/tt.screen holds the screen.
term_end() {
	i=0
	while [ ! -f "$T/tt.stty" ] && [ $i -lt 300 ]; do
		sleep 0.1; i=$((i + 1)); done
	sleep 0.2
	tm_screen >"$T/tt.screen"
	tm kill-server 2>/dev/null
	cat "$T/tt.rc" 2>/dev/null || echo timeout
}
# sane: the terminal as a shell leaves it (echo, icanon, onlcr on).
sane() {
	for f in echo icanon onlcr; do
		grep -Eq "(^|[ ;])$f( |;|\$)" "$T/tt.stty" || return 1
		grep -Eq "(^|[ ;])-$f( |;|\$)" "$T/tt.stty" && return 1
	done
	return 0
}

# Ctrl-C during a backup with its progress line on the screen.
rm -rf "$W"
cp -a "$E" "$W"
term env "$NOLEAK" strace -f -qq -o /dev/null -e trace=fsync \
    -e inject=fsync:delay_enter=4000000:when=3 \
    "$TACIT" backup -r "$W" "$SRC" --passphrase-fd 3
until_tmp "$W"
sleep 1
tm_keys C-c
rc=$(term_end)
if [ "$rc" = 130 ] &&
    grep -q '^tacit: interrupted: no snapshot saved' "$T/tt.screen" && sane
then
	grep -q 'MiB/s' "$T/tt.screen" && shown="after the progress line" ||
	    shown="(no progress line drawn yet)"
	ok "Ctrl-C during a backup on a terminal: exit 130, the message on its own line $shown"
else notok "Ctrl-C during a backup on a terminal (rc $rc)"
	grep -v '^$' "$T/tt.screen" | sed 's/^/#   /'; fi

# The same with -q: no progress line, so the line the terminal echoed ^C
# on holds nothing of tacit's; the message must still start a line.
# strace's own warnings go elsewhere (they would put a newline first).
cat >"$T/quiet.sh" <<EOS
#!/bin/sh
exec 4>&2 2>/dev/null
exec strace -f -qq -o /dev/null -e trace=fsync \\
    -e inject=fsync:delay_enter=4000000:when=3 \\
    sh -c 'exec "\$@" 2>&4 4>&-' sh "$TACIT" backup -q -r "$W" "$SRC" \\
    --passphrase-fd 3
EOS
rm -rf "$W"
cp -a "$E" "$W"
term env "$NOLEAK" sh "$T/quiet.sh"
until_tmp "$W"
sleep 1
tm_keys C-c
rc=$(term_end)
if [ "$rc" = 130 ] &&
    grep -q '^tacit: interrupted: no snapshot saved' "$T/tt.screen" && sane
then
	ok "Ctrl-C during a quiet backup on a terminal: exit 130, the message on its own line"
else notok "Ctrl-C during a quiet backup on a terminal (rc $rc)"
	grep -v '^$' "$T/tt.screen" | sed 's/^/#   /'; fi

# Ctrl-C and Ctrl-D at tacit's own prompt.
for key in C-c C-d; do
	term "$TACIT" key list -r "$R" --no-pinentry
	tm_wait "Passphrase for" >/dev/null || notok "$key: no prompt"
	tm_keys "$key"
	rc=$(term_end)
	case $key in
	C-c) want=130 msg='^tacit: interrupted$' ;;
	C-d) want=1 msg='^tacit: error: empty passphrase$' ;;
	esac
	if [ "$rc" = "$want" ] && grep -q "$msg" "$T/tt.screen" && sane; then
		ok "$key at tacit's prompt: exit $rc, the message on its own line, the terminal as it was"
	else notok "$key at tacit's prompt: exit $rc (wanted $want)"
		grep -v '^$' "$T/tt.screen" | sed 's/^/#   /'
		sed 's/^/#   /' "$T/tt.stty"; fi
done

# Ctrl-C in pinentry-curses as soon as its dialog shows: it dies of the
# SIGINT with the terminal raw (three times: a Ctrl-C that comes once
# pinentry reads keys is a key, and it cleans up itself).
PE=/usr/bin/pinentry-curses
if [ -x "$PE" ]; then
	bad=0
	for try in 1 2 3; do
		term "$TACIT" key list -r "$R" --pinentry "$PE"
		tm_wait "Passphrase for" 20 >/dev/null ||
		    notok "pinentry: no dialog"
		tm_keys C-c
		rc=$(term_end)
		[ "$rc" = 130 ] && sane && continue
		bad=1
		notok "Ctrl-C in pinentry-curses (try $try): exit $rc"
		grep -o -- '-*echo \|-*icanon\|-*onlcr' "$T/tt.stty" |
		    sed 's/^/#   /'
	done
	[ "$bad" -eq 0 ] &&
	    ok "Ctrl-C in pinentry-curses (3 times): exit 130, the terminal as it was"
else
	ok "Ctrl-C in pinentry-curses # SKIP pinentry-curses is not installed"
fi
