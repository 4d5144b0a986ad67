# SPDX-License-Identifier: GPL-2.0-only
# The progress line: on stderr when it is a terminal (a pseudo-terminal from
# script(1) here), redrawn in place and erased before the result; never when
# piped, with --no-progress or with -j; plain lines with --progress on a pipe.
# BPFAPPLY_PROGRESS_DELAY=0 shows it at once instead of after a second.

big_manifest() { # file entries
	awk -v n="$2" 'BEGIN {
		print "bpfapply: v1\nscope: big\nmaps:\n  big:\n    type: hash"
		print "    key_size: 4\n    value_size: 4\n    max_entries: " n "\n    entries:"
		for (i = 0; i < n; i++) print "    - {key: " i ", value: 7}"
	}' > "$1"
}

# Run a command line on a pseudo-terminal; its output (stdout and stderr) in $T/pty.
on_pty() { # command line (one string)
	script -qec "$1" /dev/null > "$T/pty" < /dev/null
}

test_progress_on_terminal_only() {
	command -v script >/dev/null || skip "script (bsdutils) not installed"
	local b="$BIN --root $ROOT -n" esc=$'\e[K'
	big_manifest "$T/big.yaml" 3000
	export BPFAPPLY_PROGRESS_DELAY=0
	on_pty "$b apply -f $T/big.yaml" || fail "apply on a pty failed: $(tail -c 300 "$T/pty")"
	assert_eq "$(map_count_entries "$ROOT/big/maps/big")" 3000 "entries written"
	grep -qF $'\r'"${esc}bpfapply: " "$T/pty" || fail "no progress line: $(head -c 300 "$T/pty" | od -c | head)"
	grep -qE 'parsing the entries of map\.big: [0-9]+/3000 \([0-9]+%\)' "$T/pty" ||
		fail "no count of parsed entries: $(tr '\r' '\n' < "$T/pty" | head -5)"
	grep -qE '(staging|committing) map\.big: ' "$T/pty" || fail "no executor phase: $(tr '\r' '\n' < "$T/pty" | head)"
	# erased before other output: a drawn line is never followed by text of
	# its own row (each draw and the erase start with "\r\e[K"; the pty
	# turned each "\n" into "\r\n")
	sed 's/\r$//' "$T/pty" | awk -v RS='\r' '/bpfapply: [0-9.]+s / && /\n/ { bad = 1 } END { exit bad }' ||
		fail "output written after a progress line: $(od -c "$T/pty" | tail -8)"
	grep -q '^Apply complete: 1 added' <(tr -d '\r' < "$T/pty") || fail "no result line"
	# on stderr: with stderr elsewhere the terminal sees none
	on_pty "$b plan -f $T/big.yaml 2>/dev/null" || fail "plan failed"
	! grep -q 'bpfapply: [0-9.]*s ' "$T/pty" || fail "progress on stdout"
	grep -q 'Plan: 0 to add' "$T/pty" || fail "plan: $(head -c 300 "$T/pty")"
	# --no-progress and -j on a terminal: none; -j output stays one document
	on_pty "$b --no-progress plan -f $T/big.yaml" || fail "plan --no-progress failed"
	! grep -q 'bpfapply: [0-9.]*s ' "$T/pty" || fail "progress despite --no-progress"
	on_pty "$b -j --progress plan -f $T/big.yaml 2>&1" || fail "plan -j failed"
	! grep -q 'bpfapply: [0-9.]*s ' "$T/pty" || fail "progress with -j"
	tr -d '\r' < "$T/pty" | jq -e '.summary.add == 0' > /dev/null || fail "-j output: $(head -c 300 "$T/pty")"
	# piped: none, unless --progress, then plain lines without control characters
	"$BIN" --root "$ROOT" -n plan -f "$T/big.yaml" 2> "$T/err" | cat > /dev/null
	[ ! -s "$T/err" ] || fail "progress on a pipe: $(head -c 300 "$T/err")"
	"$BIN" --root "$ROOT" -n --progress plan -f "$T/big.yaml" 2> "$T/err" | cat > /dev/null
	grep -qE '^bpfapply: [0-9.]+s (parsing|reading|staging|committing) ' "$T/err" ||
		fail "--progress on a pipe: $(head -c 300 "$T/err")"
	! grep -q $'[\r\e]' "$T/err" || fail "control characters on a pipe"
	# the default delay: a short run on a terminal shows nothing
	unset BPFAPPLY_PROGRESS_DELAY
	on_pty "$b plan -f $TOP/examples/quickstart.yaml" || fail "quickstart plan failed"
	! grep -q 'bpfapply: [0-9.]*s ' "$T/pty" || fail "progress on a short run"
	expect_rc 0 "$BIN" --root "$ROOT" -n destroy -f "$T/big.yaml"
}
