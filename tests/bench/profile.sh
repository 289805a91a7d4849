#!/bin/bash
# profile.sh TACIT DATASET backup|restore [OUT]: where one first backup or
# restore of DATASET spends its CPU, per thread, as issue #20's closing
# profiles were taken.  perf record -e cpu-clock (a VM has no hardware
# counters) of the run, default key slot, source read once before a
# backup, packs evicted from the page cache before a restore (onto a
# tmpfs, mounted for the run unless one is there).  Prints the run's CPU seconds, wall
# seconds and busy cores; per thread its CPU seconds, how busy it was and
# where (the sampled frame's library, the kernel); and the busy cores per
# quarter second (the first half second or so is the Argon2id unlock).
# OUT (default /tmp/tacit-profile) keeps perf's data.  Repository in
# ${QUIET_DIR:-/var/tmp/tacit-quiet}/prof.DATASET, kept for restores.
set -u
T=$(realpath "${1:?usage: profile.sh TACIT DATASET backup|restore [OUT]}")
ds=${2:?usage: profile.sh TACIT DATASET backup|restore [OUT]}
what=${3:?usage: profile.sh TACIT DATASET backup|restore [OUT]}
out=${4:-/tmp/tacit-profile}
src=${BENCH_DATA:-/var/tmp/tacit-bench-data}/ds/$ds
w=${QUIET_DIR:-/var/tmp/tacit-quiet}
repo=$w/prof.$ds
command -v perf >/dev/null || { echo "profile.sh: perf is missing (apt-get install linux-perf)" >&2; exit 2; }
[ -d "$src" ] || { echo "profile.sh: no data set $src" >&2; exit 2; }
mkdir -p "$w/rt"
if ! mountpoint -q "$w/rt"; then
	mount -t tmpfs -o size=8g tmpfs "$w/rt" || exit 2
	trap 'umount "$w/rt"' EXIT
fi
printf 'quiet-bench-pass-1\n' >"$w/pw"
tk() { env -u RESTIC_PASSWORD "$T" "$@" --passphrase-fd 3 3<"$w/pw"; }
settle() {
	for _ in $(seq 1 300); do
		awk -v l="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN { exit !(l < 0.3) }' &&
		    return
		sleep 2
	done
}
record() { perf record -q -e cpu-clock -F 997 -g -o "$out.data" -- "$@" >/dev/null 2>&1; }

case $what in
backup)
	rm -rf "$repo"
	tk init -q -r "$repo" >/dev/null 2>&1
	find "$src" -type f -print0 | xargs -0 cat >/dev/null
	settle
	record env -u RESTIC_PASSWORD "$T" backup -q -r "$repo" \
	    --passphrase-fd 3 3<"$w/pw" "$src" ;;
restore)
	if [ ! -d "$repo" ]; then
		tk init -q -r "$repo" >/dev/null 2>&1
		tk backup -q -r "$repo" "$src" >/dev/null 2>&1
	fi
	rm -rf "$w/rt/x"
	mkdir -p "$w/rt/x"
	sync
	find "$repo" -type f -exec dd if={} iflag=nocache count=0 status=none \;
	settle
	record env -u RESTIC_PASSWORD "$T" restore -q -r "$repo" \
	    --passphrase-fd 3 3<"$w/pw" --target "$w/rt/x" latest
	rm -rf "$w/rt/x" ;;
*)	echo "profile.sh: backup or restore" >&2; exit 2 ;;
esac

perf script -i "$out.data" -G -F tid,time,ip,sym,dso 2>/dev/null | python3 -c '
import collections, re, sys
hz = 997.0
per = collections.Counter()
lib = collections.defaultdict(collections.Counter)
bins = collections.Counter()
t0 = t1 = None
for line in sys.stdin:
    m = re.match(r"\s*(\d+)\s+([\d.]+):\s+(.*)$", line)
    if not m:
        continue
    tid, t, rest = m.group(1), float(m.group(2)), m.group(3)
    t0 = t if t0 is None else t0
    t1 = t
    d = re.search(r"\(([^)]*)\)\s*$", rest)
    d = d.group(1).split("/")[-1] if d else "?"
    if d.startswith("[kernel"):
        d = "kernel"
    per[tid] += 1
    lib[tid][d] += 1
    bins[int((t - t0) / 0.25)] += 1
n = sum(per.values())
if n == 0:
    sys.exit("profile.sh: no samples")
span = max(t1 - t0, 1e-9)
print("%.2f CPU s in %.2f s: %.2f cores busy" % (n / hz, span, n / hz / span))
for tid, k in per.most_common():
    if k < 0.015 * n:
        break
    where = ", ".join("%s %.0f %%" % (x, 100.0 * v / k)
                      for x, v in lib[tid].most_common(4))
    print("  thread %s: %.2f CPU s, busy %.0f %% of the run (%s)" %
          (tid, k / hz, 100.0 * k / hz / span, where))
print("busy cores per 0.25 s: " + " ".join(
    "%.1f" % (bins[i] / (0.25 * hz)) for i in range(max(bins) + 1)))
'
