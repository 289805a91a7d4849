#!/bin/sh
# 52-forget-lock.sh: forget takes the exclusive (remove) lock.  While a
# forget is paused at its first unlink (strace delays it), a backup, a
# snapshots and a second forget each exit 11 naming the holder, and
# nothing they would do happens; the forget then finishes.  A forget
# started during a backup exits 11 and removes nothing (--lock-wait 1
# waits, then refuses); after the backup it runs.
. "$(dirname "$0")/lib.sh"

if ! command -v strace >/dev/null || ! command -v setsid >/dev/null; then
	ok "# SKIP strace or setsid is missing"; exit 0; fi
R=$T/repo SRC=$T/src
mkrepo "$R" || notok "setup: init"
mkdir -p "$SRC"
for i in 1 2 3; do
	printf '%s\n' "$i" >"$SRC/f"
	tp backup -q -r "$R" "$SRC" >/dev/null 2>&1 || notok "setup: backup"
done
count() { ls "$R/snapshots" | grep -vc '^\.'; }
# gone: wait (up to 30 s) until the killed process group's lock is free:
# strace is reaped first, its killed tracee can still hold the lock.
gone() {
	_g=0
	while holds_lock "$R/lock" && [ $_g -lt 1500 ]; do
		_g=$((_g + 1))
		sleep 0.02
	done
}

# A forget paused just before its first unlink (60 s).
printf '%s\n' "$PW" >"$T/pw"
setsid strace -f -qq -o /dev/null -e trace=unlinkat \
    -e inject=unlinkat:delay_enter=60000000 \
    "$TACIT" forget -q -r "$R" --keep-last 1 --passphrase-fd 3 3<"$T/pw" \
    >"$T/slow.out" 2>&1 &
slow=$!
i=0
while ! holds_lock "$R/lock" && [ $i -lt 1500 ]; do
	i=$((i + 1))
	sleep 0.02
done
holds_lock "$R/lock" || notok "setup: the forget never took the lock"
# It holds bytes 0 and 1 exclusively: a writer that removes.
if lock_lines "$R/lock" | grep -q "POSIX *ADVISORY *WRITE [0-9]* [0-9a-f:]* 0 1$"; then
	ok "forget holds the lock as a remover (bytes 0-1, write)"
else notok "forget's lock is not the remover's"; lock_lines "$R/lock" | sed 's/^/#   /'; fi

printf 'new\n' >"$SRC/f"
xcode 11 "a backup during forget exits 11" tp backup -q -r "$R" "$SRC"
tp backup -q -r "$R" "$SRC" >"$T/b.out" 2>&1
if grepq "locked" "$T/b.out" && grepq "removing or rewriting" "$T/b.out"; then
	ok "the refusal says a remover holds the lock"
else notok "the refusal"; sed 's/^/#   /' "$T/b.out"; fi
xcode 11 "snapshots during forget exits 11" tp snapshots -r "$R"
xcode 11 "a second forget during forget exits 11" tp forget -r "$R" \
    --keep-last 2
if [ "$(count)" -eq 3 ]; then ok "nothing was added or removed meanwhile"
else notok "the repository changed meanwhile: $(count) snapshots"; fi
kill -KILL "-$slow" 2>/dev/null
wait "$slow" 2>/dev/null
gone
tp forget -q -r "$R" --keep-last 1 >"$T/f.out" 2>&1
if [ "$(count)" -eq 1 ]; then ok "after it, forget runs"
else notok "after it, forget"; sed 's/^/#   /' "$T/f.out"; fi

# A forget during a backup.
tp backup -q -r "$R" "$SRC" >/dev/null 2>&1
paused_backup "$R" "$SRC" || notok "setup: the backup never took the lock"
xcode 11 "forget during a backup exits 11" tp forget -r "$R" latest
t0=$(now_ms)
xcode 11 "forget --lock-wait 1 during a backup waits, then exits 11" \
    tp forget -r "$R" --keep-last 1 --lock-wait 1
if [ $(( $(now_ms) - t0 )) -ge 900 ]; then ok "it waited about a second"
else notok "it did not wait"; fi
if [ "$(count)" -eq 2 ]; then ok "the refused forgets removed nothing"
else notok "the refused forgets: $(count) snapshots"; fi
kill -KILL "-$slow" 2>/dev/null
wait "$slow" 2>/dev/null
gone
check "after the backup is gone, forget latest runs" tp forget -q -r "$R" latest
