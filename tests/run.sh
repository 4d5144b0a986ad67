#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs the test suites and prints one closing line:
#   N passed, N failed, N skipped
# Usage: tests/run.sh [all|unit|live|schema|build|contrib|random]   (default all)
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
what=${1:-all}
pass=0 fail=0 skip=0
failed_names=()

run_unit() {
	local bin out p f
	for bin in "$BUILD"/tests/test_*; do
		[ -x "$bin" ] || continue
		out=$(CMOCKA_MESSAGE_OUTPUT=stdout "$bin" 2>&1)
		local rc=$?
		printf '%s\n' "$out" | grep -E '^\[ +(OK|FAILED|SKIPPED|ERROR) +\]' | grep -v 'test(s)' | sed "s|^|$(basename "$bin"): |"
		p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p')
		f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:/\1/p')
		s=$(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \([0-9]*\) test(s), listed below:/\1/p')
		pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0})); skip=$((skip + ${s:-0}))
		if [ $rc -ne 0 ] && [ -z "$f" ]; then
			echo "$(basename "$bin"): crashed (exit $rc)"
			printf '%s\n' "$out" | tail -20
			fail=$((fail + 1))
		fi
		[ $rc -ne 0 ] && failed_names+=("$(basename "$bin")")
	done
}

# Live and schema suites print "PASS name", "FAIL name: why", "SKIP name: why".
count_lines() {
	local line
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case "$line" in
		PASS\ *) pass=$((pass + 1)) ;;
		FAIL\ *) fail=$((fail + 1)); failed_names+=("${line#FAIL }") ;;
		SKIP\ *) skip=$((skip + 1)) ;;
		esac
	done
}

run_live() {
	count_lines < <(tests/live/run.sh 2>&1)
}

run_schema() {
	count_lines < <(tests/schema/run.sh 2>&1)
}

# The differential test, bounded and with a fixed seed (make check-random for more).
run_random() {
	count_lines < <(tests/random/run.sh "${RANDOM_SEED:-1}" "${RANDOM_STEPS:-600}" 2>&1)
}

run_build() {
	count_lines < <(tests/build/run.sh 2>&1)
}

run_contrib() {
	count_lines < <(tests/contrib/run.sh 2>&1)
}

case "$what" in
all) run_unit; run_schema; run_build; run_contrib; run_live; run_random ;;
unit) run_unit ;;
live) run_live ;;
schema) run_schema ;;
build) run_build ;;
contrib) run_contrib ;;
random) run_random ;;
*) echo "usage: $0 [all|unit|live|schema|build|contrib|random]" >&2; exit 2 ;;
esac

if [ ${#failed_names[@]} -gt 0 ]; then
	echo "failed:"
	printf '  %s\n' "${failed_names[@]}"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
