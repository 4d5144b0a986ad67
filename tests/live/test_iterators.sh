# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Iterators: iter links pinned in bpffs, read with cat; asserted on what the kernel prints.

copy_example() { # name -> $T/m.yaml with its objects under $T/bpf
	mkdir -p "$T/bpf"
	cp "$TOP"/examples/bpf/*.bpf.o "$TOP"/tests/bpf/*.bpf.o "$T/bpf/"
	cp "$TOP/examples/$1.yaml" "$T/m.yaml"
}

link_id() { bpftool -j link show pinned "$1" | jq -r .id; }

test_iterators_map_elements_follow_the_map() {
	skip_if_missing_iter_target bpf_map_elem "$TOP/examples/bpf/iter_map.bpf.o"
	copy_example iter_map
	expect_rc 0 ba apply -f "$T/m.yaml"
	local it=$ROOT/hashmap/iterators/my_hashmap
	assert_eq "$(sort "$it" | tr '\n' ' ')" "1: 100 2: 200 " "iterator output"
	assert_eq "$(bpftool -j link show pinned "$it" | jq -r .type)" iter "link type"
	assert_eq "$(bpftool -j link show | jq --argjson id "$(link_id "$it")" '[.[] | select(.id == $id and .type == "iter")] | length')" 1 "bpftool link show lists it"
	bpftool map update pinned "$ROOT/hashmap/maps/counters" key 7 0 0 0 value 70 0 0 0 0 0 0 0
	assert_eq "$(sort "$it" | tr '\n' ' ')" "1: 100 2: 200 7: 70 " "output follows a later map change"
	local id
	id=$(link_id "$it")
	expect_rc 0 ba plan --detailed-exitcode -f "$T/m.yaml"
	expect_rc 0 ba apply -f "$T/m.yaml"
	assert_eq "$(link_id "$it")" "$id" "no-op apply keeps the link"
	# the same program named as ENTRY/PROGRAM instead of ENTRY: nothing to do
	sed -i 's|program: dump/dump_map|program: dump|' "$T/m.yaml"
	expect_rc 0 ba plan --detailed-exitcode -f "$T/m.yaml"
	expect_rc 0 ba destroy -f "$T/m.yaml"
	[ -z "$(find "$ROOT/hashmap" -not -type d 2>/dev/null)" ] || fail "destroy left: $(find "$ROOT/hashmap")"
}

test_iterators_recreated_with_program_or_map() {
	skip_if_missing_iter_target bpf_map_elem "$TOP/examples/bpf/iter_map.bpf.o"
	copy_example iter_map
	expect_rc 0 ba apply -f "$T/m.yaml"
	local it=$ROOT/hashmap/iterators/my_hashmap id
	id=$(link_id "$it")
	sed -i 's/max_entries: 64/max_entries: 128/' "$T/m.yaml"
	expect_rc 2 ba plan --detailed-exitcode -f "$T/m.yaml"
	grep -q '^-/+ iterator.my_hashmap     map counters replaced$' "$T/.out" || fail "plan: $(cat "$T/.out")"
	expect_rc 0 ba apply -f "$T/m.yaml"
	[ "$(link_id "$it")" != "$id" ] || fail "iterator not re-created"
	assert_eq "$(sort "$it" | tr '\n' ' ')" "1: 100 2: 200 " "iterator reads the new map"
	id=$(link_id "$it")
	cp "$TOP/tests/bpf/iter_cgroup.bpf.o" "$T/bpf/other.bpf.o"
	cp "$T/bpf/iter_map.bpf.o" "$T/bpf/iter_map2.bpf.o"
	printf '\x00' >> "$T/bpf/iter_map2.bpf.o" # same program, different bytes
	sed -i 's|bpf/iter_map.bpf.o|bpf/iter_map2.bpf.o|' "$T/m.yaml"
	expect_rc 2 ba plan --detailed-exitcode -f "$T/m.yaml"
	grep -q '^-/+ iterator.my_hashmap     program dump reloaded$' "$T/.out" || fail "plan: $(cat "$T/.out")"
	expect_rc 0 ba apply -f "$T/m.yaml"
	[ "$(link_id "$it")" != "$id" ] || fail "iterator not re-created after a reload"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}

test_iterators_task_parameter_and_global() {
	skip_if_missing_iter_param task
	copy_example iter_task_file
	sleep 300 &
	local pid=$!
	sed -i -e "s/pid: 1}/pid: $pid}/" -e "s/target_pid: 1/target_pid: $pid/" "$T/m.yaml"
	expect_rc 0 ba apply -f "$T/m.yaml"
	local a b
	a=$(cat "$ROOT/tasks/iterators/by_param")
	b=$(cat "$ROOT/tasks/iterators/by_global")
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	[ -n "$a" ] || fail "by_param printed nothing"
	[ -n "$b" ] || fail "by_global printed nothing"
	assert_eq "$(awk '{print $1}' <<< "$a" | sort -u)" "$pid" "by_param: only lines of that process"
	assert_eq "$(awk '{print $1}' <<< "$b" | sort -u)" "$pid" "by_global: only lines of that process"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}

test_iterators_netlink() {
	skip_if_missing_iter_target netlink "$TOP/examples/bpf/iter_netlink.bpf.o"
	copy_example iter_netlink
	expect_rc 0 ba apply -f "$T/m.yaml"
	local out
	out=$(cat "$ROOT/netlink/iterators/my_netlink")
	assert_eq "$(head -1 <<< "$out")" "protocol portid     rmem" "header"
	[ "$(wc -l <<< "$out")" -ge 2 ] || fail "no netlink sockets listed"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}

test_iterators_cgroup_parameter() {
	skip_if_missing_iter_target cgroup "$TOP/tests/bpf/iter_cgroup.bpf.o"
	skip_if_missing_iter_param cgroup
	local top=/sys/fs/cgroup cg
	if [ "$(stat -f -c %T "$top" 2>/dev/null)" != cgroup2fs ]; then
		# our own view of the v2 hierarchy, in this test's mount namespace
		top=$T/cgroup
		mkdir -p "$top"
		grep -qw cgroup2 /proc/filesystems || skip "kernel without cgroup v2"
		mount -t cgroup2 none "$top" || skip "cannot mount cgroup2"
	fi
	cg=$top/bpfapply-test-$$
	mkdir "$cg" || skip "cannot create a child cgroup"
	defer rmdir "$cg" # (a cgroup2 mounted under $T is unmounted by run_one)
	mkdir -p "$T/bpf"
	cp "$TOP/tests/bpf/iter_cgroup.bpf.o" "$T/bpf/"
	manifest "$T/m.yaml" <<Y
bpfapply: v1
scope: cg
programs:
  cg: {object: bpf/iter_cgroup.bpf.o}
iterators:
  mine: {program: cg, cgroup: {path: $cg, order: self_only}}
Y
	local out ino
	expect_rc 0 ba apply -f "$T/m.yaml"
	out=$(cat "$ROOT/cg/iterators/mine")
	ino=$(stat -c %i "$cg")
	assert_eq "$out" "$ino" "the iterator visits only that cgroup (its id is the directory's inode)"
	[ "$(wc -l <<< "$out")" = 1 ] || fail "self_only printed $(wc -l <<< "$out") lines"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}

test_iterators_validate() {
	mkdir -p "$T/bpf"
	cp "$TOP"/examples/bpf/*.bpf.o "$T/bpf/"
	manifest "$T/m.yaml" <<'Y'
bpfapply: v1
scope: v
maps:
  m: {type: hash, key_size: 4, value_size: 8, max_entries: 4}
programs:
  it: {object: bpf/iter_map.bpf.o}
  tasks: {object: bpf/iter_task.bpf.o}
  x: {object: bpf/tail_calls.bpf.o}
iterators:
  no_map: {program: it}
  wrong_param: {program: tasks/dump_task, map: m}
  not_iter: {program: x/main_func}
  ambiguous: {program: tasks}
Y
	expect_rc 1 ba validate -f "$T/m.yaml"
	grep -q 'm.yaml:10:3: iterator "no_map": iter/bpf_map_elem needs a map: parameter' "$T/.err" || fail "$(cat "$T/.err")"
	grep -q 'm.yaml:11:.*: iterator "wrong_param": iter/task takes no map parameter' "$T/.err" || fail "$(cat "$T/.err")"
	grep -q 'm.yaml:12:.*: program "x/main_func" is not an iterator (no iter/ section)' "$T/.err" || fail "$(cat "$T/.err")"
	grep -q 'm.yaml:13:.*: program "tasks": entry "tasks" loads 2 programs; name one as ENTRY/PROGRAM' "$T/.err" || fail "$(cat "$T/.err")"
}

test_iterators_show_reports_every_kind() {
	skip_if_missing_iter_target bpf_map_elem "$TOP/examples/bpf/iter_map.bpf.o"
	copy_example iter_map
	expect_rc 0 ba apply -f "$T/m.yaml"
	local it=$ROOT/hashmap/iterators/my_hashmap prog=$ROOT/hashmap/programs/dump/dump_map
	expect_rc 0 ba -j show --scope hashmap
	assert_eq "$(jq -r '[.scopes[0].resources[].status] | unique | join(",")' "$T/.out")" ok "all ok"
	assert_eq "$(jq -r '.scopes[0].resources[] | select(.address=="iterator.my_hashmap") | .live_id' "$T/.out")" "$(link_id "$it")" "iterator live id"
	assert_eq "$(jq -r '.scopes[0].resources[] | select(.address=="program.dump") | .live_id' "$T/.out")" "$(bpftool -j prog show pinned "$prog" | jq .id)" "program live id"
	rm "$it"
	expect_rc 0 ba -j show
	assert_eq "$(jq -r '.scopes[] | select(.scope=="hashmap") | .resources[] | select(.address=="iterator.my_hashmap") | .status' "$T/.out")" missing "iterator drift"
	expect_rc 2 ba plan --detailed-exitcode -f "$T/m.yaml"
	grep -q '^  + iterator.my_hashmap     program dump/dump_map, map counters; pin removed outside bpfapply$' "$T/.out" || fail "plan: $(cat "$T/.out")"
	expect_rc 0 ba apply -f "$T/m.yaml"
	assert_eq "$(sort "$it" | tr '\n' ' ')" "1: 100 2: 200 " "iterator repaired"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}
