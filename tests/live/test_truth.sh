# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# What plan says, apply does and the kernel then holds (issue 10, and
# issue 9 item 13): one test per defect, each asserting with bpftool.

# lpm_trie key bytes: prefix length (u32, host order) then 4 address bytes,
# as bpftool DATA words in the array LK.
lpm_key() { # plen a b c d
	read -ra LK <<< "$(printf 'hex %02x 00 00 00 %02x %02x %02x %02x' "$1" "$2" "$3" "$4" "$5")"
}
lpm_manifest() { # policy max entries-lines...
	local policy=$1 max=$2
	shift 2
	{
		cat <<Y
bpfapply: v1
scope: lpm
maps:
  nets:
    type: lpm_trie
    key_size: 8
    value_size: 1
    max_entries: $max
    flags: [no_prealloc]
    entries_policy: $policy
    entries:
Y
		printf '      - %s\n' "$@"
	} > "$T/m.yaml"
}

# 1. merge: a missing prefix under a covering one with the same value is missing.
test_truth_lpm_merge_reads_exact_keys() {
	lpm_manifest merge 16 '{key: [16, 0, 0, 0, 192, 168, 0, 0], value: 1}'
	expect_rc 0 ba apply -f "$T/m.yaml"
	local pin=$ROOT/lpm/maps/nets
	lpm_manifest merge 16 '{key: [16, 0, 0, 0, 192, 168, 0, 0], value: 1}' \
		'{key: [24, 0, 0, 0, 192, 168, 1, 0], value: 1}'
	expect_rc 2 ba plan --detailed-exitcode -f "$T/m.yaml"
	expect_rc 0 ba apply -f "$T/m.yaml"
	assert_eq "$(map_count_entries "$pin")" 2 "the /24 was written"
	assert_eq "$(bpftool -j map dump pinned "$pin" | jq -r '[.[] | select(.key[0] == "0x18")] | length')" 1 "/24 in the trie"
	# the /24 deleted at runtime: drift, repaired
	lpm_key 24 192 168 1 0
	bpftool map delete pinned "$pin" key "${LK[@]}"
	expect_rc 2 ba plan --detailed-exitcode -f "$T/m.yaml"
	expect_rc 0 ba apply -f "$T/m.yaml"
	assert_eq "$(map_count_entries "$pin")" 2 "the deleted /24 was written back"
	expect_rc 0 ba plan --detailed-exitcode -f "$T/m.yaml"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}

# 2. a failed apply takes back exactly what it wrote: no undeclared /16 -> 9.
test_truth_lpm_failed_apply_undo() {
	lpm_manifest merge 2 '{key: [16, 0, 0, 0, 10, 1, 0, 0], value: 1}' \
		'{key: [16, 0, 0, 0, 10, 2, 0, 0], value: 2}'
	expect_rc 0 ba apply -f "$T/m.yaml"
	local pin=$ROOT/lpm/maps/nets
	lpm_key 16 10 1 0 0
	bpftool map delete pinned "$pin" key "${LK[@]}"
	lpm_key 16 10 2 0 0
	bpftool map delete pinned "$pin" key "${LK[@]}"
	lpm_key 8 10 0 0 0
	bpftool map update pinned "$pin" key "${LK[@]}" value 9
	expect_rc 0 ba plan -f "$T/m.yaml"
	grep -q 'entries: 2 to add, 0 to change, 0 to remove' "$T/.out" || fail "plan: $(cat "$T/.out")"
	# two adds into a trie with room for one: the second fails, the first is undone
	expect_rc 1 ba apply -f "$T/m.yaml"
	assert_eq "$(map_count_entries "$pin")" 1 "only the runtime /8 is left"
	assert_eq "$(bpftool -j map dump pinned "$pin" | jq -r '.[0].key[0] + " " + .[0].value[0]')" "0x08 0x09" "the /8 -> 9"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}

# 3. exact: bits past the prefix length do not make another key.
test_truth_lpm_exact_canonical_keys() {
	lpm_manifest exact 16 '{key: [16, 0, 0, 0, 192, 168, 0, 0], value: 1}'
	expect_rc 0 ba apply -f "$T/m.yaml"
	local pin=$ROOT/lpm/maps/nets id
	id=$(map_id "$pin")
	# the same trie node written at runtime with bits past its prefix
	lpm_key 16 192 168 7 7
	bpftool map update pinned "$pin" key "${LK[@]}" value 1
	assert_eq "$(map_count_entries "$pin")" 1 "one node"
	expect_rc 0 ba plan --detailed-exitcode -f "$T/m.yaml"
	expect_rc 0 ba apply -f "$T/m.yaml"
	assert_eq "$(map_count_entries "$pin")" 1 "the node is still there"
	assert_eq "$(map_id "$pin")" "$id" "not replaced"
	# a changed value on that node is a change of the declared key
	lpm_key 16 192 168 7 7
	bpftool map update pinned "$pin" key "${LK[@]}" value 5
	expect_rc 0 ba plan -f "$T/m.yaml"
	grep -q 'entries: 0 to add, 1 to change, 0 to remove' "$T/.out" || fail "plan: $(cat "$T/.out")"
	expect_rc 0 ba apply -f "$T/m.yaml"
	lpm_key 16 192 168 0 0
	assert_eq "$(bpftool -j map lookup pinned "$pin" key "${LK[@]}" | jq -r '.value[0]')" 0x01 "value repaired"
	assert_eq "$(map_count_entries "$pin")" 1 "still one node"
	# a declared key with such bits is refused, located
	lpm_manifest exact 16 '{key: [16, 0, 0, 0, 192, 168, 7, 7], value: 1}'
	expect_rc 1 ba validate -f "$T/m.yaml"
	grep -q 'm.yaml:12:15: key: bits set past the prefix length 16' "$T/.err" || fail "message: $(cat "$T/.err")"
	expect_rc 0 ba destroy --scope lpm
}

# 4. rdonly / wronly are not reported back by the kernel: still no change.
test_truth_user_access_flags_converge() {
	manifest "$T/m.yaml" <<'Y'
bpfapply: v1
scope: ro
maps:
  r:  {type: hash, key_size: 4, value_size: 4, max_entries: 4, flags: [rdonly], prevent_destroy: true}
  w:  {type: hash, key_size: 4, value_size: 4, max_entries: 4, flags: [wronly], entries_policy: seed, entries: [{key: 1, value: 2}]}
  rp: {type: array, key_size: 4, value_size: 4, max_entries: 4, flags: [rdonly_prog]}
  wp: {type: array, key_size: 4, value_size: 4, max_entries: 4, flags: [wronly_prog]}
  z:  {type: hash, key_size: 4, value_size: 4, max_entries: 4, flags: [zero_seed, no_prealloc]}
  mm: {type: array, key_size: 4, value_size: 4, max_entries: 4, flags: [mmapable]}
Y
	expect_rc 0 ba apply -f "$T/m.yaml"
	local d=$ROOT/ro/maps n ids=
	for n in r w rp wp z mm; do ids="$ids $(map_id "$d/$n")"; done
	# the kernel reports neither flag (they only restrict the fd create returns)
	assert_eq "$(map_field "$d/r" flags) $(map_field "$d/w" flags)" "0 0" "access flags not reported"
	assert_eq "$(map_lookup_hex "$d/w" 1 0 0 0)" "02 00 00 00" "w seeded through its write-only fd"
	expect_rc 0 ba plan --detailed-exitcode -f "$T/m.yaml"
	expect_rc 0 ba apply -f "$T/m.yaml"
	local now=
	for n in r w rp wp z mm; do now="$now $(map_id "$d/$n")"; done
	assert_eq "$now" "$ids" "no map replaced"
	# dropping the flag is a change bpfapply still sees (kept in the record)
	sed -i 's/flags: \[wronly\], //' "$T/m.yaml"
	expect_rc 2 ba plan --detailed-exitcode -f "$T/m.yaml"
	grep -q -- '-/+ map.w ' "$T/.out" || fail "plan: $(cat "$T/.out")"
	sed -i '/prevent_destroy/s/, prevent_destroy: true//' "$T/m.yaml"
	expect_rc 0 ba apply -f "$T/m.yaml"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}

# 5. no_common_lru: the kernel rounds max_entries up to a multiple of the CPUs.
test_truth_no_common_lru_rounding() {
	local ncpu
	ncpu=$(awk -F- '{print $NF + 1}' /sys/devices/system/cpu/possible)
	manifest "$T/m.yaml" <<'Y'
bpfapply: v1
scope: lru
maps:
  a: {type: lru_hash, key_size: 4, value_size: 4, max_entries: 7, flags: [no_common_lru]}
  b: {type: lru_percpu_hash, key_size: 4, value_size: 4, max_entries: 7, flags: [no_common_lru]}
  c: {type: devmap, key_size: 4, value_size: 4, max_entries: 3}
Y
	expect_rc 0 ba apply -f "$T/m.yaml"
	local d=$ROOT/lru/maps ia ib
	assert_eq "$(map_field "$d/a" max_entries)" $(((7 + ncpu - 1) / ncpu * ncpu)) "a rounded by the kernel"
	ia=$(map_id "$d/a")
	ib=$(map_id "$d/b")
	expect_rc 0 ba plan --detailed-exitcode -f "$T/m.yaml"
	expect_rc 0 ba apply -f "$T/m.yaml"
	assert_eq "$(map_id "$d/a") $(map_id "$d/b")" "$ia $ib" "not replaced"
	# a declared change is still a change, even within the rounding
	sed -i 's/max_entries: 7, flags: \[no_common_lru\]}$/max_entries: 8, flags: [no_common_lru]}/' "$T/m.yaml"
	expect_rc 2 ba plan --detailed-exitcode -f "$T/m.yaml"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}

tail_manifest() { # extra-map-attrs programs-list
	mkdir -p "$T/bpf"
	cp "$TOP/examples/bpf/tail_calls.bpf.o" "$T/bpf/"
	manifest "$T/m.yaml" <<Y
bpfapply: v1
scope: frz
maps:
  jmp_table: {type: prog_array, key_size: 4, value_size: 4, max_entries: 8, frozen: true$1, entries: [{key: 0, value: {program: xdp/bpf_func_debug}}]}
programs:
  xdp: {object: bpf/tail_calls.bpf.o, programs: [$2], maps: {jmp_table: jmp_table}}
  other: {object: bpf/tail_calls.bpf.o, programs: [main_func], maps: {jmp_table: jmp_table}}
Y
}

prog_id() { bpftool -j prog show pinned "$1" | jq -r .id; }

# 6. a frozen prog_array cannot follow a reloaded target in place: it is replaced.
test_truth_frozen_prog_array_replaced() {
	tail_manifest "" "main_func, bpf_func_debug"
	expect_rc 0 ba apply -f "$T/m.yaml"
	local d=$ROOT/frz old target
	old=$(map_id "$d/maps/jmp_table")
	tail_manifest "" "main_func, bpf_func_debug, bpf_func_process"
	expect_rc 2 ba plan --detailed-exitcode -f "$T/m.yaml"
	grep -q -- '-/+ map.jmp_table .*entries of a frozen map changed' "$T/.out" || fail "plan: $(cat "$T/.out")"
	grep -q -- '-/+ program.other .*map jmp_table replaced' "$T/.out" || fail "plan: $(cat "$T/.out")"
	expect_rc 0 ba apply -f "$T/m.yaml"
	[ "$(map_id "$d/maps/jmp_table")" != "$old" ] || fail "jmp_table not replaced"
	assert_eq "$(map_field "$d/maps/jmp_table" frozen)" 1 "new map frozen"
	target=$(prog_id "$d/programs/xdp/bpf_func_debug")
	assert_eq "$(map_lookup_hex "$d/maps/jmp_table" 0 0 0 0)" "$(le32_hex "$target")" "slot holds the reloaded target"
	# both programs that tail-call through it use the new map
	assert_eq "$(bpftool -j prog show pinned "$d/programs/other/main_func" | jq -r ".map_ids | index($(map_id "$d/maps/jmp_table")) != null")" true "other reloaded with the new map"
	assert_eq "$(bpftool -j prog show pinned "$d/programs/xdp/main_func" | jq -r ".map_ids | index($(map_id "$d/maps/jmp_table")) != null")" true "xdp uses the new map"
	expect_rc 0 ba plan --detailed-exitcode -f "$T/m.yaml"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}

test_truth_frozen_prog_array_prevent_destroy() {
	tail_manifest ", prevent_destroy: true" "main_func, bpf_func_debug"
	expect_rc 0 ba apply -f "$T/m.yaml"
	local d=$ROOT/frz old prog
	old=$(map_id "$d/maps/jmp_table")
	prog=$(prog_id "$d/programs/xdp/bpf_func_debug")
	tail_manifest ", prevent_destroy: true" "main_func, bpf_func_debug, bpf_func_process"
	expect_rc 1 ba plan -f "$T/m.yaml"
	grep -q 'map "jmp_table": prevent_destroy is set; refusing to replace it (entries of a frozen map changed)' "$T/.err" || fail "message: $(cat "$T/.err")"
	expect_rc 1 ba apply -f "$T/m.yaml"
	assert_eq "$(map_id "$d/maps/jmp_table")" "$old" "jmp_table kept"
	assert_eq "$(prog_id "$d/programs/xdp/bpf_func_debug")" "$prog" "nothing reloaded"
	# lifting the protection lets the destroy go through
	tail_manifest "" "main_func, bpf_func_debug"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}

# 7. exact on a full map: removals first.
test_truth_exact_full_map_removes_first() {
	manifest "$T/m.yaml" <<'Y'
bpfapply: v1
scope: full
maps:
  h: {type: hash, key_size: 4, value_size: 4, max_entries: 2, entries_policy: exact, entries: [{key: 1, value: 1}, {key: 2, value: 2}]}
Y
	expect_rc 0 ba apply -f "$T/m.yaml"
	sed -i 's/{key: 2, value: 2}/{key: 3, value: 3}/' "$T/m.yaml"
	expect_rc 0 ba apply -f "$T/m.yaml"
	local pin=$ROOT/full/maps/h
	assert_eq "$(bpftool -j map dump pinned "$pin" | jq -r '[.[].key[0]] | sort | join(" ")')" "0x01 0x03" "keys 1 and 3"
	expect_rc 0 ba plan --detailed-exitcode -f "$T/m.yaml"
	expect_rc 0 ba destroy -f "$T/m.yaml"
	# an lpm_trie the same way (ENOSPC there)
	lpm_manifest exact 2 '{key: [16, 0, 0, 0, 10, 1, 0, 0], value: 1}' \
		'{key: [16, 0, 0, 0, 10, 2, 0, 0], value: 2}'
	expect_rc 0 ba apply -f "$T/m.yaml"
	lpm_manifest exact 2 '{key: [16, 0, 0, 0, 10, 1, 0, 0], value: 1}' \
		'{key: [16, 0, 0, 0, 10, 3, 0, 0], value: 3}'
	expect_rc 0 ba apply -f "$T/m.yaml"
	assert_eq "$(bpftool -j map dump pinned "$ROOT/lpm/maps/nets" | jq -r '[.[].key[5]] | sort | join(" ")')" "0x01 0x03" "10.1/16 and 10.3/16"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}

# 8. preserve_entries with rdonly: nothing could be copied in; refused, located.
test_truth_preserve_entries_rdonly_refused() {
	manifest "$T/m.yaml" <<'Y'
bpfapply: v1
scope: pr
maps:
  h: {type: hash, key_size: 4, value_size: 4, max_entries: 8, preserve_entries: true, entries: [{key: 1, value: 1}]}
Y
	expect_rc 0 ba apply -f "$T/m.yaml"
	local id
	id=$(map_id "$ROOT/pr/maps/h")
	manifest "$T/m.yaml" <<'Y'
bpfapply: v1
scope: pr
maps:
  h: {type: hash, key_size: 4, value_size: 4, max_entries: 8, flags: [rdonly], preserve_entries: true}
Y
	expect_rc 1 ba apply -f "$T/m.yaml"
	grep -q 'm.yaml:4:[0-9]*: preserve_entries: not allowed with the rdonly flag' "$T/.err" ||
		fail "message: $(cat "$T/.err")"
	assert_eq "$(map_id "$ROOT/pr/maps/h")" "$id" "map untouched"
	assert_eq "$(map_count_entries "$ROOT/pr/maps/h")" 1 "entries untouched"
	expect_rc 0 ba destroy --scope pr
}

# 9a. show -j: the id of the program pinned where a managed map belongs.
test_truth_show_live_id_of_intruder() {
	manifest "$T/m.yaml" <<'Y'
bpfapply: v1
scope: sh
maps:
  h: {type: hash, key_size: 4, value_size: 4, max_entries: 8}
programs:
  xdp: {object: bpf/tail_calls.bpf.o, programs: [bpf_func_debug]}
Y
	mkdir -p "$T/bpf"
	cp "$TOP/examples/bpf/tail_calls.bpf.o" "$T/bpf/"
	expect_rc 0 ba apply -f "$T/m.yaml"
	local p=$ROOT/sh/programs/xdp/bpf_func_debug id
	id=$(prog_id "$p")
	rm "$ROOT/sh/maps/h"
	bpftool prog pin id "$id" "$ROOT/sh/maps/h"
	expect_rc 0 ba show -j --scope sh
	assert_eq "$(jq -r '.. | objects | select(.name? == "h") | .live_id' "$T/.out")" "$id" "live_id of the program at the pin"
	rm "$ROOT/sh/maps/h"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}

# 9b. lpm_trie: an absent key is an add, not a change.
test_truth_lpm_counts_add_not_change() {
	lpm_manifest merge 16 '{key: [8, 0, 0, 0, 10, 0, 0, 0], value: 1}'
	expect_rc 0 ba apply -f "$T/m.yaml"
	lpm_manifest merge 16 '{key: [8, 0, 0, 0, 10, 0, 0, 0], value: 1}' \
		'{key: [16, 0, 0, 0, 10, 1, 0, 0], value: 2}'
	expect_rc 2 ba plan --detailed-exitcode -f "$T/m.yaml"
	grep -q 'map.nets .*entries: 1 to add, 0 to change, 0 to remove' "$T/.out" || fail "plan: $(cat "$T/.out")"
	expect_rc 0 ba apply -f "$T/m.yaml"
	assert_eq "$(map_count_entries "$ROOT/lpm/maps/nets")" 2 "both prefixes"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}

# issue 9 item 13: an LRU map that evicts what apply wrote fails the apply.
test_truth_lru_eviction_fails_apply() {
	local n=8 i
	{
		printf 'bpfapply: v1\nscope: ev\nmaps:\n  l:\n    type: lru_hash\n'
		printf '    key_size: 4\n    value_size: 4\n    max_entries: %s\n' $n
		printf '    flags: [no_common_lru]\n    entries:\n'
		for i in $(seq 1 $n); do printf '      - {key: %s, value: %s}\n' "$i" "$i"; done
	} > "$T/m.yaml"
	expect_rc 1 ba apply -f "$T/m.yaml"
	grep -q 'm.yaml:4:3: map .l.: the kernel evicted [0-9]* of the 8 entries .*give max_entries headroom' "$T/.err" || fail "message: $(cat "$T/.err")"
	[ ! -e "$ROOT/ev/maps/l" ] || fail "map pinned after a failed apply"
	# in place: merge adds that evict declared keys are undone
	sed -i "s/max_entries: $n/max_entries: 64/; s/flags: \[no_common_lru\]/flags: []/" "$T/m.yaml"
	expect_rc 0 ba apply -f "$T/m.yaml"
	assert_eq "$(map_count_entries "$ROOT/ev/maps/l")" $n "all kept with headroom"
	expect_rc 0 ba plan --detailed-exitcode -f "$T/m.yaml"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}

# Whole-map reads (exact) go through BPF_MAP_LOOKUP_BATCH, several chunks of them.
test_truth_batch_read_whole_map() {
	local n=700 i t
	for t in hash percpu_hash array; do
		{
			printf 'bpfapply: v1\nscope: big\nmaps:\n  b:\n    type: %s\n' "$t"
			printf '    key_size: 4\n    value_size: 4\n    max_entries: 1024\n'
			printf '    entries_policy: exact\n    entries:\n'
			for i in $(seq 1 $n); do printf '      - {key: %s, value: %s}\n' "$i" "$i"; done
		} > "$T/m.yaml"
		expect_rc 0 ba apply -f "$T/m.yaml"
		expect_rc 0 ba plan --detailed-exitcode -f "$T/m.yaml"
		# one undeclared key and one changed value, far apart in the map
		bpftool map update pinned "$ROOT/big/maps/b" key 0xe8 0x03 0 0 value 9 0 0 0
		bpftool map update pinned "$ROOT/big/maps/b" key 0x20 0x02 0 0 value 9 0 0 0
		expect_rc 2 ba plan --detailed-exitcode -f "$T/m.yaml"
		grep -q 'map.b .*entries: 0 to add, 1 to change, 1 to remove' "$T/.out" || fail "$t plan: $(cat "$T/.out")"
		expect_rc 0 ba apply -f "$T/m.yaml"
		if [ "$t" = array ]; then
			assert_eq "$(map_lookup_hex "$ROOT/big/maps/b" 0xe8 0x03 0 0)" "00 00 00 00" "$t slot zeroed"
		else
			assert_eq "$(map_count_entries "$ROOT/big/maps/b")" $n "$t entries"
		fi
		assert_eq "$(map_lookup_hex "$ROOT/big/maps/b" 0x20 0x02 0 0)" "$(le32_hex 544)" "$t value repaired"
		expect_rc 0 ba destroy -f "$T/m.yaml"
	done
}

# A map declared wronly is not read, not even to preserve its entries on a replace
# (the kernel would let a reopened pin read it: the record remembers the flag).
test_truth_wronly_not_preserved() {
	manifest "$T/m.yaml" <<'Y'
bpfapply: v1
scope: wo
maps:
  w: {type: hash, key_size: 4, value_size: 4, max_entries: 4, flags: [wronly], preserve_entries: true, entries_policy: seed, entries: [{key: 1, value: 1}]}
Y
	expect_rc 0 ba apply -f "$T/m.yaml"
	bpftool map update pinned "$ROOT/wo/maps/w" key 2 0 0 0 value 2 0 0 0
	sed -i 's/flags: \[wronly\], //; s/max_entries: 4/max_entries: 8/' "$T/m.yaml"
	expect_rc 0 ba apply -f "$T/m.yaml"
	assert_eq "$(map_field "$ROOT/wo/maps/w" max_entries)" 8 "replaced"
	assert_eq "$(bpftool -j map dump pinned "$ROOT/wo/maps/w" | jq -r '[.[].key[0]] | join(" ")')" "0x01" "only the declared entry"
	# without wronly, the next replacement preserves the runtime entry
	bpftool map update pinned "$ROOT/wo/maps/w" key 2 0 0 0 value 2 0 0 0
	sed -i 's/max_entries: 8/max_entries: 16/' "$T/m.yaml"
	expect_rc 0 ba apply -f "$T/m.yaml"
	assert_eq "$(map_count_entries "$ROOT/wo/maps/w")" 2 "runtime entry preserved"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}
