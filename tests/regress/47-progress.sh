#!/bin/sh
# 47-progress.sh: the progress line and the summaries.  On a narrow
# terminal (tmux, 32 and 40 columns) backup, restore and check
# --read-data draw one line, cut to the width (never wrapped, so no screen
# line per redraw), with the totals (counted beside the walk for a backup,
# under the walk's --exclude and --one-file-system rules, even in a tree
# 5,000 levels deep, 20,000 in the SAN build) and the percent done;
# counting moves no access time.  Summaries say how long the run took and
# show sizes in KiB/MiB/GiB; "1 path"; --force on an unchanged tree
# reports the files unchanged (content equal); the log's times are
# offsets from the start of the backup.
. "$(dirname "$0")/lib.sh"

if ! command -v tmux >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1
then
	ok "progress line tests # SKIP tmux or python3 is not installed"
	exit 0
fi
R=$T/repo
printf '%s\n' "$PW" >"$T/pw"
mkrepo "$R"
mkdir -p "$T/src/sub" "$T/src/skipme"
head -c 40000000 /dev/urandom >"$T/src/big"	# long enough for redraws
printf 'small\n' >"$T/src/sub/a"
printf 'other\n' >"$T/src/sub/b"
printf 'excluded\n' >"$T/src/skipme/x"

TM_SOCK=$T/tm.sock
tm() { env -u TMUX tmux -S "$TM_SOCK" -f /dev/null "$@"; }

# onterm NAME COLS ARGS...: tacit ARGS (passphrase on fd 3) on a terminal
# COLS wide; everything written to the terminal is in $T/NAME.pane (raw
# bytes), stdout in $T/NAME.out, the exit status in $T/NAME.rc.  It
# waits up to $WAIT tenths of a second (120 s unless set).
onterm() {
	name=$1 cols=$2
	shift 2
	rm -f "$T/go" "$T/$name.rc" "$T/$name.pane"
	{
		echo '#!/bin/sh'
		echo "while [ ! -f '$T/go' ]; do sleep 0.05; done"
		printf "'%s' " "$TACIT" "$@"
		echo ">'$T/$name.out' 3<'$T/pw'"
		echo "echo \$? >'$T/$name.rc'"
		echo 'sleep 60'
	} >"$T/run.sh"
	chmod +x "$T/run.sh"
	tm new-session -d -x "$cols" -y 20 "$T/run.sh"
	tm pipe-pane -o "cat >>'$T/$name.pane'"
	: >"$T/go"
	i=0
	while [ ! -f "$T/$name.rc" ] && [ $i -lt "${WAIT:-1200}" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	# The pipe's last bytes: wait until the pane's log stops growing
	# (a loaded machine can take more than a moment), at most 5 s.
	_s0=-1 i=0
	while [ $i -lt 17 ]; do
		sleep 0.3
		_s1=$(wc -c <"$T/$name.pane" 2>/dev/null || echo 0)
		[ "$_s1" = "$_s0" ] && [ "$_s1" != 0 ] && break
		_s0=$_s1 i=$((i + 1))
	done
	tm capture-pane -p >"$T/$name.screen" 2>/dev/null
	tm kill-server 2>/dev/null
	[ -f "$T/$name.rc" ] || echo timeout >"$T/$name.rc"
}

# lines NAME VERB: the progress lines VERB drew, one a line (escapes gone).
lines() {
	python3 - "$T/$1.pane" "$2" <<'PY'
import re, sys
raw = open(sys.argv[1], 'rb').read().decode('latin-1')
for seg in re.split(r'[\r\n]', raw):
    seg = seg.replace('\x1b[K', '')
    if seg.startswith(sys.argv[2] + ' '):
        print(seg)
PY
}

# narrow NAME VERB [COLS]: VERB's progress lines fit in COLS - 1 columns
# (40), and one has the totals and the percent ("12.3% 4/5 files").
narrow() {
	lines "$1" "$2" >"$T/$1.lines"
	long=$(awk -v w="${3:-40}" 'length($0) > w - 1' "$T/$1.lines" |
	    head -n 2)
	if [ -s "$T/$1.lines" ] && [ -z "$long" ]; then
		ok "$2: the progress line fits a ${3:-40}-column terminal"
	else
		notok "$2: progress lines wider than ${3:-40} - 1 columns (or none):"
		cat -v "$T/$1.pane" | head -c 600 | sed 's/^/#   /'
	fi
	if grep -q '[0-9]%  *[0-9][0-9]*/[0-9][0-9]* ' "$T/$1.lines"; then
		ok "$2: the progress line shows the percent and the totals"
	else
		notok "$2: no percent or totals in the progress line:"
		sed 's/^/#   /' "$T/$1.lines" | head -n 5
	fi
}

# --- backup ------------------------------------------------------------------
onterm bk 32 backup -r "$R" "$T/src" --passphrase-fd 3
[ "$(cat "$T/bk.rc")" = 0 ] && ok "backup on a terminal exits 0" ||
    notok "backup on a terminal: exit $(cat "$T/bk.rc")"
narrow bk backup 32
# A wrapped line leaves its first rows on the screen at every redraw.
left=$(grep -c '^backup' "$T/bk.screen")
[ "$left" -eq 0 ] && ok "no progress line is left on the screen" ||
    notok "$left progress rows left on the screen"
grep -q 'snapshot [0-9a-f]* saved (.*) in [0-9]' "$T/bk.out" &&
    ok "backup's summary says how long it took" ||
    notok "no time in: $(cat "$T/bk.out")"

# Totals under the walk's rules: the last line counts what was backed up.
onterm ex 40 backup -r "$R" "$T/src" --exclude skipme --one-file-system \
    --force --passphrase-fd 3
last=$(lines ex backup | tail -n 1)
case $last in
*" 3/3 files"*) ok "the count follows --exclude (3/3 files: $last)" ;;
*) notok "the count follows --exclude: last line '$last'" ;;
esac

# A deep tree: the count neither crashes nor recurses, and the walk backs
# it up whole (exit 0, all its directories and its leaf; the code before
# stopped at 1024 levels: exit 3, the leaf neither counted nor stored), so
# the totals have the leaf too.  20,000 levels in the SAN build (no
# sandbox) and with LONG=1; 5,000 in the sandboxed builds, where Landlock
# checks each directory opened along its whole path (20,000 levels take
# a minute and more there; 40-deep.sh does the same).
if [ "${CONF:-}" = san ] || [ "${LONG:-}" = 1 ]; then DEPTH=20000
else DEPTH=5000; fi
python3 - "$T/deep" "$DEPTH" <<'PY'
import os, sys
os.mkdir(sys.argv[1]); os.chdir(sys.argv[1])
for i in range(int(sys.argv[2])):
    os.mkdir('d'); os.chdir('d')
open('leaf', 'w').write('x')
PY
# (Up to 10 minutes on a loaded machine.)
WAIT=6000
onterm deep 40 backup -r "$R" "$T/deep" "$T/src" --passphrase-fd 3
unset WAIT
rc=$(cat "$T/deep.rc")
last=$(lines deep backup | tail -n 1)
# The count races the walk down the same levels (each opens every
# directory, which costs its depth under Landlock): on a loaded machine
# the walk may end first, and its last line has no totals ("5 files");
# totals, when shown, must be right.  The summary says what was stored.
case $rc:$last in
0:*" 5/5 files"*|0:*" 5 files"*)
	if grep -q "files: 5 new, .* $((DEPTH + 4)) directories; 0 skipped" \
	    "$T/deep.out"; then
		ok "a $DEPTH-level tree: counted, backed up ($last)"
	else
		notok "a $DEPTH-level tree: $(cat "$T/deep.out")"
	fi ;;
*) notok "a $DEPTH-level tree: exit $rc, last line '$last'" ;;
esac

# Counting moves no access time (strictatime: every read would).
M=$T/mnt
mkdir -p "$M"
if [ "$(id -u)" -ne 0 ] ||
    ! mount -t tmpfs -o strictatime,size=64m tmpfs "$M" 2>/dev/null; then
	ok "counting leaves atimes # SKIP needs root to mount a strictatime tmpfs"
else
	mkdir -p "$M/s/d1/d2" "$M/s/e"
	printf 'x\n' >"$M/s/d1/d2/f"
	# A file the backup takes a while over, as above: with only the
	# small one, the walk could end before the count (which it then
	# stops), and the last line had no totals to show the count ran.
	cp "$T/src/big" "$M/s/e/big"
	# The list first: find itself reads the directories.
	find "$M/s" >"$T/at.paths"
	atimes() { tr '\n' '\0' <"$T/at.paths" | xargs -0 stat -c '%X %n'; }
	tr '\n' '\0' <"$T/at.paths" |
	    xargs -0 touch -h -a -d '2001-01-01 00:00:00'
	atimes >"$T/at.before"
	onterm at 40 backup -r "$R" "$M/s" --passphrase-fd 3
	atimes >"$T/at.after"
	if [ "$(cat "$T/at.rc")" = 0 ] && cmp -s "$T/at.before" "$T/at.after" &&
	    lines at backup | grep -q ' 2/2 files'; then
		ok "counting and backup on a terminal move no access time"
	else
		notok "atimes moved or no count (exit $(cat "$T/at.rc"), last line '$(lines at backup | tail -n 1)'):"
		diff "$T/at.before" "$T/at.after" | sed 's/^/#   /'
	fi
	umount "$M"
fi

# --- restore and check --read-data -------------------------------------------
snap=$(sed -n 's/^snapshot \([0-9a-f]*\) saved.*/\1/p' "$T/bk.out")
onterm rs 40 restore -r "$R" "${snap:-latest}" --target "$T/dst" --passphrase-fd 3
[ "$(cat "$T/rs.rc")" = 0 ] || notok "restore on a terminal: exit $(cat "$T/rs.rc")"
narrow rs restore
grep -q 'MiB to .* in [0-9]' "$T/rs.out" &&
    ok "restore's summary: MiB, and how long it took" ||
    notok "restore's summary: $(cat "$T/rs.out")"
onterm ck 40 check -r "$R" --read-data --passphrase-fd 3
[ "$(cat "$T/ck.rc")" = 0 ] || notok "check on a terminal: exit $(cat "$T/ck.rc")"
narrow ck check
grep -q 'data blobs ([0-9.]* MiB).*took [0-9]' "$T/ck.out" &&
    ok "check's summary: MiB, and how long it took" ||
    notok "check's summary: $(cat "$T/ck.out")"

# --- summaries -----------------------------------------------------------------
R2=$T/repo2
mkrepo "$R2"
tp backup -q -r "$R2" "$T/src" >/dev/null 2>&1
tp backup -r "$R2" "$T/src" --force >"$T/force" 2>&1
grepq "files: 0 new, 0 changed, 4 unchanged" "$T/force" &&
    ok "--force on an unchanged tree: its files are unchanged" ||
    notok "--force on an unchanged tree: $(head -n 1 "$T/force")"
tp backup -r "$R2" "$T/src" --force --json >"$T/force.json" 2>&1
python3 - "$T/force.json" <<'PY' && ok "--json: files_unchanged 4, files_new 0, seconds" || notok "--json: $(cat "$T/force.json")"
import json, sys
d = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
sys.exit(0 if d["files_unchanged"] == 4 and d["files_new"] == 0 and
         d["files_changed"] == 0 and d["seconds"] >= 0 else 1)
PY
tp log -r "$R2" latest >"$T/log" 2>&1
grepq "backup of 1 path:" "$T/log" && ok "the log says '1 path'" ||
    notok "the log: $(head -n 1 "$T/log")"
# The totals line's time is an offset from the start, as long as the run.
python3 - "$T/log" <<'PY' && ok "the log's times are offsets from the start of the backup" || notok "the log's times: $(cat "$T/log")"
import re, sys
for line in open(sys.argv[1]):
    m = re.match(r'\[ *([0-9.]+)\] bytes: .*; ([0-9.]+) s$', line.strip())
    if m:
        stamp, took = float(m.group(1)), float(m.group(2))
        sys.exit(0 if took > 0 and stamp >= took - 0.005 else 1)
sys.exit(1)
PY
