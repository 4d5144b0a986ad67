#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs the test suites and prints one closing line:
#   N passed, N failed, N skipped
# Usage: tests/run.sh [all|unit|live|vm|schema|build|contrib|random]...   (default all)
#
# `all` runs the live tests twice: on the running kernel, then inside QEMU
# on each kernel of VM_KERNEL (default: Debian 12's own, which `make deps`
# downloads; `none` skips this), where it runs every live test the host
# skipped, the smoke set below and the tests named in VM_TESTS.  `vm` runs
# only the VM part: the smoke set, VM_TESTS and, after `live` (as in
# `tests/run.sh live vm`), what the host skipped.  Live result lines name the
# kernel: PASS test_x [6.1.0-57-amd64].  See tests/vm/run.sh.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
pass=0 fail=0 skip=0
failed_names=()
# Live tests the host skipped (a kernel feature it lacks): the VM runs them.
host_skipped=()
record_skips=

# Run on every VM kernel: maps, programs, wiring, convergence, an iterator, a
# batch update the kernel stops in the middle.
VM_SMOKE="test_maps_every_type test_maps_change_create_update_replace_delete
	test_programs_replaced_map_reloads_users test_wiring_tail_calls_follow_the_manifest
	test_convergence_interrupted_apply_is_announced
	test_convergence_destroy_after_an_interrupted_replace test_examples_xdp1
	test_iterators_map_elements_follow_the_map test_batch_refused_in_the_middle"

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
		SKIP\ *)
			skip=$((skip + 1))
			[ -n "$record_skips" ] && [[ "$line" == "SKIP test_"* ]] &&
				host_skipped+=("$(awk '{ print $2 }' <<< "$line")")
			;;
		esac
	done
}

run_live() {
	record_skips=1
	count_lines < <(tests/live/run.sh 2>&1)
	record_skips=
	# the runner's own tests: its files' isolation, its time limits
	count_lines < <(tests/live/selftest.sh 2>&1)
}

# The live tests inside QEMU, on each kernel of VM_KERNEL.
run_vm() {
	local k why kver names n rc start
	names=$(printf '%s\n' "${host_skipped[@]}" $VM_SMOKE ${VM_TESTS:-} | sort -u)
	n=$(wc -w <<< "$names")
	for k in ${VM_KERNEL:-default}; do
		if [ "$k" = none ]; then
			count_lines <<< "SKIP vm: VM_KERNEL=none"
			continue
		fi
		[ "$k" = default ] && k=
		if ! why=$(VM_KERNEL=$k tests/vm/run.sh --check); then
			count_lines <<< "SKIP vm${k:+ $k}: $why"
			continue
		fi
		kver=$(VM_KERNEL=$k tests/vm/run.sh --print-kernel)
		# One probe for every boot of this run.
		[ -n "${VM_ACCEL:-}" ] || VM_ACCEL=$(VM_KERNEL=$k tests/vm/run.sh --print-accel)
		export VM_ACCEL
		start=$SECONDS
		count_lines < <(VM_KERNEL=$k tests/vm/test.sh 2>&1)
		# A minute for each test under TCG is several times what they need;
		# and room for one test killed at its limit (lib.sh's 120 s, times
		# tests/vm/run.sh's LIVE_TIME_SCALE of 10 under TCG).
		count_lines < <(VM_KERNEL=$k VM_TIMEOUT=${VM_TIMEOUT:-$((n * 60 + 300 + 1200))} \
			tests/vm/run.sh ${BIN:+--env "BIN=$BIN"} -- tests/live/run.sh --only $names 2>&1
			rc=$?
			[ $rc -eq 0 ] || echo "FAIL vm_live [$kver]: the guest's run ended with status $rc")
		echo "vm [$kver]: $n live tests and the runner's own in $((SECONDS - start))s ($VM_ACCEL)"
	done
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

for what in "${@:-all}"; do
	case "$what" in
	all) run_unit; run_schema; run_build; run_contrib; run_live; run_vm; run_random ;;
	unit) run_unit ;;
	live) run_live ;;
	vm) run_vm ;;
	schema) run_schema ;;
	build) run_build ;;
	contrib) run_contrib ;;
	random) run_random ;;
	*) echo "usage: $0 [all|unit|live|vm|schema|build|contrib|random]..." >&2; exit 2 ;;
	esac
done

if [ ${#failed_names[@]} -gt 0 ]; then
	echo "failed:"
	printf '  %s\n' "${failed_names[@]}"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
