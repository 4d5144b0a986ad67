# SPDX-License-Identifier: GPL-2.0-only
# The sandbox of the shipped systemd units, measured on this kernel: the
# capabilities in CapabilityBoundingSet= are enough and each one is needed,
# every system call bpfapply makes passes SystemCallFilter=, and it writes
# nowhere but bpffs (ProtectSystem=strict, ReadWritePaths=/sys/fs/bpf).

UNITS=$TOP/contrib/systemd

# "CAP_BPF CAP_PERFMON" -> "-all,+bpf,+perfmon" (setpriv's spelling); empty -> "-all"
unit_caps() { # unit
	local caps
	caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNITS/$1" | tr 'A-Z ' 'a-z\n' |
		sed -n 's/^cap_/+/p' | paste -sd,)
	echo "-all${caps:+,$caps}"
}

# bpfapply with only the capabilities of set (root keeps its uid, as in the unit)
capped() { # set args...
	local set=$1
	shift
	setpriv --inh-caps=-all --ambient-caps=-all --bounding-set="$set" -- "$BIN" --root "$ROOT" -n "$@"
}

test_unit_capabilities() {
	command -v setpriv >/dev/null || skip "setpriv not installed"
	local set drift m
	set=$(unit_caps bpfapply.service)
	assert_eq "$set" "-all,+bpf,+perfmon,+net_admin" "bpfapply.service capabilities"
	drift=$(unit_caps bpfapply-drift.service)
	assert_eq "$drift" "-all" "bpfapply-drift.service capabilities"
	# enough: maps, map-in-map, an XDP program, prog_array wiring; the drift
	# unit plans them, and sees drift
	for m in quickstart maps xdp1 tail_calls; do
		expect_rc 0 capped "$set" apply -f "$TOP/examples/$m.yaml"
		expect_rc 0 capped "$drift" plan --detailed-exitcode -f "$TOP/examples/$m.yaml"
	done
	bpftool -j prog show pinned "$ROOT/tailcalls/programs/xdp/main_func" > /dev/null ||
		fail "tail_calls not applied"
	[ "$(bpftool -j map dump pinned "$ROOT/tailcalls/maps/jmp_table" | jq length)" -gt 0 ] ||
		fail "jmp_table not wired"
	rm "$ROOT/quickstart/maps/flows"
	expect_rc 2 capped "$drift" plan --detailed-exitcode -f "$TOP/examples/quickstart.yaml"
	grep -q '+ map.flows' "$T/.out" || fail "drift plan: $(cat "$T/.out")"
	for m in quickstart maps xdp1 tail_calls; do
		expect_rc 0 capped "$set" destroy -f "$TOP/examples/$m.yaml"
	done
	# each needed: without CAP_NET_ADMIN or CAP_PERFMON no XDP program,
	# without CAP_BPF not even a map
	expect_rc 1 capped "${set/,+net_admin/}" apply -f "$TOP/examples/xdp1.yaml"
	expect_rc 1 capped "${set/,+perfmon/}" apply -f "$TOP/examples/xdp1.yaml"
	[ ! -e "$ROOT/xdp1/programs/xdp1/xdp_prog1" ] || fail "a refused apply left xdp_prog1"
	expect_rc 1 capped "${set/,+bpf/}" apply -f "$TOP/examples/quickstart.yaml"
	[ ! -e "$ROOT/quickstart/maps/config" ] || fail "a refused apply left a map"
}

# The syscalls of a filter line list, groups expanded (systemd-analyze knows them).
expand_filter() { # words...
	local w
	for w in "$@"; do
		case $w in
		@*) expand_filter $(systemd-analyze syscall-filter "$w" | sed -n 's/^    \([@a-z0-9_-]*\)$/\1/p') ;;
		*) echo "$w" ;;
		esac
	done
}

test_unit_syscalls_and_writes() {
	command -v strace >/dev/null || skip "strace not installed"
	command -v systemd-analyze >/dev/null || skip "systemd-analyze not installed"
	local denied used bad m line
	# the unit's filter: SystemCallFilter= lines in order, ~ removes, others add
	: > "$T/allowed"
	while read -r line; do
		case $line in
		'~'*) denied=$(expand_filter ${line#\~} | sort -u)
		      grep -vxF -f <(echo "$denied") "$T/allowed" > "$T/allowed.new" || true
		      mv "$T/allowed.new" "$T/allowed" ;;
		*) expand_filter $line >> "$T/allowed"; sort -u -o "$T/allowed" "$T/allowed" ;;
		esac
	done < <(sed -n 's/^SystemCallFilter=//p' "$UNITS/bpfapply.service")
	grep -qx bpf "$T/allowed" || fail "the filter does not allow bpf"
	for m in quickstart xdp1 tail_calls maps; do
		strace -f -qq -y -o "$T/st.$m.apply" "$BIN" --root "$ROOT" -n apply -f "$TOP/examples/$m.yaml" > /dev/null
		strace -f -qq -y -o "$T/st.$m.plan" "$BIN" --root "$ROOT" -n plan -f "$TOP/examples/$m.yaml" > /dev/null
		strace -f -qq -y -o "$T/st.$m.destroy" "$BIN" --root "$ROOT" -n destroy -f "$TOP/examples/$m.yaml" > /dev/null
	done
	used=$(cat "$T"/st.* | sed -n 's/^[0-9]* *\([a-z0-9_]*\)(.*/\1/p' | sort -u)
	grep -qx bpf <<< "$used" || fail "strace saw no bpf call: $used"
	bad=$(grep -vxF -f "$T/allowed" <<< "$used" || true)
	[ -z "$bad" ] || fail "system calls outside SystemCallFilter=: $bad"
	# writes: only under the pin root (the unit's only ReadWritePaths=)
	cat "$T"/st.* | grep -E '^[0-9]+ +(mkdir|mkdirat|unlink|unlinkat|rmdir|rename|renameat2?|chmod|fchmodat|symlink|link)\(|O_(WRONLY|RDWR|CREAT)' |
		grep -v '= -1 ' > "$T/writes" || true
	grep -q "^[0-9]* *mkdir(\"$ROOT/" "$T/writes" || fail "strace saw no mkdir under the root"
	# a path under the root, or a name relative to a directory fd under it (-y: "3</path>")
	bad=$(grep -v -e "\"$ROOT" -e "[0-9]<$ROOT[/>]" "$T/writes" || true)
	[ -z "$bad" ] || fail "writes outside bpffs: $(head -5 <<< "$bad")"
}
