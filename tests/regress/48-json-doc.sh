#!/bin/sh
# 48-json-doc.sh: tacit(1) describes the program as it is.  Each command of
# `tacit help` has its entry in COMMANDS and SYNOPSIS, and COMMANDS has no
# entry for a command that does not exist; the members each --json command
# prints (backup, snapshots, ls, key list, forget, tag, stats, prune,
# check --same-as) are
# exactly those the page lists for it.
. "$(dirname "$0")/lib.sh"

MAN=$(dirname "$0")/../../doc/tacit.1
if ! command -v python3 >/dev/null 2>&1; then
	ok "man page tests # SKIP python3 is not installed"
	exit 0
fi

# --- commands ------------------------------------------------------------------
"$TACIT" help 2>&1 | sed -n 's/^  \([a-z][a-z]*\( [a-z][a-z]*\)\{0,1\}\)\( [A-Z[].*\)\{0,1\}  .*/\1/p' |
    sed 's/ *$//' | sort -u >"$T/cmds.help"
python3 - "$MAN" "$T/cmds.help" <<'PY' >"$T/cmds.diff"
import re, sys
man = open(sys.argv[1]).read()
helpcmds = set(l.strip() for l in open(sys.argv[2]) if l.strip())
sec = lambda name: man.split('.Sh ' + name, 1)[1].split('\n.Sh ', 1)[0]
# COMMANDS entries: ".It Cm key list Fl r ..." -> "key list"
described = set()
for m in re.finditer(r'^\.It Cm ((?:[a-z]+)(?: [a-z]+)?)', sec('COMMANDS'), re.M):
    words = m.group(1).split()
    described.add(' '.join(words[:2]) if words[0] in ('key', 'repair') else words[0])
synopsis = set()
for m in re.finditer(r'^\.Cm ([a-z]+(?: [a-z]+)?)$', sec('SYNOPSIS'), re.M):
    synopsis.add(m.group(1))
for c in sorted(helpcmds - described):
    print("not described in COMMANDS:", c)
for c in sorted(described - helpcmds):
    print("described but no such command:", c)
for c in sorted(helpcmds - synopsis):
    print("missing from SYNOPSIS:", c)
PY
if [ -s "$T/cmds.help" ] && [ ! -s "$T/cmds.diff" ]; then
	ok "every command has its entry in COMMANDS and SYNOPSIS, and only those ($(wc -l <"$T/cmds.help") commands)"
else
	notok "commands and the page differ:"
	sed 's/^/#   /' "$T/cmds.diff"
fi

# --- JSON members ----------------------------------------------------------------
R=$T/repo
mkrepo "$R"
mkdir -p "$T/src/d"
printf 'x\n' >"$T/src/d/f"
ln -s d/f "$T/src/link"
# A device node carries major and minor; only root can make one.
if [ "$(id -u)" = 0 ]; then mknod "$T/src/null" c 1 3; fi
tp backup -q -r "$R" "$T/src" >/dev/null 2>&1
tp backup -r "$R" "$T/src" --json >"$T/backup.json" 2>/dev/null
tp snapshots -r "$R" --json >"$T/snapshots.json" 2>/dev/null
tp ls -r "$R" latest --json >"$T/ls.json" 2>/dev/null
tp key list -r "$R" --json >"$T/key.json" 2>/dev/null
tp forget -r "$R" --keep-last 1 --group-by paths,tags --dry-run --json \
    >"$T/forget.json" 2>/dev/null
tp stats -r "$R" --json >"$T/stats.json" 2>/dev/null
tp tag -r "$R" latest --add json --json >"$T/tag.json" 2>/dev/null
tp prune -r "$R" --json >"$T/prune.json" 2>/dev/null
# check --same-as: a mirror that lacks a snapshot, has an extra file and
# a config of another size, so each list has a member.
cp -a "$R" "$T/mirror"
rm -f "$(ls -d "$T/mirror/snapshots/"* | head -n 1)"
: >"$T/mirror/index/extra"
printf x >>"$T/mirror/config"
tp check -r "$R" --same-as "$T/mirror" --json >"$T/check.json" 2>/dev/null

# members FILE: every member name in the JSON of FILE (one value, or one
# per line), nested objects' too, sorted.
members() {
	python3 - "$1" <<'PY'
import json, sys
text = open(sys.argv[1]).read().strip()
try:
    docs = [json.loads(text)]
except ValueError:
    docs = [json.loads(l) for l in text.splitlines() if l.strip()]
names = set()
def walk(v):
    if isinstance(v, dict):
        for k, x in v.items():
            names.add(k)
            walk(x)
    elif isinstance(v, list):
        for x in v:
            walk(x)
for d in docs:
    walk(d)
print('\n'.join(sorted(names)))
PY
}

# documented WHAT: the .Ic names the page lists for WHAT: "backup",
# "snapshots", "ls", "tag", "stats" (the JSON subsection) or "key list"
# (its entry).
documented() {
	python3 - "$MAN" "$1" <<'PY'
import re, sys
man, what = open(sys.argv[1]).read(), sys.argv[2]
if what == 'key list':
    part = man.split('.It Cm key list Fl r', 1)[1].split('\n.It Cm ', 1)[0]
    part = part.split('.Fl \\-json', 1)[1]
else:
    js = man.split('.Ss JSON', 1)[1].split('\n.Sh ', 1)[0]
    part = js.split('.It Cm ' + what + '\n', 1)[1].split('\n.It Cm ', 1)[0]
print('\n'.join(sorted(set(re.findall(r'^\.Ic ([a-z_]+)', part, re.M)))))
PY
}

for c in backup snapshots ls "key list" forget tag stats prune check; do
	f=$T/$(echo "$c" | cut -d' ' -f1).json
	members "$f" >"$T/got" 2>"$T/err"
	documented "$c" >"$T/doc"
	if [ "$c" = ls ] && [ "$(id -u)" != 0 ]; then
		grep -v '^major$\|^minor$' "$T/doc" >"$T/doc2"
		mv "$T/doc2" "$T/doc"
	fi
	if [ -s "$T/got" ] && cmp -s "$T/got" "$T/doc"; then
		ok "$c --json: the members are those tacit(1) lists ($(tr '\n' ' ' <"$T/got"))"
	else
		notok "$c --json: members differ from tacit(1) (< printed, > documented):"
		diff "$T/got" "$T/doc" | sed 's/^/#   /'
		sed 's/^/#   /' "$T/err" | head -n 3
	fi
done
