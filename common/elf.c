/*
 * elf.c - validation of x86-64 executables (see elf.h).
 *
 * Everything here treats the file as hostile: every offset and size is checked for
 * overflow and against the file size before the loader trusts it.
 */
#include "elf.h"
#include "al_string.h"

#include <asm-generic/errno-base.h>
#include <asm-generic/errno.h>

#define FAIL(msg)          \
    do {                   \
        *why = (msg);      \
        return -ENOEXEC;   \
    } while (0)

int elf_prot(uint32_t f)
{
    return ((f & ELF_PF_R) ? 1 : 0) | ((f & ELF_PF_W) ? 2 : 0) | ((f & ELF_PF_X) ? 4 : 0);
}

int elf_check_ehdr(const void *hdr, size_t len, uint64_t file_size, struct elf_info *info,
                   const char **why)
{
    const elf64_ehdr *e = hdr;
    al_memset(info, 0, sizeof(*info));
    info->interp = -1;
    if (len < 4 || al_memcmp(e->e_ident, "\177ELF", 4) != 0)
        FAIL("not an ELF file");
    if (len < sizeof(*e))
        FAIL("truncated ELF header");
    if (e->e_ident[4] != 2)
        FAIL("not a 64-bit ELF file (wrong class)");
    if (e->e_ident[5] != 1)
        FAIL("not a little-endian ELF file");
    if (e->e_ident[6] != 1 || e->e_version != 1)
        FAIL("unknown ELF version");
    if (e->e_machine != ELF_EM_X86_64)
        FAIL("wrong architecture (not x86-64)");
    if (e->e_type != ELF_ET_EXEC && e->e_type != ELF_ET_DYN)
        FAIL("not an executable (ELF type is neither EXEC nor DYN)");
    if (e->e_phentsize != sizeof(elf64_phdr))
        FAIL("corrupt program headers (bad entry size)");
    if (e->e_phnum == 0 || e->e_phnum > ELF_MAX_PHNUM)
        FAIL("corrupt program headers (bad count)");
    uint64_t phsize = (uint64_t)e->e_phnum * sizeof(elf64_phdr);
    if (e->e_phoff > file_size || phsize > file_size - e->e_phoff)
        FAIL("corrupt program headers (beyond end of file)");
    info->type = e->e_type;
    info->entry = e->e_entry;
    info->phoff = e->e_phoff;
    info->phnum = e->e_phnum;
    return 0;
}

int elf_check_phdrs(const elf64_phdr *ph, size_t phnum, uint64_t file_size, struct elf_info *info,
                    const char **why)
{
    uint64_t lo = ~0ull, hi = 0, prev_end = 0;
    int nload = 0;
    info->interp = -1;
    info->phdr_vaddr = 0;
    info->exec_stack = 0;
    for (size_t i = 0; i < phnum; i++) {
        const elf64_phdr *p = &ph[i];
        switch (p->p_type) {
        case ELF_PT_LOAD: {
            if (p->p_filesz > p->p_memsz)
                FAIL("corrupt segment (file size larger than memory size)");
            if (p->p_offset > file_size || p->p_filesz > file_size - p->p_offset)
                FAIL("truncated file (segment extends beyond end of file)");
            if (p->p_vaddr + p->p_memsz < p->p_vaddr || p->p_vaddr + p->p_memsz > (1ull << 47))
                FAIL("corrupt segment (address out of range)");
            if ((p->p_vaddr - p->p_offset) % ELF_PAGE != 0)
                FAIL("corrupt segment (address and offset not congruent modulo page size)");
            uint64_t s = p->p_vaddr & ~(ELF_PAGE - 1);
            uint64_t e = (p->p_vaddr + p->p_memsz + ELF_PAGE - 1) & ~(ELF_PAGE - 1);
            if (nload && p->p_vaddr < prev_end)
                FAIL("corrupt segments (PT_LOAD not sorted or overlapping)");
            prev_end = p->p_vaddr + p->p_memsz;
            if (s < lo)
                lo = s;
            if (e > hi)
                hi = e;
            nload++;
            break;
        }
        case ELF_PT_INTERP:
            if (info->interp >= 0)
                FAIL("corrupt program headers (two PT_INTERP)");
            if (p->p_filesz < 2 || p->p_filesz > 4096 || p->p_offset > file_size ||
                p->p_filesz > file_size - p->p_offset)
                FAIL("corrupt PT_INTERP");
            info->interp = (int)i;
            info->interp_off = p->p_offset;
            info->interp_len = p->p_filesz;
            break;
        case ELF_PT_PHDR:
            info->phdr_vaddr = p->p_vaddr;
            break;
        case ELF_PT_GNU_STACK:
            info->exec_stack = (p->p_flags & ELF_PF_X) != 0;
            break;
        default:
            break;
        }
    }
    if (!nload)
        FAIL("no loadable segments");
    if (info->type == ELF_ET_EXEC && lo < ELF_PAGE)
        FAIL("corrupt segment (fixed address in page zero)");
    info->lo = lo;
    info->hi = hi;
    /* Without PT_PHDR, the headers are in memory if a PT_LOAD covers them at offset 0. */
    if (!info->phdr_vaddr) {
        for (size_t i = 0; i < phnum; i++) {
            const elf64_phdr *p = &ph[i];
            if (p->p_type == ELF_PT_LOAD && p->p_offset <= info->phoff &&
                info->phoff + phnum * sizeof(elf64_phdr) <= p->p_offset + p->p_filesz) {
                info->phdr_vaddr = p->p_vaddr + (info->phoff - p->p_offset);
                break;
            }
        }
    }
    if (info->entry < lo || info->entry >= hi)
        FAIL("corrupt entry point (outside every loadable segment)");
    return 0;
}
