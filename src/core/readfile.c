// SPDX-License-Identifier: GPL-2.0-only
/* Bounded reads of regular files (see readfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "core/readfile.h"

int readfile_open(const char *path, int *fd, struct stat *st)
{
	int err = 0;

	/* O_NONBLOCK: opening a FIFO must not wait for a writer before the check below */
	*fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	memset(st, 0, sizeof(*st));
	if (*fd < 0)
		return -errno;
	if (fstat(*fd, st))
		err = -errno;
	else if (!S_ISREG(st->st_mode))
		err = S_ISDIR(st->st_mode) ? -EISDIR : -EINVAL;
	if (err) {
		close(*fd);
		*fd = -1;
	}
	return err;
}

int readfile(const char *path, size_t max, char **buf, size_t *len)
{
	size_t cap, n = 0;
	struct stat st;
	char *b = NULL;
	ssize_t got;
	int fd, err = 0;

	*buf = NULL;
	*len = 0;
	err = readfile_open(path, &fd, &st);
	if (err)
		return err;
	if ((unsigned long long)st.st_size > max) {
		err = -EFBIG;
		goto close_fd;
	}
	/* the size may change while we read: never read more than max + 1 */
	cap = (size_t)st.st_size + 1;
	b = malloc(cap + 1);
	if (!b) {
		err = -ENOMEM;
		goto close_fd;
	}
	while (n < cap && (got = read(fd, b + n, cap - n)) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto free_buf;
		}
		n += (size_t)got;
	}
	if (n > max) {
		err = -EFBIG;
		goto free_buf;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	goto close_fd;
free_buf:
	free(b);
close_fd:
	close(fd);
	return err;
}

const char *readfile_strerror(int err, size_t max)
{
	static char msg[96];

	if (err == -EINVAL)
		return "not a regular file";
	if (err == -EFBIG) {
		snprintf(msg, sizeof(msg), "larger than %zu MiB", max >> 20);
		return msg;
	}
	return strerror(-err);
}
