# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Programs: load ELF objects with map reuse and globals; reload only on change.

# Return value of one `bpftool prog run` of a pinned XDP program.
prog_ret() {
	printf '0123456789abcdefghijklmnopqrstuvwxyz' > "$T/pkt"
	bpftool -j prog run pinned "$1" data_in "$T/pkt" repeat 1 | jq -r '.retval'
}
prog_id() { bpftool -j prog show pinned "$1" | jq -r '.id'; }

write_prog_manifest() { # object ret_val
	cp "$TOP/tests/bpf/$1" "$T/obj.bpf.o"
	manifest "$T/m.yaml" <<Y
bpfapply: v1
scope: progs
maps:
  hits: {type: array, key_size: 4, value_size: 8, max_entries: 4}
  other: {type: hash, key_size: 4, value_size: 4, max_entries: 4, entries_policy: seed, entries: [{key: 1, value: 1}]}
programs:
  xdp:
    object: obj.bpf.o
    programs: [count_and_return]
    maps:
      counter: hits
    globals:
      ret_val: $2
      tag: "hex 41 42"
Y
}

test_programs_load_reuse_globals() {
	write_prog_manifest prog_globals.bpf.o 3
	expect_rc 0 ba validate -f "$T/m.yaml"
	expect_rc 0 ba apply -f "$T/m.yaml"
	local p=$ROOT/progs/programs/xdp/count_and_return hits=$ROOT/progs/maps/hits
	assert_eq "$(bpftool -j prog show pinned "$p" | jq -r .type)" xdp "program type"
	assert_eq "$(bpftool -j prog show pinned "$p" | jq -r --argjson id "$(map_id "$hits")" '.map_ids | index($id) != null')" true "map_ids include the reused map"
	[ ! -e "$ROOT/progs/programs/xdp/always_drop" ] || fail "unselected program loaded"
	[ ! -e "$ROOT/progs/programs/xdp/maps/counter" ] || fail "reused map pinned as an own map"
	# own maps are named as bpftool's pinmaps names them: object name prefix, '.' -> '_'
	[ -e "$ROOT/progs/programs/xdp/maps/obj_rodata" ] || fail "own maps not pinned: $(ls "$ROOT/progs/programs/xdp/maps")"
	assert_eq "$(prog_ret "$p")" 3 "return value from the ret_val global"
	prog_ret "$p" > /dev/null
	assert_eq "$(map_lookup_hex "$hits" 0 0 0 0)" "02 00 00 00 00 00 00 00" "the program counts into the reused map"
	# the .data global written as bytes
	assert_eq "$(map_lookup_hex "$ROOT/progs/programs/xdp/maps/obj_data" 0 0 0 0)" "41 42 00 00 00 00 00 00" ".data global"
	expect_rc 0 ba destroy -f "$T/m.yaml"
	[ -z "$(find "$ROOT/progs" -not -type d 2>/dev/null)" ] || fail "destroy left pins: $(find "$ROOT/progs")"
}

test_programs_reapply_keeps_ids() {
	write_prog_manifest prog_globals.bpf.o 3
	expect_rc 0 ba apply -f "$T/m.yaml"
	local p=$ROOT/progs/programs/xdp/count_and_return id
	id=$(prog_id "$p")
	expect_rc 0 ba plan --detailed-exitcode -f "$T/m.yaml"
	expect_rc 0 ba apply --detailed-exitcode -f "$T/m.yaml"
	assert_eq "$(prog_id "$p")" "$id" "program id after a no-op apply"
	# the same object at a new mtime is the same object
	touch "$T/obj.bpf.o"
	expect_rc 0 ba plan --detailed-exitcode -f "$T/m.yaml"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}

test_programs_changed_global_reloads() {
	write_prog_manifest prog_globals.bpf.o 3
	expect_rc 0 ba apply -f "$T/m.yaml"
	local p=$ROOT/progs/programs/xdp/count_and_return id hits_id
	id=$(prog_id "$p")
	hits_id=$(map_id "$ROOT/progs/maps/hits")
	prog_ret "$p" > /dev/null
	bpftool map update pinned "$ROOT/progs/maps/other" key 2 0 0 0 value 2 0 0 0
	sed -i 's/ret_val: 3/ret_val: 1/' "$T/m.yaml"
	expect_rc 2 ba plan --detailed-exitcode -f "$T/m.yaml"
	grep -q '^-/+ program.xdp             load parameters changed; 1 program reloaded$' "$T/.out" || fail "plan: $(cat "$T/.out")"
	expect_rc 0 ba apply -f "$T/m.yaml"
	[ "$(prog_id "$p")" != "$id" ] || fail "program not reloaded"
	assert_eq "$(prog_ret "$p")" 1 "new global visible"
	assert_eq "$(map_id "$ROOT/progs/maps/hits")" "$hits_id" "reused map kept"
	assert_eq "$(map_lookup_hex "$ROOT/progs/maps/hits" 0 0 0 0)" "02 00 00 00 00 00 00 00" "counter data survived the reload"
	assert_eq "$(map_count_entries "$ROOT/progs/maps/other")" 2 "unrelated map data survived"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}

test_programs_changed_object_reloads() {
	write_prog_manifest prog_globals.bpf.o 3
	expect_rc 0 ba apply -f "$T/m.yaml"
	local p=$ROOT/progs/programs/xdp/count_and_return
	assert_eq "$(prog_ret "$p")" 3 "v1"
	cp "$TOP/tests/bpf/prog_globals_v2.bpf.o" "$T/obj.bpf.o"
	expect_rc 2 ba plan --detailed-exitcode -f "$T/m.yaml"
	grep -q '^-/+ program.xdp             object changed; 1 program reloaded$' "$T/.out" || fail "plan: $(cat "$T/.out")"
	expect_rc 0 ba apply -f "$T/m.yaml"
	assert_eq "$(prog_ret "$p")" 103 "v2 behaviour"
	expect_rc 0 ba plan --detailed-exitcode -f "$T/m.yaml"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}

test_programs_replaced_map_reloads_users() {
	write_prog_manifest prog_globals.bpf.o 3
	expect_rc 0 ba apply -f "$T/m.yaml"
	local p=$ROOT/progs/programs/xdp/count_and_return id
	id=$(prog_id "$p")
	sed -i 's/hits: {type: array, key_size: 4, value_size: 8, max_entries: 4}/hits: {type: array, key_size: 4, value_size: 8, max_entries: 4, name: hits2}/' "$T/m.yaml"
	expect_rc 2 ba plan --detailed-exitcode -f "$T/m.yaml"
	grep -q '^-/+ program.xdp             map hits replaced; 1 program reloaded$' "$T/.out" || fail "plan: $(cat "$T/.out")"
	expect_rc 0 ba apply -f "$T/m.yaml"
	[ "$(prog_id "$p")" != "$id" ] || fail "program not reloaded"
	assert_eq "$(bpftool -j prog show pinned "$p" | jq -r --argjson id "$(map_id "$ROOT/progs/maps/hits")" '.map_ids | index($id) != null')" true "reloaded program uses the new map"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}

test_programs_verifier_rejection_changes_nothing() {
	write_prog_manifest prog_globals.bpf.o 3
	expect_rc 0 ba apply -f "$T/m.yaml"
	local p=$ROOT/progs/programs/xdp/count_and_return id before pins
	id=$(prog_id "$p")
	before=$(count_objects)
	pins=$(find "$ROOT" | sort)
	cp "$TOP/tests/bpf/prog_rejected.bpf.o" "$T/bad.bpf.o"
	cat >> "$T/m.yaml" <<'Y'
  bad:
    object: bad.bpf.o
Y
	sed -i 's/^  other:/  newmap: {type: hash, key_size: 4, value_size: 4, max_entries: 4}\n  other:/' "$T/m.yaml"
	expect_rc 1 ba apply -f "$T/m.yaml"
	grep -q "reads_past_the_end" "$T/.err" || fail "error does not name the program: $(cat "$T/.err")"
	grep -qi "invalid access to packet\|R[0-9] .*invalid\|offset is outside of the packet" "$T/.err" || fail "no verifier log tail: $(cat "$T/.err")"
	assert_eq "$(prog_id "$p")" "$id" "live program untouched"
	assert_eq "$(prog_ret "$p")" 3 "live program still works"
	assert_eq "$(find "$ROOT" | sort)" "$pins" "pins after a rejected apply"
	wait_objects "$before" > /dev/null || fail "objects leaked: $before -> $(count_objects)"
	expect_rc 1 ba -d apply -f "$T/m.yaml"
	grep -q "BEGIN PROG LOAD LOG" "$T/.err" || fail "-d does not show the whole log"
	expect_rc 0 ba destroy --scope progs
}

test_programs_validate_checks_elf() {
	cp "$TOP/tests/bpf/prog_globals.bpf.o" "$T/obj.bpf.o"
	manifest "$T/m.yaml" <<'Y'
bpfapply: v1
scope: progs
maps:
  small: {type: array, key_size: 4, value_size: 4, max_entries: 4}
programs:
  a:
    object: obj.bpf.o
    programs: [count_and_return, no_such_prog]
    maps:
      counter: small
      nomap: small
    globals:
      ret_val: 0x100000000
      nosuch: 1
  b:
    object: missing.bpf.o
Y
	expect_rc 1 ba validate -f "$T/m.yaml"
	grep -q 'm.yaml:8:34: programs: "no_such_prog" is not a program in obj.bpf.o' "$T/.err" || fail "selection: $(cat "$T/.err")"
	grep -q 'm.yaml:10:16: maps: obj.bpf.o expects key 4B value 8B for "counter", map "small" has key 4B value 4B' "$T/.err" || fail "compat: $(cat "$T/.err")"
	grep -q 'm.yaml:11:7: maps: "nomap" is not a map in obj.bpf.o' "$T/.err" || fail "map name: $(cat "$T/.err")"
	grep -q 'm.yaml:13:7: globals: 0x100000000 does not fit in 4 bytes (ret_val)' "$T/.err" || fail "global size: $(cat "$T/.err")"
	grep -q 'm.yaml:14:7: globals: "nosuch" is not a global variable in obj.bpf.o' "$T/.err" || fail "global name: $(cat "$T/.err")"
	grep -q 'm.yaml:16:13: object: cannot read .*missing.bpf.o: No such file or directory' "$T/.err" || fail "object: $(cat "$T/.err")"
	[ ! -e "$ROOT" ] || fail "validate touched the root"
}

test_programs_foreign_pins_in_entry_dir() {
	write_prog_manifest prog_globals.bpf.o 3
	mkdir -p "$ROOT/progs/programs/xdp"
	bpftool map create "$ROOT/progs/programs/xdp/squat" type hash key 4 value 4 entries 4 name squat
	expect_rc 1 ba apply -f "$T/m.yaml"
	grep -q 'holds pins bpfapply did not create' "$T/.err" || fail "message: $(cat "$T/.err")"
	[ ! -e "$ROOT/progs/maps/hits" ] || fail "half applied"
	rm -f "$ROOT/progs/programs/xdp/squat"
}

test_programs_destroy_without_the_object() {
	write_prog_manifest prog_globals.bpf.o 3
	expect_rc 0 ba apply -f "$T/m.yaml"
	rm "$T/obj.bpf.o"
	# removing things does not need the ELF object
	expect_rc 1 ba plan -f "$T/m.yaml"
	expect_rc 0 ba plan --destroy -f "$T/m.yaml"
	expect_rc 0 ba destroy -f "$T/m.yaml"
	[ -z "$(find "$ROOT/progs" -type f 2>/dev/null)" ] || fail "destroy left $(find "$ROOT/progs")"
}

test_programs_failed_first_apply_leaves_no_trace() {
	cp "$TOP/tests/bpf/prog_rejected.bpf.o" "$T/bad.bpf.o"
	manifest "$T/m.yaml" <<'Y'
bpfapply: v1
scope: first
maps:
  m: {type: hash, key_size: 4, value_size: 4, max_entries: 4, entries: [{key: 1, value: 1}]}
programs:
  bad: {object: bad.bpf.o}
Y
	expect_rc 1 ba apply -f "$T/m.yaml"
	[ ! -e "$ROOT/first" ] || fail "a failed first apply left $(find "$ROOT/first")"
}

test_programs_reload_keeps_a_foreign_pin_in_the_entry_dir() {
	write_prog_manifest prog_globals.bpf.o 3
	expect_rc 0 ba apply -f "$T/m.yaml"
	local id
	id=$(prog_id "$ROOT/progs/programs/xdp/count_and_return")
	bpftool map create "$ROOT/progs/programs/xdp/mine" type hash key 4 value 4 entries 4 name mine
	sed -i 's/ret_val: 3/ret_val: 4/' "$T/m.yaml"
	# the reload would swap the directory and take "mine" with it: refused
	expect_rc 1 ba apply -f "$T/m.yaml"
	grep -q 'programs/xdp/mine was not created by bpfapply and would be removed by the reload' "$T/.err" || fail "message: $(cat "$T/.err")"
	assert_eq "$(map_field "$ROOT/progs/programs/xdp/mine" name)" mine "the foreign pin is still there"
	assert_eq "$(prog_id "$ROOT/progs/programs/xdp/count_and_return")" "$id" "nothing reloaded"
	# with nothing to reload the foreign pin is no obstacle, and destroy leaves it
	sed -i 's/ret_val: 4/ret_val: 3/' "$T/m.yaml"
	expect_rc 0 ba plan --detailed-exitcode -f "$T/m.yaml"
	expect_rc 0 ba destroy -f "$T/m.yaml"
	[ -e "$ROOT/progs/programs/xdp/mine" ] || fail "destroy removed the foreign pin"
	rm "$ROOT/progs/programs/xdp/mine"
}

test_programs_reuse_of_an_initialised_prog_array_refused() {
	cp "$TOP/tests/bpf/prog_array_init.bpf.o" "$T/pa.bpf.o"
	manifest "$T/m.yaml" <<'Y'
bpfapply: v1
scope: pa
maps:
  jmp_table: {type: prog_array, key_size: 4, value_size: 4, max_entries: 8, entries_policy: exact}
Y
	expect_rc 0 ba apply -f "$T/m.yaml"
	cat >> "$T/m.yaml" <<'Y'
programs:
  a:
    object: pa.bpf.o
    maps: {jmp_table: jmp_table}
Y
	# libbpf would write the object's .values slot into the live map while staging
	expect_rc 1 ba apply -f "$T/m.yaml"
	grep -q 'm.yaml:8:12: maps: "jmp_table" initialises its slots in pa.bpf.o' "$T/.err" || fail "message: $(cat "$T/.err")"
	assert_eq "$(map_count_entries "$ROOT/pa/maps/jmp_table")" 0 "the live prog_array is untouched"
	expect_rc 0 ba destroy --scope pa
}
