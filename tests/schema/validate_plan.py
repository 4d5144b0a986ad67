#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Check JSON documents bpfapply printed against schema/bpfapply-plan.schema.json.

Usage: validate_plan.py SCHEMA FILE...
Exits 0 when every FILE validates, 1 with the errors on stderr otherwise,
2 when python3-jsonschema is missing (the caller skips).
"""
import json
import sys

try:
    import jsonschema
except ImportError:
    sys.exit(2)


def main():
    with open(sys.argv[1]) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    v = jsonschema.Draft202012Validator(schema)
    bad = 0
    for path in sys.argv[2:]:
        with open(path) as f:
            doc = json.load(f)
        for e in v.iter_errors(doc):
            where = "/".join(str(p) for p in e.absolute_path) or "(top)"
            print(f"{path}: {where}: {e.message}", file=sys.stderr)
            bad += 1
    sys.exit(1 if bad else 0)


main()
