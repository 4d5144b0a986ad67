/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fault injection for tests.  The executor calls fault_point() right after
 * every change it makes to the kernel or to bpffs.  With
 * BPFAPPLY_FAULT_AFTER=N in the environment the process stops dead
 * (_exit, no cleanup, like kill -9) after the Nth one; with
 * BPFAPPLY_FAULT_TRACE=1 each one is listed on stderr as
 * "fault point N: WHAT", so a test can count them.
 */
#ifndef BPFAPPLY_FAULT_H
#define BPFAPPLY_FAULT_H

void fault_point(const char *what);

#endif
