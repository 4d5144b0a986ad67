/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Diagnostics: located errors collected while reading a manifest, so that
 * every error in a file is reported at once, and plain messages for the
 * rest of the pipeline.
 */
#ifndef BPFAPPLY_DIAG_H
#define BPFAPPLY_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* A position in a manifest; line and col are 1-based, as editors show them. */
struct loc {
	const char *file; /* owned by the manifest (struct manifest.files) */
	int line;
	int col;
};

struct diag_msg {
	struct loc loc; /* loc.file is a copy owned by the message */
	char *text;
};

struct diag {
	struct diag_msg *msgs;
	size_t n;
	size_t cap;
	size_t lost; /* errors that could not be recorded (out of memory): still counted */
};

/* Record "FILE:LINE:COL: message".  loc may be NULL for file-less errors. */
void diag_error(struct diag *d, const struct loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void diag_verror(struct diag *d, const struct loc *loc, const char *fmt, va_list ap);
size_t diag_count(const struct diag *d);
/* Where d stands, and back there (what was said since dropped): for a second try. */
struct diag_mark {
	size_t n, lost;
};
struct diag_mark diag_mark(const struct diag *d);
void diag_rewind(struct diag *d, struct diag_mark m);
/* Sort by file, line, col (stable) so output follows the file. */
void diag_sort(struct diag *d);
/* Format one message as "FILE:LINE:COL: text" into a malloc'd string. */
char *diag_format(const struct diag_msg *m);
void diag_print(const struct diag *d, FILE *f);
/* "FILE:LINE:COL" of loc, for messages about something declared (static buffer). */
const char *loc_str(const struct loc *loc);
void diag_free(struct diag *d);

/* Global verbosity for -d/--debug and the JSON switch for error output. */
extern int g_debug;
extern bool g_json;

/* Print an error for the user: text on stderr, or {"error": ...} with -j. */
void err_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void dbg_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A warning: on stderr in both modes, so that -j output stays one document. */
void warn_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Text from libbpf or the kernel, passed on as it is (one trailing newline dropped). */
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vlog_msg(const char *fmt, va_list ap);

#endif
