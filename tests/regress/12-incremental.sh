#!/bin/sh
# 12-incremental.sh: a second backup reads only what changed.  An
# unchanged tree of 200 files is not read (nor opened) at all, one edited file is the
# only one read, --force reads everything (and finds it unchanged); each
# snapshot names its parent.
# Also: --dry-run writes nothing yet reports numbers; --exclude and
# --exclude-file leave matching entries out; --tag is recorded; two
# sources with the same base name are refused.
. "$(dirname "$0")/lib.sh"

R=$T/repo S=$T/src
mkrepo "$R" || notok "setup: init"
for d in 0 1 2 3 4 5 6 7 8 9; do
	mkdir -p "$S/d$d"
	for f in $(seq 1 20); do printf 'file %s/%s\n' "$d" "$f" >"$S/d$d/f$f"; done
done

# run NAME ARGS: backup --json into $T/NAME.json; prints nothing.
run() { n=$1; shift; tp backup -r "$R" --json "$@" >"$T/$n.json" 2>"$T/$n.err"; }
# expect NAME DESC K=V...: each summary field K of NAME.json equals V.
expect() {
	n=$1 desc=$2; shift 2
	if python3 - "$T/$n.json" "$@" >"$T/.why" 2>&1 <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
bad = [kv for kv in sys.argv[2:] if str(j.get(kv.split("=")[0])).lower() != kv.split("=", 1)[1]]
print("mismatch:", bad, j) if bad else None
sys.exit(bool(bad))
EOF
	then ok "$desc"; else notok "$desc"
		sed 's/^/#   /' "$T/.why" "$T/$n.err"; fi
}
snapf() {	# snapf INDEX FIELD: a field of snapshots --json[INDEX]
	tp snapshots -r "$R" --json 2>/dev/null | python3 -c 'import json,sys
s = json.load(sys.stdin); i = int(sys.argv[1])
print(len(s) if sys.argv[2] == "count" else json.dumps(s[i].get(sys.argv[2])))' "$1" "$2"
}

run b1 "$S"
expect b1 "first backup reads all 200 files" files_new=200 files_read=200
run b2 "$S"
expect b2 "unchanged tree: nothing read, 200 files unchanged" \
    files_read=0 bytes_read=0 files_unchanged=200 files_new=0 files_changed=0
# Unchanged files are not even opened (metadata from lstat and the parent).
if command -v strace >/dev/null 2>&1; then
	printf '%s\n' "$PW" | strace -f -qq -e trace=openat,open \
	    -o "$T/open.trace" "$TACIT" backup -q -r "$R" "$S" \
	    --passphrase-fd 0 >/dev/null 2>&1
	# (Not a pack's shard directory, which may be named f0 to f9.)
	n=$(grep "$S/d[0-9]/f\|\"f[0-9]*\"" "$T/open.trace" |
	    grep -vc O_DIRECTORY)
	if [ "$n" -eq 0 ] && grep -q 'openat' "$T/open.trace"; then
		ok "unchanged backup opens none of the 200 files"
	else notok "unchanged backup opened source files $n times"; fi
else ok "# SKIP no strace"; fi
printf 'more\n' >>"$S/d3/f7"
run b3 "$S"
expect b3 "one edited file: exactly that file read" files_read=1 \
    files_changed=1 files_unchanged=199 bytes_read=$(wc -c <"$S/d3/f7")
run b4 "$S" --force
# Read again, found equal: unchanged, not changed (issue 14).
expect b4 "--force reads every file again; equal ones count unchanged" \
    files_read=200 files_unchanged=200 files_changed=0 files_new=0

# Empty files, and a procfs file whose size says 0 (read to its end),
# read again under --force and found equal, count unchanged too.
E=$T/empties
mkdir -p "$E"
: >"$E/empty1"
: >"$E/empty2"
echo content >"$E/full"
P=/proc/sys/kernel/ostype
[ -r "$P" ] || P=
run e1 "$E" $P
run e2 "$E" $P --force
n=3; [ -n "$P" ] && n=4
expect e2 "--force: empty files and a size-0 procfs file read equal count unchanged" \
    files_read=$n files_unchanged=$n files_changed=0

p1=$(snapf 0 parent) id3=$(snapf 2 id) p4=$(snapf 3 parent)
if [ "$p1" = null ] && [ -n "$id3" ] && [ "$p4" = "$id3" ]; then
	ok "snapshots --json: the first has no parent, the latest names the one before"
else notok "snapshots --json parent links (first: $p1, latest: $p4, want $id3)"; fi

# --- dry run -------------------------------------------------------------
printf 'new\n' >"$S/d0/newfile"
before=$(treesum "$R")
run dry "$S" -n
expect dry "--dry-run reports the new file and no snapshot id" \
    dry_run=true files_new=1 files_read=1 snapshot=
if [ "$(treesum "$R")" = "$before" ]; then ok "--dry-run leaves the repository untouched"
else notok "--dry-run leaves the repository untouched"; fi

# --- excludes ------------------------------------------------------------------
E=$T/ex
mkdir -p "$E/sub/tmp" "$E/keep"
for f in a.log sub/b.log sub/c.txt sub/tmp/t x.bak keep/k.txt keep/tmp.txt; do
	printf '%s\n' "$f" >"$E/$f"
done
printf '# comment line\n\ntmp\n*.bak\n' >"$T/exfile"
run ex "$E" --exclude '*.log' --exclude-file "$T/exfile"
tp ls -r "$R" latest >"$T/ls" 2>&1
miss= ; extra=
for p in /ex/sub/c.txt /ex/keep/k.txt /ex/keep/tmp.txt; do
	grep -q " $p\$" "$T/ls" || miss="$miss $p"
done
for p in a.log b.log '/tmp$' x.bak '/t$' comment; do
	grep -q -- "$p" "$T/ls" && extra="$extra $p"
done
if [ -z "$miss$extra" ] && [ "$(wc -l <"$T/ls")" -eq 6 ]; then
	ok "--exclude and --exclude-file leave out exactly the matches"
else notok "--exclude/--exclude-file (missing:$miss; present:$extra)"
	sed 's/^/#   /' "$T/ls"; fi
expect ex "excluded files are not counted" files_new=3

# --- tags ------------------------------------------------------------------------
run tag "$S" --tag daily --tag 'with space'
t=$(snapf -1 tags)
if [ "$t" = '["daily", "with space"]' ]; then ok "--tag values are in snapshots --json"
else notok "--tag values are in snapshots --json (got $t)"; fi

# --- two sources with one base name ------------------------------------------------
mkdir -p "$T/a/same" "$T/b/same"
n0=$(snapf 0 count)
tp backup -r "$R" "$T/a/same" "$T/b/same" >"$T/dup.out" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] && [ "$(snapf 0 count)" = "$n0" ] &&
    grep -q same "$T/dup.out"; then
	ok "two sources with the same base name are refused (exit $rc), no snapshot"
else notok "two sources with the same base name are refused (exit $rc)"
	sed 's/^/#   /' "$T/dup.out"; fi

# A relative source and a source that is a symlink (stored as the link).
mkdir -p "$T/rel/inner"
printf 'x\n' >"$T/rel/inner/f"
ln -s inner "$T/rel/alias"
xcode 0 "a relative source and a symlink source back up" \
    sh -c "cd '$T/rel' && printf '%s\n' \"\$1\" | \"\$2\" backup -q -r \"\$3\" inner alias --passphrase-fd 0" \
    sh "$PW" "$TACIT" "$R"
tp ls -r "$R" latest >"$T/rel.ls" 2>&1
grepq '/alias -> inner' "$T/rel.ls" && grepq '/inner/f' "$T/rel.ls" &&
    ok "listed as a directory and a symlink" ||
    notok "listing: $(cat "$T/rel.ls")"

# --- many directories: the parent's trees in windows -----------------------------
# A backup reads the parent snapshot's tree of every directory it walks; it
# asks the keyholder for the trees of up to 256 subdirectories of one
# directory at once, and reuses the id of a directory whose listing did not
# change.  An unchanged backup of 300 directories side by side is then a
# few dozen keyholder messages (it was four per directory); a change
# anywhere still reaches the new snapshot.
M=$T/many R2=$T/repo2
for d in $(seq 100 399); do
	mkdir -p "$M/d$d"
	printf 'top %s\n' "$d" >"$M/d$d/f"
done
mkdir -p "$M/deep/a/b/c"
printf 'deep\n' >"$M/deep/a/b/c/g"
mkrepo "$R2" || notok "setup: init repo2"
xcode 0 "305 directories: first backup" tp backup -q -r "$R2" "$M"
printf '%s\n' "$PW" >"$T/pw2"
# (LeakSanitizer cannot run under ptrace: off for this run.)
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
    strace -f -qq -e trace=sendmsg -o "$T/sm" "$TACIT" backup -q -r "$R2" "$M" \
    --passphrase-fd 3 3<"$T/pw2" >"$T/sm.out" 2>&1
rc=$?
n=$(grep -c 'sendmsg(' "$T/sm")
if [ "$rc" -eq 0 ] && [ "$n" -lt 100 ]; then
	ok "an unchanged backup of 305 directories: $n keyholder messages (< 100)"
else notok "an unchanged backup of 305 directories: exit $rc, $n messages"
	sed 's/^/#   /' "$T/sm.out"; fi
rm -rf "$T/mr"
tp restore -q -r "$R2" latest --target "$T/mr" >/dev/null 2>&1
diff -r "$M" "$T/mr/many" >"$T/mr.diff" 2>&1 &&
    ok "and it restores to the same tree" ||
    notok "unchanged restore differs: $(head -5 "$T/mr.diff")"
printf 'changed\n' >"$M/deep/a/b/c/g"
printf 'changed\n' >"$M/d250/f"
mkdir "$M/d250/new" && printf 'n\n' >"$M/d250/new/h"
rm -rf "$M/d120"
chmod 700 "$M/d399"
xcode 0 "two edits, a new and a removed directory, a mode change: backup" \
    tp backup -q -r "$R2" "$M"
rm -rf "$T/mr"
tp restore -q -r "$R2" latest --target "$T/mr" >/dev/null 2>&1
diff -r "$M" "$T/mr/many" >"$T/mr.diff" 2>&1 &&
    [ "$(stat -c %a "$T/mr/many/d399")" = 700 ] &&
    ok "every change is in the restored tree" ||
    notok "changed restore differs: $(head -5 "$T/mr.diff")"
