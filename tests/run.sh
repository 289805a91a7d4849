#!/bin/sh
# tests/run.sh [unit|sandbox|regress|footprint|all]: run tacit's tests and print one summary
# line, "N passed, N failed"; exit non-zero if anything failed.
#
# Each test program (tests/unit/test_*.c, built into $UNITDIR) and each
# script (tests/regress/NN-name.sh) prints one line per case: "ok - what"
# or "not ok - what".  A program that exits non-zero without a "not ok" line
# counts as one failure; each program's wall time is printed beside its
# result (CI must stay under 30 minutes).  $WRAP (e.g. valgrind) prefixes the unit programs.
#
# Environment: TACIT (the binary), UNITDIR, TOOLDIR (test-only tools such
# as forge), CONF (build configuration), LONG (1: the long crash tests),
# ONLY (names of regress scripts, e.g. "08-cli 10-roundtrip": run just
# those of tests/regress; CI's dynamic pass, .ci/run).
set -u
what=${1:-all}
top=$(cd "$(dirname "$0")/.." && pwd)
: "${CONF:=release}"
: "${WRAP:=}"
mkdir -p "$top/build/$CONF"
TESTTMP=$(mktemp -d "$top/build/$CONF/testtmp.XXXXXX")
export TESTTMP
pass=0
fail=0
skip=0

run_one() {	# name, command...
	name=$1
	shift
	log=$TESTTMP/log.$$
	t0=$(date +%s)
	"$@" >"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - t0 ))
	p=$(grep '^ok ' "$log" | grep -vc '# SKIP')
	s=$(grep -c '^ok .*# SKIP' "$log")
	f=$(grep -c '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name exited with status $rc" >>"$log"
	fi
	pass=$((pass + p))
	skip=$((skip + s))
	fail=$((fail + f))
	if [ "$f" -ne 0 ]; then
		echo "FAIL $name ($p passed, $f failed, $secs s):"
		sed 's/^/    /' "$log"
	else
		echo "PASS $name ($p cases, $secs s)"
		grep '^ok .*# SKIP' "$log" | sed 's/^/    /'
	fi
	rm -f "$log"
}

if [ "$what" = unit ] || [ "$what" = all ]; then
	for t in "$UNITDIR"/test_*; do
		[ -x "$t" ] || continue
		run_one "unit/$(basename "$t")" $WRAP "$t"
	done
fi
if [ "$what" = sandbox ] || [ "$what" = all ]; then
	for t in "$(dirname "$UNITDIR")"/sandbox/*; do
		[ -x "$t" ] || continue
		d=$(mktemp -d "$TESTTMP/sandbox.XXXXXX")
		run_one "sandbox/$(basename "$t")" "$t" "$d"
	done
fi
if [ "$what" = regress ] || [ "$what" = footprint ] || [ "$what" = all ]; then
	: "${TACIT:?TACIT must name the tacit binary}"
	export TACIT
	TOOLDIR=${TOOLDIR:-$(dirname "$UNITDIR")/tools}
	export TOOLDIR
	[ "$what" = footprint ] ||
	for t in "$top"/tests/regress/[0-9]*.sh; do
		case " ${ONLY:-$(basename "$t" .sh)} " in
		*" $(basename "$t" .sh) "*) ;;
		*) continue;;
		esac
		run_one "regress/$(basename "$t")" sh "$t"
	done
	[ "$what" = regress ] ||
	for t in "$top"/tests/footprint/[0-9]*.sh; do
		run_one "footprint/$(basename "$t")" sh "$t"
	done
fi
# Keep the scratch of a failed run for inspection.
[ "$fail" -eq 0 ] && rm -rf "$TESTTMP"
[ "$skip" -eq 0 ] || echo "$skip skipped (each says why above)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
