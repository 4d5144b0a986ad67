// SPDX-License-Identifier: GPL-2.0-only
/*
 * Task iterators from the kernel's BPF iterators document: open files of
 * tasks (iter/task_file), filtered either by the iterator's task parameter
 * or by the target_pid global, and one line per task (iter/task).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

__u32 target_pid = 0; /* 0: every process */

SEC("iter/task_file")
int dump_task_file(struct bpf_iter__task_file *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;

	if (!task || !file)
		return 0;
	if (target_pid && task->tgid != target_pid)
		return 0;
	BPF_SEQ_PRINTF(seq, "%d %d %u\n", task->tgid, task->pid, ctx->fd);
	return 0;
}

SEC("iter/task")
int dump_task(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;

	if (!task)
		return 0;
	BPF_SEQ_PRINTF(seq, "%d %d %s\n", task->tgid, task->pid, task->comm);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
