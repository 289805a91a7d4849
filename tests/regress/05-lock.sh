#!/bin/sh
# 05-lock.sh: the repository lock (flock on REPO/lock).  Writers need it
# exclusively and readers shared: while another process holds it
# exclusively every command exits 11 saying "locked" (after --lock-wait
# seconds if given); a shared holder lets readers in but not writers; a
# killed holder leaves no stale lock; the lock file never gets content.
. "$(dirname "$0")/lib.sh"

PW2="lock test second passphrase"
R=$T/repo
mkrepo "$R" || notok "setup: init"

holder=
# hold MODE: hold the lock in the background (MODE -x or -s).  The holder
# is one process: a subshell that opens the lock file, has flock(1) lock
# that open file, says so by creating $T/held and then becomes `sleep`, so
# killing $holder drops the lock.
hold() {
	rm -f "$T/held"
	( exec 9<"$R/lock" && flock "$1" 9 && : >"$T/held" && exec sleep 60 ) &
	holder=$!
	i=0
	while [ ! -e "$T/held" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -e "$T/held" ] || notok "setup: could not take the lock with flock $1"
}
release() {
	[ -n "$holder" ] && kill -9 "$holder" 2>/dev/null && wait "$holder" 2>/dev/null
	holder=
}
trap 'release' EXIT

addkey() {
	printf '%s\n%s\n' "$PW" "$PW2" | "$TACIT" key add -r "$R" \
	    --passphrase-fd 0 --new-passphrase-fd 0 $FAST "$@"
}

# --- an exclusive holder --------------------------------------------------------
hold -x
before=$(treesum "$R")
addkey >"$T/out" 2>&1
rc=$?
if [ "$rc" -eq 11 ] && grep -q "locked" "$T/out"; then
	ok "key add while the lock is held exclusively exits 11, says locked"
else notok "key add while the lock is held exclusively exits 11 (exit $rc)"
	sed 's/^/#   /' "$T/out"; fi
if [ "$(treesum "$R")" = "$before" ]; then
	ok "the refused key add changed nothing"
else notok "the refused key add changed nothing"; fi
t0=$(now_ms)
addkey --lock-wait 1 >"$T/out" 2>&1
rc=$?
dt=$(( $(now_ms) - t0 ))
if [ "$rc" -eq 11 ] && grep -q "locked" "$T/out"; then
	ok "key add --lock-wait 1 still exits 11 when the lock stays held"
else notok "key add --lock-wait 1 still exits 11 (exit $rc)"
	sed 's/^/#   /' "$T/out"; fi
if [ "$dt" -ge 900 ] && [ "$dt" -lt 4000 ]; then
	ok "--lock-wait 1 waits about one second (${dt} ms)"
else notok "--lock-wait 1 waits about one second (${dt} ms)"; fi
tp key list -r "$R" >"$T/out" 2>&1
rc=$?
if [ "$rc" -eq 11 ] && grep -q "locked" "$T/out"; then
	ok "key list (shared lock) is refused while held exclusively (exit 11)"
else notok "key list (shared lock) is refused while held exclusively (exit $rc)"
	sed 's/^/#   /' "$T/out"; fi
xcode 11 "key recovery is refused while held exclusively" \
    tp key recovery -r "$R" $FAST
if ! grep -q "Recovery key" "$T/out"; then
	ok "no recovery key is printed when the lock is refused"
else notok "no recovery key is printed when the lock is refused"; fi

# --lock-wait succeeds when the holder goes away during the wait.
( sleep 1; kill -9 "$holder" ) &
killer=$!
t0=$(now_ms)
tp key list -r "$R" --lock-wait 10 >"$T/out" 2>&1
rc=$?
dt=$(( $(now_ms) - t0 ))
wait "$killer"
wait "$holder" 2>/dev/null
holder=
if [ "$rc" -eq 0 ] && [ "$dt" -lt 8000 ]; then
	ok "--lock-wait 10 gets the lock once the holder dies (${dt} ms)"
else notok "--lock-wait 10 gets the lock once the holder dies (exit $rc, ${dt} ms)"
	sed 's/^/#   /' "$T/out"; fi

# --- a shared holder ----------------------------------------------------------------
hold -s
xcode 0 "key list works while another reader holds the lock shared" \
    tp key list -r "$R"
n0=$(slots "$R" | wc -l)
addkey >"$T/out" 2>&1
rc=$?
if [ "$rc" -eq 11 ] && [ "$(slots "$R" | wc -l)" -eq "$n0" ]; then
	ok "key add is refused while a reader holds the lock (exit 11)"
else notok "key add is refused while a reader holds the lock (exit $rc)"
	sed 's/^/#   /' "$T/out"; fi

# --- a killed holder: no stale lock ----------------------------------------------------
release
hold -x
kill -9 "$holder"
wait "$holder" 2>/dev/null
holder=
t0=$(now_ms)
addkey >"$T/out" 2>&1
rc=$?
dt=$(( $(now_ms) - t0 ))
if [ "$rc" -eq 0 ] && [ "$(slots "$R" | wc -l)" -eq $((n0 + 1)) ]; then
	ok "after the holder is killed (-9) key add succeeds at once (${dt} ms)"
else notok "after the holder is killed (-9) key add succeeds at once (exit $rc)"
	sed 's/^/#   /' "$T/out"; fi
xcode 0 "after the holder is killed key list succeeds" tp key list -r "$R"
if [ -f "$R/lock" ] && [ ! -s "$R/lock" ]; then ok "the lock file is still empty"
else notok "the lock file is still empty ($(fsize "$R/lock") bytes)"; fi
