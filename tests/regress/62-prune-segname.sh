#!/bin/sh
# 62-prune-segname.sh: a segment whose name is in upper-case hex (as a
# copy through another system may leave it) loads like any other, so the
# new whole index that prune and repair index write replaces it too.  It
# was left in place, still naming the pack prune then deleted: check
# reported that pack missing (exit 14) after every later run.
. "$(dirname "$0")/lib.sh"

R=$T/repo SRC=$T/src
mkrepo "$R" || notok "setup: init"
mkdir -p "$SRC"
head -c 2000000 /dev/urandom >"$SRC/a"
tp backup -q -r "$R" "$SRC" || notok "setup: first backup"
s=$(ls "$R/index")
mv "$R/index/$s" "$R/index/$(echo "$s" | tr a-f A-F)"
xcode 0 "an upper-case segment name loads (check)" tp check -r "$R"
rm "$SRC/a"
head -c 100000 /dev/urandom >"$SRC/b"
tp backup -q -r "$R" "$SRC" || notok "setup: second backup"
xcode 0 "forget --keep-last 1 --prune" tp forget -r "$R" --keep-last 1 --prune
if ls "$R/index" | grep -q '[A-F]'; then
	notok "prune replaced the upper-case segment"; ls "$R/index" | sed 's/^/#   /'
else ok "prune replaced the upper-case segment"; fi
xcode 0 "check --read-data passes after prune" tp check -r "$R" --read-data
# repair index: the same.
s=$(ls "$R/index" | head -n 1)
mv "$R/index/$s" "$R/index/$(echo "$s" | tr a-f A-F)"
xcode 0 "repair index" tp repair index -r "$R"
if ls "$R/index" | grep -q '[A-F]'; then
	notok "repair index replaced the upper-case segment"
else ok "repair index replaced the upper-case segment"; fi
xcode 0 "check --read-data passes after repair index" \
    tp check -r "$R" --read-data
rm -rf "$T/out"
xcode 0 "the snapshot restores" tp restore -q -r "$R" latest --target "$T/out"
if cmp -s "$SRC/b" "$T/out/src/b"; then ok "restored bit for bit"
else notok "restored bit for bit"; fi
rm -rf "$T"
