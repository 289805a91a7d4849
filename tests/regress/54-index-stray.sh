#!/bin/sh
# 54-index-stray.sh: a stray file in index/ whose name is not 32 hex
# digits (index/foo, a name too long) is, per doc/format.md section 2,
# reported and ignored by readers: check passes (exit 0) and warns about
# it, prune does not refuse (it ran, and is not counted as a damaged
# segment), repair index runs, and the file stays (it is not tacit's).
# It used to count as a damaged segment: prune refused for ever, and
# repair index could not clear it.
. "$(dirname "$0")/lib.sh"

R=$T/repo SRC=$T/src
mkrepo "$R" || notok "setup: init"
mkdir -p "$SRC"
head -c 300000 /dev/urandom >"$SRC/a"
tp backup -q -r "$R" "$SRC" || notok "setup: first backup"
head -c 300000 /dev/urandom >"$SRC/b"
tp backup -q -r "$R" "$SRC" || notok "setup: second backup"
tp forget -q -r "$R" --keep-last 1 >/dev/null 2>&1 ||
    notok "setup: forget"
echo junk >"$R/index/foo"
echo junk >"$R/index/0123456789abcdef0123456789abcdef0"

tp check -r "$R" >"$T/ck.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -q "index/foo: not an index segment name, ignored" \
    "$T/ck.out" && ! grep -qi "damaged" "$T/ck.out"; then
	ok "check warns about the stray names and passes"
else notok "check warns about the stray names and passes (exit $rc)"
	sed 's/^/#   /' "$T/ck.out"; fi
tp prune -r "$R" >"$T/pr.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -q "index/foo: not an index segment name" \
    "$T/pr.out" && grep -q "pruned:" "$T/pr.out"; then
	ok "prune warns, ignores them and runs"
else notok "prune warns, ignores them and runs (exit $rc)"
	sed 's/^/#   /' "$T/pr.out"; fi
tp repair index -r "$R" >"$T/ri.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -q "index/foo: not an index segment name" \
    "$T/ri.out"; then
	ok "repair index warns, ignores them and runs"
else notok "repair index warns, ignores them and runs (exit $rc)"
	sed 's/^/#   /' "$T/ri.out"; fi
if [ -f "$R/index/foo" ]; then ok "the stray file stays"
else notok "the stray file was removed"; fi
xcode 0 "check --read-data passes" tp check -r "$R" --read-data
rm -rf "$T/out"
if tp restore -q -r "$R" latest --target "$T/out" >"$T/rs.out" 2>&1 &&
    [ "$(treesum "$T/out/src")" = "$(treesum "$SRC")" ]; then
	ok "the latest snapshot restores bit for bit"
else notok "the latest snapshot restores bit for bit"
	sed 's/^/#   /' "$T/rs.out"; fi
