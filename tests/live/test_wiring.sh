# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# prog_array wiring: slots follow the manifest, the entry program is not reloaded.

xdp_ret() {
	printf '0123456789abcdefghijklmnopqrstuvwxyz' > "$T/pkt"
	bpftool -j prog run pinned "$1" data_in "$T/pkt" repeat 1 | jq -r '.retval'
}

test_wiring_tail_calls_follow_the_manifest() {
	cp "$TOP/examples/tail_calls.yaml" "$T/m.yaml"
	mkdir -p "$T/bpf"
	cp "$TOP/examples/bpf/tail_calls.bpf.o" "$T/bpf/"
	expect_rc 0 ba apply -f "$T/m.yaml"
	local d=$ROOT/tailcalls main id slot
	main=$d/programs/xdp/main_func
	id=$(bpftool -j prog show pinned "$main" | jq -r .id)
	assert_eq "$(xdp_ret "$main")" 2 "main_func reaches bpf_func_process (XDP_PASS)"
	slot=$(map_lookup_hex "$d/maps/jmp_table" 0 0 0 0)
	assert_eq "$slot" "$(le32_hex "$(bpftool -j prog show pinned "$d/programs/xdp/bpf_func_process" | jq -r .id)")" "slot 0 holds bpf_func_process"
	expect_rc 0 ba plan --detailed-exitcode -f "$T/m.yaml"
	# rewire: an in-place update of the map, main_func keeps its id
	sed -i 's|{program: xdp/bpf_func_process}|{program: xdp/bpf_func_debug}|' "$T/m.yaml"
	expect_rc 2 ba plan --detailed-exitcode -f "$T/m.yaml"
	grep -q '^  ~ map.jmp_table           entries: 0 to add, 1 to change, 0 to remove$' "$T/.out" || fail "plan: $(cat "$T/.out")"
	grep -q 'program.xdp' "$T/.out" && fail "program reloaded for a rewire: $(cat "$T/.out")"
	expect_rc 0 ba apply -f "$T/m.yaml"
	assert_eq "$(bpftool -j prog show pinned "$main" | jq -r .id)" "$id" "main_func not reloaded"
	assert_eq "$(xdp_ret "$main")" 3 "main_func now reaches bpf_func_debug (XDP_TX)"
	# slot drift under exact: an extra slot is emptied, a changed slot restored
	bpftool map update pinned "$d/maps/jmp_table" key 1 0 0 0 value pinned "$d/programs/xdp/bpf_func_process"
	bpftool map update pinned "$d/maps/jmp_table" key 0 0 0 0 value pinned "$d/programs/xdp/bpf_func_process"
	expect_rc 2 ba plan --detailed-exitcode -f "$T/m.yaml"
	grep -q '^  ~ map.jmp_table           entries: 0 to add, 1 to change, 1 to remove$' "$T/.out" || fail "drift plan: $(cat "$T/.out")"
	expect_rc 0 ba apply -f "$T/m.yaml"
	assert_eq "$(xdp_ret "$main")" 3 "slot 0 restored"
	assert_eq "$(map_count_entries "$d/maps/jmp_table")" 1 "extra slot emptied"
	expect_rc 0 ba plan --detailed-exitcode -f "$T/m.yaml"
	expect_rc 0 ba destroy -f "$T/m.yaml"
	[ -z "$(find "$d" -not -type d 2>/dev/null)" ] || fail "destroy left: $(find "$d")"
}

test_wiring_reloaded_target_is_rewired() {
	cp "$TOP/examples/tail_calls.yaml" "$T/m.yaml"
	mkdir -p "$T/bpf"
	cp "$TOP/examples/bpf/tail_calls.bpf.o" "$T/bpf/"
	sed -i 's|^    type: xdp$|    type: xdp\n    programs: [main_func, bpf_func_process]|' "$T/m.yaml"
	expect_rc 0 ba apply -f "$T/m.yaml"
	local d=$ROOT/tailcalls old new
	old=$(bpftool -j prog show pinned "$d/programs/xdp/bpf_func_process" | jq -r .id)
	# a change of the load parameters reloads every program of the entry
	sed -i 's|programs: \[main_func, bpf_func_process\]|programs: [main_func, bpf_func_process, bpf_func_debug]|' "$T/m.yaml"
	expect_rc 2 ba plan --detailed-exitcode -f "$T/m.yaml"
	grep -q '^-/+ program.xdp ' "$T/.out" || fail "plan: $(cat "$T/.out")"
	grep -q '^  ~ map.jmp_table           entries: 0 to add, 1 to change, 0 to remove$' "$T/.out" || fail "rewire not planned: $(cat "$T/.out")"
	expect_rc 0 ba apply -f "$T/m.yaml"
	new=$(bpftool -j prog show pinned "$d/programs/xdp/bpf_func_process" | jq -r .id)
	[ "$new" != "$old" ] || fail "target not reloaded"
	assert_eq "$(map_lookup_hex "$d/maps/jmp_table" 0 0 0 0)" "$(le32_hex "$new")" "slot points at the reloaded target"
	assert_eq "$(xdp_ret "$d/programs/xdp/main_func")" 2 "tail call reaches the new target"
	expect_rc 0 ba plan --detailed-exitcode -f "$T/m.yaml"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}

test_wiring_frozen_prog_array() {
	mkdir -p "$T/bpf"
	cp "$TOP/examples/bpf/tail_calls.bpf.o" "$T/bpf/"
	manifest "$T/m.yaml" <<'Y'
bpfapply: v1
scope: frozen
maps:
  jmp_table: {type: prog_array, key_size: 4, value_size: 4, max_entries: 8, frozen: true, entries: [{key: 0, value: {program: xdp/bpf_func_debug}}]}
programs:
  xdp: {object: bpf/tail_calls.bpf.o, maps: {jmp_table: jmp_table}}
Y
	expect_rc 0 ba apply -f "$T/m.yaml"
	# frozen only once its slot is written
	assert_eq "$(map_field "$ROOT/frozen/maps/jmp_table" frozen)" 1 "frozen"
	assert_eq "$(xdp_ret "$ROOT/frozen/programs/xdp/main_func")" 3 "the slot was written before the freeze"
	expect_rc 0 ba plan --detailed-exitcode -f "$T/m.yaml"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}
