# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Safe convergence: interrupted applies are repaired by the next one, nothing
# leaks, concurrent runs are serialised.

# Two manifests: B changes everything A has in every way (update, replace,
# delete, create, reload, rewire, re-create an iterator).
write_ab() {
	mkdir -p "$T/bpf"
	cp "$TOP"/examples/bpf/*.bpf.o "$TOP"/tests/bpf/*.bpf.o "$T/bpf/"
	manifest "$T/a.yaml" <<'Y'
bpfapply: v1
scope: conv
maps:
  keep: {type: hash, key_size: 4, value_size: 8, max_entries: 8, entries: [{key: 1, value: 1}]}
  grow: {type: array, key_size: 4, value_size: 8, max_entries: 4, entries: [{key: 0, value: 7}]}
  gone: {type: hash, key_size: 4, value_size: 4, max_entries: 4}
  hits: {type: array, key_size: 4, value_size: 8, max_entries: 4}
  jmp_table:
    type: prog_array
    key_size: 4
    value_size: 4
    max_entries: 8
    entries: [{key: 0, value: {program: tc/bpf_func_process}}]
programs:
  tc: {object: bpf/tail_calls.bpf.o, maps: {jmp_table: jmp_table}}
  g:
    object: bpf/prog_globals.bpf.o
    programs: [count_and_return]
    maps: {counter: hits}
    globals: {ret_val: 3}
Y
	iterators_of a "  over_keep: {program: dump, map: keep}
  over_grow: {program: dump, map: grow}"
	manifest "$T/b.yaml" <<'Y'
bpfapply: v1
scope: conv
maps:
  keep: {type: hash, key_size: 4, value_size: 8, max_entries: 8, entries: [{key: 1, value: 2}, {key: 3, value: 3}]}
  grow: {type: array, key_size: 4, value_size: 8, max_entries: 8, entries: [{key: 0, value: 7}]}
  hits: {type: array, key_size: 4, value_size: 8, max_entries: 4}
  fresh: {type: lru_hash, key_size: 4, value_size: 4, max_entries: 16, entries: [{key: 9, value: 9}]}
  jmp_table:
    type: prog_array
    key_size: 4
    value_size: 4
    max_entries: 8
    entries: [{key: 0, value: {program: tc/bpf_func_debug}}]
programs:
  tc: {object: bpf/tail_calls.bpf.o, maps: {jmp_table: jmp_table}}
  g:
    object: bpf/prog_globals.bpf.o
    programs: [count_and_return]
    maps: {counter: hits}
    globals: {ret_val: 5}
Y
	iterators_of b "  over_keep: {program: dump, map: keep}
  over_grow: {program: dump, map: grow}
  over_fresh_keep: {program: dump/dump_map, map: keep}"
}

# Where the kernel loads tracing programs, A and B carry iterators too; where
# it refuses them, they run without (the VM suite covers them on a kernel
# that has them).  Sets AB_OBJECTS, the number of objects in A.
iterators_of() { # a|b iterator-lines
	AB_OBJECTS=7
	has_tracing || return 0
	AB_OBJECTS=10
	printf '  dump: {object: bpf/iter_map.bpf.o}\niterators:\n%s\n' "$2" >> "$T/$1.yaml"
}

# What the kernel holds under one scope, without ids (they differ run to run).
snapshot() { # scope_dir
	local d=$1 p
	for p in $(cd "$d" && find . -type f ! -name state | sort); do
		echo "== $p"
		if bpftool -j map show pinned "$d/$p" > "$T/.snap" 2>/dev/null; then
			jq -c '{type, name, flags, bytes_key, bytes_value, max_entries, frozen}' "$T/.snap"
			case "$(jq -r .type "$T/.snap")" in
			prog_array | array_of_maps | hash_of_maps)
				bpftool -j map dump pinned "$d/$p" | jq -c '[.[].key] | sort' ;;
			*)
				bpftool -j map dump pinned "$d/$p" | jq -c 'sort_by(.key)' ;;
			esac
		elif bpftool -j prog show pinned "$d/$p" > "$T/.snap" 2>/dev/null; then
			jq -c '{type, name}' "$T/.snap"
		else
			sort "$d/$p"
		fi
	done
}

xdp_ret() {
	printf '0123456789abcdefghijklmnopqrstuvwxyz' > "$T/pkt"
	bpftool -j prog run pinned "$1" data_in "$T/pkt" repeat 1 | jq -r '.retval'
}

# Reference: A then B, uninterrupted; prints the number of fault points of B.
reference() {
	expect_rc 0 ba apply -f "$T/a.yaml"
	BPFAPPLY_FAULT_TRACE=1 ba apply -f "$T/b.yaml" > /dev/null 2> "$T/trace" || fail "reference apply: $(cat "$T/trace")"
	snapshot "$ROOT/conv" > "$T/ref"
	assert_eq "$(xdp_ret "$ROOT/conv/programs/tc/main_func")" 3 "reference: tail call rewired"
	assert_eq "$(xdp_ret "$ROOT/conv/programs/g/count_and_return")" 5 "reference: reloaded global"
	expect_rc 0 ba destroy -f "$T/b.yaml"
	grep -c '^fault point' "$T/trace"
}

# Interrupted at point N, then re-applied: the same result, nothing left over.
check_repaired() { # N how
	local n=$1
	expect_rc 0 ba apply -f "$T/b.yaml"
	[ ! -e "$ROOT/conv/staging" ] || fail "point $n: staging left after the repair: $(find "$ROOT/conv/staging")"
	snapshot "$ROOT/conv" > "$T/got"
	diff -u "$T/ref" "$T/got" > "$T/diff" || fail "point $n: result differs from an uninterrupted apply: $(head -40 "$T/diff")"
	expect_rc 0 ba plan --detailed-exitcode -f "$T/b.yaml"
	assert_eq "$(xdp_ret "$ROOT/conv/programs/tc/main_func")" 3 "point $n: tail call"
	expect_rc 0 ba destroy -f "$T/b.yaml"
	[ -z "$(find "$ROOT/conv" -type f 2>/dev/null)" ] || fail "point $n: destroy left $(find "$ROOT/conv" -type f)"
}

test_convergence_fault_injection_sweep() {
	write_ab
	local m n before rc
	before=$(count_objects)
	m=$(reference)
	[ "$m" -ge 20 ] || fail "only $m fault points in the reference apply"
	for n in $(seq 1 "$m"); do
		expect_rc 0 ba apply -f "$T/a.yaml"
		rc=0
		BPFAPPLY_FAULT_AFTER=$n ba apply -f "$T/b.yaml" > /dev/null 2> "$T/.err" || rc=$?
		assert_eq "$rc" 86 "point $n: the injected fault stops the apply ($(tail -1 "$T/.err"))"
		check_repaired "$n" fault
	done
	wait_objects "$before" > /dev/null || fail "objects leaked over the sweep: $before -> $(count_objects)"
	echo "swept $m fault points"
}

test_convergence_kill9_at_random_moments() {
	write_ab
	local before i pid
	before=$(count_objects)
	reference > /dev/null
	for i in $(seq 1 12); do
		expect_rc 0 ba apply -f "$T/a.yaml"
		ba apply -f "$T/b.yaml" > /dev/null 2>&1 &
		pid=$!
		sleep "0.0$((RANDOM % 10))$((RANDOM % 10))"
		kill -9 "$pid" 2> /dev/null || true
		wait "$pid" 2> /dev/null || true
		check_repaired "kill-$i" killed
	done
	wait_objects "$before" > /dev/null || fail "objects leaked: $before -> $(count_objects)"
}

test_convergence_concurrent_applies() {
	write_ab
	local i pids=() rc=0 n
	for i in 1 2 3 4 5; do
		ba --lock-timeout 120 apply -f "$T/a.yaml" > "$T/out.$i" 2>&1 &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i" || rc=$?
	done
	assert_eq "$rc" 0 "every concurrent apply succeeds: $(cat "$T"/out.*)"
	n=$(grep -l "^Apply complete: $AB_OBJECTS added" "$T"/out.* | wc -l)
	assert_eq "$n" 1 "exactly one apply created the objects"
	assert_eq "$(grep -l '^Apply complete: 0 added, 0 changed, 0 replaced, 0 destroyed' "$T"/out.* | wc -l)" 4 "the others found nothing to do"
	assert_eq "$(bpftool -j map show | jq '[.[] | select(.name == "keep")] | length')" 1 "map keep created once"
	assert_eq "$(bpftool -j prog show | jq '[.[] | select(.name == "count_and_return")] | length')" 1 "program loaded once"
	expect_rc 0 ba destroy -f "$T/a.yaml"
}

test_convergence_lock_timeout_names_the_holder() {
	write_ab
	expect_rc 0 ba apply -f "$T/a.yaml"
	# one process holding the lock (flock(1) would hand it to its child too)
	python3 -c 'import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY)
fcntl.flock(fd, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(30)' "$ROOT/conv" "$T/locked" &
	local holder=$! i
	# wait until it really holds the lock, however slow this machine is
	for i in $(seq 1 300); do
		[ -e "$T/locked" ] && break
		sleep 0.1
	done
	[ -e "$T/locked" ] || fail "the lock holder never took the lock"
	expect_rc 1 ba --lock-timeout 0.5 apply -f "$T/a.yaml"
	grep -q "locked by another bpfapply (pid [0-9]*); gave up after 0.5s" "$T/.err" || fail "message: $(cat "$T/.err")"
	# plan takes a shared lock: it waits for an exclusive holder too
	expect_rc 1 ba --lock-timeout 0.2 plan -f "$T/a.yaml"
	kill "$holder"
	wait "$holder" 2> /dev/null || true
	expect_rc 0 ba plan --detailed-exitcode -f "$T/a.yaml"
	expect_rc 0 ba destroy -f "$T/a.yaml"
}

test_convergence_interrupted_apply_is_announced() {
	write_ab
	expect_rc 0 ba apply -f "$T/a.yaml"
	local n
	BPFAPPLY_FAULT_TRACE=1 expect_rc 2 ba plan --detailed-exitcode -f "$T/b.yaml"
	! grep -q '^fault point' "$T/.err" || fail "plan passed fault points: $(grep '^fault point' "$T/.err")"
	# learn where the intent record is written, then stop right after it
	BPFAPPLY_FAULT_TRACE=1 ba apply -f "$T/b.yaml" > /dev/null 2> "$T/trace" || fail "traced apply: $(tail -3 "$T/trace")"
	expect_rc 0 ba apply -f "$T/a.yaml"
	n=$(grep '^fault point.*state write (intent)' "$T/trace" | sed 's/fault point \([0-9]*\):.*/\1/')
	[ -n "$n" ] || fail "no intent write in the trace"
	BPFAPPLY_FAULT_AFTER=$n expect_rc 86 ba apply -f "$T/b.yaml"
	expect_rc 2 ba plan --detailed-exitcode -f "$T/b.yaml"
	grep -q "^Note: the last apply of scope conv was interrupted; this completes it.$" "$T/.out" || fail "plan: $(cat "$T/.out")"
	expect_rc 0 ba apply -f "$T/b.yaml"
	expect_rc 0 ba plan --detailed-exitcode -f "$T/b.yaml"
	expect_rc 0 ba destroy -f "$T/b.yaml"
}

# Killed after the intent record, before the swap: the record names the new
# objects, the pins still hold the old ones.  A destroy must still remove them.
test_convergence_destroy_after_an_interrupted_replace() {
	write_ab
	expect_rc 0 ba apply -f "$T/a.yaml"
	local n
	BPFAPPLY_FAULT_TRACE=1 ba apply -f "$T/b.yaml" > /dev/null 2> "$T/trace"
	expect_rc 0 ba destroy -f "$T/b.yaml"
	expect_rc 0 ba apply -f "$T/a.yaml"
	n=$(grep '^fault point.*state write (intent)' "$T/trace" | sed 's/fault point \([0-9]*\):.*/\1/')
	[ -n "$n" ] || fail "no intent write in the trace"
	BPFAPPLY_FAULT_AFTER=$n ba apply -f "$T/b.yaml" > /dev/null 2>&1 && fail "the fault did not stop the apply"
	expect_rc 0 ba destroy -f "$T/b.yaml"
	grep -q "left alone" "$T/.out" && fail "destroy left objects alone: $(cat "$T/.out")"
	[ -z "$(find "$ROOT/conv" -type f 2>/dev/null)" ] || fail "destroy after an interrupted replace left $(find "$ROOT/conv" -type f)"
	# and the scope can be applied again from scratch
	expect_rc 0 ba apply -f "$T/a.yaml"
	expect_rc 0 ba destroy -f "$T/a.yaml"
}
