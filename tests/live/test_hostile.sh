# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Hostile and careless input (issue 9): links planted under ROOT, scope
# tricks, special files, mounts, non-root.  Every refusal exits 1, says
# what is wrong where, and leaves bpffs, the kernel and the files around
# exactly as they were.

# A snapshot of everything a refused run must not touch: every path under
# the bpffs (type, link target, and the id of what a pin holds), the files
# of $T/around with their contents, the maps' contents, and the mounts
# under $T.
hostile_snapshot() {
	local f id
	find "$BPFFS" "$T/around" -printf '%y %p -> %l\n' 2>/dev/null | sort
	while IFS= read -r f; do
		id=$(bpftool -j map show pinned "$f" 2>/dev/null | jq -r .id) ||
			id=$(bpftool -j prog show pinned "$f" 2>/dev/null | jq -r .id) ||
			id=$(bpftool -j link show pinned "$f" 2>/dev/null | jq -r .id) || id=none
		echo "pin $f id $id $(bpftool -j map dump pinned "$f" 2>/dev/null | md5sum | cut -c1-12)"
	done < <(find "$BPFFS" -type f 2>/dev/null | sort)
	find "$T/around" -type f -exec md5sum {} + 2>/dev/null | sort
	awk -v d="$T" '$2 ~ "^"d {print $2, $3}' /proc/self/mounts | sort
}

# refused MESSAGE_REGEX cmd...: exits 1, says MESSAGE_REGEX, changes nothing.
refused() {
	local want=$1 before after
	shift
	before=$(hostile_snapshot)
	expect_rc 1 "$@"
	grep -Eq -- "$want" "$T/.err" || grep -Eq -- "$want" "$T/.out" ||
		fail "'$*': expected a message matching /$want/, got: $(head -c 600 "$T/.err")"
	after=$(hostile_snapshot)
	[ "$before" = "$after" ] ||
		fail "'$*' changed something: $(diff <(echo "$before") <(echo "$after") | head -20)"
}

# Files someone cares about, outside bpffs.
hostile_around() {
	mkdir -p "$T/around/victim/sub"
	echo precious > "$T/around/victim/file"
	echo deeper > "$T/around/victim/sub/file"
}

hostile_maps_manifest() { # file scope [max_entries]
	manifest "$1" <<Y
bpfapply: v1
scope: $2
maps:
  a: {type: hash, key_size: 4, value_size: 4, max_entries: ${3:-8}, entries: [{key: 1, value: 1}]}
  b: {type: array, key_size: 4, value_size: 4, max_entries: 2}
Y
}

hostile_prog_manifest() { # file scope
	cp "$TOP/tests/bpf/prog_globals.bpf.o" "$(dirname "$1")/obj.bpf.o"
	manifest "$1" <<Y
bpfapply: v1
scope: $2
maps:
  hits: {type: array, key_size: 4, value_size: 8, max_entries: 4}
programs:
  xdp:
    object: obj.bpf.o
    programs: [count_and_return]
    maps: {counter: hits}
    globals: {ret_val: 2}
iterators: {}
Y
}

# Every link bpfapply would walk, each in turn: apply (with and without
# changes), plan and destroy are refused, the link and its target untouched.
test_hostile_symlinks_under_root() {
	hostile_around
	hostile_prog_manifest "$T/m.yaml" s
	hostile_maps_manifest "$T/other.yaml" other
	expect_rc 0 ba apply -f "$T/m.yaml"
	expect_rc 0 ba apply -f "$T/other.yaml"
	sed 's/ret_val: 2/ret_val: 3/' "$T/m.yaml" > "$T/m2.yaml"
	local s=$ROOT/s p target
	mkdir -p "$ROOT/s/iterators"
	for p in staging maps programs iterators programs/xdp programs/xdp/maps; do
		for target in "$T/around/victim" "$ROOT/other/maps" /nonexistent; do
			[ -e "$s/$p" ] && mv "$s/$p" "$ROOT/held"
			ln -s "$target" "$s/$p"
			refused "$s/$p is a symbolic link" ba apply -f "$T/m.yaml"
			refused "$s/$p is a symbolic link" ba apply -f "$T/m2.yaml"
			refused "$s/$p is a symbolic link" ba plan -f "$T/m.yaml"
			refused "$s/$p is a symbolic link" ba destroy -f "$T/m.yaml"
			rm "$s/$p"
			[ -e "$ROOT/held" ] && mv "$ROOT/held" "$s/$p"
		done
	done
	# pins: the state record, a map, a program, an own map, dangling or not
	for p in state maps/hits programs/xdp/count_and_return programs/xdp/maps/obj_rodata; do
		for target in "$T/around/victim/file" "$ROOT/other/maps/a" /nonexistent; do
			mv "$s/$p" "$ROOT/held"
			ln -s "$target" "$s/$p"
			refused "$s/$p is a symbolic link" ba apply -f "$T/m.yaml"
			refused "$s/$p is a symbolic link" ba apply -f "$T/m2.yaml"
			refused "$s/$p is a symbolic link" ba destroy -f "$T/m.yaml"
			rm "$s/$p"
			mv "$ROOT/held" "$s/$p"
		done
	done
	# where iterators and staged objects go (none of this kernel's iterators are needed)
	for p in iterators/it staging/maps staging/programs/xdp; do
		mkdir -p "$(dirname "$s/$p")"
		ln -s "$T/around/victim" "$s/$p"
		refused "$s/$p is a symbolic link" ba apply -f "$T/m2.yaml"
		refused "$s/$p is a symbolic link" ba destroy -f "$T/m.yaml"
		rm "$s/$p"
	done
	rm -r "$s/staging"
	# before the first apply: a dangling link where a new map goes
	ln -s /nonexistent "$ROOT/other/maps/new"
	sed 's/^  b:/  new:/' "$T/other.yaml" > "$T/other2.yaml"
	refused "maps/new is a symbolic link" ba apply -f "$T/other2.yaml"
	rm "$ROOT/other/maps/new"
	[ "$(cat "$T/around/victim/file")" = precious ] || fail "the link's target was changed"
	expect_rc 0 ba destroy -f "$T/m.yaml"
	expect_rc 0 ba destroy -f "$T/other.yaml"
}

# A directory where a pin belongs is named as such, not "Permission denied".
test_hostile_directory_at_a_pin_path() {
	hostile_maps_manifest "$T/m.yaml" s
	mkdir -p "$ROOT/s/maps/a"
	refused "$ROOT/s/maps/a is a directory where bpfapply keeps a pin" ba apply -f "$T/m.yaml"
	refused "$ROOT/s/maps/a is a directory where bpfapply keeps a pin" ba plan -f "$T/m.yaml"
	rmdir "$ROOT/s/maps/a"
	expect_rc 0 ba apply -f "$T/m.yaml"
	rm "$ROOT/s/maps/b"
	mkdir "$ROOT/s/maps/b"
	refused "$ROOT/s/maps/b is a directory where bpfapply keeps a pin" ba apply -f "$T/m.yaml"
	refused "$ROOT/s/maps/b is a directory where bpfapply keeps a pin" ba destroy -f "$T/m.yaml"
	rmdir "$ROOT/s/maps/b"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}

# Scopes are isolated: a linked scope directory, a state record moved from
# another scope, a saved plan whose scope was edited.
test_hostile_scope_tricks() {
	hostile_maps_manifest "$T/a.yaml" a
	hostile_maps_manifest "$T/b.yaml" b 16
	expect_rc 0 ba apply -f "$T/b.yaml"
	# scope a's directory is a link to scope b
	ln -s "$ROOT/b" "$ROOT/a"
	refused "$ROOT/a is a symbolic link" ba apply -f "$T/a.yaml"
	refused "$ROOT/a is a symbolic link" ba destroy -f "$T/a.yaml"
	refused "$ROOT/a is a symbolic link" ba destroy --scope a
	refused "$ROOT/a is a symbolic link" ba plan -f "$T/a.yaml"
	rm "$ROOT/a"
	# a link to a scope that owns nothing: its empty directories stay too
	mkdir -p "$ROOT/c/maps" "$ROOT/c/programs" "$ROOT/c/iterators"
	ln -s "$ROOT/c" "$ROOT/d"
	refused "$ROOT/d is a symbolic link" ba destroy --scope d
	rm "$ROOT/d"
	rm -r "$ROOT/c"
	# scope b's record moved into scope a
	mkdir -p "$ROOT/a"
	mv "$ROOT/b/state" "$ROOT/a/state"
	refused "state record $ROOT/a/state belongs to scope b, not a" ba apply -f "$T/a.yaml"
	refused "state record $ROOT/a/state belongs to scope b, not a" ba destroy --scope a
	mv "$ROOT/a/state" "$ROOT/b/state"
	rmdir "$ROOT/a"
	# a saved plan of scope a edited to name scope b
	expect_rc 0 ba plan -o "$T/p.plan" -f "$T/a.yaml"
	sed -i 's/^scope a$/scope b/' "$T/p.plan"
	refused "names scope b, but its manifest declares scope a" ba apply "$T/p.plan"
	expect_rc 0 ba plan --destroy -o "$T/d.plan" -f "$T/a.yaml"
	sed -i 's/^scope a$/scope b/' "$T/d.plan"
	refused "names scope b, but its manifest declares scope a" ba apply "$T/d.plan"
	# a map pinned where the state record belongs
	mkdir -p "$ROOT/a"
	bpftool map create "$ROOT/a/state" type array key 4 value 64 entries 1 name bpfapply_state
	refused "$ROOT/a/state holds a BPF object that is not a bpfapply state record" ba apply -f "$T/a.yaml"
	rm "$ROOT/a/state"
	expect_rc 0 ba destroy -f "$T/b.yaml"
}

# bpfapply with a time limit: a refusal must come at once, not after reading /dev/zero.
tba() { timeout 30 "$BIN" --root "$ROOT" --no-color "$@"; }

# Devices, FIFOs and directories as manifest, ELF object or saved plan.
test_hostile_special_files() {
	hostile_around
	hostile_maps_manifest "$T/around/m.yaml" s
	expect_rc 0 ba apply -f "$T/around/m.yaml"
	mkfifo "$T/around/fifo"
	local f
	for f in /dev/zero /dev/null "$T/around/fifo" "$T/around/victim"; do
		refused "$f: (not a regular file|Is a directory)" tba validate -f "$f"
		refused "$f: (not a regular file|Is a directory)" tba plan -f "$f"
		refused "cannot read $f: (not a regular file|Is a directory)" tba apply "$f"
		sed "s|^  b:.*|  b: {type: array, key_size: 4, value_size: 4, max_entries: 2}\nprograms:\n  p: {object: $f}|" \
			"$T/around/m.yaml" > "$T/around/obj.yaml"
		refused "cannot read $f: (not a regular file|Is a directory)" tba validate -f "$T/around/obj.yaml"
		refused "cannot read $f: (not a regular file|Is a directory)" tba apply -f "$T/around/obj.yaml"
	done
	expect_rc 0 ba destroy -f "$T/around/m.yaml"
}

# plan -o never writes over its own inputs, a link or a device; it writes mode 0600 whole.
test_hostile_plan_output() {
	hostile_around
	hostile_prog_manifest "$T/around/m.yaml" s
	ln -s "$T/around/m.yaml" "$T/around/link.yaml"
	refused "-o $T/around/m.yaml: is one of the plan's inputs" ba plan -f "$T/around/m.yaml" -o "$T/around/m.yaml"
	(cd "$T/around" && refused "-o m.yaml: is one of the plan's inputs" ba plan -f "$T/around/m.yaml" -o m.yaml)
	refused "is one of the plan's inputs" ba plan -f "$T/around/m.yaml" -o "$T/around/obj.bpf.o"
	# a data file (entries_file:) is an input as much as an ELF object: one record, u32 -> u32
	printf '\x01\x00\x00\x00\x02\x00\x00\x00' > "$T/around/d.bin"
	printf 'bpfapply: v1\nscope: s\nmaps:\n  d: {type: hash, key_size: 4, value_size: 4, max_entries: 4, entries_file: d.bin}\n' \
		> "$T/around/d.yaml"
	refused "is one of the plan's inputs" ba plan -f "$T/around/d.yaml" -o "$T/around/d.bin"
	[ "$(od -An -tx1 "$T/around/d.bin" | tr -d ' \n')" = 0100000002000000 ] || fail "the data file was written over"
	refused "-o $T/around/link.yaml: is a symbolic link" ba plan -f "$T/around/m.yaml" -o "$T/around/link.yaml"
	refused "-o /dev/null: is not a regular file" ba plan -f "$T/around/m.yaml" -o /dev/null
	[ -c /dev/null ] || fail "/dev/null is no longer a device"
	# an old plan is replaced whole, mode 0600, nothing left beside it
	mkdir -p "$T/plans"
	echo old > "$T/plans/p.plan"
	chmod 644 "$T/plans/p.plan"
	expect_rc 0 ba plan -f "$T/around/m.yaml" -o "$T/plans/p.plan"
	assert_eq "$(stat -c %a "$T/plans/p.plan")" 600 "plan file mode"
	assert_eq "$(ls "$T/plans")" p.plan "files beside the plan"
	grep -q '^bpfapply-plan 1$' "$T/plans/p.plan" || fail "plan file: $(head -5 "$T/plans/p.plan")"
}

# The root is never the current directory, /, or a directory with files in it.
test_hostile_root_refusals() {
	[ -n "${BPFAPPLY_IN_NS:-}" ] || skip "needs the live runner's private mount namespace"
	hostile_around
	hostile_maps_manifest "$T/around/m.yaml" s
	local mounts
	mounts=$(cat /proc/self/mountinfo)
	(cd "$T/around" && refused "--root: expected a directory, got an empty path" "$BIN" --root "" apply -f m.yaml)
	(cd "$T/around" && refused "--root: expected a directory, got an empty path" "$BIN" --root "" plan -f m.yaml)
	# a non-empty directory: its files would be hidden
	refused "$T/around/victim is not empty: refusing to mount bpffs over it" "$BIN" --root "$T/around/victim" apply -f "$T/around/m.yaml"
	refused "$T/around is not empty: refusing to mount bpffs over it" "$BIN" --root "$T/around" destroy --scope s
	# / is refused before any mount is tried
	refused "refusing to use the root directory as the pin root" "$BIN" --root / apply -f "$T/around/m.yaml"
	refused "refusing to use the root directory as the pin root" "$BIN" --root / destroy --scope s
	assert_eq "$(cat /proc/self/mountinfo)" "$mounts" "mounts after the refusals"
	[ "$(cat "$T/around/victim/file")" = precious ] || fail "files hidden"
	# a new directory is fine: bpfapply mounts bpffs there
	expect_rc 0 "$BIN" --root "$T/fresh/root" apply -f "$T/around/m.yaml"
	assert_eq "$(awk -v d="$T/fresh/root" '$2 == d && $3 == "bpf"' /proc/self/mounts | wc -l)" 1 "bpffs mounts on the new root"
	expect_rc 0 "$BIN" --root "$T/fresh/root" destroy -f "$T/around/m.yaml"
}

# First applies racing on a root not yet on bpffs: one mount, one object each, one lock.
test_hostile_racing_first_applies() {
	[ -n "${BPFAPPLY_IN_NS:-}" ] || skip "needs the live runner's private mount namespace"
	local round i r pids rc n go
	manifest "$T/m.yaml" <<Y
bpfapply: v1
scope: race
maps:
  hrace_a$$: {type: hash, key_size: 4, value_size: 4, max_entries: 8, entries: [{key: 1, value: 1}]}
  hrace_b$$: {type: array, key_size: 4, value_size: 4, max_entries: 2}
Y
	for round in $(seq 1 10); do
		r=$T/race$round
		pids=()
		# all twelve wait on one lock and start together when it is released
		exec {go}> "$T/go"
		flock "$go"
		for i in $(seq 1 12); do
			flock -s "$T/go" "$BIN" --root "$r" apply -f "$T/m.yaml" > "$T/race.$i.out" 2>&1 &
			pids+=($!)
		done
		sleep 0.3
		# -u: the waiters inherited the fd, closing ours alone would not release it
		flock -u "$go"
		exec {go}>&-
		rc=0
		for i in "${pids[@]}"; do wait "$i" || rc=$?; done
		[ "$rc" = 0 ] || fail "round $round: an apply failed: $(cat "$T"/race.*.out | grep -v '^[-+~ ]\|^Plan\|^Apply\|^No changes' | head -5)"
		n=$(awk -v d="$r" '$2 == d && $3 == "bpf"' /proc/self/mounts | wc -l)
		assert_eq "$n" 1 "round $round: bpffs mounts on the root"
		for n in a b; do
			assert_eq "$(bpftool -j map show | jq --arg n "hrace_${n}$$" '[.[] | select(.name == ($n | .[0:15]))] | length')" 1 "round $round: maps hrace_$n created"
		done
		expect_rc 0 "$BIN" --root "$r" destroy -f "$T/m.yaml"
		umount "$r"
	done
}

# Values that would be read wrong or without bound are refused where they are.
test_hostile_strict_values() {
	hostile_around
	printf 'bpfapply: v1\nscope: "zz\\0/../../x"\n' > "$T/around/nul.yaml"
	refused "nul.yaml:2:8: a NUL character" ba apply -f "$T/around/nul.yaml"
	hostile_maps_manifest "$T/around/tag.yaml" s
	sed -i 's/key_size: 4, value_size: 4, max_entries: 8/key_size: !!str 4, value_size: 4, max_entries: 8/' "$T/around/tag.yaml"
	refused "tag.yaml:4:29: YAML tags .* are not supported" ba apply -f "$T/around/tag.yaml"
	refused "tag.yaml:4:29: YAML tags .* are not supported" ba validate -f "$T/around/tag.yaml"
	hostile_maps_manifest "$T/around/m.yaml" s
	refused "--lock-timeout: expected a number of seconds" ba --lock-timeout nan apply -f "$T/around/m.yaml"
	refused "--lock-timeout: expected a number of seconds" ba --lock-timeout inf apply -f "$T/around/m.yaml"
	# deep block nesting and a huge flat list, in bounded memory
	# bounded memory, except under ASan, whose shadow memory no small limit allows
	local limit="ulimit -v 200000;"
	ldd "$BIN" 2>/dev/null | grep -q libasan && limit=
	{ printf 'bpfapply: v1\nscope: s\nx:\n'; yes -- '- ' | head -n 2500000 | tr -d '\n'; echo 1; } > "$T/deep.yaml"
	# shellcheck disable=SC2016
	refused "deep.yaml:4:127: lists and mappings nested deeper than 64 levels" \
		bash -c "$limit"' exec "$0" validate -f "$1"' "$BIN" "$T/deep.yaml"
	{ printf 'bpfapply: v1\nscope: s\nmaps:\n  a:\n    type: hash\n    entries: ['; yes 1, | head -n 7000000 | tr -d '\n'; echo '1]'; } > "$T/flat.yaml"
	# shellcheck disable=SC2016
	refused "flat.yaml:6:[0-9]+: a list or mapping with more than 262144 items" \
		bash -c "$limit"' exec "$0" validate -f "$1"' "$BIN" "$T/flat.yaml"
	# manifests have no size cap, but one value (libyaml holds it whole) has
	{ printf 'bpfapply: v1\nscope: s\nx: "'; head -c $((17 << 20)) /dev/zero | tr '\0' a; echo '"'; } > "$T/long.yaml"
	# shellcheck disable=SC2016
	refused "long.yaml:3:[0-9]+: a value or comment longer than 16 MiB" \
		bash -c "$limit"' exec "$0" validate -f "$1"' "$BIN" "$T/long.yaml"
	# a map's entries: list is bounded by its max_entries, and not read past it
	{ printf 'bpfapply: v1\nscope: s\nmaps:\n  a:\n    type: hash\n    key_size: 4\n'
		printf '    value_size: 4\n    max_entries: 4\n    entries:\n'
		yes '      - {key: 1, value: 1}' | head -n 300000; } > "$T/long_entries.yaml"
	# shellcheck disable=SC2016
	refused "long_entries.yaml:10:7: entries: 300000 entries exceed max_entries 4" \
		bash -c "$limit"' exec "$0" validate -f "$1"' "$BIN" "$T/long_entries.yaml"
}

# Without read access to the pins every command says so, also as JSON
# (capabilities for changes: test_caps.sh).
test_hostile_without_privileges() {
	command -v setpriv > /dev/null || skip "setpriv not installed"
	hostile_maps_manifest "$T/m.yaml" s
	expect_rc 0 ba apply -f "$T/m.yaml"
	chmod 755 "$T"
	chmod 644 "$T/m.yaml"
	local nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all) c
	for c in "show" "show --scope s" "plan -f $T/m.yaml" "apply -f $T/m.yaml" "destroy -f $T/m.yaml" "destroy --scope s"; do
		# shellcheck disable=SC2086
		refused "cannot (read|open) ${ROOT}[^:]*: Permission denied \(the pins are root's" "${nobody[@]}" "$BIN" --root "$ROOT" $c
		# shellcheck disable=SC2086
		refused "Permission denied" "${nobody[@]}" "$BIN" --root "$ROOT" -j $c
		jq -e '(.error // .scopes[0].error) | test("Permission denied")' "$T/.out" > /dev/null || fail "-j $c: $(cat "$T/.out")"
	done
	# a root anyone may list still hides the scopes: they are not "none"
	chmod 755 "$BPFFS" "$ROOT"
	refused "cannot open $ROOT/s: Permission denied" "${nobody[@]}" "$BIN" --root "$ROOT" show
	chmod 700 "$BPFFS" "$ROOT"
	# validate needs nothing
	expect_rc 0 "${nobody[@]}" "$BIN" validate -f "$T/m.yaml"
	expect_rc 0 ba destroy -f "$T/m.yaml"
}

# The fault point number at which a run of "$@" writes its intent record.
intent_point() {
	BPFAPPLY_FAULT_TRACE=1 "$@" 2>&1 >/dev/null | grep -m1 'state write (intent)' | sed 's/^fault point \([0-9]*\):.*/\1/'
}

# An apply killed after its intent record, and a foreign map pinned in the
# window: the next apply must not take the foreign map for its own.
test_hostile_crash_window_foreign_map() {
	local n id
	hostile_maps_manifest "$T/ref.yaml" ref
	hostile_maps_manifest "$T/m.yaml" s
	hostile_maps_manifest "$T/m2.yaml" s 16
	# a first apply killed between the intent record and the moves
	n=$(intent_point ba apply -f "$T/ref.yaml")
	[ -n "$n" ] || fail "no intent fault point"
	expect_rc 86 env BPFAPPLY_FAULT_AFTER="$n" "$BIN" --root "$ROOT" apply -f "$T/m.yaml"
	[ ! -e "$ROOT/s/maps/a" ] || fail "the move happened before the fault"
	bpftool map create "$ROOT/s/maps/a" type hash key 4 value 4 entries 8 name foreign
	id=$(map_id "$ROOT/s/maps/a")
	refused "$ROOT/s/maps/a holds a map that bpfapply did not create" ba apply -f "$T/m.yaml"
	refused "$ROOT/s/maps/a holds a map that bpfapply did not create" ba apply -f "$T/m2.yaml"
	assert_eq "$(map_id "$ROOT/s/maps/a")" "$id" "the foreign map is still pinned"
	rm "$ROOT/s/maps/a"
	expect_rc 0 ba apply -f "$T/m.yaml"
	# a replacing apply killed likewise, and the map it was replacing taken
	# away: the path was the scope's before, so what is there now is drift,
	# repaired as any replaced pin is (design-notes: who owns a path)
	hostile_maps_manifest "$T/ref16.yaml" ref 16
	local try
	for try in 1 2 3; do
		n=$(intent_point ba apply -f "$T/ref16.yaml")
		[ -n "$n" ] || fail "no intent fault point (replace)"
		expect_rc 86 env BPFAPPLY_FAULT_AFTER="$n" "$BIN" --root "$ROOT" apply -f "$T/m2.yaml"
		grep -q 'stopping dead after state write (intent)' "$T/.err" && break
		# The reference scope counted a different number of points before its
		# intent record (seen once in CI, cause not yet known): put both
		# scopes back and count again, so the scenario is the one meant.
		echo "try $try: point $n stopped $(grep -o 'after .*' "$T/.err")"
		expect_rc 0 ba apply -f "$T/m.yaml"
		expect_rc 0 ba apply -f "$T/ref.yaml"
	done
	grep -q 'stopping dead after state write (intent)' "$T/.err" ||
		fail "the replacing apply never stopped at its intent record: $(cat "$T/.err")"
	id=$(map_id "$ROOT/s/maps/a")
	expect_rc 0 ba apply -f "$T/m2.yaml"
	assert_eq "$(map_field "$ROOT/s/maps/a" max_entries)" 16 "resumed replace"
	[ "$(map_id "$ROOT/s/maps/a")" != "$id" ] || fail "the old map is still pinned"
	expect_rc 0 ba destroy -f "$T/m.yaml"
	expect_rc 0 ba destroy -f "$T/ref.yaml"
}

# The same for a program entry: pins put where an interrupted first apply
# was to move its directory are not taken for the staged programs.
test_hostile_crash_window_foreign_program() {
	local n id
	mkdir -p "$T/ref" "$T/s"
	hostile_prog_manifest "$T/ref/m.yaml" ref
	hostile_prog_manifest "$T/s/m.yaml" s
	n=$(intent_point ba apply -f "$T/ref/m.yaml")
	[ -n "$n" ] || fail "no intent fault point"
	expect_rc 86 env BPFAPPLY_FAULT_AFTER="$n" "$BIN" --root "$ROOT" apply -f "$T/s/m.yaml"
	[ ! -e "$ROOT/s/programs/xdp" ] || fail "the move happened before the fault"
	mkdir -p "$ROOT/s/programs/xdp"
	bpftool prog load "$T/s/obj.bpf.o" "$ROOT/s/programs/xdp/count_and_return" type xdp
	id=$(bpftool -j prog show pinned "$ROOT/s/programs/xdp/count_and_return" | jq -r .id)
	refused "program entry \"xdp\": $ROOT/s/programs/xdp holds pins bpfapply did not create" ba apply -f "$T/s/m.yaml"
	assert_eq "$(bpftool -j prog show pinned "$ROOT/s/programs/xdp/count_and_return" | jq -r .id)" "$id" "the foreign program is still pinned"
	rm -r "$ROOT/s/programs/xdp"
	expect_rc 0 ba apply -f "$T/s/m.yaml"
	[ -e "$ROOT/s/programs/xdp/count_and_return" ] || fail "the resumed apply loaded nothing"
	expect_rc 0 ba destroy -f "$T/s/m.yaml"
	expect_rc 0 ba destroy -f "$T/ref/m.yaml"
}
