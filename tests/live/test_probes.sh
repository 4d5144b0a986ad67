# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Kernel probes: plan, apply, validate --kernel and features say what this
# kernel refuses, in bpfapply's own words, and change nothing.  The oracle
# is the kernel itself: bpftool loads the same objects.

# Does the kernel load this object?  bpftool's verdict, pins removed again.
bpftool_loads() { # object -> 0 loads, 1 refused (errno text in $T/.bpftool)
	local dir=$BPFFS/probe_$$ rc=0  # bpffs refuses dots in names
	bpftool prog loadall "$1" "$dir" > "$T/.bpftool" 2>&1 || rc=1
	rm -rf "$dir"
	return $rc
}

fentry_manifest() {
	manifest "$T/fe.yaml" <<Y
bpfapply: v1
scope: fe
maps:
  m: {type: hash, key_size: 4, value_size: 4, max_entries: 4}
programs:
  trace:
    object: $TOP/tests/bpf/fentry_probe.bpf.o
Y
}

test_probes_refused_program_type_named_before_apply() {
	bpftool_loads "$TOP/tests/bpf/fentry_probe.bpf.o" && skip "this kernel loads fentry programs (nothing refused to test)"
	grep -q "Operation not permitted" "$T/.bpftool" || skip "this kernel refuses fentry with something else than EPERM: $(tail -1 "$T/.bpftool")"
	fentry_manifest
	expect_rc 1 ba plan -f "$T/fe.yaml"
	grep -q "fe.yaml:7:13: program entry 'trace': program 'count_calls' (tracing, fentry/bpf_fentry_test1): this kernel refuses tracing programs: they are disabled on this kernel (EPERM as root with CAP_BPF and CAP_PERFMON)" "$T/.err" ||
		fail "plan message: $(cat "$T/.err")"
	expect_rc 1 ba -j apply -f "$T/fe.yaml"
	assert_eq "$(jq -r '.errors[0].message | test("disabled on this kernel")' "$T/.out")" true "JSON error"
	grep -q "ulimit" "$T/.out" "$T/.err" && fail "libbpf's ulimit hint shown"
	# nothing changed: no pin, no scope directory, no map left (leak check)
	[ ! -e "$ROOT/fe" ] || fail "apply left $(find "$ROOT/fe")"
	expect_rc 1 ba validate --kernel -f "$T/fe.yaml"
	grep -q "disabled on this kernel" "$T/.err" || fail "validate --kernel: $(cat "$T/.err")"
	expect_rc 0 ba validate -f "$T/fe.yaml"
}

# examples/iter_map.yaml on this kernel: whatever the kernel says of the
# object (bpftool loadall), plan and apply agree with it.
test_probes_iterator_manifest_follows_the_kernel() {
	local ex=$TOP/examples/iter_map.yaml
	if bpftool_loads "$TOP/examples/bpf/iter_map.bpf.o"; then
		expect_rc 0 ba validate --kernel -f "$ex"
		expect_rc 0 ba plan -f "$ex"
		expect_rc 0 ba apply -f "$ex"
		[ -n "$(bpftool -j link show pinned "$ROOT/hashmap/iterators/my_hashmap" | jq -r '.id')" ] || fail "no iterator link"
		expect_rc 0 ba destroy -f "$ex"
	else
		expect_rc 1 ba plan -f "$ex"
		grep -q "program 'dump_map' (tracing, iter/bpf_map_elem): this kernel refuses" "$T/.err" || fail "plan: $(cat "$T/.err")"
		expect_rc 1 ba apply -f "$ex"
		grep -q "this kernel refuses tracing programs" "$T/.err" || fail "apply: $(cat "$T/.err")"
		[ ! -e "$ROOT/hashmap" ] || fail "apply changed something: $(find "$ROOT/hashmap")"
	fi
}

# features agrees with the kernel: bpftool's probes for the types libbpf
# probes correctly, and real loads for the iterator and fentry objects.
test_probes_features_agree_with_the_kernel() {
	local f=$T/features.json b=$T/bpftool.json t ours theirs
	expect_rc 0 ba -j features
	cp "$T/.out" "$f"
	bpftool -j feature probe kernel > "$b" 2> /dev/null || skip "bpftool feature probe failed"
	for t in hash array lpm_trie ringbuf bloom_filter user_ringbuf hash_of_maps cgroup_storage; do
		ours=$(jq -r --arg t "$t" '.map_types[$t].supported' "$f")
		theirs=$(jq -r --arg t "have_${t}_map_type" '.map_types[$t] | if . then "yes" else "no" end' "$b")
		assert_eq "$ours" "$theirs" "map type $t"
	done
	while read -r sec bt; do
		ours=$(jq -r --arg t "$sec" '.program_types[$t].supported' "$f")
		theirs=$(jq -r --arg t "have_${bt}_prog_type" '.program_types[$t] | if . then "yes" else "no" end' "$b")
		assert_eq "$ours" "$theirs" "program type $sec"
	done <<'L'
xdp xdp
tc sched_cls
cgroup/skb cgroup_skb
kprobe kprobe
socket socket_filter
sockops sock_ops
L
	# libbpf's probe cannot tell iterators apart from fentry: real loads can
	ours=$(jq -r '.iterators.bpf_map_elem.supported' "$f")
	bpftool_loads "$TOP/examples/bpf/iter_map.bpf.o" && theirs=yes || theirs=no
	assert_eq "$ours" "$theirs" "iterator bpf_map_elem"
	ours=$(jq -r '.program_types.fentry.supported' "$f")
	bpftool_loads "$TOP/tests/bpf/fentry_probe.bpf.o" && theirs=yes || theirs=no
	assert_eq "$ours" "$theirs" "fentry"
	# link hooks: the kernel's own BTF (enum bpf_link_type), read by bpftool
	bpftool btf dump file /sys/kernel/btf/vmlinux format raw > "$T/btf.raw" 2> /dev/null ||
		skip "bpftool cannot read the kernel's BTF"
	while read -r hook lt; do
		ours=$(jq -r --arg h "$hook" '.links[$h].supported' "$f")
		awk -v lt="'$lt'" '/^\[[0-9]+\] / { inside = ($2 == "ENUM" && $3 == "\047bpf_link_type\047") }
			inside && $1 == lt { found = 1 } END { exit !found }' "$T/btf.raw" && theirs=yes || theirs=no
		assert_eq "$ours" "$theirs" "link hook $hook"
	done <<'L'
xdp BPF_LINK_TYPE_XDP
tc BPF_LINK_TYPE_TCX
cgroup BPF_LINK_TYPE_CGROUP
L
	# features changes nothing
	local left
	left=$(find "$BPFFS" -mindepth 1 ! -name maps.debug ! -name progs.debug)
	[ -z "$left" ] || fail "features left $left"
}

test_probes_features_of_a_manifest() {
	fentry_manifest
	bpftool_loads "$TOP/tests/bpf/fentry_probe.bpf.o" && skip "this kernel loads fentry programs"
	expect_rc 1 ba -j features -f "$T/fe.yaml"
	assert_eq "$(jq -r '.map_types | keys | join(",")' "$T/.out")" hash "only the manifest's map types"
	assert_eq "$(jq -r '.program_types["fentry/bpf_fentry_test1"].supported' "$T/.out")" no "fentry"
	assert_eq "$(jq -r '.refusals | length' "$T/.out")" 1 "one refusal"
	expect_rc 0 ba features -f "$TOP/examples/quickstart.yaml"
	# a manifest's links: only the hooks it uses
	expect_rc 0 ba -j features -f "$TOP/examples/xdp1_attached.yaml"
	assert_eq "$(jq -r '.links | keys | join(",")' "$T/.out")" xdp "only the manifest's link hooks"
}

# Iterator parameters are probed by creating (and closing) a link with them.
test_probes_iterator_parameters() {
	skip_if_missing_tracing
	local top=$T/cgroup
	expect_rc 0 ba validate --kernel -f "$TOP/examples/iter_task_file.yaml"
	expect_rc 0 ba validate --kernel -f "$TOP/examples/iter_map.yaml"
	mkdir -p "$top"
	mount -t cgroup2 none "$top" 2> /dev/null || skip "cannot mount cgroup2"
	mkdir -p "$T/bpf"
	cp "$TOP/tests/bpf/iter_cgroup.bpf.o" "$T/bpf/"
	manifest "$T/p.yaml" <<Y
bpfapply: v1
scope: params
programs:
  cg: {object: bpf/iter_cgroup.bpf.o}
  dump: {object: $TOP/examples/bpf/iter_map.bpf.o}
iterators:
  mine: {program: cg, cgroup: {path: $top}}
  gone: {program: dump, map: {pinned: $BPFFS/no_such_map}}
Y
	expect_rc 1 ba plan -f "$T/p.yaml"
	grep -q "p.yaml:8:25: iterator \"gone\": map $BPFFS/no_such_map: No such file or directory" "$T/.err" ||
		fail "plan: $(cat "$T/.err")"
	grep -q 'iterator "mine"' "$T/.err" && fail "the cgroup2 parameter was refused: $(cat "$T/.err")"
	[ ! -e "$ROOT/params" ] || fail "plan created $ROOT/params"
	sed -i '/gone:/d' "$T/p.yaml"
	expect_rc 0 ba validate --kernel -f "$T/p.yaml"
	# without an order, descendants_pre as documented (the kernel refuses "unspecified")
	expect_rc 0 ba apply -f "$T/p.yaml"
	assert_eq "$(bpftool -j link show pinned "$ROOT/params/iterators/mine" | jq -r '.type')" iter "cgroup iterator link"
	expect_rc 0 ba destroy -f "$T/p.yaml"
	umount "$top"
}
