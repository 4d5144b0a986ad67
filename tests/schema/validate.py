#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Check YAML manifests against schema/bpfapply.schema.json.

Usage: validate.py SCHEMA good FILE...   every FILE must validate
       validate.py SCHEMA bad FILE...    every FILE must be rejected

Prints one line per check, "PASS schema: NAME" or "FAIL schema: NAME: why",
and exits 0 either way: tests/run.sh counts the lines.

A bad document names the error it is there to provoke in a comment,
"# expect: TEXT"; it passes only if one of the schema's errors mentions
TEXT (in its message or its path), so a document rejected for some other
reason (a typo in the test itself) does not count as a pass.
"""
import json
import re
import sys

try:
    import jsonschema
    import yaml
except ImportError:
    print("SKIP schema: python3-jsonschema not installed")
    sys.exit(0)


def where(err):
    return "/".join(str(p) for p in err.absolute_path) or "(top)"


def all_errors(errors):
    """Every error, including the ones oneOf/anyOf keep in their context."""
    for e in errors:
        yield e
        if e.context:
            yield from all_errors(e.context)


class ManifestLoader(yaml.SafeLoader):
    """Plain scalars typed the way bpfapply types them, not as YAML 1.1 does.

    bpfapply reads integers as -?(0x hex | 0o octal | 0 octal | decimal),
    booleans as true/false only, and has no floats or timestamps; PyYAML
    would read 0o17 as a string and yes, on or 1_000 as values.
    """


ManifestLoader.yaml_implicit_resolvers = {}
ManifestLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^-?(0[xX][0-9a-fA-F]+|0o[0-7]+|0[0-7]+|0|[1-9][0-9]*)$"),
    list("-0123456789"))
ManifestLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(true|false)$"), list("tf"))
ManifestLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(~|null|Null|NULL|)$"), ["~", "n", "N", ""])


def construct_int(loader, node):
    text = loader.construct_scalar(node)
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("-")
    if digits[:2] in ("0x", "0X"):
        return sign * int(digits[2:], 16)
    if digits[:2] == "0o":
        return sign * int(digits[2:], 8)
    if len(digits) > 1 and digits[0] == "0":
        return sign * int(digits[1:], 8)
    return sign * int(digits, 10)


ManifestLoader.add_constructor("tag:yaml.org,2002:int", construct_int)


def load(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return text, yaml.load(text, Loader=ManifestLoader)


def check_good(validator, path):
    try:
        _, doc = load(path)
    except (OSError, yaml.YAMLError) as e:
        return "cannot read: %s" % str(e).replace("\n", " ")
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if not errors:
        return None
    best = jsonschema.exceptions.best_match(errors)
    more = " (and %d more)" % (len(errors) - 1) if len(errors) > 1 else ""
    return "%s: %s%s" % (where(best), best.message, more)


def check_bad(validator, path):
    try:
        text, doc = load(path)
    except (OSError, yaml.YAMLError) as e:
        return "cannot read: %s" % str(e).replace("\n", " ")
    m = re.search(r"^#\s*expect:\s*(.+?)\s*$", text, re.MULTILINE)
    if not m:
        return "no '# expect: TEXT' comment in the test document"
    want = m.group(1)
    errors = list(validator.iter_errors(doc))
    if not errors:
        return "accepted, but it should be rejected (%s)" % want
    for e in all_errors(errors):
        if want in e.message or want in where(e):
            return None
    best = jsonschema.exceptions.best_match(errors)
    return "rejected, but not for '%s': %s: %s" % (want, where(best), best.message)


def main(argv):
    if len(argv) < 3 or argv[2] not in ("good", "bad"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    schema_path, mode, files = argv[1], argv[2], argv[3:]
    try:
        with open(schema_path, encoding="utf-8") as f:
            schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(schema)
    except (OSError, ValueError, jsonschema.exceptions.SchemaError) as e:
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        for path in files:
            print("FAIL schema: %s: the schema itself is broken: %s" % (path, msg))
        return 0
    validator = jsonschema.Draft202012Validator(schema)
    for path in files:
        if mode == "good":
            why = check_good(validator, path)
            name = path
        else:
            why = check_bad(validator, path)
            name = "rejects " + path
        if why is None:
            print("PASS schema: %s" % name)
        else:
            print("FAIL schema: %s: %s" % (name, why))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
