# SPDX-License-Identifier: GPL-2.0-only
"""The contract (/work/shared/design.md, docs/design-notes.md), as a predictor.

Given what the last successful apply recorded, the manifest about to be
planned and what the kernel holds (read with bpftool), predict the plan
line by line and what the kernel must hold once the apply has run.  Written
from the documents, never from bpfapply's code or output.
"""

RDONLY, WRONLY, NO_COMMON_LRU, RDONLY_PROG = 1 << 3, 1 << 4, 1 << 1, 1 << 7
FLAG_BITS = {
    "no_prealloc": 1 << 0, "no_common_lru": 1 << 1, "rdonly": 1 << 3,
    "wronly": 1 << 4, "stack_build_id": 1 << 5, "zero_seed": 1 << 6,
    "rdonly_prog": 1 << 7, "wronly_prog": 1 << 8, "preserve_elems": 1 << 11,
    "mmapable": 1 << 10, "inner_map": 1 << 12,
}
ARRAYS = {"array", "percpu_array"}          # every slot exists; zero is "empty"
PERCPU = {"percpu_hash", "percpu_array", "lru_percpu_hash"}
OF_MAPS = {"array_of_maps", "hash_of_maps"}
LRU = {"lru_hash", "lru_percpu_hash"}
HASH_LIMITED = {"hash", "percpu_hash", "lpm_trie", "hash_of_maps", "devmap_hash"}


def flag_bits(names):
    b = 0
    for n in names:
        b |= FLAG_BITS[n]
    return b


def kernel_attrs(spec, ncpus):
    """What bpf_map_info reports for a declared map (docs/design-notes.md)."""
    flags = flag_bits(spec["flags"]) & ~(RDONLY | WRONLY)
    if spec["type"] in ("devmap", "devmap_hash"):
        flags |= RDONLY_PROG
    mx = spec["max_entries"]
    if spec["type"] in LRU and flag_bits(spec["flags"]) & NO_COMMON_LRU and mx % ncpus:
        mx += ncpus - mx % ncpus
    return {"type": spec["type"], "key": spec["key_size"], "value": spec["value_size"],
            "max": mx, "flags": flags, "name": spec["name"][:15],
            "frozen": bool(spec.get("frozen"))}


def shape(spec):
    """Everything that, changed in the manifest, needs a new kernel object."""
    return (spec["type"], spec["key_size"], spec["value_size"], spec["max_entries"],
            flag_bits(spec["flags"]), spec["name"][:15], bool(spec.get("frozen")),
            spec.get("inner_shape"))


def target(v):
    """The object a {map: NAME} or {program: ENTRY/PROG} slot names."""
    return v["map"] if "map" in v else "prog:" + v["program"]


def declared(spec, ids_after):
    """Declared entries as key -> value bytes; {map: T} slots hold T's id after
    the apply (None while unknown: T gets a new object)."""
    out = {}
    for k, v in spec.get("entries") or []:
        if isinstance(v, dict):
            tid = ids_after.get(target(v))
            out[k] = None if tid is None else tid.to_bytes(4, "little")
        else:
            out[k] = v
    return out


def value_matches(spec, live, want):
    if want is None or live is None:
        return False
    if spec["type"] in PERCPU:
        return all(c == want for c in live)
    return live == want


def absent(spec, live):
    if live is None:
        return True
    if spec["type"] in ARRAYS:
        vals = live if spec["type"] in PERCPU else [live]
        return all(not any(v) for v in vals)
    return False


def entry_ops(spec, live_kvs, ids_after, new_target, programs=False):
    """(adds, changes, removes) that bring a live map to its declared entries.
    Program slots are diffed apart (programs=True), once the programs' actions
    are known; removals of undeclared slots come with the first pass."""
    if not spec.get("has_entries"):
        return [], [], []
    policy = spec.get("policy", "merge")
    want = declared(spec, ids_after)
    adds, changes, removes = [], [], []
    for k, v in spec.get("entries") or []:
        lv = live_kvs.get(k)
        gone = absent(spec, lv)
        if isinstance(v, dict):
            if ("program" in v) != programs:
                continue
            # seed follows only a target that gets a new object
            if gone and policy != "seed":
                adds.append(k)
            elif not gone and (new_target(target(v)) or
                               (policy != "seed" and not value_matches(spec, lv, want[k]))):
                changes.append(k)
            continue
        if programs or policy == "seed" or value_matches(spec, lv, v):
            continue
        (adds if gone else changes).append(k)
    if policy == "exact" and not programs:
        keys = {k for k, _ in spec.get("entries") or []}
        for k, lv in live_kvs.items():
            if k not in keys and not absent(spec, lv):
                removes.append(k)
    return adds, changes, removes


def map_action(spec, rec, lv, ops, ncpus):
    if rec is None or lv is None:
        return ("create", None)
    if lv["id"] != rec["id"]:
        return ("replace", None)          # pin replaced outside: nothing to protect
    if kernel_attrs(spec, ncpus) != lv["attrs"] or shape(spec) != rec["shape"]:
        return ("replace", "protect")
    a, c, r = ops
    if (a or c or r) and (lv["attrs"]["frozen"] or "rdonly" in spec["flags"]):
        return ("replace", "protect")
    if a or c or r:
        return ("update", (len(a), len(c), len(r)))
    if rec["prevent_destroy"] != bool(spec.get("prevent_destroy")):
        return ("update", None)
    return ("noop", None)


def predict(record, manifest, live, ncpus):
    """Returns (lines, error, actions): lines maps address -> (symbol, counts or None);
    actions maps a map name, or "program.ENTRY", to (action, extra)."""
    error = None
    maps, progs = manifest["maps"], manifest.get("programs", {})
    precord, plive = record.get("__programs__", {}), live.get("__programs__", {})
    actions = {}

    def new_target(t):
        a = actions.get("program." + t[5:].split("/")[0] if t.startswith("prog:") else t)
        return a is not None and a[0] in ("create", "replace")

    def ids_now():
        ids = {n: live[n]["id"] for n in maps if n in live and
               actions.get(n, ("",))[0] in ("noop", "update")}
        for e, pl in plive.items():
            if actions.get("program." + e, ("",))[0] == "noop":
                ids.update({"prog:" + e + "/" + p: i for p, i in pl["ids"].items()})
        return ids

    # maps (templates first: a {map: T} slot follows T's action)
    for name in sorted(maps, key=lambda n: 0 if maps[n].get("is_template") else 1):
        spec, rec, lv = maps[name], record.get(name), live.get(name)
        ops = entry_ops(spec, lv["kvs"], ids_now(), new_target) if lv else ([], [], [])
        actions[name] = map_action(spec, rec, lv, ops, ncpus)
    # programs: reloaded when their load parameters change or a reused map is rebuilt
    for e, ps in progs.items():
        rec = precord.get(e)
        if rec is None or e not in plive:
            actions["program." + e] = ("create", None)
        elif rec["programs"] != ps["programs"] or any(
                actions[m][0] in ("create", "replace") for m in ps["maps"].values()):
            actions["program." + e] = ("replace", None)
        else:
            actions["program." + e] = ("noop", None)
    # program slots, once the programs' actions are known
    for name, spec in maps.items():
        act, extra = actions[name]
        if act not in ("noop", "update") or spec["type"] != "prog_array":
            continue
        a, c, r = entry_ops(spec, live[name]["kvs"], ids_now(), new_target, programs=True)
        if not (a or c or r):
            continue
        if live[name]["attrs"]["frozen"]:
            actions[name] = ("replace", "protect")
            continue
        a0, c0, r0 = extra if extra else (0, 0, 0)
        actions[name] = ("update", (a0 + len(a), c0 + len(c), r0 + len(r)))
    # programs that reuse a map replaced only now are reloaded with it
    for e, ps in progs.items():
        if actions["program." + e][0] == "noop" and any(
                actions[m][0] in ("create", "replace") for m in ps["maps"].values()):
            actions["program." + e] = ("replace", None)
    for name in maps:
        if actions[name][1] == "protect" and maps[name].get("prevent_destroy"):
            error = "prevent_destroy"
    for name, rec in record.items():
        if name in maps or name == "__programs__":
            continue
        lv = live.get(name)
        actions[name] = ("delete", None)
        if lv is not None and lv["id"] == rec["id"] and rec["prevent_destroy"]:
            error = "prevent_destroy"
    for e in precord:
        if e not in progs:
            actions["program." + e] = ("delete", None)
    sym = {"create": "+", "replace": "-/+", "update": "~", "delete": "-"}
    lines = {}
    for name, (a, extra) in actions.items():
        if a != "noop":
            addr = name if name.startswith("program.") else "map." + name
            lines[addr] = (sym[a], extra if a == "update" else None)
    return lines, error, actions


def fits(old, spec):
    """Can the live entries be copied into the replacement (preserve_entries)?"""
    return (old["attrs"]["key"] == spec["key_size"] and old["attrs"]["value"] == spec["value_size"]
            and (old["attrs"]["type"] in PERCPU) == (spec["type"] in PERCPU)
            and spec["type"] not in OF_MAPS and spec["type"] != "prog_array"
            and "wronly" not in old.get("flags_declared", []))


def expected_after(spec, action, old, ids_after, ncpus, moved=frozenset()):
    """What the kernel must hold for a declared map after a successful apply:
    (contents or None when not exactly known, required entries, max count)."""
    want = declared(spec, ids_after)
    percpu = spec["type"] in PERCPU

    def full(v):
        return [v] * ncpus if percpu else v

    if action in ("create", "replace"):
        kv = {k: full(v) for k, v in want.items()} if spec.get("entries") else {}
        exact = True
        if (action == "replace" and old is not None and old.get("protect") and
                spec.get("preserve_entries") and spec.get("policy", "merge") != "exact" and
                fits(old, spec)):
            seed = spec.get("policy", "merge") == "seed"
            room = spec["max_entries"]
            for k, v in old["kvs"].items():
                if k in kv and not seed:
                    continue          # merge: the declared value wins
                if spec["type"] in ARRAYS:
                    # a zero slot is an empty one: nothing to keep
                    if int.from_bytes(k, "little") >= room or absent(spec, v):
                        continue
                kv[k] = v             # seed: the runtime value wins
                want.pop(k, None)
            if spec["type"] not in ARRAYS and len(kv) > room:
                exact = False          # which ones fit depends on the kernel's order
        return (kv if exact else None), {k: full(v) for k, v in want.items()}, spec["max_entries"]
    kv = dict(old["kvs"])
    if spec.get("has_entries") and spec.get("policy", "merge") != "seed":
        for k, v in want.items():
            kv[k] = full(v)
        if spec.get("policy") == "exact":
            for k in list(kv):
                if k not in want:
                    if spec["type"] in ARRAYS:
                        kv[k] = full(bytes(spec["value_size"]))
                    else:
                        del kv[k]
    elif spec.get("has_entries"):
        # seed: a slot follows only a target that got a new object
        for k, v in spec.get("entries") or []:
            if isinstance(v, dict) and k in kv and target(v) in moved:
                kv[k] = full(want[k])
    return kv, {}, spec["max_entries"]


def overflows(spec, action, old, counts):
    """An in-place update that needs more room than the map has fails (E2BIG/ENOSPC)."""
    # (an LRU map evicts instead; the generator keeps them far from full)
    if action != "update" or counts is None or spec["type"] not in HASH_LIMITED:
        return False
    a, _, r = counts
    return len(old["kvs"]) - r + a > spec["max_entries"]
