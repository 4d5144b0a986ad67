# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# The manifests in examples/ do what their comments say: each is applied as
# it is (in place, so that the bpf/... objects resolve against examples/),
# checked with bpftool, planned again with nothing to do, and destroyed.

# A fixed list, not a glob: an example added later gets its own test.
EXAMPLES="quickstart.yaml maps.yaml protected.yaml xdp1.yaml globals.yaml"

ex_file() { echo "$TOP/examples/$1"; }

# No pin left under ROOT/SCOPE (empty directories are fine).
ex_no_pins() { # scope
	local left
	[ -e "$ROOT/$1" ] || return 0
	left=$(find "$ROOT/$1" -not -type d) || fail "cannot list scope $1"
	[ -z "$left" ] || fail "pins left in scope $1: $left"
}

# apply, then plan again with nothing to do.
ex_apply_converges() { # manifest
	expect_rc 0 ba apply -f "$1"
	expect_rc 0 ba plan --detailed-exitcode -f "$1"
	grep -q '^No changes: the kernel matches the manifest\.$' "$T/.out" || fail "re-plan: $(cat "$T/.out")"
	expect_rc 0 ba apply --detailed-exitcode -f "$1"
}

ex_destroy() { # manifest scope
	expect_rc 0 ba destroy -f "$1"
	ex_no_pins "$2"
}

# Write a frame given as hex bytes to a file.
ex_frame() { # file hex...
	local out=$1 b s=
	shift
	for b in "$@"; do s="$s\\x$b"; done
	printf '%b' "$s" > "$out"
}

# Return value of one test run of a pinned XDP program on a frame file.
ex_run() { # pin frame
	bpftool -j prog run pinned "$1" data_in "$2" repeat 1 | jq -r '.retval'
}

# Per-CPU u64 counters straight from bpftool's raw bytes (maps created by
# bpfapply carry no BTF, so there is no formatted value to read).
# shellcheck disable=SC2016 # jq's own variables
EX_JQ_LE='def hexval: ascii_downcase | explode
	| map(if . >= 97 then . - 87 else . - 48 end) | reduce .[] as $d (0; . * 16 + $d);
def le: reduce (reverse[] | ltrimstr("0x") | hexval) as $b (0; . * 256 + $b);'
ex_percpu_sum() { # pin key-bytes...
	local pin=$1
	shift
	bpftool -j map lookup pinned "$pin" key "$@" | jq "$EX_JQ_LE"' [.values[].value | le] | add'
}
ex_percpu_nonzero_cpus() { # pin key-bytes...
	local pin=$1
	shift
	bpftool -j map lookup pinned "$pin" key "$@" | jq "$EX_JQ_LE"' [.values[].value | le | select(. != 0)] | length'
}
# Every CPU's copy of a per-CPU value, deduplicated: one line if they agree.
ex_percpu_values() { # pin key-bytes...
	local pin=$1
	shift
	bpftool -j map lookup pinned "$pin" key "$@" |
		jq -r '[.values[].value | map(ltrimstr("0x")) | join(" ")] | unique | .[]'
}

ex_prog_field() { bpftool -j prog show pinned "$1" | jq -r ".$2"; }
ex_prog_map_ids() { bpftool -j prog show pinned "$1" | jq -c '.map_ids | sort'; }

# Frames for xdp1: IPv4/UDP, 802.1Q-tagged IPv6/TCP, ARP.
ex_frames() {
	local eth=(02 00 00 00 00 01 02 00 00 00 00 02)
	ex_frame "$T/udp4" "${eth[@]}" 08 00 \
		45 00 00 20 00 01 00 00 40 11 00 00 c0 00 02 01 c0 00 02 02 \
		04 d2 00 35 00 0c 00 00 \
		64 61 74 61
	ex_frame "$T/tcp6_vlan" "${eth[@]}" 81 00 00 64 86 dd \
		60 00 00 00 00 14 06 40 \
		20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 \
		20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 02 \
		30 39 00 50 00 00 00 00 00 00 00 00 50 02 ff ff 00 00 00 00
	ex_frame "$T/arp" "${eth[@]}" 08 06 \
		00 01 08 00 06 04 00 01 02 00 00 00 00 02 c0 00 02 02 \
		00 00 00 00 00 00 c0 00 02 01
}

test_examples_validate() {
	local f
	for f in $EXAMPLES; do
		[ -f "$(ex_file "$f")" ] || fail "examples/$f is missing"
		expect_rc 0 ba validate -f "$(ex_file "$f")"
		grep -q '^Manifest valid: ' "$T/.out" || fail "validate $f: $(cat "$T/.out")"
	done
	[ ! -e "$ROOT" ] || fail "validate touched the root"
}

test_examples_quickstart() {
	local m d=$ROOT/quickstart/maps
	m=$(ex_file quickstart.yaml)
	expect_rc 2 ba plan --detailed-exitcode -f "$m"
	grep -q '^Plan: 3 to add, 0 to change, 0 to replace, 0 to destroy\.$' "$T/.out" || fail "plan: $(cat "$T/.out")"
	ex_apply_converges "$m"
	assert_eq "$(map_show "$d/counters" | jq -c '[.type, .bytes_key, .bytes_value, .max_entries]')" \
		'["percpu_hash",4,8,1024]' "counters"
	assert_eq "$(map_show "$d/flows" | jq -c '[.type, .bytes_key, .bytes_value, .max_entries]')" \
		'["lru_hash",16,8,4096]' "flows"
	assert_eq "$(map_show "$d/config" | jq -c '[.type, .bytes_key, .bytes_value, .max_entries]')" \
		'["array",4,4,4]' "config"
	assert_eq "$(map_lookup_hex "$d/config" 0 0 0 0)" "01 00 00 00" "config[0]"
	assert_eq "$(map_lookup_hex "$d/config" 1 0 0 0)" "$(le32_hex 1500)" "config[1]"
	assert_eq "$(map_lookup_hex "$d/config" 2 0 0 0)" "00 10 00 00" "config[2] (DATA)"
	assert_eq "$(map_count_entries "$d/counters")" 0 "counters start empty"
	ex_destroy "$m" quickstart
}

test_examples_maps() {
	local m d=$ROOT/maps-example/maps
	m=$(ex_file maps.yaml)
	ex_apply_converges "$m"
	# hash maps
	assert_eq "$(map_field "$d/counters" name)" pkt_counters "counters kernel name"
	assert_eq "$(map_field "$d/counters" type)" percpu_hash "counters type"
	assert_eq "$(ex_percpu_values "$d/counters" hex 0a 00 00 02)" "00 00 00 00 00 00 00 00" "counters[10.0.0.2] on every CPU"
	assert_eq "$(map_field "$d/sessions" flags)" 2 "sessions: no_common_lru"
	assert_eq "$(map_count_entries "$d/sessions")" 2 "sessions seeded"
	assert_eq "$(map_lookup_hex "$d/sessions" 2 0 0 0 0 0 0 0)" "c8 00 00 00 00 00 00 00" "sessions[2]"
	assert_eq "$(map_field "$d/allowlist" flags)" 1 "allowlist: no_prealloc"
	assert_eq "$(map_lookup_hex "$d/allowlist" 192 168 0 2)" "01" "allowlist[192.168.0.2]"
	# LPM trie, exact
	assert_eq "$(map_field "$d/routes" type)" lpm_trie "routes type"
	assert_eq "$(map_count_entries "$d/routes")" 2 "routes entries"
	assert_eq "$(map_lookup_hex "$d/routes" 24 0 0 0 192 168 1 0)" "02 00 00 00" "routes[192.168.1.0/24]"
	# arrays
	assert_eq "$(map_lookup_hex "$d/settings" 0 0 0 0)" "1f 00 00 00 00 00 00 00" "settings[0]"
	assert_eq "$(map_lookup_hex "$d/settings" 1 0 0 0)" "ff ff ff ff ff ff ff ff" "settings[1] = -1"
	assert_eq "$(map_lookup_hex "$d/settings" 2 0 0 0)" "01 02 03 04 05 06 07 08" "settings[2]"
	assert_eq "$(map_lookup_hex "$d/settings" 3 0 0 0)" "00 00 00 00 00 00 00 00" "settings[3]"
	assert_eq "$(ex_percpu_values "$d/percpu_totals" 0 0 0 0)" "2a 00 00 00 00 00 00 00" "percpu_totals[0] on every CPU"
	assert_eq "$(map_field "$d/shared_page" flags)" 1024 "shared_page: mmapable"
	assert_eq "$(map_field "$d/limits" frozen)" 1 "limits frozen"
	assert_eq "$(map_lookup_hex "$d/limits" 0 0 0 0)" "$(le32_hex 1000)" "limits[0]"
	expect_rc 255 bpftool map update pinned "$d/limits" key 0 0 0 0 value 1 0 0 0
	# maps of maps: user space reads back the id of the inner map in a slot
	assert_eq "$(map_field "$d/by_tenant" type)" hash_of_maps "by_tenant type"
	assert_eq "$(map_lookup_hex "$d/by_tenant" 1 0 0 0)" "$(le32_hex "$(map_id "$d/tenant_a")")" "by_tenant[1] is tenant_a"
	assert_eq "$(map_lookup_hex "$d/by_tenant" 2 0 0 0)" "$(le32_hex "$(map_id "$d/tenant_b")")" "by_tenant[2] is tenant_b"
	assert_eq "$(map_lookup_hex "$d/by_slot" 0 0 0 0)" "$(le32_hex "$(map_id "$d/tenant_a")")" "by_slot[0] is tenant_a"
	assert_eq "$(map_lookup_hex "$d/by_slot" 3 0 0 0)" "$(le32_hex "$(map_id "$d/tenant_b")")" "by_slot[3] is tenant_b"
	assert_eq "$(map_count_entries "$d/by_slot")" 2 "by_slot holds exactly two maps"
	ex_destroy "$m" maps-example
}

test_examples_protected() {
	local m d=$ROOT/protected-example/maps id
	m=$(ex_file protected.yaml)
	ex_apply_converges "$m"
	assert_eq "$(map_show "$d/ledger" | jq -c '[.type, .bytes_key, .bytes_value, .max_entries, .flags]')" \
		'["hash",8,8,65536,1]' "ledger"
	assert_eq "$(map_lookup_hex "$d/rates" 1 0 0 0)" "$(le32_hex 250)" "rates[1]"
	id=$(map_id "$d/ledger")
	# as the comments say: destroy refuses, and nothing is removed
	expect_rc 1 ba destroy -f "$m"
	grep -q 'prevent_destroy' "$T/.err" || fail "message: $(cat "$T/.err")"
	assert_eq "$(map_id "$d/ledger")" "$id" "ledger untouched"
	[ -e "$d/rates" ] || fail "a refused destroy removed rates"
	# the way out the comments give, on a copy: drop the flag, apply, destroy
	sed '/prevent_destroy: true/d' "$m" > "$T/protected.yaml"
	! grep -q 'prevent_destroy: true' "$T/protected.yaml" || fail "flag still in the copy"
	expect_rc 2 ba plan --detailed-exitcode -f "$T/protected.yaml"
	grep -q '^  ~ map.ledger  *prevent_destroy cleared$' "$T/.out" || fail "plan: $(cat "$T/.out")"
	expect_rc 0 ba apply -f "$T/protected.yaml"
	assert_eq "$(map_id "$d/ledger")" "$id" "lifting the flag keeps the map"
	ex_destroy "$T/protected.yaml" protected-example
}

test_examples_xdp1() {
	local m p=$ROOT/xdp1/programs/xdp1/xdp_prog1 rx=$ROOT/xdp1/maps/rxcnt
	m=$(ex_file xdp1.yaml)
	expect_rc 2 ba plan --detailed-exitcode -f "$m"
	grep -q '^  + map.rxcnt               percpu_array key 4B value 8B max_entries 256$' "$T/.out" ||
		fail "plan: $(cat "$T/.out")"
	grep -q '^  + program.xdp1            1 program from bpf/xdp1.bpf.o$' "$T/.out" ||
		fail "plan: $(cat "$T/.out")"
	ex_apply_converges "$m"
	# `bpftool prog show pinned /sys/fs/bpf/xdp1`: xdp name xdp_prog1 ... map_ids <rxcnt>
	assert_eq "$(ex_prog_field "$p" type)" xdp "program type"
	assert_eq "$(ex_prog_field "$p" name)" xdp_prog1 "program name"
	assert_eq "$(ex_prog_field "$p" gpl_compatible)" true "GPL"
	assert_eq "$(ex_prog_map_ids "$p")" "[$(map_id "$rx")]" "map_ids: the declared rxcnt and nothing else"
	assert_eq "$(map_show "$rx" | jq -c '[.type, .bytes_key, .bytes_value, .max_entries]')" \
		'["percpu_array",4,8,256]' "rxcnt"
	[ -z "$(find "$ROOT/xdp1/programs/xdp1/maps" -not -type d)" ] || fail "reused map pinned as an own map"
	# the program counts per IP protocol and drops everything
	ex_frames
	assert_eq "$(ex_run "$p" "$T/udp4")" 1 "IPv4/UDP: XDP_DROP"
	assert_eq "$(ex_percpu_sum "$rx" 17 0 0 0)" 1 "rxcnt[17] (UDP)"
	assert_eq "$(ex_percpu_nonzero_cpus "$rx" 17 0 0 0)" 1 "counted on one CPU"
	assert_eq "$(ex_run "$p" "$T/tcp6_vlan")" 1 "802.1Q IPv6/TCP: XDP_DROP"
	assert_eq "$(ex_percpu_sum "$rx" 6 0 0 0)" 1 "rxcnt[6] (TCP behind a VLAN tag)"
	assert_eq "$(ex_run "$p" "$T/arp")" 1 "ARP: XDP_DROP"
	assert_eq "$(ex_percpu_sum "$rx" 0 0 0 0)" 0 "ARP is not counted"
	assert_eq "$(ex_percpu_sum "$rx" 17 0 0 0)" 1 "rxcnt[17] unchanged"
	# the counts are runtime data: plan has nothing to say about them
	expect_rc 0 ba plan --detailed-exitcode -f "$m"
	ex_destroy "$m" xdp1
	[ ! -e "$p" ] || fail "program still pinned"
}

# The literal bpftool example reuses a map that exists already: {pinned: PATH}.
test_examples_xdp1_outside_map() {
	local p=$ROOT/xdp1/programs/xdp1/xdp_prog1 out=$BPFFS/rxcnt id id2 prog
	bpftool map create "$out" type percpu_array key 4 value 8 entries 256 name rxcnt
	id=$(map_id "$out")
	# the commented-out line of the example, with the pin on this test's bpffs
	sed -e "s|object: bpf/xdp1.bpf.o|object: $TOP/examples/bpf/xdp1.bpf.o|" \
		-e '/^      rxcnt: rxcnt$/d' \
		-e "s|^      # rxcnt: {pinned: /sys/fs/bpf/rxcnt}$|      rxcnt: {pinned: $out}|" \
		"$(ex_file xdp1.yaml)" > "$T/xdp1.yaml"
	grep -q "rxcnt: {pinned: $out}" "$T/xdp1.yaml" || fail "example changed: no {pinned:} line to enable"
	ex_apply_converges "$T/xdp1.yaml"
	assert_eq "$(ex_prog_map_ids "$p")" "[$id]" "map_ids: the outside map"
	ex_frames
	assert_eq "$(ex_run "$p" "$T/udp4")" 1 "XDP_DROP"
	assert_eq "$(ex_percpu_sum "$out" 17 0 0 0)" 1 "the outside map counts"
	# someone re-creates the outside map: the program is reloaded onto the new one
	prog=$(ex_prog_field "$p" id)
	rm "$out"
	bpftool map create "$out" type percpu_array key 4 value 8 entries 256 name rxcnt
	id2=$(map_id "$out")
	expect_rc 2 ba plan --detailed-exitcode -f "$T/xdp1.yaml"
	grep -q "^-/+ program.xdp1            map $out replaced; 1 program reloaded\$" "$T/.out" ||
		fail "plan: $(cat "$T/.out")"
	ex_apply_converges "$T/xdp1.yaml"
	[ "$(ex_prog_field "$p" id)" != "$prog" ] || fail "program not reloaded"
	assert_eq "$(ex_prog_map_ids "$p")" "[$id2]" "map_ids: the new outside map"
	ex_destroy "$T/xdp1.yaml" xdp1
	# never bpfapply's to remove
	assert_eq "$(map_id "$out")" "$id2" "outside map left alone"
	rm "$out"
}

test_examples_globals() {
	local m dir=$ROOT/globals-example/programs/lencap p own
	m=$(ex_file globals.yaml)
	ex_apply_converges "$m"
	p=$dir/xdp_len_cap
	assert_eq "$(ex_prog_field "$p" type)" xdp "program type"
	# the data sections are the object's own maps, named as pinmaps names them
	own=$(cd "$dir/maps" && printf '%s ' *)
	assert_eq "$own" "pktlen_bss pktlen_data pktlen_rodata " "own maps"
	# (the program never touches label, so the verifier does not tie .data to it)
	assert_eq "$(ex_prog_map_ids "$p")" \
		"$(for n in pktlen_bss pktlen_rodata; do map_id "$dir/maps/$n"; done | jq -sc 'sort')" \
		"map_ids: .rodata and .bss"
	# values written before the load, read back through the object's BTF
	assert_eq "$(bpftool -j map dump pinned "$dir/maps/pktlen_rodata" | jq -c '.[0].formatted.value[".rodata"] | add')" \
		'{"max_len":64,"long_verdict":1}' ".rodata"
	assert_eq "$(bpftool -j map dump pinned "$dir/maps/pktlen_data" | jq -r '.[0].formatted.value[".data"][0].label')" \
		edge ".data label, zero-padded"
	# and the program behaves accordingly: frames over 64 bytes are dropped
	local zeros
	mapfile -t zeros < <(yes 00 | head -n 100)
	ex_frame "$T/short" "${zeros[@]:0:40}"
	ex_frame "$T/long" "${zeros[@]}"
	assert_eq "$(ex_run "$p" "$T/short")" 2 "40 bytes: XDP_PASS"
	assert_eq "$(ex_run "$p" "$T/long")" 1 "100 bytes: XDP_DROP (long_verdict)"
	assert_eq "$(bpftool -j map dump pinned "$dir/maps/pktlen_bss" | jq -c '.[0].formatted.value[".bss"] | add')" \
		'{"frames":2,"long_frames":1}' ".bss counters"
	# the same value written another way is no change; another value reloads
	sed -e "s|object: bpf/pktlen.bpf.o|object: $TOP/examples/bpf/pktlen.bpf.o|" \
		-e 's|^      max_len: 64$|      max_len: 0x40|' "$m" > "$T/globals.yaml"
	grep -q 'max_len: 0x40' "$T/globals.yaml" || fail "example changed: no max_len: 64 line"
	expect_rc 0 ba plan --detailed-exitcode -f "$T/globals.yaml"
	sed -i 's|^      max_len: 0x40$|      max_len: 65|' "$T/globals.yaml"
	expect_rc 2 ba plan --detailed-exitcode -f "$T/globals.yaml"
	grep -q '^-/+ program.lencap          load parameters changed; 1 program reloaded$' "$T/.out" ||
		fail "plan: $(cat "$T/.out")"
	ex_destroy "$m" globals-example
}
