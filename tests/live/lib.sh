# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Helpers for the live tests.  Sourced by run.sh inside a private mount
# namespace.  A test is a function test_NAME run in a process group of its
# own, under a time limit (see time_limit), with:
#   $T      a fresh temp dir (removed afterwards)
#   $BPFFS  a fresh bpffs mounted at $T/bpffs
#   $ROOT   $BPFFS/root, the --root given to every bpfapply call
# It fails by calling fail (or any command under `set -e` failing) and may
# call skip.  What it must undo outside $T (a network namespace, a cgroup)
# it hands to defer.  Maps and programs are counted before and after each
# test: a test that leaks kernel objects fails.

# Result lines name the kernel: PASS test_x [6.1.0-57-amd64]
KERNEL_LABEL=${KERNEL_LABEL:-[$(uname -r)]}

ba() { "$BIN" --root "$ROOT" --no-color "$@"; }

fail() { echo "$*" >&2; exit 1; }
skip() { echo "$*" > "$T/.skip"; exit 0; }

assert_eq() { # actual expected what
	[ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
}

# Expect a command's exit code: expect_rc CODE cmd...
expect_rc() {
	local want=$1 rc
	shift
	"$@" > "$T/.out" 2> "$T/.err" && rc=0 || rc=$?
	[ "$rc" = "$want" ] || fail "'$*' exited $rc, expected $want; stderr: $(head -c 600 "$T/.err"); stdout: $(head -c 600 "$T/.out")"
}

# Map attributes straight from the kernel.
map_show() { bpftool -j map show pinned "$1"; }
map_field() { map_show "$1" | jq -r ".$2"; }
map_id() { map_field "$1" id; }
# Value of a key (bpftool DATA syntax) as lower-case hex bytes "0f ff ..".
map_lookup_hex() { # pin key... -> value bytes; per-CPU: value of cpu 0
	local pin=$1
	shift
	bpftool -j map lookup pinned "$pin" key "$@" |
		jq -r 'if .values then .values[0].value else .value end | map(ltrimstr("0x")) | join(" ")'
}
le32_hex() { printf '%02x %02x %02x %02x' $(($1 & 255)) $((($1 >> 8) & 255)) $((($1 >> 16) & 255)) $((($1 >> 24) & 255)); }
map_count_entries() { bpftool -j map dump pinned "$1" | jq 'length'; }

count_objects() { # "maps progs"
	local m p
	m=$(bpftool -j map show 2>/dev/null | jq 'length')
	p=$(bpftool -j prog show 2>/dev/null | jq 'length')
	echo "$m $p"
}

# The kernel frees unpinned objects after an RCU grace period: wait until
# there are no more maps and programs than expected (fewer is fine: objects
# replaced before the count was taken may still have been on their way out).
# Up to 20 s: on a busy host the million-entry test once still counted its
# map 5 s after it ended.
wait_objects() { # expected "maps progs"
	local _ now want_m want_p m p
	read -r want_m want_p <<< "$1"
	for _ in $(seq 1 100); do
		now=$(count_objects)
		read -r m p <<< "$now"
		[ "$m" -le "$want_m" ] && [ "$p" -le "$want_p" ] && return 0
		sleep 0.2
	done
	echo "$now"
	return 1
}

# ---- kernel feature probes ---------------------------------------------------
# As xdp-tools' skip_if_missing_*: before a test needs a kernel feature, ask
# the running kernel -- with bpftool, not bpfapply -- and SKIP with its answer
# when it lacks the feature.  A kernel version number is never consulted.
# Answers are cached for the whole run in $PROBE_DIR (set by run.sh).

# probe_loads NAME OBJ: does this kernel load every program of OBJ?  Only the
# kernel refusing a load counts as "no": any other failure of the probe is the
# harness's own and fails the test rather than hiding it behind a SKIP.
probe_loads() {
	local name=$1 obj=$2 pin
	if [ ! -f "$PROBE_DIR/$name" ]; then
		pin=$BPFFS/probe_$name # bpffs refuses names with dots
		if bpftool prog loadall "$obj" "$pin" > "$PROBE_DIR/$name.log" 2>&1; then
			echo yes > "$PROBE_DIR/$name"
		elif grep -q 'load failed\|failed to load object' "$PROBE_DIR/$name.log"; then
			# keep the kernel's word: libbpf's line naming the refused load
			{ grep 'load failed' "$PROBE_DIR/$name.log" || tail -1 "$PROBE_DIR/$name.log"; } |
				tail -1 | sed -e 's/^libbpf: //' -e 's/^Error: //' > "$PROBE_DIR/$name.why"
			echo no > "$PROBE_DIR/$name"
		else
			rm -rf "$pin"
			fail "probe $name: bpftool prog loadall $obj failed: $(tail -3 "$PROBE_DIR/$name.log")"
		fi
		rm -rf "$pin"
	fi
	[ "$(cat "$PROBE_DIR/$name")" = yes ]
}
probe_why() { cat "$PROBE_DIR/$1.why" 2>/dev/null; }

# Does the kernel's own BTF give union bpf_iter_link_info a member MEMBER
# (the iterator parameter blocks: map, cgroup, task)?
probe_iter_param() {
	local member=$1
	if [ ! -f "$PROBE_DIR/param-$member" ]; then
		if bpftool btf dump file /sys/kernel/btf/vmlinux format raw 2>/dev/null |
			awk -v m="'$member'" '
				/^\[[0-9]+\] / { inside = ($2 == "UNION" && $3 == "\047bpf_iter_link_info\047") }
				inside && $1 == m { found = 1 }
				END { exit !found }'; then
			echo yes > "$PROBE_DIR/param-$member"
		else
			echo no > "$PROBE_DIR/param-$member"
		fi
	fi
	[ "$(cat "$PROBE_DIR/param-$member")" = yes ]
}

# Iterators are tracing programs: probe with the smallest one (iter/task).
has_tracing() { probe_loads tracing "$TOP/examples/bpf/iter_task.bpf.o"; }
skip_if_missing_tracing() {
	has_tracing || skip "this kernel refuses tracing programs (iterators): $(probe_why tracing)"
}
# skip_if_missing_iter_target NAME OBJ: an iterator target (iter/NAME) the
# kernel may not have, probed by loading the test's own program for it.
skip_if_missing_iter_target() {
	skip_if_missing_tracing
	probe_loads "iter-$1" "$2" ||
		skip "this kernel has no iter/$1 iterator target: $(probe_why "iter-$1")"
}
skip_if_missing_iter_param() { # map | task | cgroup
	skip_if_missing_tracing
	probe_iter_param "$1" ||
		skip "this kernel's iterators take no $1 parameter (bpf_iter_link_info has no '$1' in its BTF)"
}

manifest() { # file: writes stdin to it
	mkdir -p "$(dirname "$1")"
	cat > "$1"
}

# ---- running one test ------------------------------------------------------

# A test's time limit: LIVE_TIME_LIMIT seconds (default 120), or what its
# file sets at its top level with `time_limit test_NAME SECONDS` (for the
# known slow ones), times LIVE_TIME_SCALE (default 1; tests/vm/run.sh sets
# it for a guest's slower CPU).  A test past its limit gets SIGTERM, its
# whole process group (its EXIT traps run), and LIVE_KILL_GRACE seconds
# (default 10) later SIGKILL; it is reported as FAIL "timed out after N s".
declare -gA LIVE_TIME_LIMITS=()
time_limit() { # test_NAME seconds
	[[ "$2" =~ ^[1-9][0-9]*$ ]] || { echo "time_limit $1: '$2' is not a number of seconds" >&2; return 1; }
	LIVE_TIME_LIMITS[$1]=$2
}
live_time_limit() { # test_NAME -> seconds, scaled
	echo $((${LIVE_TIME_LIMITS[$1]:-${LIVE_TIME_LIMIT:-120}} * ${LIVE_TIME_SCALE:-1}))
}

# defer CMD [ARG...]: run CMD once the test is over, however it ended
# (passed, failed, skipped or killed at its time limit), before the leak
# check; the last deferred runs first.  For what lives outside $T: network
# namespaces, cgroups.  Its words are saved as they are now.
defer() {
	printf '%q ' "$@" >> "$T/.defer" && echo >> "$T/.defer"
}

run_deferred() {
	local cmd
	[ -f "$T/.defer" ] || return 0
	while IFS= read -r cmd; do
		# a subshell each: a deferred `exit` or failure stops none of the others
		(eval "$cmd") || echo "deferred '$cmd' failed"
	done < <(tac "$T/.defer") >> "$T/.log" 2>&1
}

# Runs test $1 in a new process group, its output into $T/.log, for at most
# $2 seconds; then only what it started is killed, by its process group.
# Sets live_timed_out and returns the test's exit status.
run_limited() { # test seconds
	local t=$1 limit=$2 grace=${LIVE_KILL_GRACE:-10} pid timer who rc monitor=
	live_timed_out=
	[[ $- == *m* ]] && monitor=1
	set -m # a background job gets a process group of its own
	(
		exec {lockfd}>&-
		set -e
		"$t"
	) < /dev/null > "$T/.log" 2>&1 &
	pid=$!
	[ -n "$monitor" ] || set +m
	# The test's group is not the terminal's: a runner interrupted (^C, or
	# timeout(1) around it) takes the test down with it.
	trap 'kill -KILL -- "-$pid" 2> /dev/null; run_deferred; exit 130' INT TERM HUP
	sleep "$limit" > /dev/null 2>&1 &
	timer=$!
	wait -n -p who "$pid" "$timer"
	rc=$?
	if [ "$who" != "$pid" ]; then
		live_timed_out=1
		kill -TERM -- "-$pid" 2> /dev/null
		sleep "$grace" > /dev/null 2>&1 &
		timer=$!
		wait -n "$pid" "$timer"
		rc=124
	fi
	# whatever it left behind, and the timer
	kill -KILL -- "-$pid" 2> /dev/null
	kill "$timer" 2> /dev/null
	{ wait "$pid" "$timer"; } 2> /dev/null
	trap - INT TERM HUP
	return $rc
}

run_one() {
	local t=$1 rc before after limit lockfd start
	T=$(mktemp -d /tmp/bpfapply-live.XXXXXX)
	BPFFS=$T/bpffs
	ROOT=$BPFFS/root
	mkdir -p "$BPFFS"
	if ! mount -t bpf bpf "$BPFFS"; then
		echo "SKIP $t $KERNEL_LABEL: cannot mount bpffs"
		rm -rf "$T"
		return
	fi
	export T BPFFS ROOT
	limit=$(live_time_limit "$t")
	# The leak check counts the host's maps and programs: one test at a time
	# on this host (other live runs wait here), so the count is this test's.
	local lock=${BPFAPPLY_LIVE_LOCK:-/run/lock/bpfapply-live.lock}
	mkdir -p "$(dirname "$lock")"
	exec {lockfd}> "$lock"
	flock "$lockfd"
	before=$(count_objects)
	start=$SECONDS
	run_limited "$t" "$limit"
	rc=$?
	# how long each test takes, to choose time limits by
	[ -z "${LIVE_TIMES:-}" ] || echo "$t $((SECONDS - start))" >> "$LIVE_TIMES"
	run_deferred
	umount -l "$BPFFS" 2>/dev/null
	awk -v d="$T" '$2 ~ "^"d {print $2}' /proc/mounts | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null
	done
	if [ $rc -eq 0 ] && ! after=$(wait_objects "$before"); then
		echo "leaked kernel objects: before (maps progs) $before, after $after" >> "$T/.log"
		rc=1
	fi
	exec {lockfd}>&-
	if [ -n "$live_timed_out" ]; then
		echo "FAIL $t $KERNEL_LABEL: timed out after $limit s: $(tail -n 12 "$T/.log" | tr '\n' ' ' | head -c 1500)"
	elif [ -f "$T/.skip" ]; then
		echo "SKIP $t $KERNEL_LABEL: $(cat "$T/.skip")"
	elif [ $rc -eq 0 ]; then
		echo "PASS $t $KERNEL_LABEL"
	else
		echo "FAIL $t $KERNEL_LABEL: $(tail -n 12 "$T/.log" | tr '\n' ' ' | head -c 1500)"
	fi
	rm -rf "$T"
}

# ---- running test files --------------------------------------------------------
# Each file's tests run in a shell process of their own (a subshell) that
# has lib.sh's functions and that one file's: helpers of the same name in two
# files never meet (when every file shared one shell, the later one won).

# What file $1 defines on top of lib.sh, one "KIND NAME" a line, from a
# subshell that sources it: "test NAME", "redef NAME" (a function of lib.sh
# it replaces), "limit NAME" (its time_limit calls), "error WHY" (what it
# printed to stderr, or that it could not be sourced).  $2: a scratch dir.
live_file_defs() { # file dir
	(
		local fn
		declare -f > "$2/before"
		# shellcheck source=/dev/null
		. "$1" > /dev/null 2> "$2/err" || echo "error cannot be sourced"
		[ -s "$2/err" ] && echo "error $(head -c 600 "$2/err" | tr '\n' ' ')"
		declare -f > "$2/after"
		# from declare -f's listing: a line "NAME () " opens each function
		awk '/^[A-Za-z_][A-Za-z0-9_]* \(\) $/ { name = $1 }
			FILENAME == ARGV[1] { old[name] = old[name] $0 "\n"; next }
			{ new[name] = new[name] $0 "\n" }
			END {
				for (n in new)
					if (!(n in old)) {
						if (n ~ /^test_/)
							print "test " n
					} else if (old[n] != new[n]) {
						print "redef " n
					}
			}' "$2/before" "$2/after"
		for fn in "${!LIVE_TIME_LIMITS[@]}"; do
			echo "limit $fn"
		done
	)
}

# Runs the test_* functions of DIR/test_*.sh whose name contains FILTER, or
# exactly the NAMEs given, file by file.  A test name defined in two files
# (neither runs), a file that replaces a function of lib.sh or prints
# errors when sourced, a time_limit naming no test of its file, a NAME that
# is no test: each is a FAIL line.
run_test_files() { # dir filter [name...]
	local dir=$1 filter=$2 scratch f kind name t defs run names
	shift 2
	local -A file_of=() tests_of=() wanted=() twice=()
	scratch=$(mktemp -d /tmp/bpfapply-defs.XXXXXX)
	for f in "$dir"/test_*.sh; do
		[ -e "$f" ] || continue
		defs=$(live_file_defs "$f" "$scratch")
		while read -r kind name; do
			case $kind in
			test)
				if [ -n "${file_of[$name]:-}" ]; then
					echo "FAIL $name $KERNEL_LABEL: defined in both ${file_of[$name]##*/} and ${f##*/}"
					twice[$name]=1
				fi
				file_of[$name]=$f
				tests_of[$f]+=$name$'\n' ;;
			redef) echo "FAIL ${f##*/} $KERNEL_LABEL: replaces lib.sh's $name" ;;
			limit)
				[[ $'\n'$defs$'\n' == *$'\n'"test $name"$'\n'* ]] ||
					echo "FAIL ${f##*/} $KERNEL_LABEL: time_limit for $name, which is no test of this file" ;;
			error) echo "FAIL ${f##*/} $KERNEL_LABEL: $name" ;;
			esac
		done <<< "$defs"
	done
	rm -rf "$scratch"
	for t in "$@"; do
		if [ -n "${file_of[$t]:-}" ]; then
			wanted[$t]=1
		else
			echo "FAIL $t $KERNEL_LABEL: no such live test"
		fi
	done
	for f in "$dir"/test_*.sh; do
		run=()
		mapfile -t names < <(sort <<< "${tests_of[$f]:-}")
		for t in "${names[@]}"; do
			[ -n "$t" ] || continue
			[ -n "${twice[$t]:-}" ] && continue
			[[ "$t" == *"$filter"* ]] || continue
			[ $# -gt 0 ] && [ -z "${wanted[$t]:-}" ] && continue
			run+=("$t")
		done
		[ ${#run[@]} -gt 0 ] || continue
		(
			# shellcheck source=/dev/null
			. "$f" > /dev/null 2>&1
			for t in "${run[@]}"; do
				run_one "$t"
			done
		)
	done
}
