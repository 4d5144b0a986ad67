#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The VM runner's own tests: it boots the kernel, runs a command over the
# host's files, and hands back the command's output and exit status; a
# command that outlives its time is killed and reported as such.  Prints
# PASS/FAIL/SKIP lines naming the guest kernel.  Takes tests/vm/run.sh's
# environment (VM_KERNEL, VM_ACCEL, ...).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
cd "$TOP"
BUILD=${BUILD:-build}
VM="$HERE/run.sh"

if ! why=$("$VM" --check); then
	echo "SKIP test_vm_runner: $why"
	exit 0
fi
kver=$("$VM" --print-kernel)
label="[$kver]"
mkdir -p "$BUILD/vm"
dir=$(mktemp -d "$(cd "$BUILD/vm" && pwd)/test.XXXXXX")
trap 'rm -rf "$dir"' EXIT

# A file the guest can only know from the host's disk, and one it writes
# that must not reach the host (its / is an overlay on tmpfs).
token=$RANDOM.$$
echo "$token" > "$dir/token"

test_vm_runner_returns_status_and_output() {
	local out rc
	# shellcheck disable=SC2016
	out=$("$VM" --env "GREETING=hello there" -- sh -c '
		echo "kernel $(uname -r)"
		echo "token $(cat "$1/token")"
		echo "greeting $GREETING"
		echo "time scale $LIVE_TIME_SCALE"
		echo "pwd $(pwd)"
		echo to-stderr >&2
		[ -L /dev/fd ] && [ -e /dev/stdin ] && echo "dev ok"
		[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] && echo "cgroup2 ok"
		[ "$(stat -f -c %T /sys/fs/bpf)" = bpf_fs ] && echo "bpffs ok"
		mkdir -p /run/lock && : > /run/lock/x && echo "run ok"
		t=$(mktemp -d /tmp/vm-test.XXXXXX) && : > "$t/x" && echo "tmp ok"
		# a module the kernel loads on demand (dummy), from the shared tree
		ip link add vmtest0 type dummy && echo "modules ok"
		echo written > "$1/from-guest"
		exit 42' sh "$dir" 2>&1)
	rc=$?
	[ "$rc" = 42 ] || { echo "exit status $rc, expected 42; output: $out"; return 1; }
	local want scale=${VM_TIME_SCALE:-2}
	# the live tests' time limits grow with the guest's slowness
	[ -n "${VM_TIME_SCALE:-}" ] || [ "$("$VM" --print-accel)" != tcg ] || scale=10
	for want in "kernel $kver" "token $token" "greeting hello there" "time scale $scale" "pwd $TOP" \
		to-stderr "dev ok" "cgroup2 ok" "bpffs ok" "run ok" "tmp ok" \
		"modules ok"; do
		grep -qxF "$want" <<< "$out" || { echo "no line '$want' in: $out"; return 1; }
	done
	[ ! -e "$dir/from-guest" ] || { echo "the guest wrote to the host's disk"; return 1; }
}

test_vm_runner_kills_a_command_out_of_time() {
	local out rc start
	start=$SECONDS
	out=$("$VM" --timeout 3 -- sh -c 'echo started; sleep 600; echo not-killed' 2>&1)
	rc=$?
	[ "$rc" = 124 ] || { echo "exit status $rc, expected 124; output: $out"; return 1; }
	grep -qx started <<< "$out" || { echo "no output before the kill: $out"; return 1; }
	! grep -q not-killed <<< "$out" || { echo "the command was not killed"; return 1; }
	[ $((SECONDS - start)) -lt 300 ] || { echo "took $((SECONDS - start))s"; return 1; }
}

# A guest that never starts the command is booted once more, then given
# up on, and no qemu is left behind.
test_vm_runner_gives_up_on_a_guest_that_does_not_boot() {
	local out rc n
	out=$(VM_BOOT_TIMEOUT=1 "$VM" -- sh -c 'echo ran' 2>&1)
	rc=$?
	[ "$rc" = 125 ] || { echo "exit status $rc, expected 125; output: $out"; return 1; }
	n=$(grep -c 'did not start the command within 1s' <<< "$out")
	[ "$n" = 2 ] || { echo "$n boots, expected 2: $out"; return 1; }
	! grep -qx ran <<< "$out" || { echo "the command ran: $out"; return 1; }
	# this checkout's guests share directories named so (-virtfs ...,path=DIR)
	! pgrep -af -- "path=$(cd "$BUILD/vm" && pwd)/$kver/io\." ||
		{ echo "a qemu is still running"; return 1; }
}

for t in test_vm_runner_returns_status_and_output test_vm_runner_kills_a_command_out_of_time \
	test_vm_runner_gives_up_on_a_guest_that_does_not_boot; do
	if why=$($t); then
		echo "PASS $t $label"
	else
		echo "FAIL $t $label: $(tr '\n' ' ' <<< "$why" | head -c 1500)"
	fi
done
