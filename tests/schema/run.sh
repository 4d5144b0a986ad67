#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Schema tests: schema/bpfapply.schema.json must accept every example and
# every good test manifest, and reject every document in tests/schema/bad/.
# Where build/bpfapply exists, its validator must accept the examples and
# reject those documents too, so that the schema and the parser do not
# drift apart.
#
# One line per check ("PASS schema: NAME", "FAIL schema: NAME: why",
# "SKIP schema: why"); always exits 0, tests/run.sh does the counting.
set -u
cd "$(dirname "$0")/../.." || { echo "FAIL schema: cannot enter the source tree"; exit 0; }

# Debian's interpreter on purpose: the python3 first on PATH may be another
# one (pyenv) without Debian's python3-jsonschema and python3-yaml.
PY=/usr/bin/python3
BPFAPPLY=${BPFAPPLY:-${BUILD:-build}/bpfapply}
SCHEMA=schema/bpfapply.schema.json

if ! [ -x "$PY" ] || ! "$PY" -c 'import jsonschema, yaml' 2>/dev/null; then
	echo "SKIP schema: python3-jsonschema not installed"
	exit 0
fi

shopt -s nullglob
good=(examples/*.yaml tests/manifests/good/*.yaml)
bad=(tests/schema/bad/*.yaml)

[ ${#good[@]} -gt 0 ] && "$PY" tests/schema/validate.py "$SCHEMA" good "${good[@]}"
[ ${#bad[@]} -gt 0 ] && "$PY" tests/schema/validate.py "$SCHEMA" bad "${bad[@]}"

# The plan JSON's schema is itself a valid 2020-12 schema (real plans are
# checked against it by the live tests, tests/live/test_policy.sh).
if "$PY" -c 'import json, sys, jsonschema
jsonschema.Draft202012Validator.check_schema(json.load(open(sys.argv[1])))' \
	schema/bpfapply-plan.schema.json 2>"${TMPDIR:-/tmp}/plan-schema.$$"; then
	echo "PASS schema: schema/bpfapply-plan.schema.json is a valid JSON Schema"
else
	echo "FAIL schema: schema/bpfapply-plan.schema.json is a valid JSON Schema: $(tail -1 "${TMPDIR:-/tmp}/plan-schema.$$")"
fi
rm -f "${TMPDIR:-/tmp}/plan-schema.$$"

if ! [ -x "$BPFAPPLY" ]; then
	echo "SKIP schema: $BPFAPPLY not built, parser agreement not checked"
	exit 0
fi
for f in examples/*.yaml; do
	if out=$("$BPFAPPLY" validate -f "$f" 2>&1); then
		echo "PASS schema: bpfapply validate accepts $f"
	else
		echo "FAIL schema: bpfapply validate accepts $f: rejected: $(printf '%s' "$out" | head -3 | tr '\n' ' ')"
	fi
done
for f in "${bad[@]}"; do
	if out=$("$BPFAPPLY" validate -f "$f" 2>&1); then
		echo "FAIL schema: bpfapply validate rejects $f: accepted: $(printf '%s' "$out" | head -1)"
	else
		echo "PASS schema: bpfapply validate rejects $f"
	fi
done
exit 0
