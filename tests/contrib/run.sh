#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Tests of what contrib/ ships: the Ansible module, the systemd units'
# sandbox, the progress line, the Kubernetes example and the editor
# modelines.  Offline checks run as any user; the rest run like the live
# tests (tests/live/lib.sh): root, a private mount namespace, a fresh bpffs
# per test, assertions on what bpftool reports.  Prints PASS/FAIL/SKIP lines.
#   tests/contrib/run.sh [TEST_NAME_FILTER]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
export TOP
export BIN=${BIN:-$TOP/build/bpfapply}
filter=${1:-}

if [ -z "${BPFAPPLY_IN_NS:-}" ]; then
	# shellcheck source=offline.sh
	. "$HERE/offline.sh"
	for t in $(declare -F | awk '{print $3}' | grep '^offline_' | sort); do
		case $t in *"$filter"*) ;; *) continue ;; esac
		if out=$(cd "$TOP" && "$t" 2>&1); then
			echo "PASS contrib: $t"
		else
			echo "FAIL contrib: $t: $(printf '%s' "$out" | tail -5 | tr '\n' ' ' | head -c 1000)"
		fi
	done
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP contrib: needs root (BPF and mounts)"
		exit 0
	fi
	for tool in bpftool jq unshare; do
		if ! command -v $tool >/dev/null; then
			echo "SKIP contrib: $tool not installed"
			exit 0
		fi
	done
	BPFAPPLY_IN_NS=1 exec unshare -m --propagation private "$0" "$@"
fi

if [ ! -x "$BIN" ]; then
	echo "FAIL contrib: $BIN not built"
	exit 0
fi
# shellcheck source=../live/lib.sh
. "$TOP/tests/live/lib.sh"
# each file in a shell process of its own, each test under a time limit
run_test_files "$HERE" "$filter"
