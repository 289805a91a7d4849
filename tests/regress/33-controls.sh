#!/bin/sh
# 33-controls.sh: a file name cannot drive the terminal.  Names holding C1
# controls in UTF-8 (U+009B CSI is C2 9B, U+009D OSC is C2 9D), a bare
# 0x9b byte (CSI on an 8-bit terminal), ESC and DEL reach the terminal
# escaped as \xNN through ls, ls --json (as \u009b), a restore warning,
# the backup's warnings and `tacit log`; a name in other UTF-8 (U+0101,
# C4 81: a continuation byte in 0x80-0x9f) is shown as it is.
. "$(dirname "$0")/lib.sh"

R=$T/repo S=$T/src D=$T/dst
mkrepo "$R" || notok "setup: init"
mkdir -p "$S"
csi=$(printf '\302\233') osc=$(printf '\302\235') amac=$(printf '\304\201')
printf x >"$S/a${csi}31mred"
printf x >"$S/b${osc}0;title$(printf '\007')"
printf x >"$S/c$(printf '\233')2Jbare"
printf x >"$S/d$(printf '\033\177')"
printf x >"$S/e${amac}"
python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \
    "$S/s${csi}1msock" || notok "setup: socket"

# clean FILE DESC: FILE holds no byte 0x9b or 0x9d (so neither C2 9B, C2 9D
# nor the bare byte), no ESC or BEL, and holds U+0101 as it is.
clean() {
	why=
	for b in 233:9b 235:9d 033:1b 007:07 177:7f; do
		LC_ALL=C grep -q "$(printf "\\${b%:*}")" "$1" &&
		    why="$why a raw byte 0x${b#*:};"
	done
	if [ -n "$why" ]; then notok "$2:$why"; od -c "$1" | sed 's/^/#   /' | head -20
	else ok "$2"; fi
}

tp backup -r "$R" "$S" >"$T/backup.out" 2>&1
clean "$T/backup.out" "backup warnings (a socket named with CSI) are escaped"
grep -q 's\\xc2\\x9b1msock: socket' "$T/backup.out" &&
    ok "backup: CSI shown as \\xc2\\x9b" ||
    { notok "backup: CSI shown as \\xc2\\x9b"; sed 's/^/#   /' "$T/backup.out"; }

tp ls -r "$R" latest >"$T/ls" 2>&1
clean "$T/ls" "ls escapes C1 controls (UTF-8 and bare), ESC, BEL and DEL"
for want in 'a\\xc2\\x9b31mred' 'b\\xc2\\x9d0;title\\x07' 'c\\x9b2Jbare' \
    'd\\x1b\\x7f'; do
	grep -q -- "$want" "$T/ls" && ok "ls shows $want" ||
	    { notok "ls shows $want"; sed 's/^/#   /' "$T/ls"; }
done
LC_ALL=C grep -q "e${amac}\$" "$T/ls" && ok "ls keeps other UTF-8 (U+0101)" ||
    notok "ls keeps other UTF-8 (U+0101)"

tp ls -r "$R" latest --json >"$T/json" 2>&1
clean "$T/json" "ls --json escapes them too"
grep -q 'a\\u009b31mred' "$T/json" && ok "ls --json: CSI is \\u009b" ||
    { notok "ls --json: CSI is \\u009b"; sed 's/^/#   /' "$T/json"; }
python3 -c '
import json, sys
names = [json.loads(l)["path"] for l in open(sys.argv[1])]
sys.exit(0 if any(n.endswith("/a\u009b31mred") for n in names) else 1)' \
    "$T/json" && ok "ls --json decodes to the name" ||
    notok "ls --json decodes to the name"

# A restore warning: the file exists in the target and differs (a
# complete one would be skipped without a word).
tp restore -r "$R" latest --target "$D" >/dev/null 2>&1
find "$D" -type f -name 'a*red' -exec sh -c 'printf x >>"$1"' sh {} \;
tp restore -r "$R" latest --target "$D" >"$T/restore.out" 2>&1
clean "$T/restore.out" "restore warnings escape them"
grep -q 'a\\xc2\\x9b31mred: exists' "$T/restore.out" &&
    ok "restore warning names the file escaped" ||
    { notok "restore warning names the file escaped"; sed 's/^/#   /' "$T/restore.out"; }

tp log -r "$R" latest >"$T/log" 2>&1
clean "$T/log" "tacit log escapes them"
grep -q 's\\xc2\\x9b1msock: socket' "$T/log" &&
    ok "tacit log shows the warning escaped" ||
    { notok "tacit log shows the warning escaped"; sed 's/^/#   /' "$T/log"; }
