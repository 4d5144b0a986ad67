# SPDX-License-Identifier: GPL-2.0-only
# The Ansible module (contrib/ansible/library/bpfapply.py) run by Debian's
# ansible-core on localhost against the test's private bpffs root.

# play [ansible-playbook options] -- [extra vars, k=v or JSON]: the task's
# result in $T/task.json; the exit code is ansible-playbook's.
play() {
	local opts=() rc
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	rm -f "$T/task.json"
	ANSIBLE_LIBRARY="$TOP/contrib/ansible/library" \
		ANSIBLE_HOME="$T/ansible" ANSIBLE_LOCAL_TEMP="$T/ansible/tmp" \
		ANSIBLE_REMOTE_TEMP="$T/ansible/tmp" ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 \
		ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 ANSIBLE_LOCALHOST_WARNING=0 \
		ANSIBLE_INVENTORY_UNPARSED_WARNING=0 ANSIBLE_DEPRECATION_WARNINGS=0 \
		ansible-playbook -i localhost, "${opts[@]}" "$TOP/tests/contrib/converge.yml" \
		-e "root=$ROOT" -e "binary=$BIN" -e "result=$T/task.json" "${@/#/-e}" \
		> "$T/play.out" 2> "$T/play.err" && rc=0 || rc=$?
	jq -e . "$T/task.json" > /dev/null 2>&1 ||
		fail "no task result (rc $rc): $(tail -c 800 "$T/play.out") $(head -c 600 "$T/play.err")"
	return $rc
}
task() { jq -r "$1" "$T/task.json"; }

need_ansible() {
	command -v ansible-playbook >/dev/null || skip "ansible-playbook not installed (make deps)"
}

# manifest path, state present: changed, then ok; absent destroys.
test_ansible_converges() {
	need_ansible
	play -- "manifest=$TOP/examples/quickstart.yaml" || fail "first run failed: $(task .msg)"
	assert_eq "$(task .changed)" true "first run changed"
	assert_eq "$(task '.summary.add')" 3 "first run added"
	for m in counters flows config; do
		map_show "$ROOT/quickstart/maps/$m" > /dev/null || fail "map $m not pinned after the first run"
	done
	assert_eq "$(map_lookup_hex "$ROOT/quickstart/maps/config" 1 0 0 0)" "dc 05 00 00" "config[1]"
	local id
	id=$(map_id "$ROOT/quickstart/maps/config")
	play -- "manifest=$TOP/examples/quickstart.yaml" || fail "second run failed: $(task .msg)"
	assert_eq "$(task .changed)" false "second run changed"
	assert_eq "$(map_id "$ROOT/quickstart/maps/config")" "$id" "config id after the second run"
	play -- "manifest=$TOP/examples/quickstart.yaml" state=absent || fail "absent failed: $(task .msg)"
	assert_eq "$(task .changed)" true "absent changed"
	assert_eq "$(task '.summary.destroy')" 3 "absent destroyed"
	for m in counters flows config; do
		! map_show "$ROOT/quickstart/maps/$m" > /dev/null 2>&1 || fail "map $m still pinned after absent"
	done
	play -- "manifest=$TOP/examples/quickstart.yaml" state=absent || fail "second absent failed"
	assert_eq "$(task .changed)" false "second absent changed"
}

# Check mode plans and reports, and the kernel holds nothing new after it.
test_ansible_check_mode_changes_nothing() {
	need_ansible
	local before
	before=$(bpftool -j map show | jq -c '[.[].id]')
	play --check --diff -- "manifest=$TOP/examples/xdp1.yaml" || fail "check run failed: $(task .msg)"
	assert_eq "$(task .changed)" true "check mode changed"
	assert_eq "$(task '.summary.add')" 2 "check mode would add"
	assert_eq "$(task '[.resource_changes[].address] | sort | join(" ")')" "map.rxcnt program.xdp1" \
		"check mode resource_changes"
	grep -q '+ map.rxcnt' <<< "$(task .diff.prepared)" || fail "diff is not the plan: $(task .diff)"
	[ ! -e "$ROOT/xdp1" ] || fail "check mode created $ROOT/xdp1: $(ls -R "$ROOT")"
	assert_eq "$(bpftool -j map show | jq -c '[.[].id]')" "$before" "maps in the kernel after check mode"
	[ "$(bpftool -j prog show | jq '[.[] | select(.name == "xdp_prog1")] | length')" = 0 ] ||
		fail "check mode loaded xdp_prog1"
	# the same manifest for real: the object's relative path resolves
	play -- "manifest=$TOP/examples/xdp1.yaml" || fail "apply failed: $(task .msg)"
	bpftool -j prog show pinned "$ROOT/xdp1/programs/xdp1/xdp_prog1" > /dev/null ||
		fail "program not pinned"
	# check mode once converged: ok
	play --check -- "manifest=$TOP/examples/xdp1.yaml" || fail "second check failed"
	assert_eq "$(task .changed)" false "check mode on a converged host"
	play -- "scope=xdp1" state=absent || fail "absent by scope failed: $(task .msg)"
	! bpftool -j prog show pinned "$ROOT/xdp1/programs/xdp1/xdp_prog1" > /dev/null 2>&1 ||
		fail "program still pinned after absent"
}

# content: and scope: the manifest inline; a scope guard; absent by scope in check mode.
test_ansible_content_and_scope() {
	need_ansible
	local content
	content=$(sed 's/^scope: quickstart/scope: inline/' "$TOP/examples/quickstart.yaml")
	play -- "{\"content\": $(jq -Rs . <<< "$content"), \"scope\": \"other\"}" &&
		fail "a scope guard mismatch passed"
	grep -q "declares scope 'inline', not 'other'" <<< "$(task .msg)" || fail "guard: $(task .msg)"
	[ ! -e "$ROOT/inline" ] || fail "the guard let apply run"
	play -- "{\"content\": $(jq -Rs . <<< "$content"), \"scope\": \"inline\"}" ||
		fail "content run failed: $(task .msg)"
	assert_eq "$(task .changed)" true "content run changed"
	map_show "$ROOT/inline/maps/config" > /dev/null || fail "content map not pinned"
	play --check -- scope=inline state=absent || fail "absent check failed: $(task .msg)"
	assert_eq "$(task .changed)" true "absent in check mode"
	map_show "$ROOT/inline/maps/config" > /dev/null || fail "check mode destroyed"
	play -- scope=inline state=absent || fail "absent failed: $(task .msg)"
	! map_show "$ROOT/inline/maps/config" > /dev/null 2>&1 || fail "absent left the map"
}

# A bad manifest fails the task with bpfapply's FILE:LINE:COL message, changing nothing.
test_ansible_bad_manifest_fails() {
	need_ansible
	manifest "$T/bad.yaml" <<'YAML'
bpfapply: v1
scope: bad
maps:
  m:
    type: hash
    key_size: four
    value_size: 4
    max_entries: 4
YAML
	! play -- "manifest=$T/bad.yaml" || fail "a bad manifest passed"
	assert_eq "$(task .failed)" true "task failed"
	grep -q "^$T/bad.yaml:6:15: key_size: " <<< "$(task .msg)" || fail "message: $(task .msg)"
	[ ! -e "$ROOT/bad" ] || fail "a bad manifest created $ROOT/bad"
	# the same through content: named "content", not a temporary file
	! play -- "{\"content\": $(jq -Rs . < "$T/bad.yaml")}" || fail "bad content passed"
	grep -q "^content:6:15: key_size: " <<< "$(task .msg)" || fail "content message: $(task .msg)"
}
