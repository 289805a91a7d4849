#!/bin/sh
# 16-partial.sh: unreadable entries make a partial snapshot, not a failed
# backup.  Backing up (as uid 65534 when root, else as ourselves) a tree
# with a mode-0000 file of another user and an unreadable directory exits
# 3, names both, marks the snapshot partial in `snapshots --json`, leaves
# them out of the listing, and everything else restores identically.
# Also: a source below a parent that may be searched but not read works.
. "$(dirname "$0")/lib.sh"
# Repositories without parity (--parity 0): damage is met by the AEAD
# alone, as before parity; 120-parity.sh damages them with parity.

R=$T/repo S=$T/src
as=
if [ "$(id -u)" = 0 ]; then
	if ! command -v setpriv >/dev/null; then
		ok "# SKIP setpriv (util-linux) is missing"; exit 0; fi
	as="setpriv --reuid=65534 --regid=65534 --clear-groups"
	# uid 65534 must reach the scratch directory and read $T (the parent).
	chmod o+x "$TESTTMP"; chmod o+rx "$T"
fi
# runas CMD...: CMD as the unprivileged user, the passphrase on fd 0.
runas() { printf '%s\n' "$PW" | $as "$@" --passphrase-fd 0; }

mkrepo "$R" --parity 0 || notok "setup: init"
mkdir -p "$S/sub" "$S/locked"
for f in a b sub/c; do printf 'content of %s\n' "$f" >"$S/$f"; done
head -c 300000 /dev/urandom >"$S/sub/rand"
printf 'the secret\n' >"$S/secret"; printf 'hidden\n' >"$S/locked/inside"
chmod 0000 "$S/secret" "$S/locked"
if [ -n "$as" ]; then
	chown -R 65534:65534 "$R"
	chmod -R go+rX "$S"; chmod 0000 "$S/secret" "$S/locked"
	if ! $as test -r "$S/a" || ! $as test -w "$R"; then
		ok "# SKIP uid 65534 cannot reach $T"; exit 0; fi
fi
if [ -r "$S/secret" ] && [ -z "$as" ]; then
	ok "# SKIP this user can read a mode-0000 file"; exit 0; fi

runas "$TACIT" backup -r "$R" "$S" --json >"$T/b.json" 2>"$T/b.err"
rc=$?
if [ "$rc" -eq 3 ]; then ok "backup with unreadable entries exits 3"
else notok "backup with unreadable entries exits 3 (exit $rc)"
	sed 's/^/#   /' "$T/b.err"; fi
if grep -q 'src/secret: .*skipped' "$T/b.err" &&
    grep -q 'src/locked: .*skipped' "$T/b.err"; then
	ok "the warnings name the unreadable file and directory"
else notok "the warnings name the unreadable file and directory"
	sed 's/^/#   /' "$T/b.err"; fi
if python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))
sys.exit(not (j["skipped"] == 2 and j["files_new"] == 4))' "$T/b.json" 2>/dev/null
then ok "the summary counts 2 skipped and 4 files stored"
else notok "the summary counts 2 skipped and 4 files stored"
	sed 's/^/#   /' "$T/b.json"; fi

tp snapshots -r "$R" --json >"$T/s.json" 2>"$T/s.err"
if python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))
sys.exit(not (len(s) == 1 and s[0]["partial"] is True))' "$T/s.json" 2>/dev/null
then ok "the snapshot is marked partial in snapshots --json"
else notok "the snapshot is marked partial in snapshots --json"
	sed 's/^/#   /' "$T/s.json" "$T/s.err"; fi
tp snapshots -r "$R" >"$T/s.txt" 2>&1
if grep -q '(partial)' "$T/s.txt"; then ok "plain snapshots shows (partial)"
else notok "plain snapshots shows (partial)"; sed 's/^/#   /' "$T/s.txt"; fi

tp ls -r "$R" latest >"$T/ls" 2>&1
if ! grep -q -e /secret -e /locked "$T/ls" && grep -q ' /src/sub/rand$' "$T/ls"
then ok "ls leaves the skipped entries out and lists the rest"
else notok "ls leaves the skipped entries out"; sed 's/^/#   /' "$T/ls"; fi

tp restore -r "$R" latest --target "$T/dst" >"$T/r.out" 2>&1
rc=$?
bad=
for f in a b sub/c sub/rand; do cmp -s "$S/$f" "$T/dst/src/$f" || bad="$bad $f"; done
if [ "$rc" -eq 0 ] && [ -z "$bad" ] && [ ! -e "$T/dst/src/secret" ] &&
    [ ! -e "$T/dst/src/locked" ]; then
	ok "the readable files restore identically, the skipped ones are absent"
else notok "the readable files restore identically (exit $rc; differ:$bad)"
	sed 's/^/#   /' "$T/r.out"; fi

# Once readable, the next backup is complete again and picks them up.
chmod 0644 "$S/secret"; chmod 0755 "$S/locked"
runas "$TACIT" backup -r "$R" "$S" >"$T/b2.out" 2>&1
rc=$?
last=$(tp snapshots -r "$R" --json 2>/dev/null | python3 -c \
    'import json,sys; print(json.load(sys.stdin)[-1]["partial"])')
if [ "$rc" -eq 0 ] && [ "$last" = False ] &&
    tp ls -r "$R" latest 2>/dev/null | grep -q ' /src/locked/inside$'; then
	ok "a later backup with everything readable is complete (not partial)"
else notok "a later backup is complete (exit $rc, partial $last)"
	sed 's/^/#   /' "$T/b2.out"; fi

# A source whose parent directory may be searched but not read (0311) is
# reachable by path, as tar and rsync reach it: backing it up works.
mkdir -p "$T/p/child"; printf 'x\n' >"$T/p/child/f"; chmod 0311 "$T/p"
runas "$TACIT" backup -r "$R" "$T/p/child" >"$T/b3.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && tp ls -r "$R" latest 2>/dev/null | grep -q ' /child/f$'; then
	ok "a source below a search-only parent directory is backed up"
else notok "a source below a search-only parent directory is backed up (exit $rc)"
	sed 's/^/#   /' "$T/b3.out"; fi
chmod 0755 "$T/p"	# so that the scratch directory can be removed
