#!/bin/sh
# 22-log.sh: the log of a backup lives in RAM and then, sealed, in the
# repository with its snapshot.  `tacit log` shows a backup's warnings and
# totals; the words of that log appear in no file on the host (HOME, XDG
# directories, TMPDIR, /tmp, /var/tmp, /var/log) and not in clear in the
# repository.
. "$(dirname "$0")/lib.sh"

R=$T/repo
printf '%s\n' "$PW" >"$T/pw"
mkdir -p "$T/home" "$T/tmp" "$T/src"
export HOME="$T/home" TMPDIR="$T/tmp" XDG_CACHE_HOME="$T/home/.cache"
"$TACIT" init -q -r "$R" $FAST --passphrase-fd 3 3<"$T/pw" >/dev/null
: >"$T/start"	# only files written after this can hold the marker
marker=logmarker$$q
printf 'data\n' >"$T/src/plain"
python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" \
    "$T/src/$marker.sock"
xcode 0 "backup with a socket in the source (a warning) exits 0" \
    "$TACIT" backup -r "$R" "$T/src" --passphrase-fd 3 3<"$T/pw"
grepq "$marker.sock: socket not backed up" "$T/.out" &&
    ok "the warning is on stderr" || notok "no warning on stderr"
tp log -r "$R" latest >"$T/log" 2>&1
grepq "$marker.sock: socket not backed up" "$T/log" &&
    ok "tacit log shows the warning" || notok "log: $(cat "$T/log")"
grepq "1 files (1 new" "$T/log" && ok "and the totals" ||
    notok "no totals in the log"
grepq "^\[ *[0-9]*\.[0-9]*\] " "$T/log" && ok "each line has its time" ||
    notok "no times"
"$TACIT" backup -q -r "$R" "$T/src" --passphrase-fd 3 3<"$T/pw" \
    >"$T/quiet" 2>&1
tp log -r "$R" latest >"$T/log2" 2>&1
grepq "socket not backed up" "$T/log2" &&
    ok "with -q nothing is printed but the log still has it" ||
    notok "quiet run's log: $(cat "$T/log2")"
# (The test's own outputs live under $TESTTMP, which may be in /var/tmp.)
found=$(find "$T/home" "$T/tmp" /tmp /var/tmp /var/log -type f \
    -newer "$T/start" 2>/dev/null | grep -v "^$TESTTMP/" |
    tr '\n' '\0' | xargs -0 -r grep -l -a -e "$marker" 2>/dev/null |
    head -n 3)
[ -z "$found" ] && ok "the log's words are in no file on the host" ||
    notok "found in: $found"
found=$(grep -r -l -a -e "$marker" "$R" | head -n 3)
[ -z "$found" ] && ok "nor in clear in the repository" ||
    notok "in the repository: $found"
left=$(find "$T/home" "$T/tmp" -mindepth 1)
[ -z "$left" ] && ok "HOME and TMPDIR stay empty" || notok "left: $left"
