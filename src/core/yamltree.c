// SPDX-License-Identifier: GPL-2.0-only
/* A YAML document loaded with libyaml, read through accessors that report located errors. */
#include "core/yamltree.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"

/* ---- allocation ---------------------------------------------------------- */

/*
 * The parser's allocations cannot fail: out of memory, they jump back to
 * the manifest load that set the catch (manifest_load, the only caller of
 * the parser), which reports it and returns NULL.  What the load had
 * allocated so far is leaked: after an allocation failed, freeing a model
 * half built is not worth the risk.
 */
static __thread jmp_buf *oom_catch;

void xoom_catch(jmp_buf *env)
{
	oom_catch = env;
}

void xoom(void)
{
	if (oom_catch)
		longjmp(*oom_catch, 1);
	/* unreachable: every x* call runs under manifest_load's catch */
	fputs("bpfapply: out of memory outside the manifest parser\n", stderr);
	abort();
}

__attribute__((noreturn)) static void oom(void)
{
	xoom();
}

void *xzalloc(size_t size)
{
	void *p = calloc(1, size ? size : 1);

	if (!p)
		oom();
	return p;
}

void *xreallocarray(void *p, size_t n, size_t size)
{
	void *q;

	if (size && n > SIZE_MAX / size)
		oom();
	q = realloc(p, n && size ? n * size : 1);
	if (!q)
		oom();
	return q;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s ? s : "");

	if (!p)
		oom();
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		oom();
	return s;
}

/* ---- loading ------------------------------------------------------------- */

struct loc ytree_loc(const struct ytree *t, const yaml_node_t *n)
{
	struct loc l = { t->file, 0, 0 };

	if (n) {
		l.line = (int)n->start_mark.line + 1;
		l.col = (int)n->start_mark.column + 1;
	}
	return l;
}

void yerr(struct ytree *t, const yaml_node_t *n, const char *fmt, ...)
{
	struct loc l = ytree_loc(t, n);
	va_list ap;

	va_start(ap, fmt);
	diag_verror(t->d, &l, fmt, ap);
	va_end(ap);
}

/* Reader errors (bad encoding) carry a byte offset instead of a mark: count lines up to it. */
static void offset_to_loc(const char *file, size_t offset, struct loc *l)
{
	FILE *f = fopen(file, "rb");
	size_t i;
	int c;

	l->line = 1;
	l->col = 1;
	for (i = 0; f && i < offset && (c = fgetc(f)) != EOF; i++) {
		if (c == '\n') {
			l->line++;
			l->col = 1;
		} else {
			l->col++;
		}
	}
	if (f)
		fclose(f);
}

void ytree_syntax_error(struct ytree *t, const yaml_parser_t *p)
{
	struct loc l = { t->file, (int)p->problem_mark.line + 1, (int)p->problem_mark.column + 1 };

	if (p->error == YAML_READER_ERROR)
		offset_to_loc(t->file, p->problem_offset, &l);
	if (p->error == YAML_MEMORY_ERROR)
		diag_error(t->d, &l, "out of memory reading YAML");
	else if (p->context && p->error != YAML_READER_ERROR &&
		 p->context_mark.index != p->problem_mark.index)
		/* where the construct began: an unclosed quote is reported at the end of the file */
		diag_error(t->d, &l, "YAML syntax error: %s (%s at %d:%d)",
			   p->problem ? p->problem : "unknown problem", p->context,
			   (int)p->context_mark.line + 1, (int)p->context_mark.column + 1);
	else
		diag_error(t->d, &l, "YAML syntax error: %s",
			   p->problem ? p->problem : "unknown problem");
}

const char *yscalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

bool yis_plain(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE &&
	       n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

bool yis_null(const yaml_node_t *n)
{
	const char *s = yscalar(n);

	if (!n)
		return true;
	if (!s || !yis_plain(n))
		return false;
	/* asked of every integer of a million entries: most start with no letter of these */
	if (*s && *s != '~' && *s != 'n' && *s != 'N')
		return false;
	return !strcmp(s, "") || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	       !strcmp(s, "NULL");
}

bool yis_map(const yaml_node_t *n)
{
	return n && n->type == YAML_MAPPING_NODE;
}

bool yis_seq(const yaml_node_t *n)
{
	return n && n->type == YAML_SEQUENCE_NODE;
}

size_t ymap_len(const yaml_node_t *n)
{
	if (!yis_map(n))
		return 0;
	return (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
}

yaml_node_t *ymap_key(struct ytree *t, const yaml_node_t *n, size_t i)
{
	if (i >= ymap_len(n))
		return NULL;
	return yaml_document_get_node(&t->doc, n->data.mapping.pairs.start[i].key);
}

yaml_node_t *ymap_value(struct ytree *t, const yaml_node_t *n, size_t i)
{
	if (i >= ymap_len(n))
		return NULL;
	return yaml_document_get_node(&t->doc, n->data.mapping.pairs.start[i].value);
}

size_t yseq_len(const yaml_node_t *n)
{
	if (!yis_seq(n))
		return 0;
	return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

yaml_node_t *yseq_item(struct ytree *t, const yaml_node_t *n, size_t i)
{
	if (i >= yseq_len(n))
		return NULL;
	return yaml_document_get_node(&t->doc, n->data.sequence.items.start[i]);
}

static int cmp_dup(const void *a, const void *b)
{
	const struct ydup *x = a, *y = b;

	if (x->map != y->map)
		return x->map < y->map ? -1 : 1;
	return x->pair < y->pair ? -1 : x->pair > y->pair;
}

const char *ymap_key_text(struct ytree *t, const yaml_node_t *n, size_t i)
{
	const char *k = yscalar(ymap_key(t, n, i));
	struct ydup key = { n, i };

	if (!k)
		return NULL;
	if (t->n_dups && bsearch(&key, t->dups, t->n_dups, sizeof(*t->dups), cmp_dup))
		return NULL;
	return k;
}

struct keyref {
	const char *s;
	size_t pair;
};

static int cmp_keyref(const void *a, const void *b)
{
	const struct keyref *x = a, *y = b;
	int c = strcmp(x->s, y->s);

	if (c)
		return c;
	return x->pair < y->pair ? -1 : x->pair > y->pair;
}

/* Report key pair of n as a repeat of pair first, and remember it. */
static void add_dup(struct ytree *t, const yaml_node_t *n, size_t pair, size_t first)
{
	yaml_node_t *k = ymap_key(t, n, pair), *f = ymap_key(t, n, first);
	char buf[128];

	yerr(t, k, "duplicate key %s (first at %d:%d)", yquote(yscalar(k), buf, sizeof(buf)),
	     (int)f->start_mark.line + 1, (int)f->start_mark.column + 1);
	t->dups = xgrow(t->dups, t->n_dups, sizeof(*t->dups));
	t->dups[t->n_dups].map = n;
	t->dups[t->n_dups++].pair = pair;
}

/* The keys of one mapping, sorted, so that repeats are found in n log n. */
static void check_mapping_keys(struct ytree *t, const yaml_node_t *n, struct keyref *refs)
{
	size_t i, m = 0, first = 0;
	char buf[128];

	for (i = 0; i < ymap_len(n); i++) {
		yaml_node_t *k = ymap_key(t, n, i);

		if (!yscalar(k)) {
			yerr(t, k, "expected a string key, got %s", ydescribe(k, buf, sizeof(buf)));
			continue;
		}
		refs[m].s = yscalar(k);
		refs[m++].pair = i;
	}
	if (m > 1)
		qsort(refs, m, sizeof(*refs), cmp_keyref);
	for (i = 0; i < m; i++) {
		if (i && !strcmp(refs[i].s, refs[i - 1].s))
			add_dup(t, n, refs[i].pair, refs[first].pair);
		else
			first = i;
	}
}

/* Every mapping of the document, once (aliases share nodes): keys are unique strings. */
void ytree_check_keys(struct ytree *t)
{
	/* an entry (checked alone, a million times) has two keys: no allocation */
	struct keyref small[8], *refs = small;
	size_t cap = 8;
	yaml_node_t *n;

	for (n = t->doc.nodes.start; n < t->doc.nodes.top; n++) {
		if (ymap_len(n) > cap) {
			cap = ymap_len(n);
			refs = xreallocarray(refs == small ? NULL : refs, cap, sizeof(*refs));
		}
		check_mapping_keys(t, n, refs);
	}
	if (refs != small)
		free(refs);
	/* collected mapping by mapping, pairs in sorted-key order: sort for bsearch */
	if (t->n_dups > 1)
		qsort(t->dups, t->n_dups, sizeof(*t->dups), cmp_dup);
}

/* ---- describing values ------------------------------------------------------ */

const char *yquote(const char *s, char *buf, size_t len)
{
	size_t o = 0, i;

	if (len < 8) {
		if (len)
			buf[0] = '\0';
		return buf;
	}
	buf[o++] = '"';
	for (i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];
		size_t el;

		if (c == '"' || c == '\\')
			el = (size_t)snprintf(esc, sizeof(esc), "\\%c", c);
		else if (c == '\n')
			el = (size_t)snprintf(esc, sizeof(esc), "\\n");
		else if (c < 0x20 || c == 0x7f)
			el = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", c);
		else
			el = (size_t)snprintf(esc, sizeof(esc), "%c", c);
		/* leave room for ...", the closing quote and the terminator */
		if (o + el + 5 > len) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(buf + o, esc, el);
		o += el;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

static bool looks_typed(const char *s)
{
	return parse_int_literal(s, NULL, NULL) || !strcmp(s, "true") || !strcmp(s, "false");
}

const char *ydescribe(const yaml_node_t *n, char *buf, size_t len)
{
	const char *s = yscalar(n);
	char q[96];

	if (!n || (yis_null(n) && !*s))
		snprintf(buf, len, "nothing");
	else if (n->type == YAML_MAPPING_NODE)
		snprintf(buf, len, "a mapping");
	else if (n->type == YAML_SEQUENCE_NODE)
		snprintf(buf, len, "a list");
	else if (yis_plain(n) && parse_int_literal(s, NULL, NULL))
		snprintf(buf, len, "%s", s);
	else if (!yis_plain(n) && looks_typed(s))
		snprintf(buf, len, "the string %s", yquote(s, q, sizeof(q)));
	else
		snprintf(buf, len, "%s", yquote(s, q, sizeof(q)));
	return buf;
}

/* ---- typed access ------------------------------------------------------------ */

bool yexpect_map(struct ytree *t, const yaml_node_t *n, const char *what)
{
	char buf[128];

	if (yis_map(n))
		return true;
	yerr(t, n, "%s: expected a mapping, got %s", what, ydescribe(n, buf, sizeof(buf)));
	return false;
}

bool yexpect_seq(struct ytree *t, const yaml_node_t *n, const char *what)
{
	char buf[128];

	if (yis_seq(n))
		return true;
	yerr(t, n, "%s: expected a list, got %s", what, ydescribe(n, buf, sizeof(buf)));
	return false;
}

bool yfields(struct ytree *t, const yaml_node_t *n, const char *what, const char *context,
	     const char *const *allowed, size_t n_allowed, yaml_node_t **keys, yaml_node_t **vals)
{
	bool ok = true;
	char buf[128];
	size_t i, j;

	for (j = 0; j < n_allowed; j++) {
		keys[j] = NULL;
		vals[j] = NULL;
	}
	if (!yexpect_map(t, n, what))
		return false;
	for (i = 0; i < ymap_len(n); i++) {
		const char *k = ymap_key_text(t, n, i);

		if (!k)
			continue; /* reported when the file was loaded */
		for (j = 0; j < n_allowed; j++)
			if (!strcmp(k, allowed[j]))
				break;
		if (j == n_allowed) {
			yerr(t, ymap_key(t, n, i), "unknown key %s in %s",
			     yquote(k, buf, sizeof(buf)), context);
			ok = false;
			continue;
		}
		keys[j] = ymap_key(t, n, i);
		vals[j] = ymap_value(t, n, i);
	}
	return ok;
}

bool yrequire(struct ytree *t, const yaml_node_t *map, const yaml_node_t *val, const char *key,
	      const char *context)
{
	if (val)
		return true;
	yerr(t, map, "%s: missing required key \"%s\"", context, key);
	return false;
}

bool yget_str(struct ytree *t, const yaml_node_t *n, const char *what, const char **out)
{
	char buf[128];

	if (yscalar(n) && !yis_null(n)) {
		*out = yscalar(n);
		return true;
	}
	yerr(t, n, "%s: expected a string, got %s", what, ydescribe(n, buf, sizeof(buf)));
	return false;
}

bool yget_uint(struct ytree *t, const yaml_node_t *n, const char *what, uint64_t min,
	       uint64_t max, uint64_t *out)
{
	uint64_t v;
	bool neg;
	char buf[128];

	if (yis_plain(n) && parse_int_literal(yscalar(n), &neg, &v) && (!neg || v == 0) &&
	    v >= min && v <= max) {
		*out = v;
		return true;
	}
	yerr(t, n, "%s: expected an integer %llu..%llu, got %s", what, (unsigned long long)min,
	     (unsigned long long)max, ydescribe(n, buf, sizeof(buf)));
	return false;
}

bool yget_bool(struct ytree *t, const yaml_node_t *n, const char *what, bool *out)
{
	const char *s = yscalar(n);
	char buf[128];

	if (yis_plain(n) && (!strcmp(s, "true") || !strcmp(s, "false"))) {
		*out = !strcmp(s, "true");
		return true;
	}
	yerr(t, n, "%s: expected true or false, got %s", what, ydescribe(n, buf, sizeof(buf)));
	return false;
}

bool yget_enum(struct ytree *t, const yaml_node_t *n, const char *what,
	       const char *const *names, size_t n_names, int *out)
{
	const char *s = yscalar(n);
	char buf[128], list[256];
	size_t i, o = 0;

	for (i = 0; s && !yis_null(n) && i < n_names; i++) {
		if (!strcmp(s, names[i])) {
			*out = (int)i;
			return true;
		}
	}
	list[0] = '\0';
	for (i = 0; i < n_names; i++) {
		const char *sep = i == 0 ? "" : i + 1 == n_names ? " or " : ", ";
		int r = snprintf(list + o, sizeof(list) - o, "%s%s", sep, names[i]);

		if (r < 0 || (size_t)r >= sizeof(list) - o)
			break;
		o += (size_t)r;
	}
	yerr(t, n, "%s: expected %s, got %s", what, list, ydescribe(n, buf, sizeof(buf)));
	return false;
}

void *xgrow(void *p, size_t n, size_t size)
{
	if (n == 0)
		return xreallocarray(p, 1, size);
	if ((n & (n - 1)) == 0)
		return xreallocarray(p, n * 2, size);
	return p;
}
