#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Differential test: random manifests and runtime drift against the contract.

Each step either edits the manifest or drifts the kernel behind bpfapply's
back (with bpftool), then:
  1. reads the scope's maps with bpftool,
  2. predicts the plan from the contract (model.py) and compares it with
     `bpfapply plan` line by line,
  3. applies, and reads the kernel back with bpftool: attributes as the
     kernel reports them, ids kept or renewed, entries as the policy says,
  4. plans again: it must be empty.
Every disagreement is printed with the seed and step to replay it.

    difftest.py --bin build/bpfapply --root DIR --seed N --steps N [-v]

Runs inside a private mount namespace on a bpffs at DIR (tests/random/run.sh).
"""
import argparse
import copy
import fcntl
import json
import os
import random
import shutil
import subprocess
import sys
import time

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model  # noqa: E402

SCOPE = "rnd"
PROGS = "__programs__"   # the manifest's program entries, kept beside its maps
# type: (key sizes, value sizes, max_entries choices, flags the kernel takes, entry kind)
TYPES = {
    "hash": ([4, 8], [4, 8, 12], [8, 16], ["no_prealloc", "rdonly", "wronly", "zero_seed",
                                          "rdonly_prog", "wronly_prog"], "hash"),
    "array": ([4], [4, 8], [4, 8], ["rdonly", "wronly", "rdonly_prog", "wronly_prog",
                                    "mmapable", "inner_map"], "array"),
    "prog_array": ([4], [4], [4, 8], ["rdonly", "wronly"], None),
    "perf_event_array": ([4], [4], [4], ["rdonly", "wronly", "preserve_elems"], None),
    "percpu_hash": ([4], [4, 8], [8, 16], ["no_prealloc", "rdonly", "wronly", "zero_seed",
                                           "rdonly_prog", "wronly_prog"], "hash"),
    "percpu_array": ([4], [4, 8], [4, 8], ["rdonly", "wronly", "rdonly_prog", "wronly_prog"],
                     "array"),
    "stack_trace": ([4], [64], [16], ["rdonly", "wronly", "stack_build_id"], None),
    "cgroup_array": ([4], [4], [4], ["rdonly", "wronly"], None),
    "lru_hash": ([4], [4, 8], [64, 67], ["no_common_lru", "rdonly", "wronly", "zero_seed",
                                         "rdonly_prog", "wronly_prog"], "hash"),
    "lru_percpu_hash": ([4], [4, 8], [64, 67], ["no_common_lru", "rdonly", "wronly",
                                                "zero_seed", "rdonly_prog", "wronly_prog"],
                        "hash"),
    "lpm_trie": ([5, 8], [1, 4], [8, 16], ["rdonly", "wronly", "rdonly_prog", "wronly_prog"],
                 "lpm"),
    "array_of_maps": ([4], [4], [4], ["rdonly", "wronly"], "of_maps"),
    "hash_of_maps": ([4], [4], [4], ["no_prealloc", "rdonly", "wronly", "zero_seed",
                                     "rdonly_prog", "wronly_prog"], "of_maps"),
    "devmap": ([4], [4], [4], ["rdonly", "wronly"], "devmap"),
    "devmap_hash": ([4], [4], [4], ["rdonly", "wronly"], "devmap"),
    "sockmap": ([4], [4], [4], ["rdonly", "wronly"], None),
    "cpumap": ([4], [4], [2], [], "cpumap"),
    "xskmap": ([4], [4], [4], ["rdonly", "wronly"], None),
    "sockhash": ([4], [4], [4], ["rdonly", "wronly"], None),
    "cgroup_storage": ([8], [8], [0], ["rdonly", "wronly", "rdonly_prog", "wronly_prog"], None),
    "reuseport_sockarray": ([4], [4], [4], ["rdonly", "wronly", "rdonly_prog", "wronly_prog"],
                            None),
    "percpu_cgroup_storage": ([8], [8], [0], ["rdonly", "wronly", "rdonly_prog",
                                              "wronly_prog"], None),
    "queue": ([0], [4], [8], ["rdonly", "wronly", "rdonly_prog", "wronly_prog"], None),
    "stack": ([0], [4], [8], ["rdonly", "wronly", "rdonly_prog", "wronly_prog"], None),
    "ringbuf": ([0], [0], [4096], [], None),
    "bloom_filter": ([0], [4], [8], ["rdonly", "wronly", "zero_seed", "rdonly_prog",
                                     "wronly_prog"], None),
    "user_ringbuf": ([0], [0], [4096], [], None),
}
EXCLUSIVE = [("rdonly", "wronly"), ("rdonly_prog", "wronly_prog")]


class Disagreement(Exception):
    pass


def run(cmd, check=False):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if check and p.returncode:
        raise RuntimeError(f"{' '.join(cmd)}: {p.stderr.strip()}")
    return p


def ncpus():
    with open("/sys/devices/system/cpu/possible") as f:
        return int(f.read().strip().split("-")[-1]) + 1


# ---- generator -------------------------------------------------------------------


class Gen:
    def __init__(self, rng, ncpu):
        self.r, self.ncpu, self.serial = rng, ncpu, 0

    def flags(self, t):
        pool = TYPES[t][3]
        out = [f for f in pool if self.r.random() < 0.2]
        for a, b in EXCLUSIVE:
            if a in out and b in out:
                out.remove(self.r.choice([a, b]))
        if t == "lpm_trie":
            out.append("no_prealloc")
        return sorted(out)

    def lpm_key(self, ks):
        bits = (ks - 4) * 8
        plen = self.r.randint(0, bits)
        data = bytearray(self.r.getrandbits(8) for _ in range(ks - 4))
        for i in range(plen, bits):
            data[i // 8] &= ~(0x80 >> (i % 8)) & 0xff
        return plen.to_bytes(4, "little") + bytes(data)

    def key(self, spec):
        kind = TYPES[spec["type"]][4]
        ks = spec["key_size"]
        if spec["type"] in ("array", "percpu_array", "array_of_maps", "devmap"):
            return self.r.randrange(spec["max_entries"]).to_bytes(4, "little")
        if kind == "cpumap":
            return self.r.randrange(min(self.ncpu, spec["max_entries"])).to_bytes(4, "little")
        if kind == "lpm":
            return self.lpm_key(ks)
        return bytes(self.r.choice([0, 1, 2, 3, 255]) for _ in range(ks))

    def value(self, spec, name):
        kind = TYPES[spec["type"]][4]
        if kind == "of_maps":
            return {"map": name + "_t"}
        if kind == "devmap":
            return (1).to_bytes(4, "little")             # lo
        if kind == "cpumap":
            return self.r.choice([64, 128]).to_bytes(4, "little")
        return bytes(self.r.choice([0, 1, 7, 255]) for _ in range(spec["value_size"]))

    def entries(self, spec, name):
        kind = TYPES[spec["type"]][4]
        spec["policy"] = "merge"    # the default, when no entries are declared
        if kind is None or "rdonly" in spec["flags"] or self.r.random() < 0.15:
            return
        if kind == "of_maps" and "wronly" in spec["flags"]:
            return                   # refused: its slots could not be read back
        cap = spec["max_entries"]
        if spec["type"] in model.LRU:
            cap = 8                  # LRU maps evict long before they are full
        n = self.r.randint(0, min(cap, 6))
        seen = {}
        for _ in range(n):
            k = self.key(spec)
            seen[k] = self.value(spec, name)
        spec["has_entries"] = True
        spec["entries"] = list(seen.items())
        pol = ["seed", "merge", "exact"]
        if "wronly" in spec["flags"]:
            pol = ["seed"]
        spec["policy"] = self.r.choice(pol)

    def new_map(self, name):
        t = self.r.choice(sorted(TYPES))
        ks, vs, mx, _, kind = TYPES[t]
        spec = {"type": t, "key_size": self.r.choice(ks), "value_size": self.r.choice(vs),
                "max_entries": self.r.choice(mx), "flags": self.flags(t), "name": name,
                "policy": "merge"}
        if kind == "of_maps":
            spec["inner_shape"] = ("array", 4, 4, 2)
        self.entries(spec, name)
        if self.r.random() < 0.1 and kind not in ("of_maps",) and "rdonly" not in spec["flags"]:
            spec["frozen"] = True
        if self.r.random() < 0.15:
            spec["prevent_destroy"] = True
        if self.r.random() < 0.3 and "rdonly" not in spec["flags"]:
            spec["preserve_entries"] = True
        return spec

    def fit_entries(self, s):
        """Keep declared entries valid for a new max_entries."""
        if not s.get("entries"):
            return
        if s["type"] in ("array", "percpu_array", "array_of_maps", "devmap"):
            s["entries"] = [(k, v) for k, v in s["entries"]
                            if int.from_bytes(k, "little") < s["max_entries"]]
        s["entries"] = s["entries"][:s["max_entries"]]

    def template(self, name):
        return {"type": "array", "key_size": 4, "value_size": 4, "max_entries": 2,
                "flags": [], "name": name, "policy": "merge", "is_template": True}

    def add_map(self, maps):
        self.serial += 1
        name = f"m{self.serial}"
        spec = self.new_map(name)
        if "inner_shape" in spec:
            maps[name + "_t"] = self.template(name + "_t")
        maps[name] = spec

    WIRE_PROGS = ["bpf_func_process", "bpf_func_debug"]

    def wire(self, maps):
        """tail_calls.bpf.o wired through a manifest prog_array "jt": entry "px"
        loads targets and reuses jt, entry "py" only reuses it."""
        progs = maps.setdefault(PROGS, {})
        what = self.r.choice(["slots", "slots", "reload", "frozen", "protect", "policy",
                              "remove"] if "jt" in maps else ["add"])
        if what == "add":
            maps["jt"] = {"type": "prog_array", "key_size": 4, "value_size": 4,
                          "max_entries": 8, "flags": [], "name": "jt", "policy": "merge",
                          "wiring": True}
            progs["px"] = {"programs": ["main_func"] + self.WIRE_PROGS,
                           "maps": {"jmp_table": "jt"}}
            if self.r.random() < 0.5:
                progs["py"] = {"programs": ["main_func"], "maps": {"jmp_table": "jt"}}
            self.wire_slots(maps)
        elif what == "remove":
            del maps["jt"]
            maps.pop(PROGS)
        elif what == "slots":
            self.wire_slots(maps)
        elif what == "reload":
            loaded = ["main_func"] + [p for p in self.WIRE_PROGS if self.r.random() < 0.7]
            if loaded == progs["px"]["programs"]:
                loaded = ["main_func"] + self.WIRE_PROGS[:1 if len(loaded) == 3 else 2]
            progs["px"]["programs"] = loaded
            jt = maps["jt"]
            jt["entries"] = [(k, v) for k, v in jt.get("entries") or []
                             if v["program"].split("/")[1] in loaded]
        elif what == "frozen":
            maps["jt"]["frozen"] = not maps["jt"].get("frozen")
        elif what == "protect":
            maps["jt"]["prevent_destroy"] = not maps["jt"].get("prevent_destroy")
        elif what == "policy" and maps["jt"].get("has_entries"):
            maps["jt"]["policy"] = self.r.choice(["seed", "merge", "exact"])
        return f"wire {what}"

    def wire_slots(self, maps):
        jt, loaded = maps["jt"], maps[PROGS]["px"]["programs"][1:]
        jt["has_entries"] = True
        jt["entries"] = [(self.r.randrange(4).to_bytes(4, "little"),
                          {"program": "px/" + self.r.choice(loaded)})
                         for _ in range(self.r.randint(0, 3) if loaded else 0)]
        jt["entries"] = list(dict(jt["entries"]).items())
        jt["policy"] = self.r.choice(["seed", "merge", "exact"])

    def edit(self, maps):
        """One random edit of the manifest's maps (a deep copy is edited)."""
        if self.r.random() < 0.15:
            return self.wire(maps)
        names = [n for n in maps if n != PROGS and not maps[n].get("is_template") and
                 not maps[n].get("wiring")]
        what = self.r.choice(["add", "add", "remove", "attr", "entries", "entries", "policy",
                              "protect", "preserve", "frozen"] if names else ["add"])
        if what == "add" or len(names) < 2 and what == "remove":
            self.add_map(maps)
            return "add"
        name = self.r.choice(names)
        s = maps[name]
        if what == "remove":
            del maps[name]
            maps.pop(name + "_t", None)
        elif what == "attr":
            ks, vs, mx, _, kind = TYPES[s["type"]]
            if len(mx) > 1:
                s["max_entries"] = self.r.choice(mx)
                self.fit_entries(s)
            else:
                s["flags"] = self.flags(s["type"])
                if "rdonly" in s["flags"]:
                    s.pop("entries", None)
                    s.pop("has_entries", None)
                    s.pop("preserve_entries", None)
                    s["policy"] = "merge"
                if "wronly" in s["flags"] and s.get("has_entries"):
                    s["policy"] = "seed"
                    if kind == "of_maps":
                        s.pop("entries", None)
                        s.pop("has_entries", None)
                        s["policy"] = "merge"
        elif what == "entries":
            s.pop("entries", None)
            s.pop("has_entries", None)
            self.entries(s, name)
        elif what == "policy" and s.get("has_entries") and "wronly" not in s["flags"]:
            s["policy"] = self.r.choice(["seed", "merge", "exact"])
        elif what == "protect":
            s["prevent_destroy"] = not s.get("prevent_destroy")
        elif what == "preserve" and "rdonly" not in s["flags"]:
            s["preserve_entries"] = not s.get("preserve_entries")
        elif what == "frozen" and TYPES[s["type"]][4] != "of_maps" and "rdonly" not in s["flags"]:
            s["frozen"] = not s.get("frozen")
        return f"{what} {name}"


def to_yaml(maps):
    out = {}
    for name, s in maps.items():
        if name == PROGS:
            continue
        m = {"type": s["type"], "key_size": s["key_size"], "value_size": s["value_size"],
             "max_entries": s["max_entries"]}
        if s["flags"]:
            m["flags"] = list(s["flags"])
        if "inner_shape" in s:
            m["inner_map"] = name + "_t"
        for k in ("frozen", "prevent_destroy", "preserve_entries"):
            if s.get(k):
                m[k] = True
        if s.get("has_entries"):
            m["entries_policy"] = s["policy"]
            m["entries"] = [{"key": list(k), "value": v if isinstance(v, dict) else list(v)}
                            for k, v in s["entries"]]
        out[name] = m
    doc = {"bpfapply": "v1", "scope": SCOPE, "maps": out}
    if maps.get(PROGS):
        doc["programs"] = {e: {"object": "tail_calls.bpf.o", "type": "xdp",
                               "programs": list(p["programs"]), "maps": dict(p["maps"])}
                           for e, p in maps[PROGS].items()}
    return yaml.safe_dump(doc, default_flow_style=None, sort_keys=False)


# ---- the kernel, read with bpftool ------------------------------------------------


def hexbytes(lst):
    return bytes(int(x, 16) for x in lst)


def read_map(pin, spec_type_hint=None):
    p = run(["bpftool", "-j", "map", "show", "pinned", pin])
    if p.returncode:
        return None
    info = json.loads(p.stdout)
    attrs = {"type": info["type"], "key": info["bytes_key"], "value": info["bytes_value"],
             "max": info["max_entries"], "flags": info["flags"], "name": info["name"],
             "frozen": bool(info.get("frozen"))}
    kvs = {}
    if info["bytes_key"] and info["type"] not in ("perf_event_array",
                                                  "cgroup_array", "sockmap", "sockhash",
                                                  "xskmap", "reuseport_sockarray",
                                                  "stack_trace", "cgroup_storage",
                                                  "percpu_cgroup_storage"):
        d = run(["bpftool", "-j", "map", "dump", "pinned", pin])
        if d.returncode == 0:
            for e in json.loads(d.stdout):
                k = hexbytes(e["key"])
                if "values" in e:
                    kvs[k] = [hexbytes(c["value"]) for c in e["values"]]
                elif isinstance(e.get("value"), list):
                    kvs[k] = hexbytes(e["value"])
                # {"error": ...}: an empty devmap/cpumap slot
        if info["type"] == "lpm_trie":
            kvs = {canonical_lpm(k): v for k, v in kvs.items()}
        if info["type"] in ("array_of_maps", "hash_of_maps"):
            kvs = {k: v[:4] for k, v in kvs.items()}
    return {"id": info["id"], "attrs": attrs, "kvs": kvs}


def canonical_lpm(k):
    plen = int.from_bytes(k[:4], "little")
    data = bytearray(k[4:])
    for i in range(plen, len(data) * 8):
        data[i // 8] &= ~(0x80 >> (i % 8)) & 0xff
    return k[:4] + bytes(data)


def read_scope(root, names, entries=()):
    out = {}
    for n in names:
        if n == PROGS:
            continue
        m = read_map(os.path.join(root, SCOPE, "maps", n))
        if m is not None:
            out[n] = m
    progs = {}
    for e in entries:
        d = os.path.join(root, SCOPE, "programs", e)
        if not os.path.isdir(d):
            continue
        pl = {"ids": {}, "map_ids": {}}
        for p in sorted(os.listdir(d)):
            r = run(["bpftool", "-j", "prog", "show", "pinned", os.path.join(d, p)])
            if r.returncode == 0:
                info = json.loads(r.stdout)
                pl["ids"][p] = info["id"]
                pl["map_ids"][p] = info.get("map_ids", [])
        progs[e] = pl
    out[PROGS] = progs
    return out


# ---- drift --------------------------------------------------------------------------


def bt_bytes(b):
    return ["hex"] + [f"{x:02x}" for x in b]


def drift(gen, root, maps, record):
    """Change the kernel behind bpfapply's back, as a user with bpftool would."""
    r = gen.r
    names = sorted(n for n in record if n != PROGS and (n in maps or r.random() < 0.2))
    if not names:
        return "none"
    name = r.choice(names)
    pin = os.path.join(root, SCOPE, "maps", name)
    spec = maps.get(name) or record[name]["spec"]
    what = r.choice(["set", "set", "del", "rm", "freeze", "set", "foreign"])
    kind = TYPES[spec["type"]][4]
    if what == "rm":
        run(["rm", "-f", pin])
        if spec.get("wiring"):
            # The kernel empties a prog_array whose last pin went in deferred
            # work (a grace period per filled slot a program tail-calls).  A
            # reader opening it by id meanwhile (bpftool, as this harness
            # does next) can make 6.18 leak the map for good: its
            # prog_array_map_clear() drops the reference of a clear it could
            # not queue.  Let the work finish first.
            time.sleep(0.5)
    elif what == "foreign" and kind in ("hash", "array", "lpm"):
        # someone else's map, of the same shape, pinned in its place
        run(["rm", "-f", pin])
        run(["bpftool", "map", "create", pin, "type", spec["type"], "key",
             str(spec["key_size"]), "value", str(spec["value_size"]), "entries",
             str(spec["max_entries"]), "name", "intruder", "flags",
             str(model.flag_bits(spec["flags"]))], check=True)
    elif what == "freeze":
        run(["bpftool", "map", "freeze", "pinned", pin])
    elif spec.get("wiring"):
        key = bt_bytes(r.randrange(4).to_bytes(4, "little"))
        progdir = os.path.join(root, SCOPE, "programs", "px")
        targets = sorted(os.listdir(progdir)) if os.path.isdir(progdir) else []
        targets = [t for t in targets if t != "main_func" and t != "maps"]
        if what == "del" or not targets:
            run(["bpftool", "map", "delete", "pinned", pin, "key"] + key)
        else:
            run(["bpftool", "map", "update", "pinned", pin, "key"] + key +
                ["value", "pinned", os.path.join(progdir, r.choice(targets))])
    elif kind in ("hash", "array", "lpm", "devmap", "cpumap"):
        key = r.choice([k for k, _ in spec.get("entries") or []] + [gen.key(spec)])
        if what == "del":
            run(["bpftool", "map", "delete", "pinned", pin, "key"] + bt_bytes(key))
        else:
            val = gen.value(spec, name)
            run(["bpftool", "map", "update", "pinned", pin, "key"] + bt_bytes(key) +
                ["value"] + bt_bytes(val))
    else:
        return f"none ({what} {name})"
    return f"{what} {name}"


# ---- one step -------------------------------------------------------------------------


def map_names(maps):
    return [n for n in maps if n != PROGS]


class Runner:
    def __init__(self, args, rng):
        self.bin, self.root, self.v, self.r = args.bin, args.root, args.verbose, rng
        self.ncpu = ncpus()
        # name -> {"id", "shape", "prevent_destroy", "spec"}; PROGS -> {entry: {"programs"}}
        self.record = {PROGS: {}}
        self.maps = {}     # the manifest last applied
        self.mf = os.path.join(args.work, "m.yaml")

    def ba(self, *a):
        return run([self.bin, "--root", self.root, "--no-color"] + list(a))

    def write(self, maps):
        with open(self.mf, "w") as f:
            f.write(to_yaml(maps))

    def read(self, maps):
        names = set(map_names(maps)) | set(self.record)
        entries = set(maps.get(PROGS, {})) | set(self.record[PROGS])
        return read_scope(self.root, names, entries)

    @staticmethod
    def parse_plan(out):
        lines = {}
        for ln in out.splitlines():
            for sym in ("-/+", "+", "~", "-"):
                if ln.startswith(f"{sym:>3} map.") or ln.startswith(f"{sym:>3} program."):
                    addr, _, rest = ln[4:].partition(" ")
                    rest = rest.strip()
                    counts = None
                    if sym == "~" and rest.startswith("entries:"):
                        w = rest.replace(",", "").split()
                        counts = (int(w[1]), int(w[4]), int(w[7]))
                    lines[addr] = (sym, counts)
                    break
        return lines

    @staticmethod
    def compare_plan(want, got):
        bad = []
        for a in sorted(set(want) | set(got)):
            w, g = want.get(a), got.get(a)
            if w != g:
                bad.append(f"{a}: predicted {w}, plan says {g}")
        if bad:
            raise Disagreement("plan: " + "; ".join(bad))

    def predict(self, maps, live):
        manifest = {"maps": {n: maps[n] for n in map_names(maps)},
                    "programs": maps.get(PROGS, {})}
        return model.predict(self.record, manifest, live, self.ncpu)

    def step(self, maps):
        self.write(maps)
        live = self.read(maps)
        want, error, actions = self.predict(maps, live)
        saved = os.path.join(os.path.dirname(self.mf), "plan.out")
        use_saved = self.r.random() < 0.25
        p = self.ba("plan", "--detailed-exitcode", "-f", self.mf,
                    *(["-o", saved] if use_saved else []))
        if error:
            if p.returncode != 1 or "prevent_destroy" not in p.stderr:
                raise Disagreement(f"plan: predicted a prevent_destroy refusal, got exit "
                                   f"{p.returncode}: {p.stderr.strip()[:300]}")
            a = self.ba("apply", "-f", self.mf)
            if a.returncode != 1 or snapshot(self.read(maps)) != snapshot(live):
                raise Disagreement("apply went ahead despite prevent_destroy")
            return "refused"
        if p.returncode not in (0, 2):
            raise Disagreement(f"plan failed: {p.stderr.strip()[:300]}")
        self.compare_plan(want, self.parse_plan(p.stdout))
        if p.returncode != (2 if want else 0):
            raise Disagreement(f"plan --detailed-exitcode: exit {p.returncode} with "
                               f"{len(want)} changes predicted")
        fail = [n for n, (act, c) in actions.items() if n in maps and n != PROGS and
                model.overflows(maps[n], act, live.get(n), c)]
        # a saved plan, applied with nothing changed since, does what apply -f does
        a = self.ba("apply", saved) if use_saved else self.ba("apply", "-f", self.mf)
        after = self.read(maps)
        if fail:
            if a.returncode != 1:
                raise Disagreement(f"apply: predicted a full map ({fail}) to fail, exit "
                                   f"{a.returncode}")
            if snapshot(after) != snapshot(live):
                raise Disagreement("a failed apply changed the kernel")
            return "overflow"
        if a.returncode:
            raise Disagreement(f"apply failed: {a.stderr.strip()[:400]}")
        self.check_kernel(maps, actions, live, after)
        self.check_programs(maps, actions, live, after)
        again = self.ba("plan", "--detailed-exitcode", "-f", self.mf)
        if again.returncode != 0:
            raise Disagreement(f"plan after apply not empty: {again.stdout.strip()[:400]}")
        self.commit(maps, after)
        return "applied"

    def check_programs(self, maps, actions, live, after):
        progs, pl, pa = maps.get(PROGS, {}), live[PROGS], after[PROGS]
        for e in set(progs) | set(pl):
            act = actions.get("program." + e, ("delete",))[0]
            if act == "delete":
                if e in pa:
                    raise Disagreement(f"program.{e}: still pinned after its delete")
                continue
            got = pa.get(e, {"ids": {}})
            if sorted(got["ids"]) != sorted(progs[e]["programs"]):
                raise Disagreement(f"program.{e}: pinned {sorted(got['ids'])}")
            old = pl.get(e, {"ids": {}})["ids"]
            for p, i in got["ids"].items():
                if act == "noop" and old.get(p) != i:
                    raise Disagreement(f"program.{e}/{p}: reloaded on a no-op")
                if act in ("create", "replace") and old.get(p) == i:
                    raise Disagreement(f"program.{e}/{p}: not reloaded on a {act}")
            for elf_map, m in progs[e]["maps"].items():
                mid = after[m]["id"]
                for p, ids in got["map_ids"].items():
                    if p == "main_func" and mid not in ids:
                        raise Disagreement(f"program.{e}/{p}: uses maps {ids}, not "
                                           f"{m} ({mid})")

    def check_kernel(self, maps, actions, live, after):
        ids_after = {n: m["id"] for n, m in after.items() if n != PROGS}
        for e, pl in after[PROGS].items():
            ids_after.update({"prog:" + e + "/" + p: i for p, i in pl["ids"].items()})
        moved = {n for n, (a, _) in actions.items() if a in ("create", "replace")}
        moved |= {"prog:" + n[8:] + "/" + p for n in moved if n.startswith("program.")
                  for p in ["main_func"] + Gen.WIRE_PROGS}
        for n, (act, extra) in actions.items():
            if n.startswith("program."):
                continue
            if n not in maps:
                if n in after and live.get(n, {}).get("id") == self.record[n]["id"]:
                    raise Disagreement(f"{n}: still pinned after its delete")
                continue
            spec, got = maps[n], after.get(n)
            if got is None:
                raise Disagreement(f"{n}: not pinned after apply")
            if got["attrs"] != model.kernel_attrs(spec, self.ncpu):
                raise Disagreement(f"{n}: kernel reports {got['attrs']}, predicted "
                                   f"{model.kernel_attrs(spec, self.ncpu)}")
            old = live.get(n)
            if act in ("noop", "update") and got["id"] != old["id"]:
                raise Disagreement(f"{n}: id changed on an {act}")
            if act == "replace" and old and got["id"] == old["id"]:
                raise Disagreement(f"{n}: replace kept the id")
            if TYPES[spec["type"]][4] is None and not spec.get("wiring"):
                continue
            if old is not None:
                old = dict(old, protect=extra == "protect", flags_declared=self.record.get(
                    n, {}).get("spec", {}).get("flags", []))
            kv, need, mx = model.expected_after(spec, act, old, ids_after, self.ncpu, moved)
            have = got["kvs"]
            if spec["type"] in model.ARRAYS and kv is not None:
                zero = [bytes(spec["value_size"])] * self.ncpu if spec["type"] in model.PERCPU \
                    else bytes(spec["value_size"])
                kv = {i.to_bytes(4, "little"): kv.get(i.to_bytes(4, "little"), zero)
                      for i in range(spec["max_entries"])}
            if "wronly" in spec["flags"]:
                continue
            if kv is not None and have != kv:
                raise Disagreement(f"{n} ({act}): entries {fmt(have)}, predicted {fmt(kv)}")
            for k, v in need.items():
                if have.get(k) != v:
                    raise Disagreement(f"{n}: declared {k.hex()} missing after {act}")

    def commit(self, maps, after):
        self.record = {n: {"id": after[n]["id"], "shape": model.shape(maps[n]),
                           "prevent_destroy": bool(maps[n].get("prevent_destroy")),
                           "spec": maps[n]}
                       for n in map_names(maps)}
        self.record[PROGS] = {e: {"programs": list(p["programs"])}
                              for e, p in maps.get(PROGS, {}).items()}
        self.maps = maps

    def cleanup(self):
        maps = {n: (dict(s, prevent_destroy=False) if n != PROGS else s)
                for n, s in self.maps.items()}
        self.write(maps)
        self.ba("apply", "-f", self.mf)
        d = self.ba("destroy", "-f", self.mf)
        if d.returncode:
            d = self.ba("destroy", "--scope", SCOPE)
        return d.returncode == 0


def ids(scope):
    return {n: m["id"] for n, m in scope.items() if n != PROGS}


def snapshot(scope):
    out = {n: (m["id"], m["attrs"], sorted(m["kvs"].items()))
           for n, m in scope.items() if n != PROGS}
    out[PROGS] = {e: sorted(p["ids"].items()) for e, p in scope.get(PROGS, {}).items()}
    return out


def fmt(kv):
    def v2s(v):
        return v.hex() if isinstance(v, bytes) else "/".join(x.hex() for x in v)
    return "{" + ", ".join(f"{k.hex()}: {v2s(v)}" for k, v in sorted(kv.items())) + "}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--object", required=True, help="tail_calls.bpf.o")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--lock", default="/run/lock/bpfapply-live.lock")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    shutil.copy(args.object, os.path.join(args.work, "tail_calls.bpf.o"))
    rng = random.Random(args.seed)
    r = Runner(args, rng)
    gen = Gen(rng, r.ncpu)
    bad = 0
    # The live tests count the host's maps around each test: change the kernel
    # only while holding their lock, one step at a time, so they interleave.
    os.makedirs(os.path.dirname(args.lock), exist_ok=True)
    lock = open(args.lock, "w")
    for i in range(args.steps):
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            bad += one_step(args, r, gen, rng, i)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
        time.sleep(0.02)   # let a waiting live test take the lock (flock is not FIFO)
    fcntl.flock(lock, fcntl.LOCK_EX)
    ok = r.cleanup()
    fcntl.flock(lock, fcntl.LOCK_UN)
    print(f"seed {args.seed}: {args.steps} steps, {bad} disagreements"
          f"{'' if ok else ', destroy failed'}")
    return 0 if bad == 0 and ok else 1


def one_step(args, r, gen, rng, i):
    """Drift or edit, then plan, apply and check; 1 on a disagreement."""
    bad = 0
    maps = copy.deepcopy(r.maps)
    if len(r.record) > 1 and rng.random() < 0.3:
        what = "drift " + drift(gen, args.root, maps, r.record)
    else:
        what = gen.edit(maps)
    try:
        res = r.step(maps)
    except Disagreement as e:
        bad = 1
        print(f"DISAGREE seed {args.seed} step {i} ({what}): {e}")
        if args.verbose:
            print(to_yaml(maps))
        # carry on from what the kernel now holds
        res = "resync"
        if r.ba("apply", "-f", r.mf).returncode == 0:
            r.commit(maps, r.read(maps))
    if args.verbose:
        print(f"step {i}: {what}: {res}", flush=True)
    return bad


if __name__ == "__main__":
    sys.exit(main())
