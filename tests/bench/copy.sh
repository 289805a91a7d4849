#!/bin/bash
# tests/bench/copy.sh TACIT SRC: `make bench`'s copy part (issue 18).  A
# history of COPY_SNAPS snapshots of the data set SRC (the tree, plus a
# churn file of 16 MiB of new random data for each one, so every snapshot
# holds data of its own) is made in tacit and in restic; then each
# history is copied into an empty DST, with and without shared chunker
# parameters (tacit: init --copy-chunker-from; restic: init --from-repo
# --copy-chunker-params), and a backup of SRC straight into each DST
# shows whether it deduplicates against the copy.  Prints a markdown
# section: wall time, CPU time, peak RSS, DST's size and the bytes that
# later backup added.  Reported, never asserted.  Scratch: COPY_DIR
# (removed).
set -eu
export LC_ALL=C
tacit=${1:?usage: copy.sh TACIT SRC}
src=${2:?usage: copy.sh TACIT SRC}
snaps=${COPY_SNAPS:-5}
d=${COPY_DIR:?COPY_DIR: a scratch directory}
rm -rf "$d"
mkdir -p "$d/home" "$d/tmp" "$d/churn"
trap 'rm -rf "$d"' EXIT
export HOME=$d/home TMPDIR=$d/tmp XDG_CACHE_HOME=$d/home/.cache
printf 'bench passphrase\n' >"$d/pw"
printf 'bench passphrase for dst\n' >"$d/pw2"
fast="--kdf-memory 64 --kdf-iterations 1"
has() { command -v "$1" >/dev/null 2>&1; }
say() { printf '%s copy: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# run LABEL CMD...: CMD under /usr/bin/time -v; "wall cpu rss_mib" of it.
run() {
	local label=$1
	shift
	sync
	/usr/bin/time -v -o "$d/time" "$@" >"$d/$label.out" 2>&1 || {
		say "$label FAILED: $(tail -n 2 "$d/$label.out" | tr '\n' ' ')"
		echo "– – –"
		return 0
	}
	awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, a, ":"); w = 0
		for (i = 1; i <= n; i++) w = w * 60 + a[i] }
	    /User time/ { u = $2 } /System time/ { s = $2 }
	    /Maximum resident/ { m = $2 }
	    END { printf "%.2f %.2f %.0f\n", w, u + s, m / 1024 }' "$d/time"
}
mib() { du -sb "$1" | awk '{ printf "%.0f", $1 / 1048576 }'; }
churn() {
	local key
	key=$(printf 'copy-churn:%s' "$1" | sha256sum | cut -c1-64)
	{ openssl enc -aes-256-ctr -K "$key" -iv 0 -in /dev/zero 2>/dev/null ||
	    true; } | head -c $((16 << 20)) >"$d/churn/churn.bin"
}

rows=()
# --- tacit ---------------------------------------------------------------
t() { "$tacit" "$@" --passphrase-fd 3 3<"$d/pw"; }
t2() { "$tacit" "$@" --passphrase-fd 3 3<"$d/pw2"; }
say "tacit: a history of $snaps snapshots"
t init -q -r "$d/ts" $fast >/dev/null
i=1
while [ "$i" -le "$snaps" ]; do
	churn "$i"
	t backup -q -r "$d/ts" "$src" "$d/churn"
	i=$((i + 1))
done
for mode in plain shared; do
	if [ $mode = plain ]; then
		t2 init -q -r "$d/td.$mode" $fast >/dev/null
	else
		t2 init -q -r "$d/td.$mode" $fast --copy-chunker-from "$d/ts" \
		    --from-passphrase-fd 4 4<"$d/pw" >/dev/null
	fi
	say "tacit copy ($mode)"
	r=$(run "tacit.$mode" "$tacit" copy -q -r "$d/ts" --to "$d/td.$mode" \
	    --passphrase-fd 3 --to-passphrase-fd 4 3<"$d/pw" 4<"$d/pw2")
	n=$(t2 snapshots -r "$d/td.$mode" 2>/dev/null | grep -c '^[0-9a-f]\{8\} ' || true)
	size=$(mib "$d/td.$mode")
	added=$(t2 backup -r "$d/td.$mode" "$src" "$d/churn" --force --json \
	    2>/dev/null | sed -n 's/.*"added_stored":\([0-9]*\).*/\1/p')
	read -r w c m <<<"$r"
	rows+=("| tacit | $mode | $n | $w | $c | $m | $size | $(awk "BEGIN { printf \"%.1f\", ${added:-0} / 1048576 }") |")
done

# --- restic --------------------------------------------------------------
if has restic; then
	export RESTIC_PASSWORD_FILE=$d/pw
	say "restic: a history of $snaps snapshots"
	restic init -q -r "$d/rs" >/dev/null
	i=1
	while [ "$i" -le "$snaps" ]; do
		churn "$i"
		restic backup -q -r "$d/rs" "$src" "$d/churn" >/dev/null
		i=$((i + 1))
	done
	for mode in plain shared; do
		export RESTIC_PASSWORD_FILE=$d/pw2
		if [ $mode = plain ]; then
			restic init -q -r "$d/rd.$mode" >/dev/null
		else
			restic init -q -r "$d/rd.$mode" --from-repo "$d/rs" \
			    --from-password-file "$d/pw" --copy-chunker-params \
			    >/dev/null
		fi
		say "restic copy ($mode)"
		r=$(run "restic.$mode" restic -q -r "$d/rd.$mode" copy \
		    --from-repo "$d/rs" --from-password-file "$d/pw")
		n=$(restic -r "$d/rd.$mode" snapshots --json 2>/dev/null |
		    grep -o '"short_id"' | wc -l)
		size=$(mib "$d/rd.$mode")
		added=$(restic -r "$d/rd.$mode" backup --force --json "$src" \
		    "$d/churn" 2>/dev/null | grep '"message_type":"summary"' |
		    sed -n 's/.*"data_added":\([0-9]*\).*/\1/p')
		read -r w c m <<<"$r"
		rows+=("| restic | $mode | $n | $w | $c | $m | $size | $(awk "BEGIN { printf \"%.1f\", ${added:-0} / 1048576 }") |")
	done
fi

echo "A history of $snaps snapshots of \`$(basename "$src")\` (each with 16 MiB"
echo "of new random data beside it) copied into an empty repository;"
echo "\"shared\": DST made with \`init --copy-chunker-from\` (restic: \`init"
echo "--from-repo --copy-chunker-params\`). \"Backup after\": what a backup of"
echo "the same tree straight into DST then added (with shared parameters it"
echo "should be almost nothing). Wall and CPU seconds, peak RSS and DST's size"
echo "in MiB."
echo
echo "| tool | chunker | snapshots | wall s | CPU s | peak RSS MiB | DST MiB | backup after, MiB |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
for r in "${rows[@]}"; do
	echo "$r"
done
