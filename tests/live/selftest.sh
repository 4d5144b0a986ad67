#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The live runner's own tests: tests/live/run.sh runs fake test files of
# these tests' own (LIVE_TEST_DIR) and its result lines, and what it leaves
# on the host, are checked: each file keeps its own helpers, a test name in
# two files and a file replacing a lib.sh function are failures, and a test
# that hangs is killed at its time limit, with only what it started, and
# its cleanups run.  Prints PASS/FAIL/SKIP lines naming the kernel.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
LABEL="[$(uname -r)]"
if [ "$(id -u)" != 0 ]; then
	echo "SKIP runner $LABEL: needs root (BPF and mounts)"
	exit 0
fi
SELF=$(mktemp -d /tmp/bpfapply-selftest.XXXXXX)
export SELF
trap 'rm -rf "$SELF"' EXIT

# Runs the live runner on the test files in $SELF/$1: runner DIR [ARG...]
runner() {
	local dir=$SELF/$1
	shift
	# bounded (the fake tests sleep 1000 s): a runner that fails to kill a
	# test must not hang these tests; the rest is room for the host-wide lock
	LIVE_TEST_DIR=$dir timeout -k 5 600 "$HERE/run.sh" "$@" 2>&1
}

# The result line of test $2 in output $1 (exactly one), or fails.
line_of() { # output name
	local n
	n=$(grep -c "^[A-Z]* $2 " <<< "$1")
	[ "$n" = 1 ] || { echo "$n result lines for $2 in: $1"; return 1; }
	grep "^[A-Z]* $2 " <<< "$1"
}

expect_line() { # output name regex
	local l
	l=$(line_of "$1" "$2") || { echo "$l"; return 1; }
	grep -Eq -- "$3" <<< "$l" || { echo "expected /$3/, got: $l"; return 1; }
}

# A test's time from a LIVE_TIMES file (the time waiting for the host-wide
# lock is not in it).
took() { # file test
	local s
	s=$(awk -v t="$2" '$1 == t { print $2 }' "$1" 2> /dev/null)
	[ -n "$s" ] || { echo "no time for $2 in $1"; return 1; }
	echo "$s"
}

# Gone, or a zombie not yet reaped: no longer running.
gone() { # pid
	local _
	for _ in $(seq 1 50); do
		[ "$(ps -o stat= -p "$1" 2> /dev/null | cut -c1)" = Z ] && return 0
		kill -0 "$1" 2> /dev/null || return 0
		sleep 0.1
	done
	echo "process $1 ($(ps -o args= -p "$1")) still runs"
	return 1
}

# Two files with a helper, a variable and a test name prefix in common:
# each test sees its own file's.
test_runner_files_keep_their_own_helpers() {
	local out f
	mkdir -p "$SELF/own"
	for f in a b; do
		cat > "$SELF/own/test_$f.sh" <<EOF
WHO=$f
helper() { echo $f; }
test_own_$f() { [ "\$(helper)\$WHO" = $f$f ] || fail "file $f sees helper \$(helper), WHO \$WHO"; }
EOF
	done
	out=$(runner own)
	expect_line "$out" test_own_a "^PASS test_own_a \[" || return 1
	expect_line "$out" test_own_b "^PASS test_own_b \[" || return 1
	# and a filter still selects across files
	out=$(runner own own_b)
	expect_line "$out" test_own_b "^PASS " || return 1
	! grep -q test_own_a <<< "$out" || { echo "the filter ran test_own_a: $out"; return 1; }
}

# A test name defined in two files runs in neither; a file that replaces a
# function of lib.sh, a time_limit for no test, an unknown --only name: FAIL.
test_runner_refuses_ambiguous_files() {
	local out
	mkdir -p "$SELF/dup"
	cat > "$SELF/dup/test_a.sh" <<'EOF'
test_dup() { :; }
test_dup_a() { :; }
EOF
	cat > "$SELF/dup/test_b.sh" <<'EOF'
test_dup() { :; }
fail() { :; }
time_limit test_dup_nothing 5
EOF
	out=$(runner dup)
	expect_line "$out" test_dup "^FAIL test_dup \[.*\]: defined in both test_a.sh and test_b.sh$" || return 1
	expect_line "$out" test_dup_a "^PASS " || return 1
	grep -q "^FAIL test_b.sh .*: replaces lib.sh's fail$" <<< "$out" || { echo "no redefinition failure: $out"; return 1; }
	grep -q "^FAIL test_b.sh .*: time_limit for test_dup_nothing, which is no test of this file$" <<< "$out" ||
		{ echo "no time_limit failure: $out"; return 1; }
	out=$(runner dup --only test_dup_a test_nothing)
	expect_line "$out" test_nothing "^FAIL test_nothing \[.*\]: no such live test$" || return 1
	expect_line "$out" test_dup_a "^PASS " || return 1
}

# A hanging test is killed at its limit with everything it started (even
# what ignores SIGTERM), and nothing else; its EXIT trap and deferred
# cleanups run (a network namespace it made is deleted); the next test of
# its file still runs.
test_runner_kills_a_hanging_test() {
	local out took bystander ns=bpfa-selftest-$$ p
	mkdir -p "$SELF/hang"
	cat > "$SELF/hang/test_h.sh" <<EOF
time_limit test_h_hangs 2
test_h_hangs() {
	ip netns add $ns
	defer ip netns del $ns
	defer touch "\$SELF/deferred"
	trap 'touch "\$SELF/trapped"' EXIT
	sleep 1000 &
	echo \$! > "\$SELF/child"
	(trap '' TERM; exec sleep 1001) &
	echo \$! > "\$SELF/stubborn"
	echo started
	sleep 1002
}
test_h_next() { :; }
EOF
	sleep 1003 > /dev/null 2>&1 &
	bystander=$!
	out=$(LIVE_KILL_GRACE=30 LIVE_TIMES=$SELF/hang.times runner hang)
	kill -0 "$bystander" 2> /dev/null || { echo "a process the test did not start was killed"; return 1; }
	kill "$bystander"
	expect_line "$out" test_h_hangs "^FAIL test_h_hangs \[.*\]: timed out after 2 s: .*started" || return 1
	expect_line "$out" test_h_next "^PASS " || return 1
	# SIGTERM ended the test's shell: no need to wait for the grace period
	took=$(took "$SELF/hang.times" test_h_hangs) || { echo "$took"; return 1; }
	[ "$took" -lt 25 ] || { echo "took ${took}s"; return 1; }
	for p in "$(cat "$SELF/child")" "$(cat "$SELF/stubborn")"; do
		gone "$p" || return 1
	done
	[ -e "$SELF/trapped" ] || { echo "the test's EXIT trap did not run"; return 1; }
	[ -e "$SELF/deferred" ] || { echo "the deferred cleanup did not run"; return 1; }
	! ip netns list | grep -qw "$ns" || { ip netns del "$ns"; echo "netns $ns left behind"; return 1; }
}

# The runner itself interrupted (timeout(1) sends SIGTERM to its process
# group): the test it was running goes too, with its cleanups.
test_runner_interrupted_ends_its_test() {
	mkdir -p "$SELF/stop"
	cat > "$SELF/stop/test_s.sh" <<'EOF'
test_s_hangs() {
	defer touch "$SELF/stop-deferred"
	sleep 1004 &
	echo $! > "$SELF/stop-child"
	sleep 1005
}
EOF
	# (a lock of its own: 5 s are for the test, not for waiting for the host-wide lock)
	BPFAPPLY_LIVE_LOCK=$SELF/lock LIVE_TEST_DIR=$SELF/stop timeout 5 "$HERE/run.sh" > /dev/null 2>&1
	[ -s "$SELF/stop-child" ] || { echo "the test did not start"; return 1; }
	gone "$(cat "$SELF/stop-child")" || return 1
	[ -e "$SELF/stop-deferred" ] || { echo "the deferred cleanup did not run"; return 1; }
}

# A test that ignores SIGTERM gets SIGKILL after LIVE_KILL_GRACE seconds.
# Limits: LIVE_TIME_LIMIT is the default, time_limit a test's own, both
# times LIVE_TIME_SCALE.
test_runner_time_limits() {
	local out took
	mkdir -p "$SELF/limits"
	cat > "$SELF/limits/test_l.sh" <<'EOF'
time_limit test_l_deaf 1
test_l_deaf() {
	defer touch "$SELF/deaf-deferred"
	trap '' TERM
	sleep 1000
}
test_l_default() { sleep 1000; }
test_l_quick() { sleep 1; }
EOF
	out=$(LIVE_TIME_LIMIT=2 LIVE_TIME_SCALE=2 LIVE_KILL_GRACE=3 LIVE_TIMES=$SELF/limits.times runner limits)
	expect_line "$out" test_l_deaf "^FAIL test_l_deaf \[.*\]: timed out after 2 s" || return 1
	expect_line "$out" test_l_default "^FAIL test_l_default \[.*\]: timed out after 4 s" || return 1
	expect_line "$out" test_l_quick "^PASS " || return 1
	[ -e "$SELF/deaf-deferred" ] || { echo "the deferred cleanup did not run"; return 1; }
	# the limit, then the grace period, then SIGKILL
	took=$(took "$SELF/limits.times" test_l_deaf) || { echo "$took"; return 1; }
	if [ "$took" -lt 5 ] || [ "$took" -ge 30 ]; then
		echo "test_l_deaf took ${took}s"
		return 1
	fi
	took=$(took "$SELF/limits.times" test_l_default) || { echo "$took"; return 1; }
	if [ "$took" -lt 4 ] || [ "$took" -ge 30 ]; then
		echo "test_l_default took ${took}s"
		return 1
	fi
}

for t in test_runner_files_keep_their_own_helpers test_runner_refuses_ambiguous_files \
	test_runner_kills_a_hanging_test test_runner_interrupted_ends_its_test test_runner_time_limits; do
	if why=$($t); then
		echo "PASS ${t#test_} $LABEL"
	else
		echo "FAIL ${t#test_} $LABEL: $(tr '\n' ' ' <<< "$why" | head -c 1500)"
	fi
done
