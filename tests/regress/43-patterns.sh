#!/bin/sh
# 43-patterns.sh: restore --include, --iinclude, --exclude and --iexclude
# take the patterns backup takes (a glob on the path as ls prints it, or
# on its tail from any component; '/' anchors it at the top).  An include
# of a directory restores it whole with the directories on the way, and
# no directory that holds nothing included; an --include that matches
# nothing is exit 1 ("no path in the snapshot matches ..."); a name as ls
# prints it (back\x5cslash, new\x0aline) is accepted; a glob's own
# backslash still quotes (\* is a literal star).
. "$(dirname "$0")/lib.sh"

R=$T/repo S=$T/src
mkrepo "$R" || notok "setup: init"
mkdir -p "$S/a" "$S/b/sub" "$S/c" "$S/e"
printf 'keep\n' >"$S/a/keep.txt"
printf 'obj\n' >"$S/a/drop.o"
printf 'note\n' >"$S/b/Note.TXT"
printf 'deep\n' >"$S/b/sub/deep.txt"
printf 'x\n' >"$S/c/x"
printf 'bs\n' >"$S/e/back\\slash"
printf 'nl\n' >"$S/e/new
line"
printf 'star\n' >"$S/e/a*b"
printf 'plain\n' >"$S/e/aXb"
tp backup -r "$R" "$S" >/dev/null 2>&1 || notok "setup: backup"

# got DIR: the files restored below DIR, relative, sorted, one a line
# (a newline in a name shown as '?').
got() { (cd "$1" 2>/dev/null && find . -mindepth 1 -print0 | tr '\n' '?' |
    tr '\0' '\n' | sed 's|^\./||' | LC_ALL=C sort | tr '\n' ' '); }

# rs DESC WANT ARGS...: restore with ARGS into a new target: exit 0 and
# exactly WANT (got's format) restored.
n=0
rs() {
	desc=$1 want=$2
	shift 2
	n=$((n + 1))
	tp restore -r "$R" latest --target "$T/r$n" "$@" >"$T/o$n" 2>&1
	rc=$?
	have=$(got "$T/r$n")
	if [ "$rc" -eq 0 ] && [ "$have" = "$want" ]; then ok "$desc"
	else notok "$desc (exit $rc)"; echo "#   want: $want"
		echo "#   have: $have"; sed 's/^/#   /' "$T/o$n"
	fi
}

rs "--include '*.txt' restores matching files at any depth, parents only \
on the way" \
    "src src/a src/a/keep.txt src/b src/b/sub src/b/sub/deep.txt " \
    --include '*.txt'
rs "--iinclude '*.txt' ignores case" \
    "src src/a src/a/keep.txt src/b src/b/Note.TXT src/b/sub src/b/sub/deep.txt " \
    --iinclude '*.txt'
rs "--include of a directory (a glob: /src/[b]) restores it whole" \
    "src src/b src/b/Note.TXT src/b/sub src/b/sub/deep.txt " \
    --include '/src/[b]'
rs "--include b/sub (a tail pattern) restores only that subtree" \
    "src src/b src/b/sub src/b/sub/deep.txt " --include b/sub
rs "--exclude '*.o' leaves out matching files only" \
    "src src/a src/a/keep.txt src/b src/b/Note.TXT src/b/sub src/b/sub/deep.txt src/c src/c/x src/e src/e/a*b src/e/aXb src/e/back\\slash src/e/new?line " \
    --exclude '*.o'
rs "--exclude of a directory leaves out all below it" \
    "src src/a src/a/drop.o src/a/keep.txt src/c src/c/x src/e src/e/a*b src/e/aXb src/e/back\\slash src/e/new?line " \
    --exclude /src/b
rs "--iexclude ignores case; with --include, an exclude wins" \
    "src src/b src/b/sub src/b/sub/deep.txt " \
    --include /src/b --iexclude NOTE.txt
rs "--include accepts a name as ls prints it: back\\x5cslash" \
    "src src/e src/e/back\\slash " --include '/src/e/back\x5cslash'
rs "--include accepts a name as ls prints it: new\\x0aline" \
    "src src/e src/e/new?line " --include 'new\x0aline'
rs "a glob's backslash quotes: a\\*b is the name a*b only" \
    "src src/e src/e/a*b " --include '/src/e/a\*b'
rs "\\x2a from ls is a literal star too" \
    "src src/e src/e/a*b " --include 'a\x2ab'

# An include that matches nothing: exit 1, named, nothing restored.
n=$((n + 1))
tp restore -r "$R" latest --target "$T/r$n" --include /src/nosuch \
    >"$T/o$n" 2>&1
rc=$?
if [ "$rc" -eq 1 ] &&
    grepq "no path in the snapshot matches /src/nosuch" "$T/o$n" &&
    [ -z "$(got "$T/r$n")" ]; then
	ok "an --include that matches nothing is exit 1, named, nothing made"
else notok "an --include that matches nothing (exit $rc)"
	sed 's/^/#   /' "$T/o$n"; echo "#   have: $(got "$T/r$n")"
fi
n=$((n + 1))
tp restore -r "$R" latest --target "$T/r$n" --include '*.txt' \
    --include '*.nosuch' >"$T/o$n" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && grepq "matches \*.nosuch" "$T/o$n" &&
    ! grepq "matches \*.txt" "$T/o$n"; then
	ok "with two includes, the one that matches nothing is named, exit 1"
else notok "two includes, one matching nothing (exit $rc)"
	sed 's/^/#   /' "$T/o$n"
fi

rm -rf "$T"
