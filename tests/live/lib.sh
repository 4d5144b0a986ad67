# SPDX-License-Identifier: GPL-2.0-only
# Helpers for the live tests.  Sourced by run.sh inside a private mount
# namespace.  A test is a function test_NAME run in a subshell with:
#   $T      a fresh temp dir (removed afterwards)
#   $BPFFS  a fresh bpffs mounted at $T/bpffs
#   $ROOT   $BPFFS/root, the --root given to every bpfapply call
# It fails by calling fail (or any command under `set -e` failing) and may
# call skip.  Maps and programs are counted before and after each test:
# a test that leaks kernel objects fails.

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
wait_objects() { # expected "maps progs"
	local i now want_m want_p m p
	read -r want_m want_p <<< "$1"
	for i in $(seq 1 50); do
		now=$(count_objects)
		read -r m p <<< "$now"
		[ "$m" -le "$want_m" ] && [ "$p" -le "$want_p" ] && return 0
		sleep 0.1
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

run_one() {
	local t=$1 rc before after
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
	# The leak check counts the host's maps and programs: one test at a time
	# on this host (other live runs wait here), so the count is this test's.
	local lock=${BPFAPPLY_LIVE_LOCK:-/run/lock/bpfapply-live.lock}
	mkdir -p "$(dirname "$lock")"
	exec {lockfd}> "$lock"
	flock "$lockfd"
	before=$(count_objects)
	(set -e; "$t") > "$T/.log" 2>&1
	rc=$?
	umount -l "$BPFFS" 2>/dev/null
	for m in $(awk -v d="$T" '$2 ~ "^"d {print $2}' /proc/mounts | sort -r); do
		umount -l "$m" 2>/dev/null
	done
	if [ $rc -eq 0 ] && ! after=$(wait_objects "$before"); then
		echo "leaked kernel objects: before (maps progs) $before, after $after" >> "$T/.log"
		rc=1
	fi
	exec {lockfd}>&-
	if [ -f "$T/.skip" ]; then
		echo "SKIP $t $KERNEL_LABEL: $(cat "$T/.skip")"
	elif [ $rc -eq 0 ]; then
		echo "PASS $t $KERNEL_LABEL"
	else
		echo "FAIL $t $KERNEL_LABEL: $(tail -n 12 "$T/.log" | tr '\n' ' ' | head -c 1500)"
	fi
	rm -rf "$T"
}
