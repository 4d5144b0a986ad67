# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Maps end to end: create, fill, re-apply, change, destroy — asserted with bpftool.

# Every creatable map type, with the attributes bpftool reports back.
test_maps_every_type() {
	manifest "$T/m.yaml" <<'Y'
bpfapply: v1
scope: types
maps:
  t_hash:         {type: hash, key_size: 4, value_size: 8, max_entries: 16}
  t_array:        {type: array, key_size: 4, value_size: 8, max_entries: 16}
  t_prog_array:   {type: prog_array, key_size: 4, value_size: 4, max_entries: 4}
  t_perf:         {type: perf_event_array, key_size: 4, value_size: 4, max_entries: 4}
  t_pcpu_hash:    {type: percpu_hash, key_size: 4, value_size: 8, max_entries: 16}
  t_pcpu_array:   {type: percpu_array, key_size: 4, value_size: 8, max_entries: 16}
  t_stack_trace:  {type: stack_trace, key_size: 4, value_size: 64, max_entries: 16}
  t_cgroup_array: {type: cgroup_array, key_size: 4, value_size: 4, max_entries: 4}
  t_lru:          {type: lru_hash, key_size: 4, value_size: 8, max_entries: 16}
  t_lru_pcpu:     {type: lru_percpu_hash, key_size: 4, value_size: 8, max_entries: 16}
  t_lpm:          {type: lpm_trie, key_size: 8, value_size: 8, max_entries: 16, flags: [no_prealloc]}
  t_inner:        {type: array, key_size: 4, value_size: 4, max_entries: 2}
  t_aom:          {type: array_of_maps, key_size: 4, value_size: 4, max_entries: 4, inner_map: t_inner}
  t_hom:          {type: hash_of_maps, key_size: 4, value_size: 4, max_entries: 4, inner_map: t_inner}
  t_devmap:       {type: devmap, key_size: 4, value_size: 4, max_entries: 4}
  t_devmap_hash:  {type: devmap_hash, key_size: 4, value_size: 4, max_entries: 4}
  t_sockmap:      {type: sockmap, key_size: 4, value_size: 4, max_entries: 4}
  t_cpumap:       {type: cpumap, key_size: 4, value_size: 4, max_entries: 1}
  t_xskmap:       {type: xskmap, key_size: 4, value_size: 4, max_entries: 4}
  t_sockhash:     {type: sockhash, key_size: 4, value_size: 4, max_entries: 4}
  t_cg_storage:   {type: cgroup_storage, key_size: 8, value_size: 8, max_entries: 0}
  t_reuseport:    {type: reuseport_sockarray, key_size: 4, value_size: 4, max_entries: 4}
  t_pcpu_cg_stor: {type: percpu_cgroup_storage, key_size: 8, value_size: 8, max_entries: 0}
  t_queue:        {type: queue, key_size: 0, value_size: 4, max_entries: 8}
  t_stack:        {type: stack, key_size: 0, value_size: 4, max_entries: 8}
  t_ringbuf:      {type: ringbuf, key_size: 0, value_size: 0, max_entries: 4096}
  t_bloom:        {type: bloom_filter, key_size: 0, value_size: 4, max_entries: 8}
  t_user_ringbuf: {type: user_ringbuf, key_size: 0, value_size: 0, max_entries: 4096}
Y
	expect_rc 0 ba apply -f "$T/m.yaml"
	local name type key value max pin
	while read -r name type key value max; do
		pin=$ROOT/types/maps/$name
		[ -e "$pin" ] || fail "$name not pinned"
		assert_eq "$(map_field "$pin" type)" "$type" "$name type"
		assert_eq "$(map_field "$pin" bytes_key)" "$key" "$name key size"
		assert_eq "$(map_field "$pin" bytes_value)" "$value" "$name value size"
		assert_eq "$(map_field "$pin" max_entries)" "$max" "$name max_entries"
		assert_eq "$(map_field "$pin" name)" "$name" "$name kernel name"
		assert_eq "$(stat -c %a "$pin")" 600 "$name pin mode"
	done <<'L'
t_hash hash 4 8 16
t_array array 4 8 16
t_prog_array prog_array 4 4 4
t_perf perf_event_array 4 4 4
t_pcpu_hash percpu_hash 4 8 16
t_pcpu_array percpu_array 4 8 16
t_stack_trace stack_trace 4 64 16
t_cgroup_array cgroup_array 4 4 4
t_lru lru_hash 4 8 16
t_lru_pcpu lru_percpu_hash 4 8 16
t_lpm lpm_trie 8 8 16
t_inner array 4 4 2
t_aom array_of_maps 4 4 4
t_hom hash_of_maps 4 4 4
t_devmap devmap 4 4 4
t_devmap_hash devmap_hash 4 4 4
t_sockmap sockmap 4 4 4
t_cpumap cpumap 4 4 1
t_xskmap xskmap 4 4 4
t_sockhash sockhash 4 4 4
t_cg_storage cgroup_storage 8 8 0
t_reuseport reuseport_sockarray 4 4 4
t_pcpu_cg_stor percpu_cgroup_storage 8 8 0
t_queue queue 0 4 8
t_stack stack 0 4 8
t_ringbuf ringbuf 0 0 4096
t_bloom bloom_filter 0 4 8
t_user_ringbuf user_ringbuf 0 0 4096
L
	assert_eq "$(map_field "$ROOT/types/maps/t_lpm" flags)" 1 "lpm flags"
	# every type converges (devmaps get a flag from the kernel itself)
	expect_rc 0 ba plan --detailed-exitcode -f "$T/m.yaml"
	expect_rc 0 ba destroy -f "$T/m.yaml"
	[ ! -e "$ROOT/types" ] || fail "destroy left $(find "$ROOT/types")"
}

write_entries_manifest() {
	manifest "$T/m.yaml" <<'Y'
bpfapply: v1
scope: edge
maps:
  counters:
    type: percpu_hash
    key_size: 4
    value_size: 8
    max_entries: 1024
    flags: [no_prealloc]
    entries:
      - key: "hex 20 c4 b7 00"
        value: "0x0f 0xff 0xff 0xab 0x01 0x02 0x03 0x4c"
      - key: [32, 196, 183, 1]
        value: 7
  table:
    type: array
    key_size: 4
    value_size: 4
    max_entries: 8
    entries:
      - {key: 0, value: 100}
      - {key: 3, value: "1 2 3 4"}
  inner_tpl:
    type: array
    key_size: 4
    value_size: 8
    max_entries: 16
  by_tenant:
    type: hash_of_maps
    key_size: 4
    value_size: 4
    max_entries: 64
    inner_map: inner_tpl
    entries:
      - {key: 1, value: {map: inner_tpl}}
  limits:
    type: array
    key_size: 4
    value_size: 4
    max_entries: 1
    frozen: true
    entries:
      - {key: 0, value: 0x10000}
Y
}

test_maps_entries_written() {
	write_entries_manifest
	expect_rc 0 ba apply -f "$T/m.yaml"
	local m=$ROOT/edge/maps ncpu
	assert_eq "$(map_lookup_hex "$m/counters" 0x20 0xc4 0xb7 0x00)" "0f ff ff ab 01 02 03 4c" "counters key 1"
	assert_eq "$(map_lookup_hex "$m/counters" 32 196 183 1)" "07 00 00 00 00 00 00 00" "counters key 2"
	# per-CPU: every CPU holds the declared value
	ncpu=$(bpftool -j map lookup pinned "$m/counters" key 32 196 183 1 | jq '[.values[] | select(.value == ["0x07","0x00","0x00","0x00","0x00","0x00","0x00","0x00"])] | length')
	assert_eq "$ncpu" "$(bpftool -j map lookup pinned "$m/counters" key 32 196 183 1 | jq '.values | length')" "per-cpu copies"
	assert_eq "$(map_field "$m/counters" flags)" 1 "counters flags"
	assert_eq "$(map_lookup_hex "$m/table" 0 0 0 0)" "64 00 00 00" "table[0]"
	assert_eq "$(map_lookup_hex "$m/table" 3 0 0 0)" "01 02 03 04" "table[3]"
	# the outer map holds the inner map's id
	local inner_id outer_val
	inner_id=$(map_id "$m/inner_tpl")
	outer_val=$(map_lookup_hex "$m/by_tenant" 1 0 0 0)
	assert_eq "$outer_val" "$(le32_hex "$inner_id")" "by_tenant[1] -> inner_tpl id"
	assert_eq "$(map_lookup_hex "$m/limits" 0 0 0 0)" "00 00 01 00" "limits[0]"
	assert_eq "$(map_field "$m/limits" frozen)" 1 "limits frozen"
	assert_eq "$(map_field "$m/table" frozen)" 0 "table not frozen"
	# the state record is a bpfapply_state array, readable with bpftool
	assert_eq "$(map_field "$ROOT/edge/state" name)" bpfapply_state "state map name"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}

test_maps_reapply_is_noop() {
	write_entries_manifest
	expect_rc 0 ba apply -f "$T/m.yaml"
	local ids_before ids_after state_before
	ids_before=$(for p in "$ROOT"/edge/maps/*; do map_id "$p"; done | tr '\n' ' ')
	state_before=$(map_id "$ROOT/edge/state")
	expect_rc 0 ba plan --detailed-exitcode -f "$T/m.yaml"
	grep -q "^Plan: 0 to add, 0 to change, 0 to replace, 0 to destroy.$" "$T/.out" || fail "plan not empty: $(cat "$T/.out")"
	expect_rc 0 ba apply --detailed-exitcode -f "$T/m.yaml"
	ids_after=$(for p in "$ROOT"/edge/maps/*; do map_id "$p"; done | tr '\n' ' ')
	assert_eq "$ids_after" "$ids_before" "map ids after re-apply"
	assert_eq "$(map_id "$ROOT/edge/state")" "$state_before" "state record untouched by a no-op apply"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}

test_maps_plan_shows_and_changes_nothing() {
	write_entries_manifest
	expect_rc 2 ba plan --detailed-exitcode -f "$T/m.yaml"
	grep -q '^  + map.counters            percpu_hash key 4B value 8B max_entries 1024$' "$T/.out" ||
		fail "plan line: $(cat "$T/.out")"
	grep -q '^Plan: 5 to add, 0 to change, 0 to replace, 0 to destroy.$' "$T/.out" || fail "summary: $(cat "$T/.out")"
	[ ! -e "$ROOT/edge" ] || fail "plan created $ROOT/edge"
	expect_rc 2 ba -j plan --detailed-exitcode -f "$T/m.yaml"
	assert_eq "$(jq -r '.summary.add' "$T/.out")" 5 "json summary.add"
	assert_eq "$(jq -r '.resource_changes[] | select(.address=="map.counters") | .change.actions | join(",")' "$T/.out")" create "json actions"
	assert_eq "$(jq -r '.format_version' "$T/.out")" 1.2 "format_version"
}

test_maps_change_create_update_replace_delete() {
	write_entries_manifest
	expect_rc 0 ba apply -f "$T/m.yaml"
	local m=$ROOT/edge/maps id_counters id_table id_limits
	id_counters=$(map_id "$m/counters")
	id_table=$(map_id "$m/table")
	id_limits=$(map_id "$m/limits")
	# table: one entry changed, one added (update in place); counters: max_entries (replace);
	# limits removed (delete); extra: new (create)
	sed -i -e 's/max_entries: 1024/max_entries: 2048/' \
	       -e 's/{key: 0, value: 100}/{key: 0, value: 101}/' \
	       -e 's/      - {key: 3, value: "1 2 3 4"}/      - {key: 3, value: "1 2 3 4"}\n      - {key: 5, value: 5}/' "$T/m.yaml"
	python3 - "$T/m.yaml" <<'P'
import sys
p = sys.argv[1]
s = open(p).read()
i = s.index("  limits:")
s = s[:i] + "  extra:\n    type: hash\n    key_size: 2\n    value_size: 2\n    max_entries: 4\n"
open(p, "w").write(s)
P
	expect_rc 2 ba plan --detailed-exitcode -f "$T/m.yaml"
	grep -q '^-/+ map.counters            max_entries 1024 -> 2048$' "$T/.out" || fail "replace line: $(cat "$T/.out")"
	grep -q '^  ~ map.table               entries: 1 to add, 1 to change, 0 to remove$' "$T/.out" || fail "update line: $(cat "$T/.out")"
	grep -q '^  - map.limits              not in manifest$' "$T/.out" || fail "delete line: $(cat "$T/.out")"
	grep -q '^  + map.extra               hash key 2B value 2B max_entries 4$' "$T/.out" || fail "create line: $(cat "$T/.out")"
	grep -q '^Plan: 1 to add, 1 to change, 1 to replace, 1 to destroy.$' "$T/.out" || fail "summary: $(cat "$T/.out")"
	expect_rc 2 ba apply --detailed-exitcode -f "$T/m.yaml"
	[ "$(map_id "$m/counters")" != "$id_counters" ] || fail "counters not replaced"
	assert_eq "$(map_field "$m/counters" max_entries)" 2048 "counters max_entries"
	assert_eq "$(map_lookup_hex "$m/counters" 32 196 183 1)" "07 00 00 00 00 00 00 00" "replacement filled"
	assert_eq "$(map_id "$m/table")" "$id_table" "table updated in place"
	assert_eq "$(map_lookup_hex "$m/table" 0 0 0 0)" "65 00 00 00" "table[0] changed"
	assert_eq "$(map_lookup_hex "$m/table" 5 0 0 0)" "05 00 00 00" "table[5] added"
	[ ! -e "$m/limits" ] || fail "limits still pinned"
	assert_eq "$(map_field "$m/extra" bytes_key)" 2 "extra created"
	! bpftool map show id "$id_limits" >/dev/null 2>&1 || sleep 0.5
	[ ! -e "$ROOT/edge/staging" ] || fail "staging left behind: $(find "$ROOT/edge/staging")"
	expect_rc 0 ba plan --detailed-exitcode -f "$T/m.yaml"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}

test_maps_destroy_leaves_foreign_pin() {
	write_entries_manifest
	expect_rc 0 ba apply -f "$T/m.yaml"
	bpftool map create "$ROOT/edge/maps/foreign" type hash key 4 value 4 entries 4 name foreign
	bpftool map create "$BPFFS/outside" type hash key 4 value 4 entries 4 name outside
	expect_rc 0 ba destroy -f "$T/m.yaml"
	[ -e "$ROOT/edge/maps/foreign" ] || fail "destroy removed a foreign pin"
	[ -e "$BPFFS/outside" ] || fail "destroy removed a pin outside the root"
	[ ! -e "$ROOT/edge/maps/counters" ] || fail "counters still pinned"
	[ ! -e "$ROOT/edge/state" ] || fail "state record left"
	rm -f "$ROOT/edge/maps/foreign" "$BPFFS/outside"
}

test_maps_foreign_pin_in_the_way() {
	write_entries_manifest
	mkdir -p "$ROOT/edge/maps"
	bpftool map create "$ROOT/edge/maps/table" type hash key 4 value 4 entries 4 name squatter
	local before
	before=$(count_objects)
	expect_rc 1 ba apply -f "$T/m.yaml"
	grep -q 'was not created by bpfapply' "$T/.err" || fail "message: $(cat "$T/.err")"
	assert_eq "$(count_objects)" "$before" "objects after refused apply"
	[ ! -e "$ROOT/edge/maps/counters" ] || fail "apply half-applied"
	assert_eq "$(map_field "$ROOT/edge/maps/table" name)" squatter "foreign pin untouched"
	rm -f "$ROOT/edge/maps/table"
}

test_maps_bad_manifests_touch_nothing() {
	local f before n=0
	before=$(count_objects)
	for f in "$TOP"/tests/manifests/bad/*.yaml; do
		expect_rc 1 ba apply -f "$f"
		grep -q ':[0-9]*:[0-9]*: ' "$T/.err" || fail "$(basename "$f"): no FILE:LINE:COL in: $(cat "$T/.err")"
		n=$((n + 1))
	done
	[ "$n" -ge 30 ] || fail "only $n bad manifests"
	[ ! -e "$ROOT" ] || [ -z "$(find "$ROOT" -mindepth 1 -not -type d)" ] || fail "pins created: $(find "$ROOT")"
	assert_eq "$(count_objects)" "$before" "kernel objects after bad manifests"
}

test_maps_policies() {
	manifest "$T/m.yaml" <<'Y'
bpfapply: v1
scope: pol
maps:
  s: {type: hash, key_size: 4, value_size: 4, max_entries: 8, entries_policy: seed,  entries: [{key: 1, value: 1}]}
  m: {type: hash, key_size: 4, value_size: 4, max_entries: 8, entries_policy: merge, entries: [{key: 1, value: 1}]}
  x: {type: hash, key_size: 4, value_size: 4, max_entries: 8, entries_policy: exact, entries: [{key: 1, value: 1}]}
  a: {type: array, key_size: 4, value_size: 4, max_entries: 4, entries_policy: exact, entries: [{key: 1, value: 1}]}
Y
	expect_rc 0 ba apply -f "$T/m.yaml"
	local d=$ROOT/pol/maps p
	for p in s m x; do
		bpftool map update pinned "$d/$p" key 1 0 0 0 value 9 0 0 0
		bpftool map update pinned "$d/$p" key 2 0 0 0 value 2 0 0 0
	done
	bpftool map update pinned "$d/a" key 2 0 0 0 value 2 0 0 0
	expect_rc 2 ba plan --detailed-exitcode -f "$T/m.yaml"
	grep -q '^  ~ map.m ' "$T/.out" || fail "merge drift not planned: $(cat "$T/.out")"
	grep -q '^  ~ map.x                   entries: 0 to add, 1 to change, 1 to remove$' "$T/.out" || fail "exact drift: $(cat "$T/.out")"
	grep -q 'map.s ' "$T/.out" && fail "seed map planned: $(cat "$T/.out")"
	expect_rc 0 ba apply -f "$T/m.yaml"
	assert_eq "$(map_lookup_hex "$d/s" 1 0 0 0)" "09 00 00 00" "seed: runtime value kept"
	assert_eq "$(map_count_entries "$d/s")" 2 "seed: runtime key kept"
	assert_eq "$(map_lookup_hex "$d/m" 1 0 0 0)" "01 00 00 00" "merge: declared value restored"
	assert_eq "$(map_count_entries "$d/m")" 2 "merge: other key left alone"
	assert_eq "$(map_lookup_hex "$d/x" 1 0 0 0)" "01 00 00 00" "exact: declared value restored"
	assert_eq "$(map_count_entries "$d/x")" 1 "exact: other key removed"
	assert_eq "$(map_lookup_hex "$d/a" 2 0 0 0)" "00 00 00 00" "exact array: undeclared slot zeroed"
	expect_rc 0 ba plan --detailed-exitcode -f "$T/m.yaml"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}

test_maps_failed_staging_leaves_nothing() {
	write_entries_manifest
	expect_rc 0 ba apply -f "$T/m.yaml"
	local ids before
	ids=$(for p in "$ROOT"/edge/maps/*; do map_id "$p"; done | tr '\n' ' ')
	before=$(count_objects)
	# a new map plus a replacement whose fill the kernel rejects (no such ifindex)
	cat >> "$T/m.yaml" <<'Y'
  newmap: {type: hash, key_size: 4, value_size: 4, max_entries: 4}
  devs:
    type: devmap
    key_size: 4
    value_size: 4
    max_entries: 4
    entries: [{key: 0, value: 0x7ffffff0}]
Y
	sed -i 's/max_entries: 1024/max_entries: 4096/' "$T/m.yaml"
	expect_rc 1 ba apply -f "$T/m.yaml"
	grep -q "map 'devs'" "$T/.err" || fail "error does not name the map: $(cat "$T/.err")"
	assert_eq "$(for p in "$ROOT"/edge/maps/*; do map_id "$p"; done | tr '\n' ' ')" "$ids" "live maps after failed apply"
	[ ! -e "$ROOT/edge/maps/newmap" ] || fail "newmap pinned"
	[ ! -e "$ROOT/edge/staging" ] || fail "staging left: $(find "$ROOT/edge/staging")"
	wait_objects "$before" >/dev/null || fail "objects leaked: $before -> $(count_objects)"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}

test_maps_root_mount_and_nomount() {
	local dir=$T/plain
	mkdir -p "$dir"
	mount -t tmpfs tmpfs "$dir"
	write_entries_manifest
	expect_rc 1 "$BIN" --root "$dir/r" -n apply -f "$T/m.yaml"
	grep -q 'not on a bpf filesystem' "$T/.err" || fail "nomount message: $(cat "$T/.err")"
	expect_rc 0 "$BIN" --root "$dir/r" apply -f "$T/m.yaml"
	[ "$(stat -f -c %T "$dir/r")" = bpf_fs ] || fail "root not on bpffs after apply: $(stat -f -c %T "$dir/r")"
	[ -e "$dir/r/edge/maps/counters" ] || fail "counters not pinned under the mounted root"
	expect_rc 0 "$BIN" --root "$dir/r" destroy -f "$T/m.yaml"
	umount "$dir/r"
	umount "$dir"
}

test_maps_prevent_destroy() {
	manifest "$T/m.yaml" <<'Y'
bpfapply: v1
scope: prot
maps:
  keep: {type: array, key_size: 4, value_size: 4, max_entries: 1, prevent_destroy: true}
Y
	expect_rc 0 ba apply -f "$T/m.yaml"
	local id
	id=$(map_id "$ROOT/prot/maps/keep")
	expect_rc 1 ba destroy -f "$T/m.yaml"
	grep -q 'prevent_destroy' "$T/.err" || fail "message: $(cat "$T/.err")"
	sed -i 's/max_entries: 1,/max_entries: 2,/' "$T/m.yaml"
	expect_rc 1 ba apply -f "$T/m.yaml"
	# block removed: protection kept from the state record
	printf 'bpfapply: v1\nscope: prot\n' > "$T/empty.yaml"
	expect_rc 1 ba apply -f "$T/empty.yaml"
	expect_rc 1 ba destroy --scope prot
	assert_eq "$(map_id "$ROOT/prot/maps/keep")" "$id" "protected map untouched"
	# flag removed from a declared map: lifted
	sed -i -e 's/, prevent_destroy: true//' -e 's/max_entries: 2,/max_entries: 1,/' "$T/m.yaml"
	expect_rc 0 ba apply -f "$T/m.yaml"
	expect_rc 0 ba destroy --scope prot
	[ ! -e "$ROOT/prot/maps/keep" ] || fail "keep still pinned"
}

test_maps_show_and_drift() {
	write_entries_manifest
	expect_rc 0 ba apply -f "$T/m.yaml"
	rm "$ROOT/edge/maps/table"
	expect_rc 0 ba -j show --scope edge
	assert_eq "$(jq -r '.scopes[0].resources[] | select(.name=="table") | .status' "$T/.out")" missing "show: table missing"
	assert_eq "$(jq -r '.scopes[0].resources[] | select(.name=="counters") | .live_id' "$T/.out")" "$(map_id "$ROOT/edge/maps/counters")" "show: live id"
	expect_rc 2 ba plan --detailed-exitcode -f "$T/m.yaml"
	grep -q '^  + map.table .*pin removed outside bpfapply' "$T/.out" || fail "drift plan: $(cat "$T/.out")"
	expect_rc 0 ba apply -f "$T/m.yaml"
	assert_eq "$(map_lookup_hex "$ROOT/edge/maps/table" 0 0 0 0)" "64 00 00 00" "table repaired"
	expect_rc 0 ba plan --detailed-exitcode -f "$T/m.yaml"
	expect_rc 0 ba destroy --scope edge
}

# A declared zero in an array slot is already there: nothing to do, ever.
test_maps_zero_array_value_converges() {
	manifest "$T/m.yaml" <<'Y'
bpfapply: v1
scope: zero
maps:
  a: {type: array, key_size: 4, value_size: 4, max_entries: 2, entries: [{key: 0, value: 0}, {key: 1, value: 1}]}
  p: {type: percpu_array, key_size: 4, value_size: 4, max_entries: 2, entries: [{key: 0, value: 0}]}
Y
	expect_rc 2 ba apply --detailed-exitcode -f "$T/m.yaml"
	expect_rc 0 ba plan --detailed-exitcode -f "$T/m.yaml"
	bpftool map update pinned "$ROOT/zero/maps/a" key 0 0 0 0 value 5 0 0 0
	expect_rc 2 ba plan --detailed-exitcode -f "$T/m.yaml"
	grep -q '^  ~ map.a                   entries: 0 to add, 1 to change, 0 to remove$' "$T/.out" || fail "plan: $(cat "$T/.out")"
	expect_rc 0 ba apply -f "$T/m.yaml"
	assert_eq "$(map_lookup_hex "$ROOT/zero/maps/a" 0 0 0 0)" "00 00 00 00" "a[0] zeroed back"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}

test_maps_preserve_entries_on_replace() {
	manifest "$T/m.yaml" <<'Y'
bpfapply: v1
scope: pres
maps:
  kept: {type: hash, key_size: 4, value_size: 4, max_entries: 4, preserve_entries: true, entries: [{key: 1, value: 1}]}
  pcpu: {type: percpu_hash, key_size: 4, value_size: 4, max_entries: 4, preserve_entries: true}
  seeded: {type: hash, key_size: 4, value_size: 4, max_entries: 4, preserve_entries: true, entries_policy: seed, entries: [{key: 1, value: 1}]}
  lost: {type: hash, key_size: 4, value_size: 4, max_entries: 4, entries: [{key: 1, value: 1}]}
Y
	expect_rc 0 ba apply -f "$T/m.yaml"
	local d=$ROOT/pres/maps p ids
	for p in kept seeded lost; do
		bpftool map update pinned "$d/$p" key 1 0 0 0 value 5 0 0 0
		bpftool map update pinned "$d/$p" key 2 0 0 0 value 2 0 0 0
	done
	bpftool map update pinned "$d/pcpu" key 3 0 0 0 value 3 0 0 0
	ids=$(for p in kept pcpu seeded lost; do map_id "$d/$p"; done | tr '\n' ' ')
	sed -i 's/max_entries: 4/max_entries: 64/' "$T/m.yaml"
	expect_rc 0 ba apply -f "$T/m.yaml"
	for p in kept pcpu seeded lost; do
		[[ " $ids " != *" $(map_id "$d/$p") "* ]] || fail "$p not replaced"
		assert_eq "$(map_field "$d/$p" max_entries)" 64 "$p max_entries"
	done
	# merge: the runtime key survives, the declared value wins
	assert_eq "$(map_count_entries "$d/kept")" 2 "kept: runtime entry preserved"
	assert_eq "$(map_lookup_hex "$d/kept" 1 0 0 0)" "01 00 00 00" "kept: declared value wins"
	# seed: runtime data wins over the seed
	assert_eq "$(map_lookup_hex "$d/seeded" 1 0 0 0)" "05 00 00 00" "seeded: runtime value preserved"
	assert_eq "$(map_count_entries "$d/seeded")" 2 "seeded: runtime entry preserved"
	assert_eq "$(map_lookup_hex "$d/pcpu" 3 0 0 0)" "03 00 00 00" "per-CPU entry preserved"
	# without the flag a replacement starts from the declared entries only
	assert_eq "$(map_count_entries "$d/lost")" 1 "lost: only declared entries"
	expect_rc 0 ba plan --detailed-exitcode -f "$T/m.yaml"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}

test_maps_preserve_entries_shrink_and_json() {
	manifest "$T/m.yaml" <<'Y'
bpfapply: v1
scope: shrink
maps:
  h: {type: hash, key_size: 4, value_size: 4, max_entries: 4, preserve_entries: true, entries: [{key: 9, value: 9}]}
Y
	expect_rc 0 ba apply -f "$T/m.yaml"
	local d=$ROOT/shrink/maps k
	for k in 1 2 3; do bpftool map update pinned "$d/h" key $k 0 0 0 value $k 0 0 0; done
	sed -i 's/max_entries: 4/max_entries: 2/' "$T/m.yaml"
	expect_rc 0 ba -j apply -f "$T/m.yaml"
	jq -e '.changed == true' "$T/.out" > /dev/null || fail "stdout is not one JSON document: $(cat "$T/.out")"
	grep -q "warning: .*2 live entries did not fit" "$T/.err" || fail "no warning on stderr: $(cat "$T/.err")"
	assert_eq "$(map_lookup_hex "$d/h" 9 0 0 0)" "09 00 00 00" "the declared entry is written first"
	assert_eq "$(map_count_entries "$d/h")" 2 "one runtime entry fits"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}

test_maps_repair_does_not_copy_an_intruder() {
	manifest "$T/m.yaml" <<'Y'
bpfapply: v1
scope: intr
maps:
  h: {type: hash, key_size: 4, value_size: 4, max_entries: 4, preserve_entries: true, prevent_destroy: true}
Y
	expect_rc 0 ba apply -f "$T/m.yaml"
	rm "$ROOT/intr/maps/h"
	bpftool map create "$ROOT/intr/maps/h" type hash key 4 value 4 entries 4 name intruder
	bpftool map update pinned "$ROOT/intr/maps/h" key 7 0 0 0 value 7 0 0 0
	expect_rc 2 ba plan --detailed-exitcode -f "$T/m.yaml"
	grep -q '^-/+ map.h                   pin replaced outside bpfapply$' "$T/.out" || fail "plan: $(cat "$T/.out")"
	# prevent_destroy does not block the repair: the protected map is already gone
	expect_rc 0 ba apply -f "$T/m.yaml"
	assert_eq "$(map_field "$ROOT/intr/maps/h" name)" h "repaired"
	assert_eq "$(map_count_entries "$ROOT/intr/maps/h")" 0 "the intruder's entries were not copied"
	sed -i 's/, prevent_destroy: true//' "$T/m.yaml"
	expect_rc 0 ba apply -f "$T/m.yaml"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}

test_maps_program_pinned_in_place_of_a_map() {
	write_entries_manifest
	expect_rc 0 ba apply -f "$T/m.yaml"
	rm "$ROOT/edge/maps/table"
	bpftool prog loadall "$TOP/examples/bpf/tail_calls.bpf.o" "$BPFFS/p" type xdp
	mv "$BPFFS/p/main_func" "$ROOT/edge/maps/table"
	expect_rc 2 ba -j plan --detailed-exitcode -f "$T/m.yaml"
	# the live reader knows a program is not a map: no bogus attributes in "before"
	assert_eq "$(jq -c '.resource_changes[] | select(.address=="map.table") | [.change.actions, .change.before]' "$T/.out")" '[["create","delete"],null]' "plan for a program in a map's place"
	expect_rc 0 ba apply -f "$T/m.yaml"
	assert_eq "$(map_field "$ROOT/edge/maps/table" type)" array "repaired"
	expect_rc 0 ba destroy -f "$T/m.yaml"
	rm -rf "$BPFFS/p"
}

# An in-place update the kernel refuses undoes the others and changes nothing.
test_maps_refused_update_changes_nothing() {
	manifest "$T/m.yaml" <<'Y'
bpfapply: v1
scope: upd
maps:
  other: {type: hash, key_size: 4, value_size: 4, max_entries: 4, entries: [{key: 1, value: 1}]}
  full: {type: hash, key_size: 4, value_size: 4, max_entries: 2, entries: [{key: 1, value: 1}]}
Y
	expect_rc 0 ba apply -f "$T/m.yaml"
	local d=$ROOT/upd/maps state
	bpftool map update pinned "$d/full" key 2 0 0 0 value 2 0 0 0 # now full
	state=$(map_id "$ROOT/upd/state")
	# other[1] changes (applied first), then full[1], then full[3] cannot fit; and a new map
	sed -i -e 's/other: {type: hash, key_size: 4, value_size: 4, max_entries: 4, entries: \[{key: 1, value: 1}\]}/other: {type: hash, key_size: 4, value_size: 4, max_entries: 4, entries: [{key: 1, value: 7}]}/' \
	       -e 's/entries: \[{key: 1, value: 1}\]}$/entries: [{key: 1, value: 5}, {key: 3, value: 3}]}/' "$T/m.yaml"
	echo "  newmap: {type: hash, key_size: 4, value_size: 4, max_entries: 4}" >> "$T/m.yaml"
	expect_rc 2 ba plan --detailed-exitcode -f "$T/m.yaml"
	expect_rc 1 ba apply -f "$T/m.yaml"
	grep -q "m.yaml:.*: map 'full': entry update failed: .*nothing was changed" "$T/.err" || fail "message: $(cat "$T/.err")"
	assert_eq "$(map_lookup_hex "$d/full" 1 0 0 0)" "01 00 00 00" "full[1] put back"
	assert_eq "$(map_lookup_hex "$d/other" 1 0 0 0)" "01 00 00 00" "other[1] put back"
	assert_eq "$(map_count_entries "$d/full")" 2 "full as it was"
	[ ! -e "$d/newmap" ] || fail "the new map was committed"
	assert_eq "$(map_id "$ROOT/upd/state")" "$state" "the state record was not rewritten"
	[ ! -e "$ROOT/upd/staging" ] || fail "staging left"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}
