# SPDX-License-Identifier: GPL-2.0-only
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
			id=$(bpftool -j link show pinned "$f" 2>/dev/null | jq -r .id) || id=?
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
