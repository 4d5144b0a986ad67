# SPDX-License-Identifier: GPL-2.0-only
# A plan policy written against Terraform's plan representation, the way a
# conftest/OPA rule for Terraform is: it keys on .type and .change.actions,
# so it reads `terraform show -json` output and `bpfapply -j plan` alike.
#
#   bpfapply -j plan -f edge.yaml | jq -e -f examples/policy/protect-maps.jq
#
# Prints one line per violation; with -e, jq exits 1 when there are any
# violations (the last output is false) and 0 when the plan is harmless.
[ .resource_changes[]?
  | select(.type == "bpf_map")
  | select(.change.actions | index("delete"))
  | if .change.actions == ["delete"] then
      "deny: \(.address) would be deleted"
    else
      "deny: \(.address) would be replaced (\(.change.actions | join(",")))"
    end
] as $deny
| ($deny[] | .), ($deny | length == 0)
