/*
 * mm.h - the program's address space as the rest of the core sees it (mm/mm.c).
 */
#ifndef ALCOVE_MM_MM_H
#define ALCOVE_MM_MM_H

#include "libos.h"
#include "fs/fs.h"

struct vma {
    uint64_t start, end;
    int prot, flags;  /* flags: VMA_* */
};
#define VMA_ANON 1
#define VMA_FILE 2
#define VMA_STACK 4
#define VMA_SHARED 8
#define VMA_HEAP 16
struct mm {
    struct vma *v;
    int n, cap;
    uint64_t brk_start, brk, brk_limit;
    uint64_t stack_top, stack_bottom;
    uint64_t mmap_hint;
};


/* memory map (mm.c) */
WUR int mm_init(struct mm *mm);
void mm_track(struct mm *mm, uint64_t start, uint64_t end, int prot, int flags);
void mm_untrack(struct mm *mm, uint64_t start, uint64_t end);
void mm_set_prot(struct mm *mm, uint64_t start, uint64_t end, int prot);
/* Unmap everything the program mapped (execve). */
void mm_unmap_all(struct mm *mm);
/* Map file bytes [off, off+len) of f at fixed addr with prot (loader, mmap). */
WUR int mm_map_file(struct mm *mm, uint64_t addr, size_t len, int prot, int shared, struct file *f,
                    uint64_t off, int fixed, uint64_t *out);
WUR long mm_format_maps(struct mm *mm, char **out);


/* Every page of [start, end) is mapped (no hole): 1, else 0. */
int mm_range_mapped(struct mm *mm, uint64_t start, uint64_t end);
/* Bytes of address space the program has mapped (RLIMIT_AS). */
uint64_t mm_total(const struct mm *mm);

#endif
