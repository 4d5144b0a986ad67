#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
#
# Ansible module: converge a host's eBPF objects to a bpfapply manifest.
# It runs the bpfapply binary on the managed host and reads its JSON output
# (design.md section 7): the plan's "summary" {add, change, replace, destroy}
# says whether anything changes, "resource_changes" what.

DOCUMENTATION = r'''
---
module: bpfapply
short_description: Make the eBPF objects of a host match a bpfapply manifest
description:
  - Runs C(bpfapply apply) (or C(destroy)) on the managed host and reports
    C(changed) only when bpfapply created, updated, replaced or deleted
    something, so a second run reports C(ok).
  - In check mode it runs C(bpfapply plan) and reports what would change,
    touching nothing. In diff mode the plan text is the diff.
  - "Errors fail the task with bpfapply's own message; manifest errors are
    C(FILE:LINE:COL: message)."
options:
  manifest:
    description: Path of the manifest on the managed host. Relative ELF
      object paths in it are relative to its directory.
    type: path
  content:
    description: The manifest itself, written to a private temporary file
      in I(basedir) for the run. Give object paths absolute, or set I(basedir).
    type: str
  basedir:
    description: Directory the I(content) manifest's relative paths are
      relative to (the temporary file is created there). Default a private
      temporary directory.
    type: path
  state:
    description: C(present) applies the manifest; C(absent) destroys what
      its scope's state record owns.
    type: str
    choices: [present, absent]
    default: present
  scope:
    description: With a manifest, the scope it must declare (a guard against
      applying the wrong file). With C(state=absent) and no manifest, the
      scope to destroy.
    type: str
  root:
    description: Pin root (bpfapply --root). Default bpfapply's
      (/sys/fs/bpf/bpfapply, or BPFAPPLY_ROOT).
    type: path
  nomount:
    description: Never mount bpffs (bpfapply --nomount).
    type: bool
    default: false
  lock_timeout:
    description: Seconds to wait for the scope lock.
    type: float
  binary:
    description: The bpfapply binary. Default the first bpfapply in PATH,
      /usr/local/sbin or /usr/sbin.
    type: path
requirements: [bpfapply on the managed host, root]
'''

EXAMPLES = r'''
- name: Converge the edge maps
  bpfapply:
    manifest: /etc/bpfapply/manifest.yaml

- name: Remove everything the edge scope owns
  bpfapply:
    scope: edge
    state: absent
'''

RETURN = r'''
changed:
  description: Whether bpfapply changed (or, in check mode, would change) anything.
  type: bool
summary:
  description: The plan's summary, {add, change, replace, destroy}.
  type: dict
resource_changes:
  description: The plan's resource_changes, as bpfapply -j prints them.
  type: list
scope:
  description: The scope acted on.
  type: str
plan:
  description: The plan as text (diff mode only).
  type: str
'''

import json
import os
import shutil
import tempfile

from ansible.module_utils.basic import AnsibleModule

SUMMARY_FIELDS = ('add', 'change', 'replace', 'destroy')


def find_binary(module):
    path = module.params['binary']
    if path:
        return path
    found = module.get_bin_path('bpfapply', opt_dirs=['/usr/local/sbin', '/usr/sbin'])
    if not found:
        module.fail_json(msg='bpfapply not found on the host (set binary:)')
    return found


def global_args(module, binary):
    args = [binary, '--no-color']
    if module.params['root']:
        args += ['--root', module.params['root']]
    if module.params['nomount']:
        args.append('--nomount')
    if module.params['lock_timeout'] is not None:
        args += ['--lock-timeout', str(module.params['lock_timeout'])]
    return args


def fail(module, msg, **kw):
    """Fail the task; a content manifest is named "content", not its temp file."""
    tmp = getattr(module, 'bpfapply_tmpfile', None)
    if tmp:
        msg = msg.replace(tmp, 'content')
    module.fail_json(msg=msg, **kw)


def run_json(module, args, ok_rcs=(0,)):
    """Run bpfapply -j ARGS; return (rc, parsed stdout) or fail the task."""
    rc, out, err = module.run_command(args[:1] + ['-j'] + args[1:])
    doc = None
    try:
        doc = json.loads(out) if out.strip() else None
    except ValueError:
        pass
    if rc not in ok_rcs or doc is None or 'error' in doc:
        msg = doc.get('error') if isinstance(doc, dict) and doc.get('error') else (
            err.strip() or out.strip() or 'bpfapply exited %d' % rc)
        fail(module, msg, rc=rc, stderr=err, cmd=' '.join(args))
    return rc, doc


def run_text(module, args):
    rc, out, err = module.run_command(args)
    if rc not in (0, 2):
        fail(module, err.strip() or out.strip(), rc=rc, cmd=' '.join(args))
    return out


def summary_of(doc):
    """The summary through the contract's field names only."""
    s = doc.get('summary') or {}
    return {k: int(s.get(k, 0)) for k in SUMMARY_FIELDS}


def changes_in(summary):
    return any(summary[k] for k in SUMMARY_FIELDS)


def manifest_path(module, tmpdirs):
    """The -f file: the manifest, or content written to a private file."""
    if module.params['manifest']:
        return module.params['manifest']
    if module.params['content'] is None:
        return None
    where = module.params['basedir']
    if not where:
        where = tempfile.mkdtemp(prefix='bpfapply-')
        tmpdirs.append(where)
    fd, path = tempfile.mkstemp(prefix='.bpfapply-', suffix='.yaml', dir=where)
    tmpdirs.append(path)
    module.bpfapply_tmpfile = path
    with os.fdopen(fd, 'w') as f:
        f.write(module.params['content'])
    return path


def check_scope(module, doc):
    want = module.params['scope']
    if want and doc.get('scope') and doc['scope'] != want:
        fail(module, 'the manifest declares scope %r, not %r' % (doc['scope'], want))


def converge(module, g, manifest):
    """state=present and state=absent with a manifest."""
    destroy = module.params['state'] == 'absent'
    plan = ['plan', '-f', manifest] + (['--destroy'] if destroy else [])
    result = {}
    # the plan first, when there is something to look at before acting
    if module.check_mode or module._diff or module.params['scope']:
        _, doc = run_json(module, g + plan)
        check_scope(module, doc)
        if module._diff:
            result['plan'] = run_text(module, g + plan)
            result['diff'] = {'prepared': result['plan']}
        if module.check_mode:
            return dict(result, **outcome(doc))
    cmd = ['destroy', '-f', manifest] if destroy else ['apply', '-f', manifest]
    _, doc = run_json(module, g + cmd)
    return dict(result, **outcome(doc))


def outcome(doc):
    summary = summary_of(doc)
    return {'changed': changes_in(summary), 'summary': summary,
            'resource_changes': doc.get('resource_changes', []),
            'scope': doc.get('scope')}


def destroy_scope(module, g, scope):
    """state=absent with only a scope: what its state record owns."""
    if module.check_mode:
        _, doc = run_json(module, g + ['show', '--scope', scope])
        owned = [r for s in doc.get('scopes', []) for r in s.get('resources', [])]
        return {'changed': bool(owned), 'scope': scope,
                'summary': {'add': 0, 'change': 0, 'replace': 0, 'destroy': len(owned)},
                'resource_changes': []}
    _, doc = run_json(module, g + ['destroy', '--scope', scope])
    res = outcome(doc)
    res['scope'] = scope
    return res


def main():
    module = AnsibleModule(
        argument_spec=dict(
            manifest=dict(type='path'),
            content=dict(type='str'),
            basedir=dict(type='path'),
            state=dict(type='str', default='present', choices=['present', 'absent']),
            scope=dict(type='str'),
            root=dict(type='path'),
            nomount=dict(type='bool', default=False),
            lock_timeout=dict(type='float'),
            binary=dict(type='path'),
        ),
        mutually_exclusive=[['manifest', 'content']],
        required_if=[['state', 'present', ['manifest', 'content'], True],
                     ['state', 'absent', ['manifest', 'content', 'scope'], True]],
        supports_check_mode=True,
    )
    g = global_args(module, find_binary(module))
    tmp = []
    try:
        manifest = manifest_path(module, tmp)
        if manifest:
            result = converge(module, g, manifest)
        else:
            result = destroy_scope(module, g, module.params['scope'])
    finally:
        for p in reversed(tmp):
            if os.path.isdir(p):
                shutil.rmtree(p, ignore_errors=True)
            elif os.path.exists(p):
                os.unlink(p)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
