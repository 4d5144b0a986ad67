#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Live tests against the running kernel, in the style of xdp-tools'
# test_runner.sh: the whole run happens in a private mount namespace, every
# test gets a fresh bpffs mounted on a temp dir, and asserts on what
# `bpftool -j` reports.  Prints PASS/FAIL/SKIP lines.
#   tests/live/run.sh [TEST_NAME_FILTER]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)

if [ "$(id -u)" != 0 ]; then
	echo "SKIP live: needs root (BPF and mounts)"
	exit 0
fi
for tool in bpftool jq unshare; do
	if ! command -v $tool >/dev/null; then
		echo "SKIP live: $tool not installed"
		exit 0
	fi
done
if [ -z "${BPFAPPLY_IN_NS:-}" ]; then
	BPFAPPLY_IN_NS=1 exec unshare -m --propagation private "$0" "$@"
fi

export BIN=${BIN:-$TOP/build/bpfapply}
export TOP
if [ ! -x "$BIN" ]; then
	echo "FAIL live: $BIN not built"
	exit 0
fi
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
for f in "$HERE"/test_*.sh; do
	# each file defines test_* functions
	. "$f"
done
for t in $(declare -F | awk '{print $3}' | grep '^test_' | sort); do
	[ -n "$filter" ] && [[ "$t" != *"$filter"* ]] && continue
	run_one "$t"
done
exit 0
