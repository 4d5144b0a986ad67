/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A progress line on stderr for long plans and applies (a million entries,
 * thousands of maps).  The stages report how far they are with progress();
 * nothing is shown unless the command line turned it on, and then only once
 * the run has taken longer than a second, so short runs print exactly what
 * they printed before.
 */
#ifndef BPFAPPLY_PROGRESS_H
#define BPFAPPLY_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

enum progress_mode {
	PROGRESS_AUTO, /* when stderr is a terminal */
	PROGRESS_ON,   /* --progress: also when stderr is not a terminal */
	PROGRESS_OFF,  /* --no-progress */
};

/* Called once by the command line; json: never (stdout is for a program). */
void progress_init(enum progress_mode mode, bool json);

/* "WHAT KIND.NAME: DONE/TOTAL (P%)" (kind, name may be NULL; total 0 when
 * unknown).  Cheap when off or throttled: call it as often as work is done. */
void progress(const char *what, const char *kind, const char *name, uint64_t done, uint64_t total);

/* Take the line away before other output (errors, the plan, the result). */
void progress_clear(void);

#endif
