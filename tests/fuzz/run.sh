#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Run one libFuzzer target for a while on a scratch copy of its seed corpus,
# so that the committed corpus does not grow.  Called by fuzz.mk (make fuzz).
#
#   run.sh NAME BINARY CORPUS_DIR MAX_LEN SECONDS OUT_DIR [DICT]
#
# Findings (crash-*, leak-*, timeout-*, oom-*) are written to OUT_DIR/NAME/,
# the log to OUT_DIR/NAME.log.  Exits non-zero if the fuzzer found anything.
# FUZZ_TIMEOUT (seconds per input, default 10), FUZZ_RSS_MB (default 2048)
# and FUZZ_ARGS (more libFuzzer flags) are read from the environment.
set -eu

name=$1 bin=$2 corpus=$3 max_len=$4 seconds=$5 out=$6 dict=${7:-}

art="$out/$name"
log="$out/$name.log"
mkdir -p "$art"
work=$(mktemp -d "${TMPDIR:-/tmp}/bpfapply-corpus-$name.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
mkdir "$work/corpus"
cp "$corpus"/* "$work/corpus/"
touch "$work/stamp"

# UB is an error, not a warning; leaks are reported (libFuzzer's default).
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"

set -- -max_total_time="$seconds" -max_len="$max_len" \
	-timeout="${FUZZ_TIMEOUT:-10}" -rss_limit_mb="${FUZZ_RSS_MB:-2048}" \
	-artifact_prefix="$art/" -print_final_stats=1
[ -n "$dict" ] && set -- "$@" -dict="$dict"
# shellcheck disable=SC2086 # FUZZ_ARGS is a list of flags
set -- "$@" ${FUZZ_ARGS:-}

printf '  FUZZ    %s for %ss (log: %s)\n' "$name" "$seconds" "$log"
rc=0
"$bin" "$@" "$work/corpus" >"$log" 2>&1 || rc=$?

# the last status line: executions, coverage, corpus
grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$log" | tail -n 1 | sed 's/^/          /' || true
grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" |
	sed 's/^/          /' || true

found=$(find "$art" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o \
	-name 'timeout-*' -o -name 'oom-*' \) -newer "$work/stamp" | sort)
if [ "$rc" -ne 0 ] || [ -n "$found" ]; then
	echo "fuzz: $name FAILED (exit $rc); see $log" >&2
	grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|fuzz_state:|    #[0-9] )' "$log" |
		head -n 30 >&2 || true
	for f in $found; do
		echo "fuzz: reproduce with: $bin $f" >&2
	done
	exit 1
fi
echo "          $name: no findings"
