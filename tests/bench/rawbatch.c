// SPDX-License-Identifier: GPL-2.0-only
/*
 * The raw baselines of `make bench`: what the kernel part of a fill and of a
 * read-back costs at the least, with nothing but libbpf.
 *
 *   rawbatch fill PIN MAX FILE   create a hash map (key 4, value 8, MAX entries),
 *                                ONE BPF_MAP_UPDATE_BATCH of FILE's packed
 *                                records, pin it at PIN
 *   rawbatch read PIN            BPF_MAP_LOOKUP_BATCH of the whole map into one
 *                                buffer; prints the number of entries
 *   rawbatch maps DIR N          create N small hash maps, pinned as DIR/mI
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#define KS 4
#define VS 8

static int fill(const char *pin, unsigned max, const char *file)
{
	FILE *f = fopen(file, "rb");
	unsigned char *buf, *keys, *vals;
	long len;
	__u32 n, i;
	int fd;

	if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		return perror(file), 1;
	n = (__u32)(len / (KS + VS));
	buf = malloc(len + 1);
	keys = malloc((size_t)n * KS + 1);
	vals = malloc((size_t)n * VS + 1);
	if (!buf || !keys || !vals || fread(buf, 1, len, f) != (size_t)len)
		return perror(file), 1;
	fclose(f);
	/* records are key then value; the batch takes keys and values apart */
	for (i = 0; i < n; i++) {
		memcpy(keys + (size_t)i * KS, buf + (size_t)i * (KS + VS), KS);
		memcpy(vals + (size_t)i * VS, buf + (size_t)i * (KS + VS) + KS, VS);
	}
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "big", KS, VS, max, NULL);
	if (fd < 0)
		return perror("bpf_map_create"), 1;
	if (n && bpf_map_update_batch(fd, keys, vals, &n, NULL))
		return perror("bpf_map_update_batch"), 1;
	if (bpf_obj_pin(fd, pin))
		return perror(pin), 1;
	return 0;
}

static int readback(const char *pin)
{
	struct bpf_map_info info = {};
	__u32 ilen = sizeof(info), total = 0, batch = 0, n;
	unsigned char *keys, *vals;
	void *in = NULL;
	int fd = bpf_obj_get(pin), err;

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &ilen))
		return perror(pin), 1;
	keys = malloc((size_t)info.max_entries * info.key_size + 1);
	vals = malloc((size_t)info.max_entries * info.value_size + 1);
	if (!keys || !vals)
		return perror("malloc"), 1;
	do {
		n = info.max_entries - total;
		err = bpf_map_lookup_batch(fd, in, &batch, keys + (size_t)total * info.key_size,
					   vals + (size_t)total * info.value_size, &n, NULL);
		if (err && errno != ENOENT)
			return perror("bpf_map_lookup_batch"), 1;
		total += n;
		in = &batch;
	} while (!err && total < info.max_entries);
	printf("%u\n", total);
	return 0;
}

static int many(const char *dir, unsigned n)
{
	char path[4096];
	unsigned i;
	int fd;

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/m%u", dir, i);
		fd = bpf_map_create(BPF_MAP_TYPE_HASH, "m", 4, 4, 4, NULL);
		if (fd < 0 || bpf_obj_pin(fd, path))
			return perror(path), 1;
		close(fd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "maps"))
		return many(argv[2], (unsigned)strtoul(argv[3], NULL, 0));
	if (argc == 5 && !strcmp(argv[1], "fill"))
		return fill(argv[2], (unsigned)strtoul(argv[3], NULL, 0), argv[4]);
	if (argc == 3 && !strcmp(argv[1], "read"))
		return readback(argv[2]);
	fprintf(stderr, "usage: rawbatch fill PIN MAX FILE | read PIN | maps DIR N\n");
	return 2;
}
