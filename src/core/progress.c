// SPDX-License-Identifier: GPL-2.0-only
/*
 * The progress line.  On a terminal it is redrawn in place (carriage return,
 * erase to end of line) at most ten times a second and erased before any
 * other output; forced onto a pipe or file it becomes a plain line a second,
 * since control characters would only litter a log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "core/progress.h"

static struct {
	bool on;
	bool tty;
	bool shown;   /* a line is on the terminal now */
	double start; /* when the run began */
	double delay; /* nothing shown before this many seconds */
	double last;  /* last redraw */
	double every; /* at most one redraw per this many seconds */
} pg;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* BPFAPPLY_PROGRESS_DELAY=SECONDS: when the line may first appear, and the
 * least time between redraws if shorter (tests use 0: every step drawn). */
static double delay_from_env(void)
{
	const char *s = getenv("BPFAPPLY_PROGRESS_DELAY");
	char *end;
	double v;

	if (!s || !*s)
		return 1.0;
	v = strtod(s, &end);
	return (*end || v < 0) ? 1.0 : v;
}

void progress_init(enum progress_mode mode, bool json)
{
	memset(&pg, 0, sizeof(pg));
	pg.tty = isatty(STDERR_FILENO);
	pg.on = !json && (mode == PROGRESS_ON || (mode == PROGRESS_AUTO && pg.tty));
	pg.delay = delay_from_env();
	pg.every = pg.tty ? 0.1 : 1.0;
	if (pg.delay < pg.every)
		pg.every = pg.delay;
	pg.start = now();
}

/* A line wider than the terminal would wrap, and \r only goes back one row. */
static size_t width(void)
{
	struct winsize ws;

	if (pg.tty && !ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) && ws.ws_col > 10)
		return ws.ws_col - 1;
	return 79;
}

void progress(const char *what, const char *kind, const char *name, uint64_t done, uint64_t total)
{
	char line[256], count[64];
	size_t w;
	double t;

	if (!pg.on)
		return;
	t = now();
	if (t - pg.start < pg.delay || t - pg.last < pg.every)
		return;
	pg.last = t;
	if (total)
		snprintf(count, sizeof(count), "%llu/%llu (%llu%%)", (unsigned long long)done,
			 (unsigned long long)total, (unsigned long long)(done * 100 / total));
	else
		snprintf(count, sizeof(count), "%llu", (unsigned long long)done);
	snprintf(line, sizeof(line), "bpfapply: %.1fs %s %s%s%s: %s", t - pg.start, what,
		 kind ? kind : "", kind && name ? "." : "", name ? name : "", count);
	w = width();
	if (w < sizeof(line))
		line[w] = '\0';
	if (pg.tty) {
		fprintf(stderr, "\r\033[K%s", line);
		pg.shown = true;
	} else {
		fprintf(stderr, "%s\n", line);
	}
	fflush(stderr);
}

void progress_clear(void)
{
	if (!pg.shown)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	pg.shown = false;
}
