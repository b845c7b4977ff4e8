/*
 * elf.h - validation of x86-64 ELF executables, shared by the LibOS loader and host tools.
 *
 * Pure code: no I/O, no allocation.  The caller reads the bytes; these functions decide
 * whether they describe a program Alcove can load, and say why not in plain words.
 */
#ifndef ALCOVE_COMMON_ELF_H
#define ALCOVE_COMMON_ELF_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    unsigned char e_ident[16];
    uint16_t e_type, e_machine;
    uint32_t e_version;
    uint64_t e_entry, e_phoff, e_shoff;
    uint32_t e_flags;
    uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
} elf64_ehdr;

typedef struct {
    uint32_t p_type, p_flags;
    uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
} elf64_phdr;

#define ELF_ET_EXEC 2
#define ELF_ET_DYN 3
#define ELF_EM_X86_64 62
#define ELF_PT_LOAD 1
#define ELF_PT_DYNAMIC 2
#define ELF_PT_INTERP 3
#define ELF_PT_PHDR 6
#define ELF_PT_TLS 7
#define ELF_PT_GNU_STACK 0x6474e551
#define ELF_PF_X 1
#define ELF_PF_W 2
#define ELF_PF_R 4
#define ELF_MAX_PHNUM 128
#define ELF_PAGE 4096ull

/* What the loader needs to know about a validated executable. */
struct elf_info {
    uint16_t type;           /* ELF_ET_EXEC or ELF_ET_DYN */
    uint64_t entry;          /* e_entry (unrelocated) */
    uint64_t phoff;          /* file offset of the program headers */
    uint16_t phnum;
    uint64_t lo, hi;         /* page-aligned [lo, hi) span of all PT_LOAD segments */
    uint64_t phdr_vaddr;     /* address of the program headers in memory (unrelocated), 0 if unknown */
    int interp;              /* index of PT_INTERP in the phdr array, -1 if none */
    uint64_t interp_off, interp_len;
    int exec_stack;          /* PT_GNU_STACK asked for an executable stack */
};

/* Check the ELF header in hdr (len bytes read from the start of a file of file_size bytes).
 * Returns 0 and fills the header part of *info, or -ENOEXEC (not an ELF, wrong class,
 * endianness, architecture or type, bad program header table) with *why set to a message. */
int elf_check_ehdr(const void *hdr, size_t len, uint64_t file_size, struct elf_info *info,
                   const char **why);

/* Check the phnum program headers (as read from info->phoff) and complete *info.
 * Rejects: no PT_LOAD, misaligned or overlapping/unsorted loads, filesz > memsz, segments
 * beyond the end of the file, address overflow, a bad PT_INTERP.  Returns 0 or -ENOEXEC
 * with *why set. */
int elf_check_phdrs(const elf64_phdr *ph, size_t phnum, uint64_t file_size, struct elf_info *info,
                    const char **why);

/* Convert Linux PF_* segment flags to PROT_* bits. */
int elf_prot(uint32_t p_flags);

#endif
