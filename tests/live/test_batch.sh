# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Entries read back and written in batches (BPF_MAP_LOOKUP_BATCH,
# BPF_MAP_UPDATE_BATCH, BPF_MAP_DELETE_BATCH), the per-key paths they fall
# back to, and the cost rule choosing between whole-map and per-key reads.
# What the kernel holds is read with bpftool -j and compared with values
# computed here (awk), never with bpfapply's output.

# A hash map's entries as sorted "KEYHEX VALUEHEX" lines (bytes in order, no spaces).
batch_dump() { # pin
	bpftool -j map dump pinned "$1" |
		jq -r '.[] | (.key | map(ltrimstr("0x")) | join("")) + " " + (.value | map(ltrimstr("0x")) | join(""))' |
		sort
}

# Expected lines, from an awk program printing "key value" integer pairs
# (u32 key, value of vsize bytes), in batch_dump's form.
batch_expect() { # vsize awk-BEGIN-body
	awk -v vs="$1" 'function le(v, n,   s, i) {s = ""; for (i = 0; i < n; i++) {s = s sprintf("%02x", v % 256); v = int(v / 256)}; return s}
	function kv(k, v) {print le(k, 4) " " le(v, vs)}
	BEGIN {'"$2"'}' | sort
}

# A hash map manifest: u32 keys, u64 values, entries from an awk program
# printing "key value" pairs.
batch_manifest() { # file scope max policy awk-BEGIN-body
	{
		printf 'bpfapply: v1\nscope: %s\nmaps:\n  big:\n' "$2"
		printf '    type: hash\n    key_size: 4\n    value_size: 8\n    max_entries: %d\n' "$3"
		printf '    entries_policy: %s\n    entries:\n' "$4"
		awk 'function kv(k, v) {printf "      - {key: %d, value: %d}\n", k, v} BEGIN {'"$5"'}'
	} > "$1"
}

test_batch_inplace_update_100k() {
	local pin=$ROOT/b100k/maps/big id
	# A: keys 0..99999 -> 3k+1
	batch_manifest "$T/a.yaml" b100k 100000 exact 'for (k = 0; k < 100000; k++) kv(k, 3 * k + 1)'
	# B: even keys below 90000 change, odd ones stay, 90000.. go, 100000..104999 come
	batch_manifest "$T/b.yaml" b100k 100000 exact \
		'for (k = 0; k < 90000; k++) kv(k, k % 2 ? 3 * k + 1 : 7 * k + 3); for (k = 100000; k < 105000; k++) kv(k, k)'
	expect_rc 0 ba apply -f "$T/a.yaml"
	id=$(map_id "$pin")
	batch_dump "$pin" > "$T/got"
	batch_expect 8 'for (k = 0; k < 100000; k++) kv(k, 3 * k + 1)' > "$T/want"
	cmp -s "$T/got" "$T/want" || fail "A: the map does not hold A's entries: $(diff "$T/want" "$T/got" | head -5)"
	BPFAPPLY_FAULT_TRACE=1 ba apply -f "$T/b.yaml" > /dev/null 2> "$T/trace" || fail "apply B: $(tail -3 "$T/trace")"
	assert_eq "$(map_id "$pin")" "$id" "updated in place, not replaced"
	batch_dump "$pin" > "$T/got"
	batch_expect 8 'for (k = 0; k < 90000; k++) kv(k, k % 2 ? 3 * k + 1 : 7 * k + 3); for (k = 100000; k < 105000; k++) kv(k, k)' > "$T/want"
	cmp -s "$T/got" "$T/want" || fail "B: the map does not hold B's entries: $(diff "$T/want" "$T/got" | head -5)"
	# 10000 removals and 50000 writes, a few batch calls each (not 60000 single ones)
	grep -q 'map entry remove batch$' "$T/trace" || fail "no batch delete: $(sort "$T/trace" | uniq -c | head)"
	grep -q 'map update batch$' "$T/trace" || fail "no batch update"
	[ "$(grep -c 'fault point [0-9]*: map update$' "$T/trace")" -lt 10 ] || fail "entries written one by one"
	expect_rc 0 ba plan --detailed-exitcode -f "$T/b.yaml"
	expect_rc 0 ba destroy -f "$T/b.yaml"
}

# percpu: every CPU's copy is written, and array slots "removed" are zeroed.
test_batch_inplace_update_percpu() {
	local h=$ROOT/pcpu/maps/h a=$ROOT/pcpu/maps/a
	cat > "$T/gen.awk" <<'A'
BEGIN {
	printf "bpfapply: v1\nscope: pcpu\nmaps:\n"
	printf "  h: {type: percpu_hash, key_size: 4, value_size: 4, max_entries: 1024, entries_policy: exact, entries: ["
	for (k = 0; k < n; k++) printf "%s{key: %d, value: %d}", k ? ", " : "", k, k * m + 1
	printf "]}\n"
	printf "  a: {type: percpu_array, key_size: 4, value_size: 4, max_entries: 1024, entries_policy: exact, entries: ["
	for (k = 0; k < n; k++) printf "%s{key: %d, value: %d}", k ? ", " : "", k, k * m + 1
	printf "]}\n"
}
A
	awk -v n=1000 -v m=2 -f "$T/gen.awk" > "$T/a.yaml"
	awk -v n=600 -v m=5 -f "$T/gen.awk" > "$T/b.yaml"
	expect_rc 0 ba apply -f "$T/a.yaml"
	expect_rc 0 ba apply -f "$T/b.yaml"
	# every CPU's value, as "key value" per CPU, against 5k+1 below 600 (none / zero above)
	bpftool -j map dump pinned "$h" | jq -r '.[] | (.key | map(ltrimstr("0x")) | join("")) as $k | .values[] | $k + " " + (.value | map(ltrimstr("0x")) | join(""))' | sort -u > "$T/got"
	batch_expect 4 'for (k = 0; k < 600; k++) kv(k, 5 * k + 1)' > "$T/want"
	cmp -s "$T/got" "$T/want" || fail "percpu_hash: $(diff "$T/want" "$T/got" | head -5)"
	bpftool -j map dump pinned "$a" | jq -r '.[] | (.key | map(ltrimstr("0x")) | join("")) as $k | .values[] | $k + " " + (.value | map(ltrimstr("0x")) | join(""))' | sort -u > "$T/got"
	batch_expect 4 'for (k = 0; k < 1024; k++) kv(k, k < 600 ? 5 * k + 1 : 0)' > "$T/want"
	cmp -s "$T/got" "$T/want" || fail "percpu_array: $(diff "$T/want" "$T/got" | head -5)"
	expect_rc 0 ba plan --detailed-exitcode -f "$T/b.yaml"
	expect_rc 0 ba destroy -f "$T/b.yaml"
}

# A batch the kernel stops in the middle: the map is full (an undeclared
# entry takes the last slot), so the one new key is refused with E2BIG
# after 500 changes went in.  The error names that entry, and the map is
# put back exactly.
test_batch_refused_in_the_middle() {
	local pin=$ROOT/mid/maps/big line col
	batch_manifest "$T/a.yaml" mid 1000 merge 'for (k = 0; k < 999; k++) kv(k, k)'
	batch_manifest "$T/b.yaml" mid 1000 merge \
		'for (k = 0; k < 500; k++) kv(k, k + 7); kv(5000, 1); for (k = 500; k < 999; k++) kv(k, k + 7)'
	expect_rc 0 ba apply -f "$T/a.yaml"
	bpftool map update pinned "$pin" key 0x0f 0x27 0 0 value 1 2 3 4 5 6 7 8 # key 9999: now full
	batch_dump "$pin" > "$T/before"
	line=$(grep -n 'key: 5000,' "$T/b.yaml" | cut -d: -f1)
	col=$(($(sed -n "${line}p" "$T/b.yaml" | cut -d'{' -f1 | wc -c)))
	BPFAPPLY_FAULT_TRACE=1 expect_rc 1 ba apply -f "$T/b.yaml"
	grep -q "fault point 1: map update batch$" "$T/.err" || fail "the first batch was not a batch: $(head -5 "$T/.err")"
	grep -q "^bpfapply: $T/b.yaml:$line:$col: map 'big': entry update failed: Argument list too long; nothing was changed$" "$T/.err" ||
		fail "the error does not name $T/b.yaml:$line:$col: $(grep -v '^fault' "$T/.err")"
	batch_dump "$pin" > "$T/after"
	cmp -s "$T/before" "$T/after" || fail "the map was not put back: $(diff "$T/before" "$T/after" | head -5)"
	expect_rc 2 ba plan --detailed-exitcode -f "$T/b.yaml"
	expect_rc 0 ba destroy -f "$T/a.yaml"
}

# lpm_trie has no batch ops: the same in-place update goes key by key.
test_batch_fallback_per_key_lpm() {
	local pin=$ROOT/lpm/maps/t
	cat > "$T/gen.awk" <<'A'
BEGIN {
	printf "bpfapply: v1\nscope: lpm\nmaps:\n  t:\n    type: lpm_trie\n    key_size: 8\n    value_size: 4\n"
	printf "    max_entries: 512\n    flags: [no_prealloc]\n    entries_policy: exact\n    entries:\n"
	for (k = 0; k < n; k++)
		printf "      - {key: [24, 0, 0, 0, 10, %d, %d, 0], value: %d}\n", int(k / 256), k % 256, k + m
}
A
	awk -v n=300 -v m=0 -f "$T/gen.awk" > "$T/a.yaml"
	awk -v n=200 -v m=1000 -f "$T/gen.awk" > "$T/b.yaml"
	expect_rc 0 ba apply -f "$T/a.yaml"
	BPFAPPLY_FAULT_TRACE=1 ba apply -f "$T/b.yaml" > /dev/null 2> "$T/trace" || fail "apply B: $(tail -3 "$T/trace")"
	batch_dump "$pin" > "$T/got"
	awk 'function le(v, n,   s, i) {s = ""; for (i = 0; i < n; i++) {s = s sprintf("%02x", v % 256); v = int(v / 256)}; return s}
	BEGIN {for (k = 0; k < 200; k++) printf "180000000a%02x%02x00 %s\n", int(k / 256), k % 256, le(k + 1000, 4)}' | sort > "$T/want"
	cmp -s "$T/got" "$T/want" || fail "lpm_trie: $(diff "$T/want" "$T/got" | head -5)"
	! grep -q batch "$T/trace" || fail "a batch call on an lpm_trie: $(grep batch "$T/trace" | head -2)"
	assert_eq "$(grep -c 'fault point [0-9]*: map update$' "$T/trace")" 200 "one update per changed entry"
	assert_eq "$(grep -c 'fault point [0-9]*: map entry remove$' "$T/trace")" 100 "one remove per undeclared entry"
	expect_rc 0 ba plan --detailed-exitcode -f "$T/b.yaml"
	expect_rc 0 ba destroy -f "$T/b.yaml"
}

# Both reads (per key: few keys declared in a big map; the whole map in a
# batch: many) and the walk give the same plan; a saved plan made by one
# is not stale for another.
test_batch_read_back_paths_agree() {
	local pin=$ROOT/paths/maps/big how f
	batch_manifest "$T/full.yaml" paths 10000 merge 'for (k = 0; k < 10000; k++) kv(k, k)'
	batch_manifest "$T/few.yaml" paths 10000 merge 'for (k = 0; k < 100; k++) kv(k * 97, k * 97)'
	batch_manifest "$T/many.yaml" paths 10000 merge 'for (k = 0; k < 5000; k++) kv(k * 2, k * 2)'
	batch_manifest "$T/exact.yaml" paths 10000 exact 'for (k = 0; k < 10000; k++) kv(k, k)'
	expect_rc 0 ba apply -f "$T/full.yaml"
	for f in few many exact; do
		for how in "" keys batch walk; do
			BPFAPPLY_READ_ENTRIES=$how expect_rc 0 ba plan --detailed-exitcode -f "$T/$f.yaml"
		done
	done
	# 194 = 97 * 2 is declared in few, many and exact: a change to it shows in every plan
	bpftool map update pinned "$pin" key hex c2 00 00 00 value hex 00 00 00 00 00 00 00 00
	for f in few many exact; do
		for how in "" keys batch walk; do
			BPFAPPLY_READ_ENTRIES=$how expect_rc 2 ba plan --detailed-exitcode -f "$T/$f.yaml"
			mv "$T/.out" "$T/plan.$f.${how:-auto}"
		done
		grep -q '~ *map.big' "$T/plan.$f.auto" || fail "$f: no in-place change planned: $(cat "$T/plan.$f.auto")"
		for how in keys batch walk; do
			cmp -s "$T/plan.$f.auto" "$T/plan.$f.$how" ||
				fail "$f: the $how read plans differently: $(diff "$T/plan.$f.auto" "$T/plan.$f.$how")"
		done
	done
	# an undeclared key (not in few or many) only matters under exact
	bpftool map update pinned "$pin" key hex c2 00 00 00 value hex c2 00 00 00 00 00 00 00
	bpftool map delete pinned "$pin" key hex 01 00 00 00
	bpftool map update pinned "$pin" key hex 10 27 00 00 value hex 01 00 00 00 00 00 00 00
	for how in "" keys batch walk; do
		BPFAPPLY_READ_ENTRIES=$how expect_rc 0 ba plan --detailed-exitcode -f "$T/few.yaml"
		BPFAPPLY_READ_ENTRIES=$how expect_rc 0 ba plan --detailed-exitcode -f "$T/many.yaml"
		BPFAPPLY_READ_ENTRIES=$how expect_rc 2 ba plan --detailed-exitcode -f "$T/exact.yaml"
	done
	# a plan saved after per-key reads applies after whole-map reads, and the other way round
	bpftool map update pinned "$pin" key hex 00 00 00 00 value hex 09 00 00 00 00 00 00 00
	BPFAPPLY_READ_ENTRIES="keys" expect_rc 0 ba plan -o "$T/p1" -f "$T/many.yaml"
	BPFAPPLY_READ_ENTRIES="batch" expect_rc 0 ba apply "$T/p1"
	assert_eq "$(map_lookup_hex "$pin" 0 0 0 0)" "00 00 00 00 00 00 00 00" "saved plan (keys -> batch) applied"
	bpftool map update pinned "$pin" key hex 00 00 00 00 value hex 09 00 00 00 00 00 00 00
	BPFAPPLY_READ_ENTRIES="batch" expect_rc 0 ba plan -o "$T/p2" -f "$T/many.yaml"
	BPFAPPLY_READ_ENTRIES="keys" expect_rc 0 ba apply "$T/p2"
	assert_eq "$(map_lookup_hex "$pin" 0 0 0 0)" "00 00 00 00 00 00 00 00" "saved plan (batch -> keys) applied"
	expect_rc 0 ba destroy -f "$T/full.yaml"
}
