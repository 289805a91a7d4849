#!/bin/sh
# 08-cli.sh: the command line a restic user expects.  Options work before
# the command; `tacit COMMAND --help` and `tacit help COMMAND` print that
# command's options only; tacit alone, an unknown option or a mistyped
# command is one short message and exit 2; an option that does not apply
# to the command is an error, never silently ignored; and the options each
# command's --help lists are exactly those tacit(1) lists for it.
. "$(dirname "$0")/lib.sh"

MAN=$(dirname "$0")/../../doc/tacit.1
CMDS="init:key list:key add:key remove:key passwd:key recovery:backup:\
snapshots:ls:restore:log:check:dump:find:diff:doctor:version:help:forget:\
tag:stats:prune:repair index:repair snapshots:repair metadata:repair data:\
mount:copy"

# has CODE DESC PATTERN CMD...: CMD exits CODE and its stderr and stdout
# together match PATTERN (grep -E).
has() {
	want=$1
	desc=$2
	pat=$3
	shift 3
	"$@" >"$T/out" 2>&1
	got=$?
	if [ "$got" -eq "$want" ] && grep -Eq -- "$pat" "$T/out"; then
		ok "$desc"
	else notok "$desc (exit $got, wanted $want and /$pat/)"
		sed 's/^/#   /' "$T/out"; fi
}

R=$T/repo
mkrepo "$R" || notok "setup: init"
mkdir "$T/src" && echo "keep" >"$T/src/a" && echo "skip" >"$T/src/b.tmp"
tp backup -r "$R" "$T/src" --tag daily >/dev/null 2>&1 ||
    notok "setup: backup"

# --- global options before the command ------------------------------------
printf '%s\n' "$PW" | "$TACIT" -r "$R" --passphrase-fd 0 snapshots \
    >"$T/out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -q "src" "$T/out"; then
	ok "tacit -r REPO --passphrase-fd 0 snapshots works"
else notok "tacit -r REPO --passphrase-fd 0 snapshots works (exit $rc)"
	sed 's/^/#   /' "$T/out"; fi
printf '%s\n' "$PW" | "$TACIT" -q --json -r "$R" --passphrase-fd 0 \
    snapshots >"$T/out" 2>&1
if [ "$?" -eq 0 ] && grep -q '^\[{"id":' "$T/out"; then
	ok "tacit -q --json -r REPO snapshots prints JSON"
else notok "tacit -q --json -r REPO snapshots prints JSON"
	sed 's/^/#   /' "$T/out"; fi
printf '%s\n' "$PW" | "$TACIT" --repo="$R" -v key --passphrase-fd 0 list \
    >"$T/out" 2>&1
if [ "$?" -eq 0 ] && grep -q "passphrase" "$T/out"; then
	ok "options before, between and after 'key' and 'list' work"
else notok "options before, between and after 'key' and 'list' work"
	sed 's/^/#   /' "$T/out"; fi

# --- help and usage --------------------------------------------------------
# (32 lines: one per command, 'repair metadata' made it 31.)
"$TACIT" >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" -eq 2 ] && [ ! -s "$T/out" ] && grep -q "usage:" "$T/err" &&
    [ "$(wc -l <"$T/err")" -le 32 ]; then
	ok "tacit alone prints a short usage on stderr and exits 2"
else notok "tacit alone prints a short usage on stderr and exits 2 (exit $rc)"
	sed 's/^/#   /' "$T/err"; fi
has 0 "tacit help lists the commands" "check" "$TACIT" help
has 0 "tacit --help lists the commands" "doctor" "$TACIT" --help

"$TACIT" backup --help >"$T/h1" 2>&1
rc=$?
"$TACIT" help backup >"$T/h2" 2>&1
if [ "$rc" -eq 0 ] && cmp -s "$T/h1" "$T/h2" && grep -q -- "--exclude" \
    "$T/h1" && ! grep -q -- "--target\|--read-data\|--overwrite" "$T/h1"
then ok "backup --help and help backup print backup's options only"
else notok "backup --help and help backup print backup's options only"
	sed 's/^/#   /' "$T/h1"; fi
"$TACIT" restore -r "$R" --help >"$T/h1" 2>&1
if grep -q -- "--target" "$T/h1" && ! grep -q -- "--exclude-\|--parent" \
    "$T/h1"; then ok "restore --help lists restore's options, not backup's"
else notok "restore --help lists restore's options, not backup's"
	sed 's/^/#   /' "$T/h1"; fi
has 0 "key add --help names --new-passphrase-fd" "new-passphrase-fd" \
    "$TACIT" key add --help
has 2 "tacit key lists its subcommands (exit 2)" "recovery" "$TACIT" key
for sub in list add remove passwd recovery; do
	if grep -q "^  $sub " "$T/out"; then ok "tacit key lists '$sub'"
	else notok "tacit key lists '$sub'"; fi
done

# --- unknown options and commands: one line and a hint --------------------
"$TACIT" backup --frobnicate -r "$R" "$T/src" >"$T/out" 2>&1
rc=$?
if [ "$rc" -eq 2 ] && [ "$(wc -l <"$T/out")" -eq 1 ] &&
    grep -q -- "--frobnicate" "$T/out" &&
    grep -q "try 'tacit backup --help'" "$T/out"; then
	ok "an unknown option prints one line with a hint, exit 2"
else notok "an unknown option prints one line with a hint (exit $rc)"
	sed 's/^/#   /' "$T/out"; fi
has 2 "a mistyped command gets 'did you mean'" "did you mean 'backup'" \
    "$TACIT" bakup -r "$R"
has 2 "a mistyped command gets 'did you mean' (snapshot)" \
    "did you mean 'snapshots'" "$TACIT" snapshot -r "$R"
has 2 "a mistyped key subcommand gets 'did you mean'" \
    "did you mean 'key list'" "$TACIT" key lsit -r "$R"
"$TACIT" frobnicate >"$T/out" 2>&1
rc=$?
if [ "$rc" -eq 2 ] && [ "$(wc -l <"$T/out")" -eq 1 ]; then
	ok "an unknown command prints one line, exit 2"
else notok "an unknown command prints one line (exit $rc)"
	sed 's/^/#   /' "$T/out"; fi

# --- an option that does not apply is an error ----------------------------
rm -rf "$T/dst"
has 2 "restore --exclude-file is refused, not ignored" \
    "exclude-file.*does not apply to restore" \
    tp restore -r "$R" latest --target "$T/dst" --exclude-file "$T/h1"
if [ ! -e "$T/dst" ]; then ok "the refused restore wrote nothing"
else notok "the refused restore wrote nothing"; fi
has 2 "snapshots --include is refused, not ignored" \
    "include.*does not apply to snapshots" tp snapshots -r "$R" --include /x
has 2 "restore --json is refused (restore prints no JSON)" \
    "does not apply" tp restore -r "$R" latest --target "$T/dst" --json
has 2 "log --json is refused" "does not apply" tp log -r "$R" latest --json
has 2 "key remove --new-passphrase-fd is refused" "does not apply" \
    tp key remove -r "$R" 0123 --new-passphrase-fd 0
has 2 "init --lock-wait is refused" "does not apply" \
    tp init -r "$T/r2" $FAST --lock-wait 5
has 2 "doctor -r is refused" "does not apply to doctor" \
    "$TACIT" doctor -r "$R"
has 2 "check --overwrite is refused" "does not apply" \
    tp check -r "$R" --overwrite
has 2 "an option before the command is checked too" \
    "does not apply to snapshots" tp --include x snapshots -r "$R"

# --- the man page lists each command's options, and only those ------------
# manopts CMD: the long options tacit(1)'s "Options of each command" lists
# for CMD, one a line, sorted.
manopts() {
	awk -v cmd="$1" '
	/^\.Ss Options of each command/ { sec = 1; next }
	sec && /^\.El/ { exit }
	sec && /^\.It Cm / { sub(/^\.It Cm /, ""); cur = $0; next }
	sec && cur == cmd && /^\.Fl / {
		n = split($0, w, /[ ,]+/)
		for (i = 1; i <= n; i++)
			if (w[i] ~ /^\\-/) print substr(w[i], 3)
	}' "$MAN" | sort
}
# helpopts CMD: the long options `tacit help CMD` lists.
helpopts() {
	# shellcheck disable=SC2086
	"$TACIT" help $1 | sed -n 's/^  \(-., \|    \)--\([a-z0-9-]*\).*/\2/p' | sort
}
IFS=:
for c in $CMDS; do
	unset IFS
	m=$(manopts "$c")
	h=$(helpopts "$c")
	if [ -n "$h" ] && [ "$m" = "$h" ]; then
		ok "tacit(1) and '$c --help' list the same options"
	else notok "tacit(1) and '$c --help' list the same options"
		printf '%s\n' "$m" >"$T/m"
		printf '%s\n' "$h" >"$T/h"
		diff "$T/m" "$T/h" | sed 's/^/#   /'; fi
	IFS=:
done
unset IFS

# Every option tacit takes has its own entry under OPTIONS, and every entry
# there is an option tacit takes.
all=$(IFS=:; for c in $CMDS; do unset IFS; helpopts "$c"; done | sort -u)
entries=$(sed -n '/^\.Sh OPTIONS/,/^\.Sh OUTPUT/p' "$MAN" |
    sed -n '/^\.It Fl /s/^[^\\]*\\-\([a-z][a-z0-9-]*\).*/\1/p' | sort -u)
if [ "$all" = "$entries" ]; then
	ok "tacit(1) OPTIONS describes every option, and no other"
else notok "tacit(1) OPTIONS describes every option, and no other"
	printf '%s\n' "$all" >"$T/a"
	printf '%s\n' "$entries" >"$T/e"
	diff "$T/a" "$T/e" | sed 's/^/#   /'; fi

# Every command tacit knows is under COMMANDS, and nothing more.
mancmds=$(sed -n 's/^\.It Cm \([a-z]*\( [a-z]*\)\{0,1\}\).*/\1/p' "$MAN" |
    sed 's/ \(latest\)$//' | sort -u)
for c in init backup snapshots ls restore log check doctor version help; do
	if printf '%s\n' "$mancmds" | grep -qx "$c"; then
		ok "tacit(1) describes '$c'"
	else notok "tacit(1) describes '$c'"; fi
done
if grep -q "It cannot yet check" "$MAN" ||
    grep -q "Every command accepts every option" "$MAN"; then
	notok "tacit(1) does not claim what is no longer true"
else ok "tacit(1) does not claim what is no longer true"; fi
if grep -q "noatime_refused" "$MAN"; then
	ok "tacit(1) lists backup's JSON field noatime_refused"
else notok "tacit(1) lists backup's JSON field noatime_refused"; fi
