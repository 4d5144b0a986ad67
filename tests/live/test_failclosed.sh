# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Failing closed: a question about the live state that bpfapply cannot
# answer is an error naming what is missing, never a guess that turns into
# a plan (a pin it cannot read is not absent, an fd whose kind it cannot
# read is not "something else").  Each test hides one thing in a private
# mount namespace of its own and checks that the kernel still holds what it
# held.

# Run a command with an empty tmpfs over DIR, in a mount namespace of its own.
with_hidden() { # DIR cmd...
	local dir=$1
	shift
	# shellcheck disable=SC2016 # expanded by the inner sh
	unshare -m --propagation private sh -c 'mount -t tmpfs none "$1" && shift && exec "$@"' sh "$dir" "$@"
}

# Run bpfapply with an empty tmpfs over its own /proc/PID/fd (that is, over
# /proc/self/fd as bpfapply sees it; exec keeps the pid).
with_hidden_self_fd() {
	# shellcheck disable=SC2016 # expanded by the inner sh
	unshare -m --propagation private sh -c 'mount -t tmpfs none /proc/$$/fd && exec "$@"' sh "$@"
}

failclosed_manifest() {
	manifest "$T/m.yaml" <<Y
bpfapply: v1
scope: fc
maps:
  rxcnt: {type: percpu_array, key_size: 4, value_size: 8, max_entries: 256}
  config:
    type: array
    key_size: 4
    value_size: 4
    max_entries: 4
    frozen: true
    entries:
      - {key: 0, value: 1}
programs:
  xdp1:
    object: $TOP/examples/bpf/xdp1.bpf.o
    maps: {rxcnt: rxcnt}
Y
}

# The kernel's view of the scope: map and program ids, sorted.
scope_ids() {
	local p
	for p in "$ROOT/fc/maps/rxcnt" "$ROOT/fc/maps/config"; do map_id "$p"; done
	bpftool -j prog show pinned "$ROOT/fc/programs/xdp1/xdp_prog1" | jq -r .id
}

# Every command that reads the live state refuses, and the kernel is untouched.
refuses_everywhere() { # wrapper [extra pattern]
	local wrap=$1 want=$2 cmd
	for cmd in "plan -f $T/m.yaml" "apply -f $T/m.yaml" "show --scope fc" "destroy -f $T/m.yaml"; do
		# shellcheck disable=SC2086
		expect_rc 1 $wrap "$BIN" --root "$ROOT" --no-color $cmd
		grep -q -- "$want" "$T/.err" || fail "$cmd: no word of what is missing: $(cat "$T/.err")"
		grep -q -- '-/+\|^  + \|^  - ' "$T/.out" && fail "$cmd planned something: $(cat "$T/.out")"
	done
	return 0
}

test_failclosed_unreadable_proc_self_fd() {
	failclosed_manifest
	expect_rc 0 ba apply -f "$T/m.yaml"
	local before
	before=$(scope_ids)
	if ! with_hidden_self_fd true 2>/dev/null; then
		skip "cannot mount over /proc/PID/fd here"
	fi
	refuses_everywhere with_hidden_self_fd "/proc/self/fd"
	assert_eq "$(scope_ids)" "$before" "objects after the refused runs"
	expect_rc 0 ba plan --detailed-exitcode -f "$T/m.yaml"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}

test_failclosed_no_proc_at_all() {
	failclosed_manifest
	expect_rc 0 ba apply -f "$T/m.yaml"
	local before
	before=$(scope_ids)
	refuses_everywhere "with_hidden /proc" "/proc/self/fd"
	assert_eq "$(scope_ids)" "$before" "objects after the refused runs"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}

# A pin bpfapply may not open (mode 0, no CAP_DAC_OVERRIDE) is not an absent pin.
test_failclosed_unreadable_pin() {
	command -v setpriv > /dev/null || skip "setpriv not installed"
	failclosed_manifest
	expect_rc 0 ba apply -f "$T/m.yaml"
	local before nodac="setpriv --inh-caps=-all --bounding-set=-dac_override,-dac_read_search"
	before=$(scope_ids)
	chmod 000 "$ROOT/fc/maps/rxcnt"
	# shellcheck disable=SC2086
	expect_rc 1 $nodac "$BIN" --root "$ROOT" plan -f "$T/m.yaml"
	grep -q "cannot open the pin $ROOT/fc/maps/rxcnt: Permission denied" "$T/.err" || fail "plan: $(cat "$T/.err")"
	grep -q 'map.rxcnt' "$T/.out" && fail "planned a change of rxcnt: $(cat "$T/.out")"
	chmod 600 "$ROOT/fc/maps/rxcnt"
	# the same for a program pin and for the entry's directory
	chmod 000 "$ROOT/fc/programs/xdp1/xdp_prog1"
	# shellcheck disable=SC2086
	expect_rc 1 $nodac "$BIN" --root "$ROOT" apply -f "$T/m.yaml"
	grep -q "cannot open the pin .*xdp_prog1: Permission denied" "$T/.err" || fail "apply: $(cat "$T/.err")"
	chmod 600 "$ROOT/fc/programs/xdp1/xdp_prog1"
	chmod 000 "$ROOT/fc/programs/xdp1"
	# shellcheck disable=SC2086
	expect_rc 1 $nodac "$BIN" --root "$ROOT" plan -f "$T/m.yaml"
	grep -q "Permission denied" "$T/.err" || fail "plan with an unreadable entry directory: $(cat "$T/.err")"
	chmod 700 "$ROOT/fc/programs/xdp1"
	assert_eq "$(scope_ids)" "$before" "objects after the refused runs"
	expect_rc 0 ba plan --detailed-exitcode -f "$T/m.yaml"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}

# Without kernel BTF no iterator can be loaded: plan says so, apply changes nothing.
test_failclosed_missing_btf() {
	[ -e /sys/kernel/btf/vmlinux ] || skip "this kernel has no BTF to hide"
	expect_rc 1 with_hidden /sys/kernel/btf "$BIN" --root "$ROOT" plan -f "$TOP/examples/iter_map.yaml"
	grep -q "program 'dump_map' (tracing, iter/bpf_map_elem): this kernel refuses it: this kernel has no BTF" "$T/.err" ||
		fail "plan: $(cat "$T/.err")"
	expect_rc 1 with_hidden /sys/kernel/btf "$BIN" --root "$ROOT" apply -f "$TOP/examples/iter_map.yaml"
	grep -q "no BTF" "$T/.err" || fail "apply: $(cat "$T/.err")"
	[ ! -e "$ROOT/hashmap" ] || fail "apply changed something: $(find "$ROOT/hashmap")"
}

# A cgroup parameter where /sys/fs/cgroup is missing (or not cgroup2).
test_failclosed_missing_cgroup_fs() {
	local hide="with_hidden /sys/fs/cgroup"
	# where /sys/fs/cgroup is not cgroup2 already, it is the case to test as it is
	[ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ] || hide=
	mkdir -p "$T/bpf"
	cp "$TOP/tests/bpf/iter_cgroup.bpf.o" "$T/bpf/"
	manifest "$T/cg.yaml" <<'Y'
bpfapply: v1
scope: cgfc
programs:
  cg: {object: bpf/iter_cgroup.bpf.o}
iterators:
  root: {program: cg, cgroup: {path: /sys/fs/cgroup, order: self_only}}
  child: {program: cg, cgroup: {path: /sys/fs/cgroup/bpfapply-nonexistent, order: self_only}}
Y
	# shellcheck disable=SC2086
	expect_rc 1 $hide "$BIN" --root "$ROOT" plan -f "$T/cg.yaml"
	grep -q 'iterator "root": /sys/fs/cgroup is not in a cgroup2 hierarchy' "$T/.err" || fail "plan: $(cat "$T/.err")"
	grep -q 'iterator "child": cgroup /sys/fs/cgroup/bpfapply-nonexistent: No such file or directory' "$T/.err" ||
		fail "plan: $(cat "$T/.err")"
	# shellcheck disable=SC2086
	expect_rc 1 $hide "$BIN" --root "$ROOT" apply -f "$T/cg.yaml"
	[ ! -e "$ROOT/cgfc" ] || fail "apply changed something: $(find "$ROOT/cgfc")"
}
