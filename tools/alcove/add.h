/*
 * add.h - private interface of `alcove add` (add.c: copying into image/; add_elf.c: what an
 * ELF file needs and where the host's dynamic linker finds it).
 */
#ifndef ALCOVE_CLI_ADD_H
#define ALCOVE_CLI_ADD_H

#include <stddef.h>

#define ELF_MAX_NEEDED 256

/* The load-time needs of one ELF file (strings malloc'd; elf_deps_free releases them). */
struct elf_deps {
    int is_elf;             /* an x86-64 ET_EXEC or ET_DYN */
    char *interp;           /* PT_INTERP, or NULL (static, or a library) */
    char *rpath, *runpath;  /* DT_RPATH, DT_RUNPATH, or NULL */
    char *needed[ELF_MAX_NEEDED];
    int n_needed;
};

/* Reads path's ELF headers into *d: 0 (d->is_elf says whether it was an x86-64 ELF at all),
 * 1 if it is not one (a script, data: nothing to follow), -1 if it is corrupt or unreadable
 * (reason in why). */
int __attribute__((warn_unused_result)) elf_deps_read(const char *path, struct elf_deps *d,
                                                      char *why, size_t wlen);
void elf_deps_free(struct elf_deps *d);

/* Where ld.so would find the library name needed by obj (whose directory is origin) in a
 * program exe (directory exe_origin; may be obj): 0 with the host path in out, or -1. */
int __attribute__((warn_unused_result)) elf_find_lib(const char *name, const struct elf_deps *obj,
                                                     const char *origin,
                                                     const struct elf_deps *exe,
                                                     const char *exe_origin, char *out,
                                                     size_t size);

#endif
