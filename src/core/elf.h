/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ELF inspection: what a BPF object holds (programs, maps, global
 * variables), read offline with libbpf's open (no load, no root), and the
 * checks of a manifest's programs/iterators against it.
 */
#ifndef BPFAPPLY_ELF_H
#define BPFAPPLY_ELF_H

#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"
#include "model.h"

struct elf_prog {
	char *name;
	char *section;
	uint32_t type;          /* enum bpf_prog_type as libbpf guessed it */
};

struct elf_map {
	char *name;             /* as libbpf names it ("obj.rodata" for data sections) */
	uint32_t type, key_size, value_size, max_entries, flags;
	bool internal;          /* .rodata/.data/.bss/.kconfig */
	bool init_values;       /* the definition initialises slots (.values = {...}) */
};

struct elf_var {
	char *name;
	char *section;          /* ".rodata", ".data", ".bss", ".data.foo" ... */
	uint32_t offset, size;
};

struct elf_info {
	uint8_t *image;         /* the object file's bytes: loaded from memory, so the */
	size_t image_len;       /* program loaded is the one that was fingerprinted */
	uint64_t fp;            /* xxh3 of image */
	struct elf_prog *progs;
	size_t n_progs;
	struct elf_map *maps;
	size_t n_maps;
	struct elf_var *vars;
	size_t n_vars;
};

/* Read and inspect path.  0, or -errno with a message in err. */
int elf_inspect(const char *path, struct elf_info **out, char *err, size_t errlen);
void elf_info_free(struct elf_info *e);

/* Open the inspected image with libbpf (not loaded); NULL + errno on failure. */
struct bpf_object;
struct bpf_object *elf_open_object(const struct elf_info *e, const char *path);

const struct elf_prog *elf_find_prog(const struct elf_info *e, const char *name);
const struct elf_map *elf_find_map(const struct elf_info *e, const char *name);
const struct elf_var *elf_find_var(const struct elf_info *e, const char *name);


/* Encode a global's declared value into exactly var->size bytes. */
int global_encode(const struct global_var *g, const struct elf_var *var, uint8_t *out,
		  char *err, size_t errlen);

#endif
