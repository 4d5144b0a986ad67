#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Live tests against the running kernel, in the style of xdp-tools'
# test_runner.sh: the whole run happens in a private mount namespace, every
# test gets a fresh bpffs mounted on a temp dir, and asserts on what
# `bpftool -j` reports.  Prints PASS/FAIL/SKIP lines, each naming the
# kernel the test ran on:  PASS test_x [6.1.0-57-amd64]
#   tests/live/run.sh [TEST_NAME_FILTER]      the tests whose name contains it
#   tests/live/run.sh --only TEST_NAME...     exactly these tests
# Each test file runs in a shell process of its own, each test in a process
# group of its own under a time limit (LIVE_TIME_LIMIT, time_limit in lib.sh).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)

KERNEL_LABEL="[$(uname -r)]"
if [ "$(id -u)" != 0 ]; then
	echo "SKIP live $KERNEL_LABEL: needs root (BPF and mounts)"
	exit 0
fi
for tool in bpftool jq unshare; do
	if ! command -v $tool >/dev/null; then
		echo "SKIP live $KERNEL_LABEL: $tool not installed"
		exit 0
	fi
done
if [ -z "${BPFAPPLY_IN_NS:-}" ]; then
	BPFAPPLY_IN_NS=1 exec unshare -m --propagation private "$0" "$@"
fi

export BIN=${BIN:-$TOP/build/bpfapply}
export TOP
if [ ! -x "$BIN" ]; then
	echo "FAIL live $KERNEL_LABEL: $BIN not built"
	exit 0
fi
# shellcheck source=lib.sh
. "$HERE/lib.sh"
# Feature probe answers for this run (lib.sh).  A PROBE_DIR given from outside
# is used as it is: answers written there beforehand stand in for the kernel's
# ("no" in PROBE_DIR/tracing runs the suite as on a kernel without iterators).
if [ -z "${PROBE_DIR:-}" ]; then
	PROBE_DIR=$(mktemp -d /tmp/bpfapply-probes.XXXXXX)
	trap 'rm -rf "$PROBE_DIR"' EXIT
fi
export PROBE_DIR

filter=${1:-}
only=()
if [ "$filter" = --only ]; then
	shift
	only=("$@")
	filter=
fi
# Each file's tests in a shell process of their own (lib.sh).  The runner's
# own tests (tests/live/selftest.sh) point LIVE_TEST_DIR at files of theirs.
run_test_files "${LIVE_TEST_DIR:-$HERE}" "$filter" "${only[@]}"
exit 0
