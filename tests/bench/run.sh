#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Benchmarks: bpfapply against the imperative bpftool way of doing the same
# thing, both measured in the same run, interleaved, on a private bpffs.
# Every figure is the median wall time of REPS repetitions.  See
# docs/benchmarks.md for what each benchmark measures and why that baseline.
#
#   tests/bench/run.sh [-r REPS] [-n N] [-v] [BENCH...]
#       BENCH: fill plan noop prog data maps (default: all)
#   env: BIN (default build/bpfapply), REPS (5), N (100000), NAIVE_N (1000), DATA_N (1000000), RAWBATCH
#
# It prints a table (benchmark, bpfapply median, baseline median, ratio).
# It exits non-zero only when something is functionally wrong (a wrong entry
# count, a no-op that was not one, a failed command), never for slowness.
# Needs root; it never touches /sys/fs/bpf (the whole run happens in a
# private mount namespace, on a bpffs mounted on a temp dir).
# shellcheck disable=SC2317  # (code after the `exec unshare` is reachable)
set -u
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)

REPS=${REPS:-5}
N=${N:-100000}
NAIVE_N=${NAIVE_N:-1000}
VERBOSE=0
ARGS=("$@")
usage() {
	sed -n '/^#   tests/,/^#   env/p' "$0" | sed 's/^# \{0,3\}//' >&2
	exit 1
}
while getopts "r:n:vh" o; do
	case $o in
	r) REPS=$OPTARG ;;
	n) N=$OPTARG ;;
	v) VERBOSE=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
BENCHES=${*:-fill plan noop prog data maps}
for b in $BENCHES; do
	case $b in fill | plan | noop | prog | data | maps) ;; *) echo "unknown benchmark '$b'" >&2 && usage ;; esac
done
[[ "$REPS" =~ ^[1-9][0-9]*$ && "$N" =~ ^[1-9][0-9]*$ && "$NAIVE_N" =~ ^[1-9][0-9]*$ ]] ||
	{ echo "REPS, N and NAIVE_N must be positive integers" >&2 && exit 1; }
((N >= 8 && NAIVE_N <= N)) || { echo "N must be at least 8, and NAIVE_N at most N" >&2 && exit 1; }

if [ "$(id -u)" != 0 ]; then
	echo "SKIP bench: needs root (BPF and mounts)"
	exit 0
fi
for tool in bpftool jq unshare awk sort; do
	if ! command -v $tool >/dev/null; then
		echo "SKIP bench: $tool not installed"
		exit 0
	fi
done
if [ -z "${BPFAPPLY_BENCH_IN_NS:-}" ]; then
	BPFAPPLY_BENCH_IN_NS=1 exec unshare -m --propagation private "$0" "${ARGS[@]}"
fi

BIN=${BIN:-$TOP/build/bpfapply}
XDP_OBJ=${XDP_OBJ:-$TOP/examples/bpf/xdp1.bpf.o}
RAWBATCH=${RAWBATCH:-$TOP/build/tests/rawbatch}
[ -x "$BIN" ] || { echo "FAIL bench: $BIN not built (make)" >&2 && exit 1; }

# ---- work area: a temp dir with a fresh bpffs, removed on any exit ----------
# No dot in the name: libbpf turns dots in pin paths into '_' (pinmaps).
W=$(mktemp -d /tmp/bpfapply-bench-XXXXXX)
BPFFS=$W/bpffs
cleanup() {
	local m
	awk -v d="$W" '$2 ~ "^"d {print $2}' /proc/mounts | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null
	done
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$BPFFS"
mount -t bpf bpf "$BPFFS" || { echo "FAIL bench: cannot mount bpffs on $BPFFS" >&2 && exit 1; }
ROOT=$BPFFS/ba     # bpfapply's --root
BASE=$BPFFS/base   # the bpftool baselines' pins
mkdir -p "$BASE"

ba() { "$BIN" --root "$ROOT" -n --no-color "$@"; }

FAILS=0
bad() {
	echo "FAIL: $*" >&2
	FAILS=$((FAILS + 1))
	return 1
}
log() { echo "$*" >&2; }

# ---- timing ---------------------------------------------------------------------
# $EPOCHREALTIME (bash 5) costs no fork, unlike $(date +%s%N), so nothing but
# the command itself lands between the two readings.
now_us() {
	if [ -n "${EPOCHREALTIME:-}" ]; then
		echo "${EPOCHREALTIME/./}"
	else
		echo $(($(date +%s%N) / 1000))
	fi
}

# timeit ARRAY RC cmd...: run cmd once (stdout to /dev/null, stderr kept),
# append its wall time in microseconds to ARRAY; a wrong exit code is a
# functional failure.
timeit() {
	local -n _acc=$1
	local want=$2 t0 t1 rc
	shift 2
	if [ -n "${EPOCHREALTIME:-}" ]; then
		t0=${EPOCHREALTIME/./}
		"$@" > /dev/null 2> "$W/.err"
		rc=$?
		t1=${EPOCHREALTIME/./}
	else
		t0=$(now_us)
		"$@" > /dev/null 2> "$W/.err"
		rc=$?
		t1=$(now_us)
	fi
	_acc+=($((10#$t1 - 10#$t0)))
	[ "$rc" = "$want" ] || bad "'$*' exited $rc, expected $want: $(head -c 400 "$W/.err")"
}

median() { # microseconds... -> median in microseconds
	printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1}
		END {if (NR % 2) print a[(NR + 1) / 2]; else printf "%d\n", (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}
ms() { awk -v u="$1" 'BEGIN {printf "%.1f", u / 1000}'; }
raw() { # label microseconds...
	local l=$1 s="" x
	shift
	for x in "$@"; do s+=" $(ms "$x")"; done
	((VERBOSE)) && log "    $l:$s ms"
	return 0
}

# The result table: one row per comparison, medians in microseconds or "-".
ROWS=()
row() { ROWS+=("$1|$2|$3"); }

# ---- kernel oracles -----------------------------------------------------------------
count_entries() { bpftool -j map dump pinned "$1" | jq 'length'; }
pin_id() { bpftool -j "$1" show pinned "$2" 2>/dev/null | jq -r '.id'; }
le_hex() { # value bytes -> "hex xx xx ..." little-endian
	awk -v v="$1" -v n="$2" 'BEGIN {s = "hex"; for (i = 0; i < n; i++) {s = s sprintf(" %02x", v % 256); v = int(v / 256)} print s}'
}

# ---- generated inputs -------------------------------------------------------------------
# One hash map, key u32 i, value u64 3i+1, i in [0, n).
gen_big_manifest() { # file scope n policy
	{
		printf 'bpfapply: v1\nscope: %s\nmaps:\n  big:\n' "$2"
		printf '    type: hash\n    key_size: 4\n    value_size: 8\n    max_entries: %d\n' "$3"
		printf '    entries_policy: %s\n    entries:\n' "$4"
		awk -v n="$3" 'BEGIN {for (i = 0; i < n; i++) printf "      - {key: %d, value: %d}\n", i, 3 * i + 1}'
	} > "$1"
}
# The same entries as `bpftool batch file` lines (`map update` of one pin).
gen_batch() { # file pin from to
	awk -v pin="$2" -v from="$3" -v to="$4" '
	function le(v, n,   s, i) {s = "hex"; for (i = 0; i < n; i++) {s = s sprintf(" %02x", v % 256); v = int(v / 256)}; return s}
	BEGIN {for (i = from; i < to; i++) printf "map update pinned %s key %s value %s\n", pin, le(i, 4), le(3 * i + 1, 8)}' > "$1"
}

check_big() { # pin n what [add]: n entries, the last one's value 3k+1+add
	local got want_v got_v k=$(($2 - 1))
	got=$(count_entries "$1")
	[ "$got" = "$2" ] || { bad "$3: $got entries, expected $2"; return 1; }
	want_v=$(le_hex $((3 * k + 1 + ${4:-0})) 8)
	# shellcheck disable=SC2046  # le_hex prints the key's DATA words
	got_v="hex $(bpftool -j map lookup pinned "$1" key $(le_hex "$k" 4) | jq -r '.value | map(ltrimstr("0x")) | join(" ")')"
	[ "$got_v" = "$want_v" ] || bad "$3: key $k holds '$got_v', expected '$want_v'"
}

# ---- 1. fill ---------------------------------------------------------------------
# The baselines, as shell functions so that no extra shell is timed.
bpftool_fill() { # pin n batchfile: what a careful script does
	bpftool map create "$1" type hash key 4 value 8 entries "$2" name big &&
		bpftool batch file "$3"
}
bpftool_naive() { # batchfile: what a naive script does, one process an entry
	local line
	while read -r line; do
		# shellcheck disable=SC2086  # a line is a bpftool command line
		bpftool $line || return
	done < "$1"
}

# DATA file of n records: key u32 i, value u64 3i+1 (the manifests' entries, packed).
gen_data() { # file n [add]: values 3i+1+add
	python3 -c 'import struct,sys; n=int(sys.argv[2]); a=int(sys.argv[3]); f=struct.Struct("<IQ")
open(sys.argv[1],"wb").write(b"".join(f.pack(i, 3*i+1+a) for i in range(n)))' "$1" "$2" "${3:-0}"
}

bench_fill() {
	local a=() b=() c=() v=() x=() r m=$W/fill.yaml bpin=$BASE/big
	log "fill: one hash map of $N declared entries, $REPS reps"
	gen_big_manifest "$m" fill "$N" merge
	gen_batch "$W/fill.batch" "$bpin" 0 "$N"
	for ((r = 0; r < REPS; r++)); do
		timeit v 0 ba validate -f "$m"
		timeit a 0 ba apply -f "$m" || return
		((r == 0)) && { check_big "$ROOT/fill/maps/big" "$N" "bpfapply fill" || return; }
		ba destroy -f "$m" > /dev/null 2>&1 || { bad "destroy fill"; return 1; }
		[ ! -e "$ROOT/fill/maps/big" ] || { bad "destroy left $ROOT/fill/maps/big"; return 1; }

		timeit b 0 bpftool_fill "$bpin" "$N" "$W/fill.batch" || return
		((r == 0)) && { check_big "$bpin" "$N" "bpftool batch fill" || return; }
		rm -f "$bpin"
		if [ -x "$RAWBATCH" ]; then
			((r == 0)) && gen_data "$W/fill.bin" "$N"
			timeit x 0 "$RAWBATCH" fill "$bpin" "$N" "$W/fill.bin" || return
			rm -f "$bpin"
		fi
	done
	raw "bpfapply apply" "${a[@]}"
	raw "bpftool map create + batch" "${b[@]}"
	raw "bpfapply validate" "${v[@]}"
	FILL_A=$(median "${a[@]}")
	row "fill $N: apply vs bpftool create+batch" "$FILL_A" "$(median "${b[@]}")"
	((${#x[@]})) && row "fill $N: apply vs raw single batch fill" "$FILL_A" "$(median "${x[@]}")"

	# The naive script: one bpftool process per entry, NAIVE_N entries, scaled to N.
	log "fill: naive, $NAIVE_N bpftool processes, $REPS reps"
	gen_batch "$W/naive.batch" "$bpin" 0 "$NAIVE_N"
	for ((r = 0; r < REPS; r++)); do
		bpftool map create "$bpin" type hash key 4 value 8 entries "$N" name big ||
			{ bad "bpftool map create"; return 1; }
		timeit c 0 bpftool_naive "$W/naive.batch" || return
		((r == 0)) && [ "$NAIVE_N" -ge 1 ] && { check_big "$bpin" "$NAIVE_N" "naive fill" || return; }
		rm -f "$bpin"
	done
	raw "naive ($NAIVE_N procs)" "${c[@]}"
	row "fill $N: apply vs $NAIVE_N bpftool procs, scaled" "$FILL_A" \
		"$(awk -v u="$(median "${c[@]}")" -v s="$N" -v n="$NAIVE_N" 'BEGIN {printf "%d", u * s / n}')"
	row "  (validate $N: parse + checks, no kernel)" "$(median "${v[@]}")" "-"
	gen_big_manifest "$W/fill0.yaml" fill 0 merge
	sed -i 's/max_entries: 0/max_entries: '"$N"'/' "$W/fill0.yaml"
	rss_line "fill $N YAML apply" "$m" "$W/fill0.yaml" "$N"
}

# ---- 2. no-op plan ------------------------------------------------------------------
# plan_case LABEL SCOPE n POLICY: apply once, then time no-op plans against
# bpftool map dump of the same map.  Sets PLAN_A / PLAN_B (medians, us).
plan_case() {
	local label=$1 scope=$2 n=$3 policy=$4 a=() b=() x=() r m=$W/$2.yaml pin=$ROOT/$2/maps/big
	gen_big_manifest "$m" "$scope" "$n" "$policy"
	ba apply -f "$m" > /dev/null 2> "$W/.err" || { bad "apply $scope: $(head -c 400 "$W/.err")"; return 1; }
	check_big "$pin" "$n" "$scope" || return 1
	for ((r = 0; r < REPS; r++)); do
		timeit a 0 ba plan --detailed-exitcode -f "$m" || return 1
		timeit b 0 bpftool map dump pinned "$pin" || return 1
		[ -x "$RAWBATCH" ] && { timeit x 0 "$RAWBATCH" read "$pin" || return 1; }
	done
	raw "plan $policy $n, bpfapply plan" "${a[@]}"
	raw "plan $policy $n, bpftool map dump" "${b[@]}"
	PLAN_A=$(median "${a[@]}")
	PLAN_B=$(median "${b[@]}")
	row "$label" "$PLAN_A" "$PLAN_B"
	((${#x[@]})) && row "  (same, vs raw batch read-back)" "$PLAN_A" "$(median "${x[@]}")"
	ba destroy -f "$m" > /dev/null 2>&1 || bad "destroy $scope"
}

SCALING=()
bench_plan() {
	local q=$((N / 4)) pol a1 b1
	for pol in merge exact; do
		log "plan: no-op plan, $pol, $q and $N declared entries, $REPS reps"
		plan_case "no-op plan $pol $q vs bpftool dump" "plan_${pol}_q" "$q" "$pol" || return
		a1=$PLAN_A b1=$PLAN_B
		plan_case "no-op plan $pol $N vs bpftool dump" "plan_$pol" "$N" "$pol" || return
		SCALING+=("$pol|$q|$N|$a1|$PLAN_A|$b1|$PLAN_B")
	done
}

# ---- 3. no-op apply of 50 small maps -----------------------------------------------------
bench_noop() {
	local m=$W/noop.yaml a=() p=() b=() r i before after
	log "noop: no-op apply and plan of 50 small maps, $REPS reps"
	{
		printf 'bpfapply: v1\nscope: noop\nmaps:\n'
		for ((i = 0; i < 50; i++)); do
			if ((i % 2)); then
				printf '  m%02d: {type: array, key_size: 4, value_size: 8, max_entries: 16, ' "$i"
			else
				printf '  m%02d: {type: hash, key_size: 4, value_size: 8, max_entries: 16, ' "$i"
			fi
			printf 'entries: [{key: 0, value: %d}, {key: 1, value: 2}, {key: 2, value: 3}, {key: 3, value: 4}]}\n' "$i"
		done
	} > "$m"
	ba apply -f "$m" > /dev/null 2> "$W/.err" || { bad "apply noop: $(head -c 400 "$W/.err")"; return 1; }
	ids() { # the ids of the 50 maps and of the state record
		local f
		for f in "$ROOT"/noop/maps/* "$ROOT/noop/state"; do
			echo "$(basename "$f") $(pin_id map "$f")"
		done
	}
	before=$(ids)
	[ "$(echo "$before" | grep -c .)" = 51 ] || { bad "noop: expected 50 maps and a state record, got: $before"; return 1; }
	for ((r = 0; r < REPS; r++)); do
		timeit a 0 ba apply --detailed-exitcode -f "$m" || return
		timeit p 0 ba plan --detailed-exitcode -f "$m" || return
		timeit b 0 bpftool map show || return
	done
	after=$(ids)
	[ "$before" = "$after" ] || { bad "no-op apply changed ids (name id): $(diff <(echo "$before") <(echo "$after") | grep '^>' | head -5 | tr '\n' ' ')"; return 1; }
	raw "no-op apply" "${a[@]}"
	raw "no-op plan" "${p[@]}"
	raw "bpftool map show" "${b[@]}"
	row "no-op apply, 50 maps vs bpftool map show" "$(median "${a[@]}")" "$(median "${b[@]}")"
	row "no-op plan, 50 maps vs bpftool map show" "$(median "${p[@]}")" "$(median "${b[@]}")"
	ba destroy -f "$m" > /dev/null 2>&1 || bad "destroy noop"
}

# ---- 4. program load ------------------------------------------------------------------------
bench_prog() {
	local m=$W/prog.yaml a=() b=() c=() d=() r pin=$ROOT/prog/programs/xdp1/xdp_prog1
	local rx=$ROOT/prog/maps/rxcnt pid mid pid2 mid2 n
	log "prog: load $XDP_OBJ, $REPS reps"
	[ -f "$XDP_OBJ" ] || { bad "$XDP_OBJ not built (make)"; return 1; }
	cat > "$m" <<Y
bpfapply: v1
scope: prog
maps:
  rxcnt: {type: percpu_array, key_size: 4, value_size: 8, max_entries: 256}
programs:
  xdp1:
    object: $XDP_OBJ
    type: xdp
    maps:
      rxcnt: rxcnt
Y
	for ((r = 0; r < REPS; r++)); do
		timeit a 0 ba apply -f "$m" || return
		if ((r == 0)); then
			[ "$(bpftool -j prog show pinned "$pin" | jq -r .type)" = xdp ] || { bad "no xdp program at $pin"; return 1; }
			[ "$(bpftool -j prog show pinned "$pin" | jq --argjson id "$(pin_id map "$rx")" '.map_ids | index($id) != null')" = true ] ||
				{ bad "xdp_prog1 does not use the manifest's rxcnt"; return 1; }
		fi
		ba destroy -f "$m" > /dev/null 2>&1 || { bad "destroy prog"; return 1; }

		timeit b 0 bpftool prog loadall "$XDP_OBJ" "$BASE/xdp1" type xdp pinmaps "$BASE/xdp1_maps" || return
		((r == 0)) && { [ "$(bpftool -j prog show pinned "$BASE/xdp1/xdp_prog1" | jq -r .type)" = xdp ] ||
			{ bad "bpftool loadall pinned no xdp program"; return 1; }; }
		rm -rf "$BASE/xdp1" "$BASE/xdp1_maps"
	done
	raw "bpfapply apply" "${a[@]}"
	raw "bpftool prog loadall" "${b[@]}"
	row "program load xdp1 vs bpftool prog loadall" "$(median "${a[@]}")" "$(median "${b[@]}")"

	# The no-op re-apply: must load nothing (same program and map ids).
	ba apply -f "$m" > /dev/null 2> "$W/.err" || { bad "apply prog: $(head -c 400 "$W/.err")"; return 1; }
	pid=$(pin_id prog "$pin")
	mid=$(pin_id map "$rx")
	n=$(bpftool -j prog show | jq 'length')
	for ((r = 0; r < REPS; r++)); do
		timeit c 0 ba apply --detailed-exitcode -f "$m" || return
		timeit d 0 bpftool prog show pinned "$pin" || return
	done
	pid2=$(pin_id prog "$pin")
	mid2=$(pin_id map "$rx")
	[ "$pid" = "$pid2" ] || bad "no-op re-apply reloaded the program: id $pid -> $pid2"
	[ "$mid" = "$mid2" ] || bad "no-op re-apply replaced rxcnt: id $mid -> $mid2"
	[ "$(bpftool -j prog show | jq 'length')" -le "$n" ] || bad "no-op re-apply loaded programs"
	raw "bpfapply no-op re-apply" "${c[@]}"
	raw "bpftool prog show pinned" "${d[@]}"
	row "no-op re-apply xdp1 vs bpftool prog show pinned" "$(median "${c[@]}")" "$(median "${d[@]}")"
	ba destroy -f "$m" > /dev/null 2>&1 || bad "destroy prog"
}

# ---- 5. data: entries from a packed data file, against the raw limit ----------------------
# DATA_N records of key u32 i, value u64 3i+1 (ascending keys), as entries_file:.
# Baselines: rawbatch (tests/bench/rawbatch.c): create + ONE BPF_MAP_UPDATE_BATCH
# + pin, and ONE BPF_MAP_LOOKUP_BATCH pass over the map.  Then an apply of the
# same keys with every value changed (value + 5: an in-place update of all
# DATA_N entries, against the raw single batch fill), and the destroy.  Peak
# RSS of the apply against the payload (DATA_N * 12 bytes) above a run with an
# empty map.
DATA_N=${DATA_N:-1000000}
peak_kb() { # cmd... -> peak RSS in KB of cmd (GNU time), or "-"
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f %M -o "$W/.rss" "$@" > /dev/null 2>&1 && cat "$W/.rss" || echo -
	else
		echo -
	fi
}
bench_data() {
	local a=() b=() c=() d=() e=() u=() r m=$W/data.yaml m2=$W/data2.yaml empty=$W/empty.yaml
	local pin=$ROOT/data/maps/big bpin=$BASE/big id
	[ -x "$RAWBATCH" ] || { bad "data: $RAWBATCH not built (make bench builds it)"; return 1; }
	log "data: one hash map of $DATA_N entries from entries_file, $REPS reps"
	gen_data "$W/data.bin" "$DATA_N" || { bad "data: generating the data file"; return 1; }
	gen_data "$W/data2.bin" "$DATA_N" 5 || { bad "data: generating the data file"; return 1; }
	printf 'bpfapply: v1\nscope: data\nmaps:\n  big: {type: hash, key_size: 4, value_size: 8, max_entries: %d, entries_policy: exact, entries_file: data.bin}\n' \
		"$DATA_N" > "$m"
	sed 's/data.bin/data2.bin/' "$m" > "$m2"
	printf 'bpfapply: v1\nscope: data\nmaps:\n  big: {type: hash, key_size: 4, value_size: 8, max_entries: %d}\n' \
		"$DATA_N" > "$empty"
	for ((r = 0; r < REPS; r++)); do
		timeit a 0 ba apply -f "$m" || return
		((r == 0)) && { check_big "$pin" "$DATA_N" "bpfapply data fill" || return; }
		timeit c 0 ba plan --detailed-exitcode -f "$m" || return
		id=$(pin_id map "$pin")
		timeit u 0 ba apply -f "$m2" || return
		[ "$(pin_id map "$pin")" = "$id" ] || { bad "data: the update replaced the map"; return 1; }
		((r == 0)) && { check_big "$pin" "$DATA_N" "bpfapply data update" 5 || return; }
		timeit e 0 ba destroy -f "$m2" || { bad "destroy data"; return 1; }
		timeit b 0 "$RAWBATCH" fill "$bpin" "$DATA_N" "$W/data.bin" || return
		((r == 0)) && { check_big "$bpin" "$DATA_N" "raw batch fill" || return; }
		timeit d 0 "$RAWBATCH" read "$bpin" || return
		rm -f "$bpin"
	done
	raw "bpfapply apply" "${a[@]}"
	raw "raw create + one update_batch + pin" "${b[@]}"
	raw "bpfapply no-op plan" "${c[@]}"
	raw "raw lookup_batch read-back" "${d[@]}"
	raw "bpfapply in-place update" "${u[@]}"
	raw "bpfapply destroy" "${e[@]}"
	row "data $DATA_N: apply vs raw single batch fill" "$(median "${a[@]}")" "$(median "${b[@]}")"
	row "data $DATA_N: no-op plan vs raw batch read-back" "$(median "${c[@]}")" "$(median "${d[@]}")"
	row "data $DATA_N: update all in place vs raw batch fill" "$(median "${u[@]}")" "$(median "${b[@]}")"
	row "  (data $DATA_N: destroy; reads no entries)" "$(median "${e[@]}")" "-"
	rss_line "data $DATA_N apply" "$m" "$empty" "$DATA_N"
}

# Peak RSS of an apply against the entry payload (n * 12 bytes) above the
# same map applied empty.
rss_line() { # label manifest empty-manifest n
	local rss0 rss1 payload=$(($4 * 12 / 1024))
	rss0=$(peak_kb "$BIN" --root "$ROOT" -n --no-color apply -f "$3")
	ba destroy -f "$3" > /dev/null 2>&1
	rss1=$(peak_kb "$BIN" --root "$ROOT" -n --no-color apply -f "$2")
	ba destroy -f "$2" > /dev/null 2>&1
	[ "$rss0" != - ] && [ "$rss1" != - ] &&
		RSS_LINES+=("$1: peak RSS $rss1 KB, empty map $rss0 KB, payload $payload KB: $(awk -v a="$rss1" -v b="$rss0" -v p="$payload" 'BEGIN {printf "%.1f", (a - b) / p}') x the payload above the empty run")
	return 0
}
RSS_LINES=()

# ---- 6. maps: per-map cost at 1,000 and 5,000 small maps ------------------------------------
# Linear means the per-map cost at 5,000 is about that at 1,000.  Baseline:
# rawbatch creating and pinning the same number of maps.
many_manifest() { # file n
	{
		printf 'bpfapply: v1\nscope: many\nmaps:\n'
		awk -v n="$2" 'BEGIN {for (i = 0; i < n; i++) printf "  m%d: {type: hash, key_size: 4, value_size: 4, max_entries: 4}\n", i}'
	} > "$1"
}
bench_maps() {
	local k a b c r m
	for k in 1000 5000; do
		a=() b=() c=() m=$W/many$k.yaml
		log "maps: $k small maps, $REPS reps"
		many_manifest "$m" "$k"
		for ((r = 0; r < REPS; r++)); do
			timeit a 0 ba apply -f "$m" || return
			timeit c 0 ba plan --detailed-exitcode -f "$m" || return
			ba destroy -f "$m" > /dev/null 2>&1 || { bad "destroy many"; return 1; }
			mkdir -p "$BASE/many"
			timeit b 0 "$RAWBATCH" maps "$BASE/many" "$k" || return
			rm -rf "$BASE/many"
		done
		raw "apply $k maps" "${a[@]}"
		raw "raw create+pin $k maps" "${b[@]}"
		raw "no-op plan $k maps" "${c[@]}"
		row "maps $k: apply vs raw create+pin" "$(median "${a[@]}")" "$(median "${b[@]}")"
		row "maps $k: no-op plan vs raw create+pin" "$(median "${c[@]}")" "$(median "${b[@]}")"
		MAPS_LINES+=("$k|$(median "${a[@]}")|$(median "${c[@]}")|$(median "${b[@]}")")
	done
}
MAPS_LINES=()

# ---- run and report ---------------------------------------------------------------------------
log "bpfapply benchmarks: $("$BIN" version 2>/dev/null | head -1), kernel $(uname -r), $(nproc) CPUs, $REPS reps, N=$N"
for b in $BENCHES; do
	"bench_$b"
done

echo
printf '%-56s %12s %12s %8s\n' "benchmark (median of $REPS, wall ms)" bpfapply baseline ratio
printf '%-56s %12s %12s %8s\n' "$(printf '%.0s-' {1..56})" "------------" "------------" "--------"
for r in "${ROWS[@]}"; do
	IFS='|' read -r name av bv <<< "$r"
	awk -v n="$name" -v a="$av" -v b="$bv" 'BEGIN {
		fa = a == "-" ? "-" : sprintf("%.1f", a / 1000)
		fb = b == "-" ? "-" : sprintf("%.1f", b / 1000)
		ra = (a == "-" || b == "-" || b == 0) ? "-" : sprintf(a / b < 0.1 ? "%.4f" : "%.2f", a / b)
		printf "%-56s %12s %12s %8s\n", n, fa, fb, ra }'
done
echo "ratio = bpfapply / baseline: below 1, bpfapply is faster"
for r in "${RSS_LINES[@]}"; do echo "$r"; done
if ((${#MAPS_LINES[@]})); then
	echo
	echo "per-map cost (us per map; linear: the same at 1,000 and 5,000)"
	printf '%-8s %12s %12s %12s\n' maps apply "no-op plan" "raw create"
	for r in "${MAPS_LINES[@]}"; do
		IFS='|' read -r k a c b <<< "$r"
		awk -v k="$k" -v a="$a" -v c="$c" -v b="$b" 'BEGIN {printf "%-8s %12.1f %12.1f %12.1f\n", k, a / k, c / k, b / k}'
	done
fi
if ((${#SCALING[@]})); then
	echo
	echo "no-op plan scaling (marginal cost per declared key between N/4 and N;"
	echo "growth = time(N) / time(N/4): about 4 or less if linear, up to 16 if quadratic)"
	printf '%-8s %16s %10s %16s %10s\n' policy "bpfapply us/key" growth "bpftool us/key" growth
	for r in "${SCALING[@]}"; do
		IFS='|' read -r pol q n a1 a2 b1 b2 <<< "$r"
		awk -v p="$pol" -v q="$q" -v n="$n" -v a1="$a1" -v a2="$a2" -v b1="$b1" -v b2="$b2" 'BEGIN {
			printf "%-8s %16.2f %10.1f %16.2f %10.1f\n", p, (a2 - a1) / (n - q), a2 / a1, (b2 - b1) / (n - q), b2 / b1 }'
	done
fi
echo
if ((FAILS)); then
	echo "bench: $FAILS functional failure(s), see FAIL lines above"
	exit 1
fi
echo "bench: all functional checks passed"
exit 0
