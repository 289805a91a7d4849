#!/bin/sh
# 37-kdf-cost.sh: key slots cannot make an unlock expensive (format.md
# 4.5).  The Argon2 work area is never mlock'ed (strace: no mlock over
# 1 MiB during an unlock); a repository with 64 slots, each within the
# caps (2 GiB, 2 passes) but together far over what an unlock runs, is
# refused at once (exit 14, a message that says why, no Argon2 run); a
# slot over the per-slot caps cannot be made (--kdf-memory above 2048 is
# a usage error; memory times iterations over 4 GiB-passes is refused).
. "$(dirname "$0")/lib.sh"
# Repositories without parity (--parity 0): damage is met by the AEAD
# alone, as before parity; 120-parity.sh damages them with parity.

R=$T/repo H=$T/hostile
mkrepo "$R" --parity 0 || notok "setup: init"

if command -v strace >/dev/null; then
	# LeakSanitizer cannot run under ptrace (SAN=1 builds).
	printf '%s\n' "$PW" |
	    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    strace -f -qq -e trace=mlock,mlock2 -o "$T/st" \
	    "$TACIT" snapshots -r "$R" --passphrase-fd 0 >/dev/null 2>&1 ||
	    notok "setup: snapshots under strace"
	big=$(sed -n 's/.*mlock2\{0,1\}(0x[0-9a-f]*, \([0-9]*\).*/\1/p' "$T/st" |
	    awk '$1 > 1048576' | head -n 3 | tr '\n' ' ')
	n=$(grep -c 'mlock' "$T/st")
	[ -z "$big" ] && ok "unlock: no mlock over 1 MiB ($n small ones)" ||
	    notok "unlock: mlock of $big bytes (the Argon2 area)"
else ok "# SKIP strace is missing"; fi

avail=$(sed -n 's/^MemAvailable: *\([0-9]*\) kB/\1/p' /proc/meminfo)
if [ "${avail:-0}" -lt $((3 << 20)) ]; then
	ok "# SKIP less than 3 GiB available: 2 GiB slots would be skipped"
else
	cp -a "$R" "$H"
	k=$(slots "$H" | head -n 1)
	i=0
	while [ $i -lt 63 ]; do
		f=$H/keys/$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')
		cp "$H/keys/$k" "$f"
		putbyte "$f" 16 2			# t = 2
		putbyte "$f" 20 0; putbyte "$f" 21 0	# m = 2 GiB
		putbyte "$f" 22 32; putbyte "$f" 23 0
		i=$((i + 1))
	done
	t0=$(now_ms)
	xcode 14 "64 slots of 2 GiB x 2 passes: refused (exit 14)" \
	    timeout 30 sh -c 'printf "%s\n" "$1" |
	    "$2" snapshots -r "$3" --passphrase-fd 0' sh "$PW" "$TACIT" "$H"
	ms=$(( $(now_ms) - t0 ))
	grep -q "GiB-passes of Argon2id in all.*nothing was tried" "$T/.out" &&
	    ok "and says why" || { notok "and says why"; sed 's/^/#   /' "$T/.out"; }
	[ "$ms" -lt 5000 ] && ok "at once ($ms ms)" || notok "at once ($ms ms)"
fi

xcode 2 "--kdf-memory 4096 (over 2 GiB) is a usage error" \
    tp init -r "$T/r2" --kdf-memory 4096 --kdf-iterations 1 --kdf-lanes 1
xcode 1 "2 GiB x 4 passes (over 4 GiB-passes) cannot be made" \
    tp init -r "$T/r3" --kdf-memory 2048 --kdf-iterations 4 --kdf-lanes 1
grep -q "memory times iterations" "$T/.out" && ok "and says why" ||
    { notok "and says why"; sed 's/^/#   /' "$T/.out"; }
