#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build and install checks: make install honours PREFIX and DESTDIR, the
# installed header and library are enough to build a program against the
# public API (with the installed pkg-config file), the installed systemd
# units verify and score OK, the installed bash completion completes, the
# man pages render, help lists every command, the parser out of memory
# fails cleanly, and the test scripts are shellcheck-clean.
# Prints PASS/FAIL/SKIP lines.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() { # name command...
	local name=$1
	shift
	if out=$("$@" 2>&1); then
		echo "PASS build: $name"
	else
		echo "FAIL build: $name: $(printf '%s' "$out" | tail -5 | tr '\n' ' ')"
	fi
}

installed() {
	make -s install DESTDIR="$tmp/root" PREFIX=/opt/ba BUILD="$BUILD" >/dev/null &&
		for f in sbin/bpfapply share/man/man8/bpfapply.8 share/man/man5/bpfapply-manifest.5 \
			 share/bpfapply/bpfapply.schema.json include/bpfapply/bpfapply.h lib/libbpfapply.a \
			 lib/pkgconfig/bpfapply.pc share/bash-completion/completions/bpfapply \
			 lib/systemd/system/bpfapply.service lib/systemd/system/bpfapply-drift.service \
			 lib/systemd/system/bpfapply-drift.timer; do
			[ -f "$tmp/root/opt/ba/$f" ] || { echo "missing $f"; return 1; }
		done
}

api_program() {
	cat > "$tmp/api.c" <<'C'
#include <stdio.h>
#include <bpfapply/bpfapply.h>
int main(int argc, char **argv)
{
	struct bpfapply_plan_opts o = { .sz = sizeof(o), .root = "/nonexistent/bpfapply" };
	struct bpfapply_manifest *m;
	struct bpfapply_plan *p;

	if (argc < 2 || bpfapply_manifest__load((const char *const *)argv + 1, 1, stderr, &m))
		return 1;
	if (bpfapply_plan__compute(m, &o, stderr, &p))
		return 1;
	bpfapply_plan__render(p, stdout, false, false);
	bpfapply_plan__free(p);
	bpfapply_manifest__free(m);
	return 0;
}
C
	# the installed .pc says /opt/ba; the sysroot maps that into DESTDIR
	flags=$(PKG_CONFIG_PATH="$tmp/root/opt/ba/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$tmp/root" \
		pkg-config --cflags --libs bpfapply) || return 1
	grep -q -- "-I$tmp/root/opt/ba/include" <<< "$flags" || { echo "cflags: $flags"; return 1; }
	# shellcheck disable=SC2086 # flags are words
	cc -o "$tmp/api" "$tmp/api.c" $flags &&
		"$tmp/api" examples/quickstart.yaml | grep -q '^Plan: 3 to add, 0 to change, 0 to replace, 0 to destroy.$'
}

man_pages() {
	local page
	# man-db is a test dependency (make deps): without it this check fails, never passes unchecked
	command -v man >/dev/null || { echo "man is not installed (make deps)"; return 1; }
	for page in docs/bpfapply.8 docs/bpfapply-manifest.5; do
		[ -z "$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)" ] || return 1
	done
}

# The test scripts are shellcheck-clean (shellcheck is a test dependency:
# make deps), the live tests with what they source (-x).
shell_scripts() {
	command -v shellcheck >/dev/null || { echo "shellcheck is not installed (make deps)"; return 1; }
	shellcheck -x -P SCRIPTDIR tests/live/*.sh tests/bench/run.sh tests/fuzz/run.sh \
		tests/random/run.sh tests/schema/run.sh tests/vm/fetch-kernel.sh
}

help_lists_commands() {
	local c h
	h=$("$BUILD/bpfapply" help | sed -n '/^Commands:/,/^Options:/p')
	for c in validate plan apply destroy show graph features version help; do
		grep -qE "^  $c |\\| $c$" <<< "$h" || { echo "help lacks $c"; return 1; }
		grep -qw "$c" docs/bpfapply.8 || { echo "bpfapply.8 lacks $c"; return 1; }
	done
}

graph_edges() {
	local out
	out=$("$BUILD/bpfapply" graph -f examples/tail_calls.yaml) || return 1
	# DOT: the prog_array points at the programs it wires, the program entry at the map it reuses
	grep -q '^digraph "tailcalls" {$' <<< "$out" &&
		grep -q '"map.jmp_table" -> "program.xdp" \[label="tail call"\];' <<< "$out" &&
		grep -q '"program.xdp" -> "map.jmp_table" \[label="jmp_table"\];' <<< "$out" &&
		grep -q '^}$' <<< "$out" || { echo "$out"; return 1; }
	out=$("$BUILD/bpfapply" graph -f examples/iter_map.yaml) || return 1
	grep -q '"iterator.my_hashmap" -> "map.counters" \[label="map"\];' <<< "$out" &&
		grep -q '"iterator.my_hashmap" -> "program.dump" \[label="program"\];' <<< "$out" ||
		{ echo "$out"; return 1; }
}

# The diff is pure: its unit tests link the kinds' pure halves alone (no
# reader, no executor), and nothing in those halves calls a bpf() wrapper.
diff_links_pure() {
	local t bad
	for t in test_diff test_diff_kinds test_diff_links test_plan_render test_graph; do
		[ -x "$BUILD/tests/$t" ] || { echo "$t not built (make unit)"; return 1; }
		nm "$BUILD/tests/$t" | grep -qE ' T (live_read|exec_apply|live_read_maps)$' &&
			{ echo "$t links a reader or the executor"; return 1; }
	done
	bad=$(nm "$BUILD/libbpfapply-pure.a" | awk '$1 == "U" { print $2 }' | sort -u |
		grep -E '^bpf_(map_(lookup|update|delete|create|get_next|freeze)|obj_(get|pin)|prog_(load|attach|detach|query|get_fd)|link_(create|update|detach)|map_get_fd)')
	[ -z "$bad" ] || { echo "the pure halves call the kernel: $bad"; return 1; }
}

# The library never aborts: out of memory in the parser (an address-space
# limit under a large manifest) is an error and exit 1, and the same file
# without the limit is valid (so the limit is what failed).
parser_out_of_memory() {
	local i rc
	{
		printf 'bpfapply: v1\nscope: big\nmaps:\n  m:\n    type: hash\n    key_size: 4\n'
		printf '    value_size: 8\n    max_entries: 200000\n    entries:\n'
		for ((i = 0; i < 200000; i += 1000)); do
			seq -f "      - {key: %.0f, value: 7}" "$i" $((i + 999))
		done
	} > "$tmp/big.yaml"
	"$BUILD/bpfapply" validate -f "$tmp/big.yaml" > /dev/null || { echo "not valid without a limit"; return 1; }
	(ulimit -v 12000 && exec "$BUILD/bpfapply" validate -f "$tmp/big.yaml") > "$tmp/oom.out" 2>&1
	rc=$?
	[ $rc = 1 ] || { echo "exit $rc under the limit: $(tail -3 "$tmp/oom.out")"; return 1; }
	grep -q "out of memory" "$tmp/oom.out" || { echo "no message: $(tail -3 "$tmp/oom.out")"; return 1; }
}

# Installed for a PREFIX (no DESTDIR), so that verify finds the binary and
# man pages the units name where they name them.
units_verify() {
	local pfx=$tmp/prefix u out
	make -s install PREFIX="$pfx" BUILD="$BUILD" >/dev/null || return 1
	for u in bpfapply.service bpfapply-drift.service; do
		grep -q "^ExecStart=$pfx/sbin/bpfapply " "$pfx/lib/systemd/system/$u" ||
			{ echo "$u: ExecStart not under PREFIX"; return 1; }
		grep -q "^ExecStart=/opt/ba/sbin/bpfapply " "$tmp/root/opt/ba/lib/systemd/system/$u" ||
			{ echo "$u (DESTDIR): ExecStart not under PREFIX"; return 1; }
	done
	# verify exits 0 on warnings (unknown keys): its output must be empty too
	out=$(cd "$tmp" && MANPATH="$pfx/share/man" systemd-analyze verify \
		"$pfx"/lib/systemd/system/bpfapply.service "$pfx"/lib/systemd/system/bpfapply-drift.* 2>&1) ||
		{ echo "$out"; return 1; }
	[ -z "$out" ] || { echo "$out"; return 1; }
}

# systemd's own rating of the sandbox: OK (or better), never UNSAFE/EXPOSED.
units_security() {
	local u line
	for u in bpfapply.service bpfapply-drift.service; do
		line=$(cd "$tmp" && systemd-analyze security --offline=true --no-pager \
			"$tmp/prefix/lib/systemd/system/$u" 2>&1 | tail -1)
		grep -qE "Overall exposure level for $u: [0-9.]+ (SAFE|OK)" <<< "$line" ||
			{ echo "$u: $line"; return 1; }
	done
}

# Completions as bash computes them after sourcing the installed script.
complete_words() { # words... (the last one is being completed)
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _bpfapply
		printf "%s\n" "${COMPREPLY[@]}"' _ "$tmp/root/opt/ba/share/bash-completion/completions/bpfapply" "$@"
}

completion() {
	local got want c
	export PATH="$PWD/$BUILD:$PATH"
	complete_words bpfapply '' > /dev/null || return 1
	# every command help lists, and only those
	want=$(bpfapply help | sed -n '/^Commands:/,/^Options:/p' | grep -oE '^  [a-z]+( \| [a-z]+)?' |
		tr -d ' ' | tr '|' '\n' | sort)
	got=$(complete_words bpfapply '' | sort)
	[ "$got" = "$want" ] || { echo "commands: got [$got], want [$want]"; return 1; }
	[ "$(complete_words bpfapply de)" = "destroy" ] || { echo "de: $(complete_words bpfapply de)"; return 1; }
	# every long option of help, each where it belongs
	for c in $(bpfapply help | sed -n '/^Options:/,$p' | grep -oE -- '--[a-z-]+' | sort -u); do
		case $c in
		--file | --out | --destroy | --detailed-exitcode) got=$(complete_words bpfapply plan "$c") ;;
		--scope) got=$(complete_words bpfapply destroy "$c") ;;
		*) got=$(complete_words bpfapply "$c") ;;
		esac
		grep -qx -- "$c" <<< "$got" || { echo "option $c not completed"; return 1; }
	done
	# the options each command's line in help shows, for that command
	while read -r c opts; do
		for o in $(grep -oE -- '--[a-z-]+' <<< "$opts"); do
			grep -qx -- "$o" <<< "$(complete_words bpfapply "$c" --)" ||
				{ echo "$c: option $o not completed"; return 1; }
		done
	done < <(bpfapply help | sed -n '/^Commands:/,/^Options:/p' | grep -E '^  [a-z]+ ')
	[ "$(complete_words bpfapply show --d)" = "--debug" ] || { echo "show takes no --destroy"; return 1; }
	grep -qx -- --detailed-exitcode <<< "$(complete_words bpfapply apply --de)" || return 1
	# -f: manifests and directories; --scope: the scopes under --root
	[ "$(complete_words bpfapply plan -f examples/quick)" = examples/quickstart.yaml ] ||
		{ echo "-f: $(complete_words bpfapply plan -f examples/quick)"; return 1; }
	mkdir -p "$tmp/pins/edge" "$tmp/pins/core"
	got=$(complete_words bpfapply --root "$tmp/pins" show --scope '' | sort | tr '\n' ' ')
	[ "$got" = "core edge " ] || { echo "--scope: $got"; return 1; }
	got=$(BPFAPPLY_ROOT="$tmp/pins" complete_words bpfapply destroy --scope e)
	[ "$got" = edge ] || { echo "--scope from BPFAPPLY_ROOT: $got"; return 1; }
}

check "make install honours PREFIX and DESTDIR" installed
check "a program builds with pkg-config against the installed public API" api_program
check "installed systemd units pass systemd-analyze verify" units_verify
check "installed systemd units score OK in systemd-analyze security" units_security
check "installed bash completion completes commands, options and scopes" completion
check "man pages render without warnings" man_pages
check "help lists every command" help_lists_commands
check "the live tests and other test scripts are shellcheck-clean" shell_scripts
check "graph draws the dependency edges" graph_edges
check "out of memory in the parser is an error, not an abort" parser_out_of_memory
check "the diff's tests link the kinds' pure halves only" diff_links_pure
exit 0
