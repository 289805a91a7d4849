# tests/regress/tmux.sh: drive a real terminal with tmux.  Source it after
# lib.sh.  The tmux server is our own (its socket is in $T) and has no
# configuration.
#
#   tm_start CMD ARGS...  run CMD in a new 120x30 terminal; its stdout goes
#                         to $T/tm.out, stderr to $T/tm.err, status to $T/tm.rc
#   tm_wait TEXT [S]      wait up to S seconds (10) until the screen shows
#                         TEXT (a fixed string); status 1 if it never does
#   tm_keys KEY...        send tmux key names (Enter, Tab, Escape...)
#   tm_type TEXT          type TEXT literally, then Enter
#   tm_screen             print the screen
#   tm_end [S]            wait up to S seconds (30) for CMD to end and print
#                         its exit status (or "timeout"); the last screen is
#                         then in $T/tm.screen, and the server is gone
TM_SOCK=$T/tm.sock
tm() { env -u TMUX tmux -S "$TM_SOCK" -f /dev/null "$@"; }

# Shell-quote one word.
tm_q() { printf "'%s' " "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

tm_start() {
	rm -f "$T/tm.rc" "$T/tm.out" "$T/tm.err"
	{
		echo '#!/bin/sh'
		for a in "$@"; do tm_q "$a"; done
		printf '>%s 2>%s\n' "$(tm_q "$T/tm.out")" "$(tm_q "$T/tm.err")"
		printf 'echo $? >%s\n' "$(tm_q "$T/tm.rc.tmp")"
		printf 'mv %s %s\n' "$(tm_q "$T/tm.rc.tmp")" "$(tm_q "$T/tm.rc")"
		echo 'sleep 60	# keep the screen for tm_end'
	} >"$T/tm.run"
	chmod +x "$T/tm.run"
	tm new-session -d -x 120 -y 30 "$T/tm.run"
}

tm_screen() { tm capture-pane -p 2>/dev/null; }

tm_wait() {
	i=0
	while [ $i -lt $((${2:-10} * 10)) ]; do
		tm_screen | grep -qF -- "$1" && return 0
		[ -f "$T/tm.rc" ] && break
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

tm_keys() { tm send-keys "$@"; }

tm_type() {
	tm send-keys -l -- "$1"
	tm send-keys Enter
}

tm_end() {
	i=0
	while [ ! -f "$T/tm.rc" ] && [ $i -lt $((${1:-30} * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	tm_screen >"$T/tm.screen"
	if [ -f "$T/tm.rc" ]; then cat "$T/tm.rc"; else echo timeout; fi
	tm kill-server 2>/dev/null
	return 0
}
