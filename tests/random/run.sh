#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The differential test (tests/random/difftest.py) on a private bpffs, in a
# private mount namespace.  Prints one PASS/FAIL line for the run.
#   tests/random/run.sh [SEED [STEPS]]     (default: seed 1, 60 steps)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
SEED=${1:-1}
STEPS=${2:-60}
name="random_seed_${SEED}_steps_${STEPS}"

if [ "$(id -u)" != 0 ]; then
	echo "SKIP $name: needs root (BPF and mounts)"
	exit 0
fi
for tool in bpftool unshare; do
	command -v $tool >/dev/null || { echo "SKIP $name: $tool not installed"; exit 0; }
done
# the first python3 that has PyYAML (Debian's python3-yaml is /usr/bin's)
PY=
for p in python3 /usr/bin/python3; do
	if command -v "$p" >/dev/null && "$p" -c 'import yaml' 2>/dev/null; then
		PY=$p
		break
	fi
done
[ -n "$PY" ] || { echo "SKIP $name: python3-yaml not installed"; exit 0; }
export PY
if [ -z "${BPFAPPLY_IN_NS:-}" ]; then
	BPFAPPLY_IN_NS=1 exec unshare -m --propagation private "$0" "$@"
fi
BIN=${BIN:-$TOP/build/bpfapply}
T=$(mktemp -d /tmp/bpfapply-random.XXXXXX)
mkdir -p "$T/bpffs"
if ! mount -t bpf bpf "$T/bpffs"; then
	echo "SKIP $name: cannot mount bpffs"
	rm -rf "$T"
	exit 0
fi
"$PY" "$HERE/difftest.py" --bin "$BIN" --root "$T/bpffs/root" --work "$T" \
	--object "$TOP/examples/bpf/tail_calls.bpf.o" --seed "$SEED" --steps "$STEPS" \
	--lock "${BPFAPPLY_LIVE_LOCK:-/run/lock/bpfapply-live.lock}" ${VERBOSE:+-v} > "$T/log" 2>&1
rc=$?
umount -l "$T/bpffs"
if [ $rc -eq 0 ]; then
	echo "PASS $name: $(tail -n 1 "$T/log")"
else
	echo "FAIL $name: $(grep -E 'DISAGREE|Traceback|Error' "$T/log" | head -n 20 | tr '\n' ' ' | head -c 4000) $(tail -n 1 "$T/log")"
fi
[ -n "${KEEP:-}" ] && cp "$T/log" "$KEEP"
rm -rf "$T"
