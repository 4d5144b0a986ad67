# SPDX-License-Identifier: GPL-2.0-only
# Offline checks of contrib/ (no root, no kernel): functions offline_*,
# run from the top of the tree; a non-zero exit fails with the output.

# Debian's interpreter: the python3 first on PATH may lack python3-yaml.
PY=/usr/bin/python3

# No cluster here: the DaemonSet and ConfigMap are checked as the API server
# would look at them (apps/v1 and v1 required fields, the selector matching
# the template, every mount backed by a volume, the ConfigMap the volume
# names), and what they run is checked against bpfapply itself.
offline_kubernetes_objects() {
	local tmp rc
	tmp=$(mktemp -d)
	if ! "$PY" - contrib/kubernetes/configmap.yaml contrib/kubernetes/daemonset.yaml "$tmp" <<'PY'; then
import sys, yaml

docs = [d for f in sys.argv[1:3] for d in yaml.safe_load_all(open(f)) if d]
by_kind = {d["kind"]: d for d in docs}
assert set(by_kind) == {"ConfigMap", "DaemonSet"}, by_kind.keys()
cm, ds = by_kind["ConfigMap"], by_kind["DaemonSet"]

def need(obj, path):
    for p in path.split("."):
        assert isinstance(obj, dict) and p in obj, "missing " + path
        obj = obj[p]
    return obj

assert cm["apiVersion"] == "v1" and need(cm, "metadata.name")
assert isinstance(need(cm, "data"), dict) and "manifest.yaml" in cm["data"]
assert ds["apiVersion"] == "apps/v1"
need(ds, "metadata.name")
sel = need(ds, "spec.selector.matchLabels")
labels = need(ds, "spec.template.metadata.labels")
assert sel and all(labels.get(k) == v for k, v in sel.items()), "selector does not match the template"
pod = need(ds, "spec.template.spec")
assert pod["hostNetwork"] is True, "programs attach to the node's interfaces"
cs = need(pod, "containers")
assert isinstance(cs, list) and len(cs) == 1
c = cs[0]
for f in ("name", "image", "command", "readinessProbe", "securityContext", "volumeMounts"):
    need(c, f)
vols = {v["name"]: v for v in need(pod, "volumes")}
for m in c["volumeMounts"]:
    assert m["name"] in vols, "mount of an undeclared volume " + m["name"]
    assert m["mountPath"].startswith("/")
assert need(vols["manifest"], "configMap.name") == cm["metadata"]["name"]
assert need(vols["bpffs"], "hostPath.path") == "/sys/fs/bpf"
mounts = {m["name"]: m for m in c["volumeMounts"]}
assert mounts["bpffs"]["mountPath"] == "/sys/fs/bpf" and not mounts["bpffs"].get("readOnly")
assert mounts["manifest"]["mountPath"] == "/etc/bpfapply"
sc = c["securityContext"]
assert sc["privileged"] is False and sc["allowPrivilegeEscalation"] is False
assert need(sc, "capabilities.drop") == ["ALL"]
script = c["command"][-1]
probe = " ".join(need(c, "readinessProbe.exec.command"))
assert "--nomount" in script and "apply -f \"$m\"" in script and "destroy -f" in script, script
assert "plan --detailed-exitcode -f /etc/bpfapply/manifest.yaml" in probe, probe
assert "plan --destroy --detailed-exitcode" in probe, probe
open(sys.argv[3] + "/manifest.yaml", "w").write(cm["data"]["manifest.yaml"])
PY
		rm -rf "$tmp"
		return 1
	fi
	# the same capabilities as the systemd unit (tests/contrib/test_systemd.sh measures them)
	caps=$(sed -n 's/^CapabilityBoundingSet=//p' contrib/systemd/bpfapply.service | tr ' ' '\n' |
		sed 's/^CAP_//' | sort | tr '\n' ' ')
	got=$("$PY" -c 'import sys, yaml
d = list(yaml.safe_load_all(open(sys.argv[1])))[0]
print(" ".join(sorted(d["spec"]["template"]["spec"]["containers"][0]["securityContext"]["capabilities"]["add"])))' \
		contrib/kubernetes/daemonset.yaml)
	[ "$got " = "$caps" ] || { echo "capabilities: DaemonSet [$got], unit [$caps]"; rm -rf "$tmp"; return 1; }
	# the ConfigMap's manifest is one bpfapply accepts, and the schema too
	"${BUILD:-build}/bpfapply" validate -f "$tmp/manifest.yaml" &&
		"$PY" tests/schema/validate.py schema/bpfapply.schema.json good "$tmp/manifest.yaml" | grep -q '^PASS'
	rc=$?
	rm -rf "$tmp"
	return $rc
}

# Editors validate as you type: every example names the schema, by a path
# that leads to it, and the schema has an $id.
offline_schema_modelines() {
	local f line path
	"$PY" -c 'import json, sys; s = json.load(open(sys.argv[1])); assert s["$id"], "no $id"; print(s["$id"])' \
		schema/bpfapply.schema.json || return 1
	for f in examples/*.yaml; do
		line=$(head -5 "$f" | grep -m1 '^# yaml-language-server: \$schema=') ||
			{ echo "$f: no yaml-language-server modeline in its first lines"; return 1; }
		path=${line#*\$schema=}
		[ "$(cd "$(dirname "$f")" && realpath -e "$path" 2>/dev/null)" = "$(realpath schema/bpfapply.schema.json)" ] ||
			{ echo "$f: \$schema=$path is not schema/bpfapply.schema.json"; return 1; }
	done
}

# The module's documentation is valid for ansible-doc, and the shipped
# playbook parses with the module in its library/.
offline_ansible_docs_and_playbook() {
	local home
	home=$(mktemp -d)
	ANSIBLE_HOME=$home ansible-doc -M contrib/ansible/library bpfapply > "$home/doc" 2>&1 &&
		grep -q 'OPTIONS' "$home/doc" && grep -q 'manifest' "$home/doc" &&
		ANSIBLE_HOME=$home ANSIBLE_LOCALHOST_WARNING=0 ANSIBLE_INVENTORY_UNPARSED_WARNING=0 \
			ansible-playbook --syntax-check -i localhost, contrib/ansible/bpfapply.yml > "$home/syntax" 2>&1 ||
		{ cat "$home/doc" "$home/syntax" 2>/dev/null | tail -20; rm -rf "$home"; return 1; }
	rm -rf "$home"
}
