# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Plan JSON in Terraform's representation (design.md §7): every command that
# prints a plan is checked against schema/bpfapply-plan.schema.json, and a
# policy written with Terraform's field names reads it correctly.

POLICY_PY=/usr/bin/python3

policy_manifest() { # file max_entries(of table) [with_gone]
	manifest "$1" <<Y
bpfapply: v1
scope: pol
maps:
  table:
    type: hash
    key_size: 4
    value_size: 4
    max_entries: $2
    entries:
      - {key: 1, value: 10}
  config:
    type: array
    key_size: 4
    value_size: 4
    max_entries: 4
    entries:
      - {key: 0, value: 1}
programs:
  xdp:
    object: $TOP/examples/bpf/xdp1.bpf.o
Y
	if [ "${3:-}" = with_gone ]; then
			python3 - "$1" <<'P'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace("programs:\n", "  gone:\n    type: array\n    key_size: 4\n    value_size: 4\n    max_entries: 2\nprograms:\n", 1)
open(p, "w").write(s)
P
	fi
}

# Validate each JSON file bpfapply printed; skip when jsonschema is missing.
check_plan_schema() {
	local rc=0
	"$POLICY_PY" "$TOP/tests/schema/validate_plan.py" "$TOP/schema/bpfapply-plan.schema.json" "$@" \
		2> "$T/.schema" || rc=$?
	[ $rc -eq 2 ] && skip "python3-jsonschema not installed"
	[ $rc -eq 0 ] || fail "plan JSON does not match the schema: $(head -c 800 "$T/.schema")"
}

test_policy_every_plan_json_matches_schema() {
	local n=0 id_table
	policy_manifest "$T/m.yaml" 16 with_gone
	save() { n=$((n + 1)); cp "$T/.out" "$T/j$n.json"; }
	expect_rc 2 ba -j plan --detailed-exitcode -f "$T/m.yaml"; save
	expect_rc 0 ba -p apply -f "$T/m.yaml"; save
	assert_eq "$(jq -r '.applied' "$T/j2.json")" true "apply JSON says applied"
	id_table=$(map_id "$ROOT/pol/maps/table")
	# drift: a pin removed and an entry changed behind bpfapply's back
	rm "$ROOT/pol/maps/gone"
	bpftool map update pinned "$ROOT/pol/maps/config" key 0 0 0 0 value 9 0 0 0
	expect_rc 2 ba -j plan --detailed-exitcode -f "$T/m.yaml"; save
	assert_eq "$(jq -c '[.resource_drift[] | [.address, .type, .change.actions[0]]] | sort' "$T/.out")" \
		'[["map.config","bpf_map","update"],["map.gone","bpf_map","delete"]]' "drift"
	# a replacement and a deletion
	policy_manifest "$T/m.yaml" 32
	expect_rc 2 ba -j plan --detailed-exitcode -f "$T/m.yaml"; save
	assert_eq "$(jq -c '.resource_changes[] | select(.address=="map.table") | [.type, .change.actions, .change.before.id]' "$T/.out")" \
		"[\"bpf_map\",[\"create\",\"delete\"],$id_table]" "replacement is create-before-destroy"
	expect_rc 0 ba -j apply -f "$T/m.yaml"; save
	[ "$(map_id "$ROOT/pol/maps/table")" != "$id_table" ] || fail "table was not replaced"
	expect_rc 0 ba -j plan --destroy -f "$T/m.yaml"; save
	assert_eq "$(jq -c '[.resource_changes[].change.actions[0]] | unique' "$T/.out")" '["delete"]' "destroy plan"
	expect_rc 0 ba -j destroy -f "$T/m.yaml"; save
	[ ! -e "$ROOT/pol/maps/table" ] || fail "destroy left table pinned"
	expect_rc 1 ba -j apply -f "$T/nonexistent.yaml"; save
	check_plan_schema "$T"/j*.json
	assert_eq "$n" 8 "documents checked"
}

# The schema is not vacuous: documents in the old shape are rejected.
test_policy_schema_rejects_old_shape() {
	policy_manifest "$T/m.yaml" 16
	expect_rc 0 ba -j plan -f "$T/m.yaml"
	jq '.format_version = "1"' "$T/.out" > "$T/a.json"
	jq 'del(.resource_changes[0].type)' "$T/.out" > "$T/b.json"
	jq '.resource_changes[0].change.actions = ["delete","create"]' "$T/.out" > "$T/c.json"
	local f rc
	for f in a b c; do
		rc=0
		"$POLICY_PY" "$TOP/tests/schema/validate_plan.py" "$TOP/schema/bpfapply-plan.schema.json" \
			"$T/$f.json" 2> /dev/null || rc=$?
		[ $rc -eq 2 ] && skip "python3-jsonschema not installed"
		[ $rc -eq 1 ] || fail "schema accepted the altered document $f (rc $rc)"
	done
}

# A policy written for Terraform plans (type + change.actions) denies deleting
# or replacing a bpf_map and passes a harmless plan.
test_policy_jq_denies_map_delete_and_replace() {
	local pol=$TOP/examples/policy/protect-maps.jq id_table id_gone
	policy_manifest "$T/m.yaml" 16 with_gone
	expect_rc 0 ba apply -f "$T/m.yaml"
	id_table=$(map_id "$ROOT/pol/maps/table")
	id_gone=$(map_id "$ROOT/pol/maps/gone")
	# harmless: a changed entry value (update in place)
	sed -i 's/{key: 1, value: 10}/{key: 1, value: 11}/' "$T/m.yaml"
	expect_rc 2 ba -j plan --detailed-exitcode -f "$T/m.yaml"
	cp "$T/.out" "$T/p.json"
	expect_rc 0 jq -e -r -f "$pol" "$T/p.json"
	assert_eq "$(cat "$T/.out")" true "harmless plan passes"
	# table replaced (max_entries), gone deleted
	policy_manifest "$T/m.yaml" 32
	expect_rc 2 ba -j plan --detailed-exitcode -f "$T/m.yaml"
	cp "$T/.out" "$T/p.json"
	expect_rc 1 jq -e -r -f "$pol" "$T/p.json"
	grep -qx 'deny: map.table would be replaced (create,delete)' "$T/.out" || fail "no replace denial: $(cat "$T/.out")"
	grep -qx 'deny: map.gone would be deleted' "$T/.out" || fail "no delete denial: $(cat "$T/.out")"
	# the plans changed nothing
	assert_eq "$(map_id "$ROOT/pol/maps/table")" "$id_table" "table untouched by plan"
	assert_eq "$(map_id "$ROOT/pol/maps/gone")" "$id_gone" "gone untouched by plan"
	expect_rc 0 ba destroy --scope pol
}
