# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Saved plans: applied only against the live state and manifest they were made from.

test_saved_plan_applied_when_fresh() {
	cp "$TOP/examples/quickstart.yaml" "$T/m.yaml"
	# relative paths: the plan keeps the manifest's absolute path
	(cd "$T" && expect_rc 2 ba plan --detailed-exitcode -o p.plan -f m.yaml)
	grep -q "^Saved the plan to p.plan" "$T/.out" || fail "plan output: $(cat "$T/.out")"
	[ ! -e "$ROOT/quickstart" ] || fail "plan -o changed the kernel"
	# applied from another directory: the plan names the manifest by absolute path
	(cd / && expect_rc 2 ba apply --detailed-exitcode "$T/p.plan")
	assert_eq "$(map_field "$ROOT/quickstart/maps/counters" type)" percpu_hash "map created by the saved plan"
	expect_rc 0 ba plan --detailed-exitcode -f "$T/m.yaml"
	# a plan made for another root is refused
	expect_rc 0 ba plan -o "$T/other.plan" -f "$T/m.yaml"
	expect_rc 1 "$BIN" --root "$BPFFS/elsewhere" apply "$T/other.plan"
	grep -q "was made for root $ROOT" "$T/.err" || fail "message: $(cat "$T/.err")"
	# a saved destroy plan
	expect_rc 0 ba plan --destroy -o "$T/d.plan" -f "$T/m.yaml"
	expect_rc 0 ba apply "$T/d.plan"
	[ -z "$(find "$ROOT/quickstart" -type f 2>/dev/null)" ] || fail "saved destroy left $(find "$ROOT/quickstart")"
}

test_saved_plan_refused_when_stale() {
	cp "$TOP/examples/quickstart.yaml" "$T/m.yaml"
	expect_rc 0 ba apply -f "$T/m.yaml"
	sed -i 's/max_entries: 1024/max_entries: 2048/' "$T/m.yaml"
	local id
	# the live state changes after the plan: refused, nothing changed
	expect_rc 0 ba plan -o "$T/p.plan" -f "$T/m.yaml"
	id=$(map_id "$ROOT/quickstart/maps/counters")
	rm "$ROOT/quickstart/maps/flows"
	expect_rc 1 ba apply "$T/p.plan"
	grep -q "changed since the plan was saved" "$T/.err" || fail "message: $(cat "$T/.err")"
	[ ! -e "$ROOT/quickstart/maps/flows" ] || fail "stale plan repaired the drift"
	assert_eq "$(map_id "$ROOT/quickstart/maps/counters")" "$id" "stale plan replaced nothing"
	# a fresh plan of the same manifest is applied
	expect_rc 0 ba plan -o "$T/p2.plan" -f "$T/m.yaml"
	expect_rc 0 ba apply "$T/p2.plan"
	assert_eq "$(map_field "$ROOT/quickstart/maps/counters" max_entries)" 2048 "fresh plan applied"
	[ -e "$ROOT/quickstart/maps/flows" ] || fail "fresh plan did not repair the drift"
	# the manifest changes after the plan: refused
	expect_rc 0 ba plan -o "$T/p3.plan" -f "$T/m.yaml"
	echo "# edited" >> "$T/m.yaml"
	id=$(map_id "$ROOT/quickstart/maps/counters")
	expect_rc 1 ba apply "$T/p3.plan"
	grep -q "manifest, its ELF objects or its data files changed" "$T/.err" || fail "message: $(cat "$T/.err")"
	assert_eq "$(map_id "$ROOT/quickstart/maps/counters")" "$id" "nothing changed"
	# another apply committed in between: refused
	expect_rc 0 ba plan -o "$T/p4.plan" -f "$T/m.yaml"
	sed -i 's/max_entries: 2048/max_entries: 1024/' "$T/m.yaml"
	expect_rc 0 ba apply -f "$T/m.yaml"
	expect_rc 1 ba apply "$T/p4.plan"
	# not a plan at all
	expect_rc 1 ba apply "$T/m.yaml"
	grep -q "is not a saved plan" "$T/.err" || fail "message: $(cat "$T/.err")"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}

test_saved_plan_relative_root_and_show_json_with_a_bad_scope() {
	cp "$TOP/examples/quickstart.yaml" "$T/m.yaml"
	# a relative --root is made absolute, so the saved plan applies from anywhere
	(cd "$BPFFS" && expect_rc 0 "$BIN" --root root plan -o "$T/p.plan" -f "$T/m.yaml")
	grep -q "^root $ROOT$" "$T/p.plan" || fail "plan file root: $(grep '^root' "$T/p.plan")"
	(cd / && expect_rc 0 "$BIN" apply "$T/p.plan")
	# a scope whose state record is not one: show -j stays one JSON document
	mkdir -p "$ROOT/broken"
	bpftool map create "$ROOT/broken/state" type hash key 4 value 4 entries 1 name notstate
	expect_rc 1 ba -j show
	jq -e '.scopes | length == 2' "$T/.out" > /dev/null || fail "show -j: $(cat "$T/.out")"
	assert_eq "$(jq -r '.scopes[] | select(.scope=="broken") | has("error")' "$T/.out")" true "the bad scope carries an error"
	assert_eq "$(jq -r '.scopes[] | select(.scope=="quickstart") | .resources | length' "$T/.out")" 3 "the good scope is listed"
	rm "$ROOT/broken/state"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}
