# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Least privilege: the capabilities each feature needs, measured by running
# bpfapply under setpriv with only those (root's uid, a bounding set and
# inheritable/ambient set reduced to the list), and the messages that name a
# missing one.  The table in bpfapply(8) is this file's findings.

# with_caps "bpf,net_admin" cmd...: run with exactly these capabilities ("" for none).
with_caps() {
	local list=$1 c="" x
	shift
	for x in ${list//,/ }; do c="$c,+$x"; done
	setpriv --inh-caps="-all$c" --ambient-caps="-all$c" --bounding-set="-all$c" "$@"
}

# bac CAPS ARGS...: bpfapply with exactly CAPS.
bac() {
	local caps=$1
	shift
	with_caps "$caps" "$BIN" --root "$ROOT" -n --no-color "$@"
}

caps_prereq() {
	command -v setpriv > /dev/null || skip "setpriv not installed"
	with_caps bpf true 2> /dev/null || skip "setpriv cannot set capabilities here"
	mkdir -p "$ROOT"
}

test_caps_maps_need_cap_bpf_only() {
	caps_prereq
	expect_rc 1 bac "" apply -f "$TOP/examples/quickstart.yaml"
	grep -q "apply needs CAP_BPF to make the changes of this plan" "$T/.err" || fail "no caps: $(cat "$T/.err")"
	[ ! -e "$ROOT/quickstart/maps" ] || [ -z "$(ls -A "$ROOT/quickstart/maps")" ] || fail "maps created without CAP_BPF"
	expect_rc 0 bac bpf apply -f "$TOP/examples/quickstart.yaml"
	assert_eq "$(map_field "$ROOT/quickstart/maps/counters" type)" percpu_hash "counters created with CAP_BPF"
	# looking needs no capability at all (the pins' permissions do)
	expect_rc 0 bac "" plan --detailed-exitcode -f "$TOP/examples/quickstart.yaml"
	expect_rc 0 bac "" show --scope quickstart
	expect_rc 0 bac "" apply --detailed-exitcode -f "$TOP/examples/quickstart.yaml"
	# removing rewrites the state record (a map): CAP_BPF
	expect_rc 1 bac "" destroy -f "$TOP/examples/quickstart.yaml"
	grep -q "destroy needs CAP_BPF" "$T/.err" || fail "destroy without caps: $(cat "$T/.err")"
	[ -e "$ROOT/quickstart/maps/counters" ] || fail "a refused destroy removed counters"
	expect_rc 0 bac bpf destroy -f "$TOP/examples/quickstart.yaml"
	[ ! -e "$ROOT/quickstart/maps/counters" ] || fail "destroy left counters"
}

test_caps_xdp_needs_net_admin_and_perfmon() {
	caps_prereq
	local ex=$TOP/examples/xdp1.yaml
	expect_rc 0 bac bpf plan -f "$ex"
	grep -q "warning: apply will need CAP_NET_ADMIN" "$T/.err" || fail "plan warning: $(cat "$T/.err")"
	expect_rc 1 bac bpf apply -f "$ex"
	grep -q "apply needs CAP_NET_ADMIN" "$T/.err" || fail "bpf only: $(cat "$T/.err")"
	[ ! -e "$ROOT/xdp1/maps/rxcnt" ] || fail "apply without CAP_NET_ADMIN created rxcnt"
	# xdp1's pointer arithmetic: the verifier wants CAP_PERFMON too
	expect_rc 1 bac bpf,net_admin apply -f "$ex"
	grep -q "program 'xdp_prog1' (xdp, xdp): the verifier refused it; without CAP_PERFMON" "$T/.err" ||
		fail "bpf,net_admin: $(cat "$T/.err")"
	grep -q "ulimit" "$T/.err" && fail "libbpf's ulimit hint shown"
	[ ! -e "$ROOT/xdp1/maps/rxcnt" ] || fail "failed apply left rxcnt"
	expect_rc 0 bac bpf,net_admin,perfmon apply -f "$ex"
	assert_eq "$(bpftool -j prog show pinned "$ROOT/xdp1/programs/xdp1/xdp_prog1" | jq -r .type)" xdp "program loaded"
	expect_rc 0 bac bpf destroy -f "$ex"
}

# prog_array slots are filled through the programs' pins: no CAP_SYS_ADMIN.
test_caps_prog_array_wiring_needs_no_sys_admin() {
	caps_prereq
	expect_rc 0 bac bpf,net_admin apply -f "$TOP/examples/tail_calls.yaml"
	local want got
	want=$(bpftool -j prog show pinned "$ROOT/tailcalls/programs/xdp/bpf_func_process" | jq -r .id)
	got=$(bpftool -j map lookup pinned "$ROOT/tailcalls/maps/jmp_table" key 0 0 0 0 | jq -r '.value | if type == "number" then . else (map(ltrimstr("0x")) | reverse | join("") | "0x" + . ) end')
	[ "$((got))" = "$want" ] || fail "slot 0 holds $got, want program $want"
	expect_rc 0 bac bpf destroy -f "$TOP/examples/tail_calls.yaml"
}

test_caps_iterators_need_perfmon() {
	caps_prereq
	local ex=$TOP/examples/iter_map.yaml
	expect_rc 1 bac bpf apply -f "$ex"
	grep -q "apply needs CAP_PERFMON" "$T/.err" || fail "bpf only: $(cat "$T/.err")"
	[ ! -e "$ROOT/hashmap/maps/counters" ] || fail "apply without CAP_PERFMON created counters"
	if ! expect_rc 0 "$BIN" --root "$ROOT" validate --kernel -f "$ex" 2> /dev/null; then
		skip "this kernel refuses the iterator: $(cat "$T/.err")"
	fi
	expect_rc 0 bac bpf,perfmon apply -f "$ex"
	assert_eq "$(bpftool -j link show pinned "$ROOT/hashmap/iterators/my_hashmap" | jq -r .type)" iter "iterator link"
	expect_rc 0 bac bpf destroy -f "$ex"
}

test_caps_mounting_bpffs_needs_sys_admin() {
	command -v setpriv > /dev/null || skip "setpriv not installed"
	local dir=$T/mnt
	mkdir -p "$dir"
	expect_rc 1 with_caps bpf,net_admin,perfmon "$BIN" --root "$dir" apply -f "$TOP/examples/quickstart.yaml"
	grep -q "cannot mount bpffs on $dir: Operation not permitted (mounting needs CAP_SYS_ADMIN" "$T/.err" ||
		fail "no CAP_SYS_ADMIN: $(cat "$T/.err")"
	[ "$(stat -f -c %T "$dir")" != bpf_fs ] || fail "mounted without CAP_SYS_ADMIN"
	expect_rc 0 with_caps bpf,sys_admin "$BIN" --root "$dir" apply -f "$TOP/examples/quickstart.yaml"
	[ "$(stat -f -c %T "$dir")" = bpf_fs ] || fail "bpffs not mounted on $dir"
	expect_rc 0 with_caps bpf "$BIN" --root "$dir" destroy -f "$TOP/examples/quickstart.yaml"
	umount "$dir"
}
