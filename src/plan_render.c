// SPDX-License-Identifier: GPL-2.0-only
/*
 * Plan rendering: the text of design.md §7, and JSON in Terraform's plan
 * vocabulary so that existing tooling can read it.
 */
#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "kind.h"
#include "plan.h"

#define ADDRESS_WIDTH 24

static const char *symbol(enum action a)
{
	switch (a) {
	case ACT_CREATE: return "+";
	case ACT_UPDATE: return "~";
	case ACT_REPLACE: return "-/+";
	case ACT_DELETE: return "-";
	case ACT_NOOP: break;
	}
	return " ";
}

static const char *colour(enum action a)
{
	switch (a) {
	case ACT_CREATE: return "\033[32m";
	case ACT_UPDATE: return "\033[33m";
	case ACT_REPLACE: return "\033[35m";
	case ACT_DELETE: return "\033[31m";
	case ACT_NOOP: break;
	}
	return "";
}

void plan_render_text(const struct plan *p, const struct manifest *m, FILE *f,
		      const struct render_opts *o)
{
	char desc[512];
	size_t i;

	if (p->resumes)
		fprintf(f, "Note: the last apply of scope %s was interrupted; this completes it.\n",
			p->scope);
	for (i = 0; i < p->n; i++) {
		const struct change *c = &p->changes[i];
		int pad;

		if (c->action == ACT_NOOP && !(o && o->show_noop))
			continue;
		kind_ops_get(c->kind)->describe(c, m, desc, sizeof(desc));
		pad = ADDRESS_WIDTH - (int)strlen(c->address);
		if (o && o->color)
			fprintf(f, "%s%3s\033[0m %s%*s%s\n", colour(c->action), symbol(c->action),
				c->address, pad > 1 ? pad : 1, "", desc);
		else
			fprintf(f, "%3s %s%*s%s\n", symbol(c->action), c->address,
				pad > 1 ? pad : 1, "", desc);
	}
	if (!plan_has_changes(p))
		fprintf(f, "No changes: the kernel matches the manifest%s.\n",
			p->destroy ? " (nothing to destroy)" : "");
	fprintf(f, "Plan: %u to add, %u to change, %u to replace, %u to destroy.\n", p->add,
		p->change, p->replace, p->remove);
}

/*
 * A replacement is ["create","delete"]: the new object is built under
 * staging before the old one goes, Terraform's create-before-destroy.
 */
static void json_actions(struct json *j, enum action a)
{
	json_arr_begin(j);
	switch (a) {
	case ACT_NOOP: json_str(j, "no-op"); break;
	case ACT_CREATE: json_str(j, "create"); break;
	case ACT_UPDATE: json_str(j, "update"); break;
	case ACT_REPLACE:
		json_str(j, "create");
		json_str(j, "delete");
		break;
	case ACT_DELETE: json_str(j, "delete"); break;
	}
	json_arr_end(j);
}

/* Terraform's resource identity: policies key on type and address. */
static void json_identity(const struct change *c, struct json *j)
{
	const struct kind_ops *ops = kind_ops_get(c->kind);
	char type[32];

	snprintf(type, sizeof(type), "bpf_%s", ops->name);
	json_kv_str(j, "address", c->address);
	json_kv_str(j, "mode", "managed");
	json_kv_str(j, "type", type);
	json_kv_str(j, "name", c->name);
	json_kv_str(j, "provider_name", "bpfapply");
	json_kv_str(j, "kind", ops->name);
	json_kv_str(j, "pin", c->pin);
}

static void json_change(const struct change *c, const struct manifest *m, struct json *j)
{
	const struct kind_ops *ops = kind_ops_get(c->kind);
	char desc[512];

	json_obj_begin(j);
	json_identity(c, j);
	json_key(j, "change");
	json_obj_begin(j);
	json_key(j, "actions");
	json_actions(j, c->action);
	json_key(j, "before");
	ops->json_attrs(c, m, false, j);
	json_key(j, "after");
	ops->json_attrs(c, m, true, j);
	json_obj_end(j);
	if (reason_code(c->reason))
		json_kv_str(j, "action_reason", reason_code(c->reason));
	ops->describe(c, m, desc, sizeof(desc));
	json_kv_str(j, "description", desc);
	if (ops->json_extra)
		ops->json_extra(c, j);
	json_obj_end(j);
}

/* Changed in the kernel behind bpfapply's back since the last apply. */
static bool drifted(const struct change *c)
{
	return c->prior && (c->reason == R_PIN_REMOVED || c->reason == R_PIN_REPLACED ||
			    c->reason == R_DETACHED ||
			    ((c->reason == R_ENTRIES || c->reason == R_PROGRAM) && c->drift));
}

/*
 * A drift item says what happened, not what apply will do: "before" is what
 * the state record knows (the object's id), "after" what the kernel holds
 * now (null when the pin is gone).
 */
static void json_drift(const struct change *c, const struct manifest *m, struct json *j)
{
	bool gone = c->reason == R_PIN_REMOVED;

	json_obj_begin(j);
	json_identity(c, j);
	json_key(j, "change");
	json_obj_begin(j);
	json_key(j, "actions");
	json_arr_begin(j);
	json_str(j, gone ? "delete" : "update");
	json_arr_end(j);
	json_key(j, "before");
	json_obj_begin(j);
	json_kv_uint(j, "id", c->prior->id);
	json_obj_end(j);
	json_key(j, "after");
	if (gone || c->reason == R_PIN_REPLACED)
		json_null(j);
	else
		kind_ops_get(c->kind)->json_attrs(c, m, false, j);
	json_obj_end(j);
	json_kv_str(j, "action_reason", reason_code(c->reason));
	json_obj_end(j);
}

void plan_render_json_body(const struct plan *p, const struct manifest *m, struct json *j)
{
	size_t i;

	json_kv_str(j, "format_version", PLAN_JSON_FORMAT_VERSION);
	json_kv_str(j, "scope", p->scope);
	json_kv_bool(j, "destroy", p->destroy);
	json_key(j, "resource_drift");
	json_arr_begin(j);
	for (i = 0; i < p->n; i++)
		if (drifted(&p->changes[i]))
			json_drift(&p->changes[i], m, j);
	json_arr_end(j);
	json_key(j, "resource_changes");
	json_arr_begin(j);
	for (i = 0; i < p->n; i++)
		json_change(&p->changes[i], m, j);
	json_arr_end(j);
	json_key(j, "summary");
	json_obj_begin(j);
	json_kv_uint(j, "add", p->add);
	json_kv_uint(j, "change", p->change);
	json_kv_uint(j, "replace", p->replace);
	json_kv_uint(j, "destroy", p->remove);
	json_obj_end(j);
	json_kv_bool(j, "changes_pending", plan_has_changes(p));
	json_kv_bool(j, "resumes_interrupted_apply", p->resumes);
}

void plan_render_json(const struct plan *p, const struct manifest *m, FILE *f, bool pretty)
{
	struct json j;

	json_init(&j, f, pretty);
	json_obj_begin(&j);
	plan_render_json_body(p, m, &j);
	json_obj_end(&j);
	json_finish(&j);
}
