# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Links: programs attached to XDP, tc (tcx) and cgroup hooks.  Every test
# works in network namespaces of its own (a veth pair: va in $NS, where the
# programs are attached, vb in $PEER, where traffic comes from) and in a
# child cgroup of its own; never on the host's interfaces or root cgroup.

# ---- set-up ------------------------------------------------------------------

# bpfapply and bpftool inside the test's network namespace
lk_ban() { nsenter --net="/run/netns/$NS" "$BIN" --root "$ROOT" --no-color "$@"; }
lk_bpftool_ns() { nsenter --net="/run/netns/$NS" bpftool "$@"; }

lk_veth_pair() { # (re)create va <-> vb
	ip link add va netns "$NS" type veth peer name vb netns "$PEER"
	ip -n "$NS" addr add 10.199.0.1/24 dev va
	ip -n "$NS" link set va up
	ip -n "$PEER" addr add 10.199.0.2/24 dev vb
	ip -n "$PEER" link set vb up
	# XDP_DROP tests must not depend on ARP getting through
	ip -n "$PEER" neigh replace 10.199.0.1 dev vb nud permanent \
		lladdr "$(ip -n "$NS" -j link show va | jq -r '.[0].address')"
}

lk_netns_setup() {
	command -v nsenter > /dev/null || skip "nsenter not installed"
	NS=bpfa-links-$$-$RANDOM
	PEER=bpfa-peer-$$-$RANDOM
	# deleted however the test ends, even killed at its time limit (lib.sh)
	ip netns add "$NS" || skip "cannot create network namespaces"
	defer ip netns del "$NS"
	ip netns add "$PEER"
	defer ip netns del "$PEER"
	lk_veth_pair
}

# A child cgroup of our own, in our own view of the v2 hierarchy if need be.
lk_cgroup_setup() {
	local top=/sys/fs/cgroup
	if [ "$(stat -f -c %T "$top" 2> /dev/null)" != cgroup2fs ]; then
		top=$T/cgroup
		mkdir -p "$top"
		grep -qw cgroup2 /proc/filesystems || skip "kernel without cgroup v2"
		mount -t cgroup2 none "$top" || skip "cannot mount cgroup2"
	fi
	LINKS_CG=$top/bpfapply-links-$$
	mkdir "$LINKS_CG" || skip "cannot create a child cgroup"
	defer rmdir "$LINKS_CG"
}

# Does the kernel know this value of enum bpf_attach_type / bpf_link_type?
# Asked of the kernel's own BTF, never of its version number.
lk_probe_kernel_enum() {
	local name=$1
	if [ ! -f "$PROBE_DIR/enum-$name" ]; then
		if bpftool btf dump file /sys/kernel/btf/vmlinux format raw 2> /dev/null |
			grep -q "^[[:space:]]*'$name' val="; then
			echo yes > "$PROBE_DIR/enum-$name"
		else
			echo no > "$PROBE_DIR/enum-$name"
		fi
	fi
	[ "$(cat "$PROBE_DIR/enum-$name")" = yes ]
}
lk_has_tcx() { lk_probe_kernel_enum BPF_TCX_INGRESS; }
lk_skip_if_missing_xdp_link() {
	lk_probe_kernel_enum BPF_LINK_TYPE_XDP || skip "this kernel has no XDP links (no BPF_LINK_TYPE_XDP in its BTF)"
}

lk_manifest() { # slot extra-link-lines
	mkdir -p "$T/bpf"
	cp "$TOP/tests/bpf/link_progs.bpf.o" "$T/bpf/"
	manifest "$T/m.yaml" <<Y
bpfapply: v1
scope: lk
maps:
  hits: {type: array, key_size: 4, value_size: 8, max_entries: 4}
programs:
  p:
    object: bpf/link_progs.bpf.o
    maps: {hits: hits}
    globals: {slot: $1}
links:
$2
Y
}

# ---- what the kernel says ------------------------------------------------------

# The JSON plan in $T/.out against schema/bpfapply-plan.schema.json.
lk_plan_schema() {
	local rc=0
	cp "$T/.out" "$T/plan.json"
	/usr/bin/python3 "$TOP/tests/schema/validate_plan.py" "$TOP/schema/bpfapply-plan.schema.json" \
		"$T/plan.json" 2> "$T/.schema" || rc=$?
	[ $rc -eq 2 ] && return 0 # python3-jsonschema missing: the schema suite says so
	[ $rc -eq 0 ] || fail "plan JSON does not match the schema: $(head -c 800 "$T/.schema")"
}

lk_hits() { # slot -> count
	bpftool -j map lookup pinned "$ROOT/lk/maps/hits" key "$1" 0 0 0 |
		jq -r '.value | map(ltrimstr("0x")) | reverse | join("")' | { read -r h; echo $((16#$h)); }
}
lk_prog_id() { bpftool -j prog show pinned "$ROOT/lk/programs/p/$1" | jq -r .id; }
lk_link_json() { bpftool -j link show pinned "$ROOT/lk/links/$1"; }
lk_xdp_prog_on() { # interface -> program id attached, or null
	ip -n "$NS" -j link show "$1" | jq -r '.[0].xdp.prog.id // "null"'
}
lk_send_udp() { # count: datagrams from the peer namespace (bash's /dev/udp, no other tool)
	# shellcheck disable=SC2016 # expanded by the inner bash
	nsenter --net="/run/netns/$PEER" bash -c '
		for i in $(seq 1 "$1"); do echo bpfapply > /dev/udp/10.199.0.1/9; done' _ "$1"
	sleep 0.2
}
# Every bpf_link of the kernel that runs one of the test programs, as "type
# program" (bpftool 7.1 shows no interface for tcx links, whose type it
# prints as 11; the programs' names are this file's own, and tests run one
# at a time on a host).
lk_in_ns() {
	bpftool -j link show | jq -r --argjson progs "$(bpftool -j prog show)" '
		($progs | map({key: (.id | tostring), value: .name}) | from_entries) as $name
		| .[] | select($name[.prog_id | tostring] // "" | test("^(xdp|tc|cg)_count$|^xdp_prog1$"))
		| "\(if .type == 11 then "tcx" else .type end) \($name[.prog_id | tostring])"' | sort
}

# ---- tests -----------------------------------------------------------------------

test_links_xdp_traffic_reload_keeps_the_link() {
	lk_skip_if_missing_xdp_link
	lk_netns_setup
	lk_manifest 0 "  in: {program: p/xdp_count, xdp: {interface: va}}"
	expect_rc 0 lk_ban apply -f "$T/m.yaml"
	local pid link
	pid=$(lk_prog_id xdp_count)
	link=$(lk_link_json in | jq -r .id)
	assert_eq "$(lk_xdp_prog_on va)" "$pid" "ip link: va runs the pinned program"
	assert_eq "$(lk_link_json in | jq -r .type)" xdp "bpftool link: an xdp link"
	assert_eq "$(lk_link_json in | jq -r .prog_id)" "$pid" "bpftool link: its program"
	assert_eq "$(lk_bpftool_ns -j net show dev va | jq -r '.[0].xdp[0].id')" "$pid" "bpftool net: xdp on va"
	lk_send_udp 5
	[ "$(lk_hits 0)" -ge 5 ] || fail "the attached program counted $(lk_hits 0) packets, expected >= 5"
	assert_eq "$(lk_hits 1)" 0 "nothing in slot 1 yet"
	expect_rc 0 lk_ban plan --detailed-exitcode -f "$T/m.yaml"

	# reload: a new program, swapped into the same link
	lk_manifest 1 "  in: {program: p/xdp_count, xdp: {interface: va}}"
	expect_rc 2 lk_ban plan --detailed-exitcode -f "$T/m.yaml"
	grep -q '^  ~ link.in  *program reloaded$' "$T/.out" || fail "plan: $(cat "$T/.out")"
	expect_rc 2 lk_ban -j plan --detailed-exitcode -f "$T/m.yaml"
	jq -e '.resource_changes[] | select(.address == "link.in")
		| .type == "bpf_link" and .change.actions == ["update"]
		  and .action_reason == "update_because_program_changed"
		  and .change.after.hook == "xdp" and .change.after.interface == "va"' "$T/.out" > /dev/null ||
		fail "JSON plan: $(cat "$T/.out")"
	lk_plan_schema
	expect_rc 0 lk_ban apply -f "$T/m.yaml"
	local before
	before=$(lk_hits 0)
	assert_eq "$(lk_link_json in | jq -r .id)" "$link" "the link id stays"
	[ "$(lk_prog_id xdp_count)" != "$pid" ] || fail "the program was not reloaded"
	assert_eq "$(lk_link_json in | jq -r .prog_id)" "$(lk_prog_id xdp_count)" "the link runs the new program"
	assert_eq "$(lk_xdp_prog_on va)" "$(lk_prog_id xdp_count)" "ip link: va runs the new program"
	lk_send_udp 5
	[ "$(lk_hits 1)" -ge 5 ] || fail "the new program counted $(lk_hits 1) packets in its slot"
	assert_eq "$(lk_hits 0)" "$before" "the old program sees no more traffic"
	expect_rc 0 lk_ban plan --detailed-exitcode -f "$T/m.yaml"

	expect_rc 0 lk_ban destroy -f "$T/m.yaml"
	assert_eq "$(lk_xdp_prog_on va)" null "destroy detaches"
	assert_eq "$(lk_in_ns)" "" "no link left on the namespace's interfaces"
}

test_links_foreign_xdp_program_is_refused_and_left() {
	lk_skip_if_missing_xdp_link
	lk_netns_setup
	bpftool prog load "$TOP/tests/bpf/link_progs.bpf.o" "$BPFFS/foreign" type xdp
	ip -n "$NS" link set dev va xdp pinned "$BPFFS/foreign"
	local foreign
	foreign=$(bpftool -j prog show pinned "$BPFFS/foreign" | jq -r .id)
	lk_manifest 0 "  in: {program: p/xdp_count, xdp: {interface: va}}"
	expect_rc 1 lk_ban plan -f "$T/m.yaml"
	expect_rc 1 lk_ban apply -f "$T/m.yaml"
	grep -q "m.yaml:[0-9]*:[0-9]*: link \"in\": interface va already runs XDP program xdp_count (id $foreign), attached without a link" "$T/.err" ||
		fail "message: $(cat "$T/.err")"
	assert_eq "$(lk_xdp_prog_on va)" "$foreign" "the foreign program stays attached"
	[ ! -e "$ROOT/lk/state" ] || fail "apply changed something"
	ip -n "$NS" link set dev va xdp off

	# another tool's link (here: another scope's) is refused the same way
	expect_rc 0 lk_ban apply -f "$T/m.yaml"
	local theirs
	theirs=$(lk_link_json in | jq -r .id)
	sed 's/^scope: lk/scope: other/' "$T/m.yaml" > "$T/other.yaml"
	expect_rc 1 lk_ban apply -f "$T/other.yaml"
	grep -q "attached by link $theirs by someone else" "$T/.err" || fail "message: $(cat "$T/.err")"
	assert_eq "$(lk_link_json in | jq -r .id)" "$theirs" "the first scope's link is untouched"
	expect_rc 0 lk_ban destroy -f "$T/m.yaml"
	[ ! -e "$ROOT/other/state" ] || fail "the refused scope recorded something"
}

test_links_tc_tcx() {
	lk_has_tcx || skip "this kernel has no tcx links (no BPF_TCX_INGRESS in its BTF; Linux 6.6+)"
	lk_netns_setup
	lk_manifest 0 "  cls: {program: p/tc_count, tc: {interface: va, direction: ingress}}"
	expect_rc 0 lk_ban apply -f "$T/m.yaml"
	local pid link
	pid=$(lk_prog_id tc_count)
	link=$(lk_link_json cls | jq -r .id)
	lk_link_json cls | jq -e '.type == "tcx" or .type == 11' > /dev/null || fail "not a tcx link: $(lk_link_json cls)"
	assert_eq "$(lk_link_json cls | jq -r .prog_id)" "$pid" "bpftool link: its program"
	lk_send_udp 4
	[ "$(lk_hits 0)" -ge 4 ] || fail "tc program counted $(lk_hits 0) packets"
	lk_manifest 1 "  cls: {program: p/tc_count, tc: {interface: va, direction: ingress}}"
	expect_rc 0 lk_ban apply -f "$T/m.yaml"
	grep -q '^  ~ link.cls  *program reloaded$' "$T/.out" || fail "apply: $(cat "$T/.out")"
	assert_eq "$(lk_link_json cls | jq -r .id)" "$link" "the link id stays"
	lk_send_udp 4
	[ "$(lk_hits 1)" -ge 4 ] || fail "the new tc program counted $(lk_hits 1) packets"
	expect_rc 0 lk_ban destroy -f "$T/m.yaml"
	assert_eq "$(lk_in_ns)" "" "destroy detaches"
}

test_links_tc_without_tcx_is_an_error() {
	lk_has_tcx && skip "this kernel has tcx links (the error path needs one without)"
	lk_netns_setup
	lk_manifest 0 "  in: {program: p/xdp_count, xdp: {interface: va}}
  cls: {program: p/tc_count, tc: {interface: va, direction: ingress}}"
	# plan asks the kernel (BPF_PROG_QUERY), apply refuses before anything is made
	expect_rc 1 lk_ban plan -f "$T/m.yaml"
	grep -q 'm.yaml:[0-9]*:[0-9]*: link "cls": this kernel has no tcx links' "$T/.err" || fail "plan: $(cat "$T/.err")"
	expect_rc 1 lk_ban apply -f "$T/m.yaml"
	grep -q 'link "cls": this kernel has no tcx links' "$T/.err" || fail "message: $(cat "$T/.err")"
	assert_eq "$(lk_xdp_prog_on va)" null "all or nothing: the xdp link was taken back"
	[ ! -e "$ROOT/lk/state" ] || fail "state recorded"
}

test_links_failed_attach_undoes_the_others() {
	lk_skip_if_missing_xdp_link
	lk_netns_setup
	# loopback has no native XDP: its attach fails after va's succeeded
	lk_manifest 0 "  a: {program: p/xdp_count, xdp: {interface: va}}
  b: {program: p/xdp_count, xdp: {interface: lo, mode: native}}"
	expect_rc 1 lk_ban apply -f "$T/m.yaml"
	grep -q "link 'b'" "$T/.err" || fail "message: $(cat "$T/.err")"
	assert_eq "$(lk_xdp_prog_on va)" null "va's attach was undone"
	assert_eq "$(lk_in_ns)" "" "no link left"
	[ ! -e "$ROOT/lk/state" ] || fail "state recorded"
	[ -z "$(find "$ROOT/lk" -type f 2> /dev/null)" ] || fail "pins left: $(find "$ROOT/lk" -type f)"

	# a reload swapped in, then a failed attach: the previous program comes back
	lk_manifest 0 "  a: {program: p/xdp_count, xdp: {interface: va}}"
	expect_rc 0 lk_ban apply -f "$T/m.yaml"
	local old
	old=$(lk_prog_id xdp_count)
	lk_manifest 1 "  a: {program: p/xdp_count, xdp: {interface: va}}
  b: {program: p/xdp_count, xdp: {interface: lo, mode: native}}"
	expect_rc 1 lk_ban apply -f "$T/m.yaml"
	assert_eq "$(lk_link_json a | jq -r .prog_id)" "$old" "the link runs the previous program again"
	assert_eq "$(lk_xdp_prog_on va)" "$old" "ip link: the previous program"
	expect_rc 0 lk_ban destroy -f "$T/m.yaml"
}

test_links_cgroup() {
	lk_probe_kernel_enum BPF_LINK_TYPE_CGROUP || skip "this kernel has no cgroup links"
	lk_netns_setup
	lk_cgroup_setup
	lk_manifest 0 "  acct: {program: p/cg_count, cgroup: {path: $LINKS_CG, attach: ingress}}"
	expect_rc 0 lk_ban apply -f "$T/m.yaml"
	local pid link
	pid=$(lk_prog_id cg_count)
	link=$(lk_link_json acct | jq -r .id)
	assert_eq "$(lk_link_json acct | jq -r .type)" cgroup "bpftool link: a cgroup link"
	assert_eq "$(bpftool -j cgroup show "$LINKS_CG" | jq -r '.[] | "\(.id) \(.attach_type | sub("^cgroup_inet_"; ""))"')" "$pid ingress" \
		"bpftool cgroup show: the program on ingress"
	lk_manifest 1 "  acct: {program: p/cg_count, cgroup: {path: $LINKS_CG, attach: ingress}}"
	expect_rc 0 lk_ban apply -f "$T/m.yaml"
	assert_eq "$(lk_link_json acct | jq -r .id)" "$link" "the link id stays"
	assert_eq "$(bpftool -j cgroup show "$LINKS_CG" | jq -r '.[].id')" "$(lk_prog_id cg_count)" "the new program runs"

	# the cgroup re-created: the link is lost with it, and plan shows the repair
	rmdir "$LINKS_CG"
	mkdir "$LINKS_CG"
	expect_rc 2 lk_ban plan --detailed-exitcode -f "$T/m.yaml"
	grep -q "^-/+ link.acct .*cgroup $LINKS_CG re-created" "$T/.out" || fail "plan: $(cat "$T/.out")"
	expect_rc 0 lk_ban apply -f "$T/m.yaml"
	assert_eq "$(bpftool -j cgroup show "$LINKS_CG" | jq -r '.[].id')" "$(lk_prog_id cg_count)" "attached again"
	expect_rc 0 lk_ban plan --detailed-exitcode -f "$T/m.yaml"

	# someone else's program attached without BPF_F_ALLOW_MULTI holds egress
	bpftool prog loadall "$TOP/tests/bpf/link_progs.bpf.o" "$BPFFS/theirs"
	bpftool cgroup attach "$LINKS_CG" egress pinned "$BPFFS/theirs/cg_count"
	local theirs
	theirs=$(bpftool -j prog show pinned "$BPFFS/theirs/cg_count" | jq -r .id)
	lk_manifest 1 "  acct: {program: p/cg_count, cgroup: {path: $LINKS_CG, attach: ingress}}
  out: {program: p/cg_count, cgroup: {path: $LINKS_CG, attach: egress}}"
	expect_rc 1 lk_ban apply -f "$T/m.yaml"
	grep -q "link \"out\": cgroup $LINKS_CG already runs program cg_count (id $theirs) on egress, attached without BPF_F_ALLOW_MULTI by someone else" "$T/.err" ||
		fail "message: $(cat "$T/.err")"
	assert_eq "$(bpftool -j cgroup show "$LINKS_CG" | jq -r '.[] | select(.attach_type | test("egress")) | .id')" "$theirs" \
		"their program stays on egress"
	bpftool cgroup detach "$LINKS_CG" egress pinned "$BPFFS/theirs/cg_count"
	expect_rc 0 lk_ban apply -f "$T/m.yaml"
	expect_rc 0 lk_ban destroy -f "$T/m.yaml"
	# bpftool prints nothing at all for a cgroup without programs
	assert_eq "$(bpftool -j cgroup show "$LINKS_CG" | jq -s '[.[][]] | length')" 0 "destroy detaches"
}

test_links_drift_is_repaired() {
	lk_skip_if_missing_xdp_link
	lk_netns_setup
	lk_manifest 0 "  in: {program: p/xdp_count, xdp: {interface: va}}"
	expect_rc 0 lk_ban apply -f "$T/m.yaml"

	# detached behind bpfapply's back
	bpftool link detach id "$(lk_link_json in | jq -r .id)"
	assert_eq "$(lk_xdp_prog_on va)" null "bpftool detached it"
	expect_rc 2 lk_ban plan --detailed-exitcode -f "$T/m.yaml"
	grep -q '^-/+ link.in  *link detached outside bpfapply$' "$T/.out" || fail "plan: $(cat "$T/.out")"
	expect_rc 2 lk_ban -j plan --detailed-exitcode -f "$T/m.yaml"
	jq -e '[.resource_drift[] | select(.address == "link.in") | .action_reason]
		== ["replace_because_detached_outside"]' "$T/.out" > /dev/null || fail "drift: $(cat "$T/.out")"
	lk_plan_schema
	expect_rc 0 lk_ban show
	grep -q 'link.in .* detached' "$T/.out" || fail "show: $(cat "$T/.out")"
	expect_rc 0 lk_ban apply -f "$T/m.yaml"
	assert_eq "$(lk_xdp_prog_on va)" "$(lk_prog_id xdp_count)" "attached again"

	# the interface re-created under the same name
	ip -n "$NS" link del va
	lk_veth_pair
	expect_rc 2 lk_ban plan --detailed-exitcode -f "$T/m.yaml"
	grep -q '^-/+ link.in  *interface va re-created' "$T/.out" || fail "plan: $(cat "$T/.out")"
	expect_rc 0 lk_ban apply -f "$T/m.yaml"
	assert_eq "$(lk_xdp_prog_on va)" "$(lk_prog_id xdp_count)" "attached to the new va"
	lk_send_udp 3
	[ "$(lk_hits 0)" -ge 3 ] || fail "no traffic counted on the new va"

	# the interface gone: an error, not a silent skip
	ip -n "$NS" link del va
	expect_rc 1 lk_ban plan -f "$T/m.yaml"
	grep -q 'link "in": interface va: no such interface' "$T/.err" || fail "message: $(cat "$T/.err")"
	expect_rc 0 lk_ban destroy -f "$T/m.yaml"
	assert_eq "$(lk_in_ns)" "" "nothing left"
}

test_links_validate() {
	mkdir -p "$T/bpf"
	cp "$TOP/tests/bpf/link_progs.bpf.o" "$T/bpf/"
	manifest "$T/m.yaml" <<'Y'
bpfapply: v1
scope: v
programs:
  p: {object: bpf/link_progs.bpf.o}
links:
  a: {program: p/tc_count, xdp: {interface: eth0}}
  b: {program: p/xdp_count, tc: {interface: eth0, direction: ingress}}
  c: {program: p/xdp_count, cgroup: {path: /sys/fs/cgroup/x, attach: egress}}
  e: {program: p/nope, xdp: {interface: eth1}}
Y
	expect_rc 1 "$BIN" validate -f "$T/m.yaml"
	grep -q 'm.yaml:6:16: link "a": xdp needs an XDP program, p/tc_count is sched_cls' "$T/.err" || fail "a: $(cat "$T/.err")"
	grep -q 'm.yaml:7:16: link "b": tc needs a sched_cls program' "$T/.err" || fail "b: $(cat "$T/.err")"
	grep -q 'm.yaml:8:16: link "c": cgroup attach egress needs a cgroup_skb program' "$T/.err" || fail "c: $(cat "$T/.err")"
	grep -q 'm.yaml:9:16: program "p/nope" is not loaded by this manifest' "$T/.err" || fail "e: $(cat "$T/.err")"
	# a good one, and the graph edge from the link to its program entry
	sed -i '/^  [abce]:/d' "$T/m.yaml"
	echo '  in: {program: p/xdp_count, xdp: {interface: eth0, mode: native}}' >> "$T/m.yaml"
	expect_rc 0 "$BIN" validate -f "$T/m.yaml"
	grep -q '1 links\.$' "$T/.out" || fail "validate: $(cat "$T/.out")"
	expect_rc 0 "$BIN" graph -f "$T/m.yaml"
	grep -q '"link.in" -> "program.p" \[label="xdp"\];' "$T/.out" || fail "graph: $(cat "$T/.out")"
	[ ! -e "$ROOT" ] || fail "validate touched the root"
}

# examples/xdp1_attached.yaml, as it is, on an eth0 of our own namespace.
test_links_example_xdp1_attached() {
	lk_skip_if_missing_xdp_link
	lk_netns_setup
	ip -n "$NS" link set va name eth0
	local m=$TOP/examples/xdp1_attached.yaml sum pid
	expect_rc 0 lk_ban apply -f "$m"
	pid=$(bpftool -j prog show pinned "$ROOT/xdp1/programs/xdp1/xdp_prog1" | jq -r .id)
	assert_eq "$(lk_xdp_prog_on eth0)" "$pid" "ip link: eth0 runs xdp_prog1"
	assert_eq "$(bpftool -j link show pinned "$ROOT/xdp1/links/eth0_rx" | jq -r '"\(.type) \(.prog_id)"')" \
		"xdp $pid" "bpftool link: the pinned link"
	lk_send_udp 6
	# rxcnt[17] (UDP), summed over the CPUs; the frames were dropped
	sum=$(bpftool -j map lookup pinned "$ROOT/xdp1/maps/rxcnt" key 17 0 0 0 |
		jq '[.values[].value | map(ltrimstr("0x")) | reverse | join("") | ascii_downcase | explode
			| map(if . >= 97 then . - 87 else . - 48 end) | reduce .[] as $d (0; . * 16 + $d)] | add')
	[ "$sum" -ge 6 ] || fail "rxcnt[UDP] counted $sum frames, expected >= 6"
	expect_rc 0 lk_ban plan --detailed-exitcode -f "$m"
	expect_rc 0 lk_ban destroy -f "$m"
	assert_eq "$(lk_xdp_prog_on eth0)" null "destroy detaches"
}

# ---- all or nothing: a kill at every mutation point -------------------------------

# A: in, mv, old on XDP; acct on the cgroup; cls on tc (where tcx exists).
# B: every kind of link change: the program reloaded (in, acct: link update),
# an XDP mode changed on the same interface (mv: the old link must go first),
# a link removed (old), one added (new), a tc direction changed (cls).
lk_write_ab() {
	local tc_a="" tc_b=""
	if lk_has_tcx; then
		tc_a="  cls: {program: p/tc_count, tc: {interface: va, direction: ingress}}"
		tc_b="  cls: {program: p/tc_count, tc: {interface: va, direction: egress}}
  new: {program: p/tc_count, tc: {interface: vd, direction: egress}}"
	else
		tc_b="  new: {program: p/cg_count, cgroup: {path: $LINKS_CG, attach: egress}}"
	fi
	lk_manifest 0 "  in: {program: p/xdp_count, xdp: {interface: va}}
  mv: {program: p/xdp_count, xdp: {interface: vc}}
  old: {program: p/xdp_count, xdp: {interface: vd}}
  acct: {program: p/cg_count, cgroup: {path: $LINKS_CG, attach: ingress}}
$tc_a"
	mv "$T/m.yaml" "$T/a.yaml"
	lk_manifest 1 "  in: {program: p/xdp_count, xdp: {interface: va}}
  mv: {program: p/xdp_count, xdp: {interface: vc, mode: generic}}
  acct: {program: p/cg_count, cgroup: {path: $LINKS_CG, attach: ingress}}
$tc_b"
	mv "$T/m.yaml" "$T/b.yaml"
}

# What is attached, without ids: XDP per interface, every test link, the cgroup's
# programs, and whether each pinned link runs the program pinned now.
lk_snapshot() {
	local i l
	for i in va vc vd; do
		ip -n "$NS" -d -j link show "$i" | jq -r --arg i "$i" '"\($i) xdp \(.[0].xdp.mode // "-") \(.[0].xdp.prog.name // "-")"'
	done
	lk_in_ns
	bpftool -j cgroup show "$LINKS_CG" | jq -r '.[]? | "cgroup \(.attach_type) \(.name)"' | sort
	for l in "$ROOT"/lk/links/*; do
		[ -e "$l" ] || continue
		echo "pin $(basename "$l") runs $(bpftool -j prog show id "$(bpftool -j link show pinned "$l" | jq .prog_id)" | jq -r .name)" \
			"current=$([ "$(bpftool -j link show pinned "$l" | jq .prog_id)" = \
				"$(bpftool -j prog show pinned "$ROOT/lk/programs/p/$(bpftool -j prog show id "$(bpftool -j link show pinned "$l" | jq .prog_id)" | jq -r .name)" | jq .id)" ] && echo yes || echo no)"
	done
}

# The namespace, cgroup, second veth pair and manifests A and B that the
# fault-injection sweep and the kill -9 test share.
lk_ab_setup() {
	lk_skip_if_missing_xdp_link
	lk_probe_kernel_enum BPF_LINK_TYPE_CGROUP || skip "this kernel has no cgroup links"
	lk_netns_setup
	lk_cgroup_setup
	ip -n "$NS" link add vc type veth peer name vd
	ip -n "$NS" link set vc up
	ip -n "$NS" link set vd up
	lk_write_ab
}

test_links_fault_injection_sweep() {
	lk_ab_setup
	local m n rc
	expect_rc 0 lk_ban apply -f "$T/a.yaml"
	BPFAPPLY_FAULT_TRACE=1 lk_ban apply -f "$T/b.yaml" > /dev/null 2> "$T/trace" || fail "reference apply: $(cat "$T/trace")"
	lk_snapshot > "$T/ref"
	grep -q '^vc xdp 2 xdp_count$' "$T/ref" || fail "reference: mv not in generic mode: $(cat "$T/ref")"
	grep -q '^vd xdp - -$' "$T/ref" || fail "reference: old still attached: $(cat "$T/ref")"
	! grep -q 'current=no' "$T/ref" || fail "reference: a link runs a stale program: $(cat "$T/ref")"
	m=$(grep -c '^fault point' "$T/trace")
	grep -q 'fault point [0-9]*: link attach$' "$T/trace" || fail "no link attach point: $(cat "$T/trace")"
	grep -q 'fault point [0-9]*: link update$' "$T/trace" || fail "no link update point"
	grep -q 'fault point [0-9]*: link detach' "$T/trace" || fail "no link detach point"
	for n in $(seq 1 "$m"); do
		expect_rc 0 lk_ban apply -f "$T/a.yaml"
		rc=0
		BPFAPPLY_FAULT_AFTER=$n lk_ban apply -f "$T/b.yaml" > /dev/null 2> "$T/.err" || rc=$?
		assert_eq "$rc" 86 "point $n: the injected fault stops the apply ($(tail -1 "$T/.err"))"
		expect_rc 0 lk_ban apply -f "$T/b.yaml"
		lk_snapshot > "$T/got"
		diff -u "$T/ref" "$T/got" > "$T/diff" ||
			fail "point $n ($(sed -n "s/^fault point $n: //p" "$T/trace")): differs from an uninterrupted apply: $(cat "$T/diff")"
		expect_rc 0 lk_ban plan --detailed-exitcode -f "$T/b.yaml"
		[ ! -e "$ROOT/lk/staging" ] || fail "point $n: staging left: $(find "$ROOT/lk/staging")"
	done
	# and destroy, killed at each of its points
	BPFAPPLY_FAULT_TRACE=1 lk_ban destroy -f "$T/b.yaml" > /dev/null 2> "$T/trace" || fail "destroy: $(cat "$T/trace")"
	local d
	d=$(grep -c '^fault point' "$T/trace")
	for n in $(seq 1 "$d"); do
		expect_rc 0 lk_ban apply -f "$T/b.yaml"
		rc=0
		BPFAPPLY_FAULT_AFTER=$n lk_ban destroy -f "$T/b.yaml" > /dev/null 2> "$T/.err" || rc=$?
		assert_eq "$rc" 86 "destroy point $n: stopped"
		expect_rc 0 lk_ban destroy -f "$T/b.yaml"
		assert_eq "$(lk_in_ns)" "" "destroy point $n: links left"
	done
	assert_eq "$(lk_in_ns)" "" "destroy detaches every link"
	for n in va vc vd; do
		assert_eq "$(lk_xdp_prog_on $n)" null "no XDP left on $n"
	done
	echo "swept $m apply and $d destroy fault points"
}

# The same change, killed with SIGKILL at random moments instead.
test_links_kill9_at_random_moments() {
	lk_ab_setup
	local i pid
	expect_rc 0 lk_ban apply -f "$T/a.yaml"
	expect_rc 0 lk_ban apply -f "$T/b.yaml"
	lk_snapshot > "$T/ref"
	for i in $(seq 1 10); do
		expect_rc 0 lk_ban apply -f "$T/a.yaml"
		lk_ban apply -f "$T/b.yaml" > /dev/null 2>&1 &
		pid=$!
		sleep "0.0$((RANDOM % 10))$((RANDOM % 10))"
		kill -9 "$pid" 2> /dev/null || true
		wait "$pid" 2> /dev/null || true
		expect_rc 0 lk_ban apply -f "$T/b.yaml"
		lk_snapshot > "$T/got"
		diff -u "$T/ref" "$T/got" > "$T/diff" || fail "kill $i: differs from an uninterrupted apply: $(cat "$T/diff")"
		expect_rc 0 lk_ban plan --detailed-exitcode -f "$T/b.yaml"
	done
	expect_rc 0 lk_ban destroy -f "$T/b.yaml"
	assert_eq "$(lk_in_ns)" "" "destroy detaches every link"
}
