// SPDX-License-Identifier: GPL-2.0-only
/*
 * Diagnostics: located manifest errors, and messages for the user, which
 * go through one print function (bpfapply_set_print).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bpfapply/bpfapply.h>

#include "core/diag.h"
#include "core/json.h"
#include "core/progress.h"

int g_debug;
bool g_json;

/*
 * Room for one more message.  Out of memory, the error is still counted (a
 * run with errors must fail) and diag_print says how many were lost.
 */
static bool diag_grow(struct diag *d)
{
	struct diag_msg *msgs;
	size_t cap;

	if (d->n < d->cap)
		return true;
	cap = d->cap ? d->cap * 2 : 16;
	msgs = realloc(d->msgs, cap * sizeof(*msgs));
	if (!msgs)
		return false;
	d->msgs = msgs;
	d->cap = cap;
	return true;
}

void diag_verror(struct diag *d, const struct loc *loc, const char *fmt, va_list ap)
{
	struct diag_msg *m;
	char *text;

	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL; /* diag_format prints a placeholder */
	if (!diag_grow(d)) {
		free(text);
		d->lost++;
		return;
	}
	m = &d->msgs[d->n++];
	memset(m, 0, sizeof(*m));
	if (loc)
		m->loc = *loc;
	/* The manifest the location points into may be freed before the messages are printed. */
	if (m->loc.file)
		m->loc.file = strdup(m->loc.file);
	m->text = text;
}

void diag_error(struct diag *d, const struct loc *loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_verror(d, loc, fmt, ap);
	va_end(ap);
}

size_t diag_count(const struct diag *d)
{
	return d->n + d->lost;
}

struct diag_mark diag_mark(const struct diag *d)
{
	return (struct diag_mark){ d->n, d->lost };
}

void diag_rewind(struct diag *d, struct diag_mark m)
{
	while (d->n > m.n) {
		d->n--;
		free(d->msgs[d->n].text);
		free((char *)d->msgs[d->n].loc.file);
	}
	d->lost = m.lost;
}

static int loc_cmp(const struct loc *a, const struct loc *b)
{
	int r;

	if (!a->file || !b->file) {
		/* file-less messages first */
		return (a->file != NULL) - (b->file != NULL);
	}
	r = strcmp(a->file, b->file);
	if (r)
		return r;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return 0;
}

/* Insertion sort: stable, and error lists are short. */
void diag_sort(struct diag *d)
{
	size_t i, j;

	for (i = 1; i < d->n; i++) {
		struct diag_msg cur = d->msgs[i];

		for (j = i; j > 0 && loc_cmp(&d->msgs[j - 1].loc, &cur.loc) > 0; j--)
			d->msgs[j] = d->msgs[j - 1];
		d->msgs[j] = cur;
	}
}

char *diag_format(const struct diag_msg *m)
{
	const char *text = m->text ? m->text : "(out of memory formatting an error)";
	char *s;
	int r;

	if (!m->loc.file)
		r = asprintf(&s, "%s", text);
	else if (m->loc.line <= 0)
		r = asprintf(&s, "%s: %s", m->loc.file, text);
	else
		r = asprintf(&s, "%s:%d:%d: %s", m->loc.file, m->loc.line, m->loc.col, text);
	if (r < 0) {
		errno = ENOMEM;
		return NULL;
	}
	return s;
}

void diag_print(const struct diag *d, FILE *f)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		char *s = diag_format(&d->msgs[i]);

		fprintf(f, "%s\n", s ? s : "(out of memory)");
		free(s);
	}
	if (d->lost)
		fprintf(f, "(%zu more error%s lost: out of memory)\n", d->lost, d->lost == 1 ? "" : "s");
}

void diag_free(struct diag *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->n; i++) {
		free(d->msgs[i].text);
		free((char *)d->msgs[i].loc.file);
	}
	free(d->msgs);
	d->msgs = NULL;
	d->n = 0;
	d->cap = 0;
	d->lost = 0;
}

/* Format a message and drop one trailing newline, so callers may add one or not. */
static char *vformat_line(const char *fmt, va_list ap)
{
	char *s;
	size_t len;

	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	len = strlen(s);
	if (len && s[len - 1] == '\n')
		s[len - 1] = '\0';
	return s;
}

/* The command's way: errors as {"error": ...} on stdout with -j, else all on stderr. */
static void default_print(enum bpfapply_print_level level, const char *msg)
{
	if (level == BPFAPPLY_ERROR && g_json) {
		struct json j;

		json_init(&j, stdout, false);
		json_obj_begin(&j);
		json_kv_str(&j, "error", msg);
		json_obj_end(&j);
		json_finish(&j);
		fflush(stdout);
	} else if (level == BPFAPPLY_ERROR) {
		fprintf(stderr, "bpfapply: %s\n", msg);
	} else if (level == BPFAPPLY_WARN) {
		fprintf(stderr, "bpfapply: warning: %s\n", msg);
	} else if (level == BPFAPPLY_DEBUG) {
		fprintf(stderr, "debug: %s\n", msg);
	} else {
		fprintf(stderr, "%s\n", msg);
	}
}

static bpfapply_print_fn_t print_fn = default_print;

bpfapply_print_fn_t bpfapply_set_print(bpfapply_print_fn_t fn)
{
	bpfapply_print_fn_t old = print_fn;

	print_fn = fn;
	return old;
}

static void print_msg(enum bpfapply_print_level level, const char *fmt, va_list ap)
{
	char *s;

	if (!print_fn)
		return;
	progress_clear();
	s = vformat_line(fmt, ap);
	print_fn(level, s ? s : "out of memory");
	free(s);
}

void err_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_msg(BPFAPPLY_ERROR, fmt, ap);
	va_end(ap);
}

void dbg_msg(const char *fmt, ...)
{
	va_list ap;

	if (!g_debug)
		return;
	va_start(ap, fmt);
	print_msg(BPFAPPLY_DEBUG, fmt, ap);
	va_end(ap);
}

void log_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_msg(BPFAPPLY_LOG, fmt, ap);
	va_end(ap);
}

void vlog_msg(const char *fmt, va_list ap)
{
	print_msg(BPFAPPLY_LOG, fmt, ap);
}

void warn_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_msg(BPFAPPLY_WARN, fmt, ap);
	va_end(ap);
}

const char *loc_str(const struct loc *loc)
{
	static char buf[512];

	if (!loc || !loc->file)
		return "?";
	snprintf(buf, sizeof(buf), "%s:%d:%d", loc->file, loc->line, loc->col);
	return buf;
}
