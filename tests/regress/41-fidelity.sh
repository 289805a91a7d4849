#!/bin/sh
# 41-fidelity.sh: what a file holds comes back, or the user is told
# (issue 14, fidelity).  A procfs file whose stat size is 0 is read to its
# end; a sysfs file (stat size 4096, shorter content) is stored, listed
# and restored at the size read, flagged short, with a warning and exit
# 0; a file truncated while it is read (a fanotify listener truncates it
# when the worker opens it: root only) is stored and restored at the size
# read, flagged changed and short, exit 3; and as root, trusted.* xattrs
# are backed up and restored.
. "$(dirname "$0")/lib.sh"

R=$T/repo D=$T/dst
mkrepo "$R" || notok "setup: init"
root=; [ "$(id -u)" = 0 ] && root=1

# rfile SNAPDIR NAME: the restored file NAME under $D (one source each).
rfile() { find "$D" -name "$1" -type f | head -n 1; }

# --- a procfs file: stat size 0, content to its end ----------------------
P=/proc/sys/kernel/ostype
if [ -r "$P" ] && [ "$(stat -c %s "$P")" -eq 0 ] && [ -n "$(cat "$P")" ]; then
	cat "$P" >"$T/ostype.want"
	xcode 0 "procfs: backup of $P (stat size 0) exits 0" \
	    tp backup -r "$R" "$P"
	rm -rf "$D"
	xcode 0 "procfs: restore exits 0" tp restore -r "$R" latest \
	    --target "$D"
	got=$(rfile ostype)
	if [ -n "$got" ] && cmp -s "$got" "$T/ostype.want"; then
		ok "procfs: restored content and size are what cat gives" \
		    "($(fsize "$got") bytes)"
	else
		notok "procfs: restored $P differs from cat"
		[ -n "$got" ] && od -c "$got" | head -n 3 | sed 's/^/#   /'
	fi
else
	ok "# SKIP no readable $P with stat size 0 here"
fi

# --- a sysfs file: stat size 4096, content shorter -----------------------
S=
for f in /sys/kernel/mm/transparent_hugepage/enabled \
    /sys/kernel/mm/transparent_hugepage/defrag /sys/kernel/profiling \
    /sys/kernel/mm/ksm/run /sys/power/state /sys/kernel/kexec_loaded; do
	if [ -r "$f" ] && [ "$(stat -c %s "$f")" -eq 4096 ] &&
	    n=$(wc -c <"$f" 2>/dev/null) && [ "$n" -gt 0 ] &&
	    [ "$n" -lt 4096 ]; then
		S=$f
		break
	fi
done
if [ -n "$S" ]; then
	b=$(basename "$S")
	# The first read of a sysfs attribute after boot can set its times
	# (kernfs): a backup then flags it changed.  Warm it up first.
	tp backup -q -r "$R" "$S" >/dev/null 2>&1
	cat "$S" >"$T/sys.want"
	xcode 0 "sysfs: backup of $S (stat size 4096) exits 0" \
	    tp backup -r "$R" "$S"
	grep -q "$b: $(fsize "$T/sys.want") bytes to its end, not the 4096" \
	    "$T/.out" && ok "sysfs: a warning names the file and both sizes" ||
	    { notok "sysfs: no warning names the file"; sed 's/^/#   /' "$T/.out"; }
	tp ls -r "$R" latest >"$T/ls" 2>&1
	grep -q " $(fsize "$T/sys.want") .*/$b  (shorter than its stat size)$" \
	    "$T/ls" && ok "sysfs: ls shows the size read and the short flag" ||
	    { notok "sysfs: ls shows the size read and the flag"; sed 's/^/#   /' "$T/ls"; }
	tp ls --json -r "$R" latest >"$T/ls" 2>&1
	grep -q "\"size\":$(fsize "$T/sys.want"),.*\"short\":true" "$T/ls" &&
	    ok "sysfs: ls --json carries the size read and \"short\":true" ||
	    { notok "sysfs: ls --json"; sed 's/^/#   /' "$T/ls"; }
	rm -rf "$D"
	xcode 0 "sysfs: restore exits 0" tp restore -r "$R" latest \
	    --target "$D"
	got=$(rfile "$b")
	if [ -n "$got" ] && cmp -s "$got" "$T/sys.want"; then
		ok "sysfs: restored content and size are what cat gives" \
		    "($(fsize "$got") bytes, not 4096)"
	else
		notok "sysfs: restored $S differs from cat"
		[ -n "$got" ] && ls -l "$got" | sed 's/^/#   /'
	fi
else
	ok "# SKIP no readable sysfs file with stat size 4096 here"
fi

# --- truncated while read (fanotify: root) -------------------------------
# The listener (fan_listen, lib.sh) truncates each marked file to half its
# size the first time the worker opens it (open_entry), then lets the open
# go on.  A small file (read whole into the batch) and a large one (cut
# into chunks).
if [ -z "$root" ]; then
	ok "# SKIP truncated while read: fanotify permission events need root"
else
	F=$T/tsrc
	mkdir -p "$F"
	head -c 3000 /dev/urandom >"$F/small"
	head -c 6291456 /dev/urandom >"$F/large"
	if ! fan_listen half "$F/small" "$F/large"; then
		ok "# SKIP truncated while read: $(cat "$T/listen")"
	else
		xcode 3 "truncated while read: backup exits 3" \
		    tp backup -r "$R" "$F"
		fan_stop
		for n in small large; do
			grep -q "tsrc/$n: changed while it was read" "$T/.out" &&
			    ok "truncated while read ($n): named" ||
			    { notok "truncated while read ($n): not named"; sed 's/^/#   /' "$T/.out"; }
		done
		tp ls -r "$R" latest >"$T/ls" 2>&1
		for n in small large; do
			grep -q " $(fsize "$F/$n") .*/tsrc/$n  (changed while read)  (shorter than its stat size)$" \
			    "$T/ls" && ok "truncated while read ($n): ls shows the size read and both flags" ||
			    { notok "truncated while read ($n): ls"; sed 's/^/#   /' "$T/ls"; }
		done
		rm -rf "$D"
		xcode 0 "truncated while read: restore exits 0" \
		    tp restore -r "$R" latest --target "$D"
		for n in small large; do
			got=$(find "$D" -path "*/tsrc/$n" -type f)
			if [ -n "$got" ] && cmp -s "$got" "$F/$n"; then
				ok "truncated while read ($n): restored at the size read ($(fsize "$got") bytes), no padding"
			else
				notok "truncated while read ($n): restored differs from the truncated file"
				[ -n "$got" ] && ls -l "$got" "$F/$n" | sed 's/^/#   /'
			fi
		done
	fi
fi

# --- grown while read, from size 0 (fanotify: root) ------------------------
# Only procfs and sysfs files are read to their end when their size says
# 0: an ordinary file empty at lstat that grows as it is opened (the
# listener makes it 100 KB long with truncate(2): opening it would wait on
# its own permission event) is stored at the size lstat gave and flagged
# changed, not chased (up to 1 TiB) as a procfs file would be.
if [ -z "$root" ]; then
	ok "# SKIP grown while read: fanotify permission events need root"
else
	F=$T/gsrc
	mkdir -p "$F"
	: >"$F/grows"
	if ! fan_listen 100000 "$F/grows"; then
		ok "# SKIP grown while read: $(cat "$T/listen")"
	else
		xcode 3 "grown while read: backup exits 3" tp backup -r "$R" "$F"
		fan_stop
		tp ls -r "$R" latest >"$T/ls" 2>&1
		if grep -q " 0 .*/gsrc/grows  (changed while read)$" "$T/ls"; then
			ok "grown while read: stored at its lstat size (0) and flagged, not read on"
		else notok "grown while read: ls"; sed 's/^/#   /' "$T/ls"; fi
	fi
fi

# --- trusted.* xattrs (root) ---------------------------------------------
if [ -z "$root" ]; then
	ok "# SKIP trusted.* xattrs: only root may read or set them"
elif ! { mkdir -p "$T/xsrc" && printf x >"$T/xsrc/f" &&
    setfattr -n trusted.tacit -v secret-value "$T/xsrc/f" 2>/dev/null &&
    setfattr -n trusted.dir -v 0x00ff "$T/xsrc" 2>/dev/null; }; then
	ok "# SKIP trusted.* xattrs: this file system refuses them"
else
	xcode 0 "trusted.*: backup exits 0" tp backup -r "$R" "$T/xsrc"
	rm -rf "$D"
	xcode 0 "trusted.*: restore exits 0" tp restore -r "$R" latest \
	    --target "$D"
	got=$(find "$D" -path '*/xsrc/f' -type f)
	v=$( [ -n "$got" ] && getfattr --only-values -n trusted.tacit "$got" 2>/dev/null)
	[ "$v" = secret-value ] &&
	    ok "trusted.*: a file's trusted.tacit comes back" ||
	    notok "trusted.*: a file's trusted.tacit is lost (got '$v')"
	v=$( [ -n "$got" ] && getfattr -e hex -n trusted.dir \
	    "$(dirname "$got")" 2>/dev/null | grep '^trusted.dir=')
	[ "$v" = trusted.dir=0x00ff ] &&
	    ok "trusted.*: a directory's trusted.dir comes back" ||
	    notok "trusted.*: a directory's trusted.dir is lost (got '$v')"
fi
rm -rf "$T"
