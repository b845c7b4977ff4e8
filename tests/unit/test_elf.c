/*
 * test_elf.c - unit tests for common/elf.c (elf_check_ehdr, elf_check_phdrs, elf_prot).
 *
 * Two sources of input: small executables built in memory field by field, and real
 * binaries read from disk (/bin/busybox static, /usr/bin/python3 dynamic, /bin/ls PIE)
 * together with truncated and corrupted copies of them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "elf.h"
#include "al_string.h"

/* ---- in-memory executables ------------------------------------------------------------ */

#define MAXPH 8
#define IMG_SIZE 0x3000

/* A small ET_EXEC image: ehdr at 0, phdrs at 64, interp string at 0x200, two PT_LOADs:
 *   [0x400000, 0x401000) from offset 0      (R X, covers the headers)
 *   [0x401000, 0x403000) from offset 0x1000 (RW, filesz 0x800, bss after)   */
struct img {
    union {
        elf64_ehdr eh;
        unsigned char bytes[IMG_SIZE];
    };
    uint64_t file_size;
};

static elf64_phdr *ph(struct img *m)
{
    return (elf64_phdr *)(m->bytes + m->eh.e_phoff);
}

static void img_init(struct img *m)
{
    al_memset(m, 0, sizeof(*m));
    elf64_ehdr *e = &m->eh;
    al_memcpy(e->e_ident, "\177ELF", 4);
    e->e_ident[4] = 2; /* ELFCLASS64 */
    e->e_ident[5] = 1; /* ELFDATA2LSB */
    e->e_ident[6] = 1; /* EV_CURRENT */
    e->e_type = ELF_ET_EXEC;
    e->e_machine = ELF_EM_X86_64;
    e->e_version = 1;
    e->e_entry = 0x400100;
    e->e_phoff = 64;
    e->e_ehsize = 64;
    e->e_phentsize = sizeof(elf64_phdr);
    e->e_phnum = 2;
    elf64_phdr *p = ph(m);
    p[0] = (elf64_phdr){ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, 0, 0x400000, 0x400000, 0x1000, 0x1000, 0x1000};
    p[1] = (elf64_phdr){ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, 0x1000, 0x401000, 0x401000, 0x800, 0x2000,
                        0x1000};
    al_memcpy(m->bytes + 0x200, "/lib64/ld-linux-x86-64.so.2", 28);
    m->file_size = 0x1800;
}

/* Add a program header at the end of the table. */
static elf64_phdr *img_add(struct img *m, elf64_phdr p)
{
    assert_true(m->eh.e_phnum < MAXPH);
    elf64_phdr *slot = &ph(m)[m->eh.e_phnum++];
    *slot = p;
    return slot;
}

static const char *why;
static struct elf_info info;

static int check_ehdr(struct img *m)
{
    why = NULL;
    return elf_check_ehdr(m->bytes, sizeof(elf64_ehdr), m->file_size, &info, &why);
}

/* Both stages, as the loader runs them. */
static int check(struct img *m)
{
    int r = check_ehdr(m);
    if (r)
        return r;
    return elf_check_phdrs(ph(m), info.phnum, m->file_size, &info, &why);
}

#define REJECT(expr)                                   \
    do {                                               \
        why = NULL;                                    \
        assert_int_equal((expr), -ENOEXEC);            \
        assert_non_null(why);                          \
        assert_true(al_strlen(why) > 0);               \
    } while (0)

/* ---- header --------------------------------------------------------------------------- */

static void test_valid_exec(void **state)
{
    (void)state;
    struct img m;
    img_init(&m);
    assert_int_equal(check(&m), 0);
    assert_int_equal(info.type, ELF_ET_EXEC);
    assert_int_equal(info.entry, 0x400100);
    assert_int_equal(info.phoff, 64);
    assert_int_equal(info.phnum, 2);
    assert_int_equal(info.lo, 0x400000);
    assert_int_equal(info.hi, 0x403000);
    assert_int_equal(info.interp, -1);
    assert_int_equal(info.exec_stack, 0);
    /* no PT_PHDR: the headers are found through the first PT_LOAD (offset 0) */
    assert_int_equal(info.phdr_vaddr, 0x400040);
}

static void test_valid_dyn(void **state)
{
    (void)state;
    struct img m;
    img_init(&m);
    m.eh.e_type = ELF_ET_DYN;
    ph(&m)[0].p_vaddr = ph(&m)[0].p_paddr = 0;
    ph(&m)[1].p_vaddr = ph(&m)[1].p_paddr = 0x1000;
    m.eh.e_entry = 0x120;
    assert_int_equal(check(&m), 0);
    assert_int_equal(info.type, ELF_ET_DYN);
    assert_int_equal(info.lo, 0);
    assert_int_equal(info.hi, 0x3000);
    assert_int_equal(info.phdr_vaddr, 0x40);
}

static void test_bad_magic(void **state)
{
    (void)state;
    struct img m;
    for (int i = 0; i < 4; i++) {
        img_init(&m);
        m.eh.e_ident[i] ^= 0x20;
        REJECT(check_ehdr(&m));
    }
    img_init(&m);
    al_memcpy(m.bytes, "#!/bin/sh\n", 10);
    REJECT(check_ehdr(&m));
    /* too short to hold even the magic */
    img_init(&m);
    REJECT(elf_check_ehdr(m.bytes, 0, 0, &info, &why));
    REJECT(elf_check_ehdr(m.bytes, 3, 3, &info, &why));
}

static void test_truncated_header(void **state)
{
    (void)state;
    struct img m;
    img_init(&m);
    REJECT(elf_check_ehdr(m.bytes, 4, 4, &info, &why));
    REJECT(elf_check_ehdr(m.bytes, sizeof(elf64_ehdr) - 1, sizeof(elf64_ehdr) - 1, &info, &why));
    /* the header alone, with the phdrs beyond the end of a 64-byte file */
    REJECT(elf_check_ehdr(m.bytes, sizeof(elf64_ehdr), sizeof(elf64_ehdr), &info, &why));
}

static void test_wrong_class(void **state)
{
    (void)state;
    struct img m;
    img_init(&m);
    m.eh.e_ident[4] = 1; /* ELFCLASS32 */
    REJECT(check_ehdr(&m));
    m.eh.e_ident[4] = 0;
    REJECT(check_ehdr(&m));
    m.eh.e_ident[4] = 3;
    REJECT(check_ehdr(&m));
}

static void test_big_endian(void **state)
{
    (void)state;
    struct img m;
    img_init(&m);
    m.eh.e_ident[5] = 2; /* ELFDATA2MSB */
    REJECT(check_ehdr(&m));
    m.eh.e_ident[5] = 0;
    REJECT(check_ehdr(&m));
}

static void test_bad_version(void **state)
{
    (void)state;
    struct img m;
    img_init(&m);
    m.eh.e_ident[6] = 0;
    REJECT(check_ehdr(&m));
    img_init(&m);
    m.eh.e_version = 2;
    REJECT(check_ehdr(&m));
}

static void test_wrong_machine(void **state)
{
    (void)state;
    static const uint16_t machines[] = {0, 3 /* i386 */, 40 /* ARM */, 183 /* AARCH64 */,
                                        243 /* RISC-V */, 0x3e00 /* byte-swapped x86-64 */};
    struct img m;
    for (size_t i = 0; i < sizeof(machines) / sizeof(machines[0]); i++) {
        img_init(&m);
        m.eh.e_machine = machines[i];
        REJECT(check_ehdr(&m));
    }
}

static void test_wrong_type(void **state)
{
    (void)state;
    static const uint16_t types[] = {0 /* NONE */, 1 /* REL */, 4 /* CORE */, 0xfe00, 0xffff};
    struct img m;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        img_init(&m);
        m.eh.e_type = types[i];
        REJECT(check_ehdr(&m));
    }
}

static void test_bad_phentsize(void **state)
{
    (void)state;
    static const uint16_t sizes[] = {0, 32, 55, 57, 64, 0xffff};
    struct img m;
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        img_init(&m);
        m.eh.e_phentsize = sizes[i];
        REJECT(check_ehdr(&m));
    }
}

static void test_bad_phnum(void **state)
{
    (void)state;
    struct img m;
    img_init(&m);
    m.eh.e_phnum = 0;
    REJECT(check_ehdr(&m));
    m.eh.e_phnum = 0xffff; /* PN_XNUM */
    m.file_size = 1ull << 40;
    REJECT(check_ehdr(&m));
    m.eh.e_phnum = ELF_MAX_PHNUM + 1;
    REJECT(check_ehdr(&m));
    /* the maximum is accepted when the file is large enough */
    m.eh.e_phnum = ELF_MAX_PHNUM;
    m.file_size = 64 + ELF_MAX_PHNUM * sizeof(elf64_phdr);
    assert_int_equal(check_ehdr(&m), 0);
    assert_int_equal(info.phnum, ELF_MAX_PHNUM);
    m.file_size--;
    REJECT(check_ehdr(&m));
}

static void test_bad_phoff(void **state)
{
    (void)state;
    struct img m;
    img_init(&m);
    m.eh.e_phoff = m.file_size;
    REJECT(check_ehdr(&m));
    m.eh.e_phoff = m.file_size + 1;
    REJECT(check_ehdr(&m));
    m.eh.e_phoff = m.file_size - 2 * sizeof(elf64_phdr) + 1; /* table straddles EOF */
    REJECT(check_ehdr(&m));
    m.eh.e_phoff = ~0ull - 8; /* offset + size wraps around */
    REJECT(check_ehdr(&m));
    m.eh.e_phoff = ~0ull;
    REJECT(check_ehdr(&m));
    /* the table ending exactly at EOF is fine */
    m.eh.e_phoff = m.file_size - 2 * sizeof(elf64_phdr);
    assert_int_equal(check_ehdr(&m), 0);
}

static void test_ehdr_info_reset(void **state)
{
    (void)state;
    struct img m;
    img_init(&m);
    al_memset(&info, 0x5a, sizeof(info));
    m.eh.e_machine = 183;
    REJECT(elf_check_ehdr(m.bytes, sizeof(elf64_ehdr), m.file_size, &info, &why));
    img_init(&m);
    al_memset(&info, 0x5a, sizeof(info));
    assert_int_equal(check(&m), 0);
    assert_int_equal(info.interp, -1);
    assert_int_equal(info.exec_stack, 0);
}

/* ---- program headers ----------------------------------------------------------------- */

static void test_filesz_gt_memsz(void **state)
{
    (void)state;
    struct img m;
    img_init(&m);
    ph(&m)[1].p_filesz = ph(&m)[1].p_memsz + 1;
    REJECT(check(&m));
    /* equal is fine */
    img_init(&m);
    ph(&m)[1].p_memsz = ph(&m)[1].p_filesz;
    assert_int_equal(check(&m), 0);
    assert_int_equal(info.hi, 0x402000);
}

static void test_segment_beyond_file(void **state)
{
    (void)state;
    struct img m;
    img_init(&m);
    m.file_size = 0x17ff; /* second segment needs [0x1000, 0x1800) */
    REJECT(check(&m));
    img_init(&m);
    ph(&m)[1].p_offset = 0x2000;
    ph(&m)[1].p_vaddr = 0x402000;
    REJECT(check(&m));
    img_init(&m);
    ph(&m)[1].p_filesz = ~0ull; /* offset + filesz wraps */
    ph(&m)[1].p_memsz = ~0ull;
    REJECT(check(&m));
    img_init(&m);
    ph(&m)[1].p_offset = ~0ull & ~0xfffull;
    ph(&m)[1].p_vaddr = 0x401000;
    REJECT(check(&m));
    /* ending exactly at EOF is fine */
    img_init(&m);
    m.file_size = 0x1800;
    assert_int_equal(check(&m), 0);
}

static void test_address_range(void **state)
{
    (void)state;
    struct img m;
    img_init(&m);
    ph(&m)[1].p_memsz = ~0ull - 0x1000; /* vaddr + memsz wraps */
    REJECT(check(&m));
    img_init(&m);
    ph(&m)[1].p_vaddr = (1ull << 47); /* non-canonical user address */
    ph(&m)[1].p_offset = 0x1000;
    REJECT(check(&m));
    img_init(&m);
    ph(&m)[1].p_vaddr = (1ull << 47) - 0x1000; /* ends exactly at 2^47 - 0x1000 + 0x2000 */
    REJECT(check(&m));
    img_init(&m);
    ph(&m)[1].p_vaddr = (1ull << 47) - 0x2000; /* ends exactly at 2^47: allowed */
    m.eh.e_entry = 0x400100;
    assert_int_equal(check(&m), 0);
    assert_int_equal(info.hi, 1ull << 47);
}

static void test_misaligned(void **state)
{
    (void)state;
    struct img m;
    img_init(&m);
    ph(&m)[1].p_vaddr += 0x10; /* vaddr and offset no longer congruent mod 4096 */
    REJECT(check(&m));
    img_init(&m);
    ph(&m)[1].p_offset += 0x8;
    REJECT(check(&m));
    img_init(&m);
    ph(&m)[0].p_vaddr = 0x400800;
    REJECT(check(&m));
    /* congruent but not page aligned is fine (like real data segments) */
    img_init(&m);
    ph(&m)[1].p_offset = 0x1100;
    ph(&m)[1].p_vaddr = 0x401100;
    ph(&m)[1].p_filesz = 0x600;
    assert_int_equal(check(&m), 0);
    assert_int_equal(info.hi, 0x404000);
}

static void test_unsorted_loads(void **state)
{
    (void)state;
    struct img m;
    img_init(&m);
    elf64_phdr t = ph(&m)[0];
    ph(&m)[0] = ph(&m)[1];
    ph(&m)[1] = t;
    REJECT(check(&m));
}

static void test_overlapping_loads(void **state)
{
    (void)state;
    struct img m;
    img_init(&m);
    ph(&m)[1].p_vaddr = 0x401800; /* a gap after the first segment is fine */
    ph(&m)[1].p_offset = 0x1800;
    m.file_size = 0x2000;
    assert_int_equal(check(&m), 0);
    /* overlapping: second starts inside the first */
    img_init(&m);
    ph(&m)[0].p_memsz = ph(&m)[0].p_filesz = 0x1000;
    ph(&m)[1].p_vaddr = 0x400800;
    ph(&m)[1].p_offset = 0x800;
    REJECT(check(&m));
    /* the same segment twice */
    img_init(&m);
    ph(&m)[1] = ph(&m)[0];
    REJECT(check(&m));
    /* three loads, the third back in the middle */
    img_init(&m);
    img_add(&m, (elf64_phdr){ELF_PT_LOAD, ELF_PF_R, 0x1000, 0x402000, 0x402000, 0x100, 0x100, 0x1000});
    REJECT(check(&m));
    /* adjacent segments (end == start) are fine */
    img_init(&m);
    assert_int_equal(ph(&m)[0].p_vaddr + ph(&m)[0].p_memsz, ph(&m)[1].p_vaddr);
    assert_int_equal(check(&m), 0);
}

static void test_no_load(void **state)
{
    (void)state;
    struct img m;
    img_init(&m);
    ph(&m)[0].p_type = 4; /* PT_NOTE */
    ph(&m)[1].p_type = 0; /* PT_NULL */
    REJECT(check(&m));
    img_init(&m);
    ph(&m)[0].p_type = ELF_PT_INTERP;
    ph(&m)[0].p_offset = 0x200;
    ph(&m)[0].p_filesz = 28;
    ph(&m)[1].p_type = ELF_PT_GNU_STACK;
    REJECT(check(&m));
}

static void test_entry_outside(void **state)
{
    (void)state;
    static const uint64_t bad[] = {0, 0x3fffff, 0x403000, 0x500000, ~0ull};
    struct img m;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        img_init(&m);
        m.eh.e_entry = bad[i];
        REJECT(check(&m));
    }
    static const uint64_t good[] = {0x400000, 0x400fff, 0x401000, 0x402fff};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        img_init(&m);
        m.eh.e_entry = good[i];
        assert_int_equal(check(&m), 0);
    }
}

static void test_page_zero(void **state)
{
    (void)state;
    struct img m;
    img_init(&m);
    ph(&m)[0].p_vaddr = 0;
    ph(&m)[1].p_vaddr = 0x1000;
    m.eh.e_entry = 0x100;
    REJECT(check(&m)); /* ET_EXEC may not ask for page zero */
    m.eh.e_type = ELF_ET_DYN;
    assert_int_equal(check(&m), 0); /* ET_DYN gets relocated */
}

static void test_interp(void **state)
{
    (void)state;
    struct img m;
    img_init(&m);
    img_add(&m, (elf64_phdr){ELF_PT_INTERP, ELF_PF_R, 0x200, 0x400200, 0x400200, 28, 28, 1});
    assert_int_equal(check(&m), 0);
    assert_int_equal(info.interp, 2);
    assert_int_equal(info.interp_off, 0x200);
    assert_int_equal(info.interp_len, 28);
    /* PT_INTERP first, as linkers emit it */
    img_init(&m);
    elf64_phdr *p = ph(&m);
    p[2] = p[1];
    p[1] = p[0];
    p[0] = (elf64_phdr){ELF_PT_INTERP, ELF_PF_R, 0x200, 0x400200, 0x400200, 28, 28, 1};
    m.eh.e_phnum = 3;
    assert_int_equal(check(&m), 0);
    assert_int_equal(info.interp, 0);
}

static void test_interp_bad(void **state)
{
    (void)state;
    static const uint64_t bad_size[] = {0, 1, 4097, ~0ull};
    struct img m;
    for (size_t i = 0; i < sizeof(bad_size) / sizeof(bad_size[0]); i++) {
        img_init(&m);
        img_add(&m, (elf64_phdr){ELF_PT_INTERP, ELF_PF_R, 0x200, 0, 0, bad_size[i], bad_size[i], 1});
        REJECT(check(&m));
    }
    /* beyond the end of the file */
    img_init(&m);
    img_add(&m, (elf64_phdr){ELF_PT_INTERP, ELF_PF_R, 0x1800, 0, 0, 28, 28, 1});
    REJECT(check(&m));
    img_init(&m);
    img_add(&m, (elf64_phdr){ELF_PT_INTERP, ELF_PF_R, 0x17f0, 0, 0, 28, 28, 1});
    REJECT(check(&m));
    img_init(&m);
    img_add(&m, (elf64_phdr){ELF_PT_INTERP, ELF_PF_R, ~0ull - 4, 0, 0, 28, 28, 1});
    REJECT(check(&m));
    /* two PT_INTERP */
    img_init(&m);
    img_add(&m, (elf64_phdr){ELF_PT_INTERP, ELF_PF_R, 0x200, 0, 0, 28, 28, 1});
    img_add(&m, (elf64_phdr){ELF_PT_INTERP, ELF_PF_R, 0x200, 0, 0, 28, 28, 1});
    REJECT(check(&m));
    /* boundary sizes that are allowed */
    img_init(&m);
    img_add(&m, (elf64_phdr){ELF_PT_INTERP, ELF_PF_R, 0x200, 0, 0, 2, 2, 1});
    assert_int_equal(check(&m), 0);
    img_init(&m);
    m.file_size = 0x2000;
    img_add(&m, (elf64_phdr){ELF_PT_INTERP, ELF_PF_R, 0x1000, 0, 0, 4096, 4096, 1});
    assert_int_equal(check(&m), 0);
}

static void test_phdr_and_stack(void **state)
{
    (void)state;
    struct img m;
    img_init(&m);
    img_add(&m, (elf64_phdr){ELF_PT_PHDR, ELF_PF_R, 64, 0x400040, 0x400040, 3 * 56, 3 * 56, 8});
    assert_int_equal(check(&m), 0);
    assert_int_equal(info.phdr_vaddr, 0x400040);
    img_init(&m);
    img_add(&m, (elf64_phdr){ELF_PT_GNU_STACK, ELF_PF_R | ELF_PF_W | ELF_PF_X, 0, 0, 0, 0, 0, 16});
    assert_int_equal(check(&m), 0);
    assert_int_equal(info.exec_stack, 1);
    img_init(&m);
    img_add(&m, (elf64_phdr){ELF_PT_GNU_STACK, ELF_PF_R | ELF_PF_W, 0, 0, 0, 0, 0, 16});
    assert_int_equal(check(&m), 0);
    assert_int_equal(info.exec_stack, 0);
    /* headers not covered by any PT_LOAD and no PT_PHDR: unknown (0) */
    img_init(&m);
    ph(&m)[0].p_offset = 0x1000;
    ph(&m)[0].p_filesz = 0x10;
    ph(&m)[0].p_memsz = 0x1000;
    assert_int_equal(check(&m), 0);
    assert_int_equal(info.phdr_vaddr, 0);
}

static void test_prot(void **state)
{
    (void)state;
    assert_int_equal(elf_prot(0), PROT_NONE);
    assert_int_equal(elf_prot(ELF_PF_R), PROT_READ);
    assert_int_equal(elf_prot(ELF_PF_W), PROT_WRITE);
    assert_int_equal(elf_prot(ELF_PF_X), PROT_EXEC);
    assert_int_equal(elf_prot(ELF_PF_R | ELF_PF_W), PROT_READ | PROT_WRITE);
    assert_int_equal(elf_prot(ELF_PF_R | ELF_PF_X), PROT_READ | PROT_EXEC);
    assert_int_equal(elf_prot(ELF_PF_R | ELF_PF_W | ELF_PF_X), PROT_READ | PROT_WRITE | PROT_EXEC);
    /* OS/processor-specific mask bits are ignored */
    assert_int_equal(elf_prot(0xfff00000u | ELF_PF_R), PROT_READ);
}

/* ---- real binaries -------------------------------------------------------------------- */

struct file {
    unsigned char *data;
    size_t size;
};

static int read_file(const char *path, struct file *f)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return -1;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    f->data = malloc((size_t)n + 1);
    assert_non_null(f->data);
    f->size = fread(f->data, 1, (size_t)n, fp);
    fclose(fp);
    assert_int_equal(f->size, (size_t)n);
    return 0;
}

/* Run both checks on an in-memory file image of the given (possibly truncated) size. */
static int check_file(const unsigned char *data, size_t size)
{
    why = NULL;
    int r = elf_check_ehdr(data, size < 64 ? size : 64, size, &info, &why);
    if (r)
        return r;
    /* copy the phdrs to an aligned buffer, as a loader reading them would */
    static elf64_phdr phs[ELF_MAX_PHNUM];
    al_memcpy(phs, data + info.phoff, info.phnum * sizeof(elf64_phdr));
    return elf_check_phdrs(phs, info.phnum, size, &info, &why);
}

static elf64_phdr *file_ph(struct file *f, size_t i)
{
    const elf64_ehdr *e = (const elf64_ehdr *)f->data;
    return (elf64_phdr *)(f->data + e->e_phoff) + i;
}

static uint16_t file_phnum(struct file *f)
{
    return ((const elf64_ehdr *)f->data)->e_phnum;
}

/* Expected facts about a real binary, computed independently of elf.c. */
static void expect_file(struct file *f)
{
    const elf64_ehdr *e = (const elf64_ehdr *)f->data;
    uint64_t lo = ~0ull, hi = 0, phdr = 0, end = 0;
    int interp = -1;
    for (size_t i = 0; i < e->e_phnum; i++) {
        elf64_phdr *p = file_ph(f, i);
        if (p->p_type == ELF_PT_LOAD) {
            if ((p->p_vaddr & ~0xfffull) < lo)
                lo = p->p_vaddr & ~0xfffull;
            if (((p->p_vaddr + p->p_memsz + 0xfff) & ~0xfffull) > hi)
                hi = (p->p_vaddr + p->p_memsz + 0xfff) & ~0xfffull;
            if (p->p_offset + p->p_filesz > end)
                end = p->p_offset + p->p_filesz;
        } else if (p->p_type == ELF_PT_PHDR) {
            phdr = p->p_vaddr;
        } else if (p->p_type == ELF_PT_INTERP) {
            interp = (int)i;
        }
    }
    assert_int_equal(check_file(f->data, f->size), 0);
    assert_int_equal(info.type, e->e_type);
    assert_int_equal(info.entry, e->e_entry);
    assert_int_equal(info.phnum, e->e_phnum);
    assert_int_equal(info.lo, lo);
    assert_int_equal(info.hi, hi);
    assert_int_equal(info.interp, interp);
    if (phdr)
        assert_int_equal(info.phdr_vaddr, phdr);
    if (interp >= 0) {
        assert_true(info.interp_off + info.interp_len <= f->size);
        const char *s = (const char *)f->data + info.interp_off;
        assert_int_equal(s[info.interp_len - 1], '\0');
        assert_string_equal(s, "/lib64/ld-linux-x86-64.so.2");
    }
    /* the last byte any PT_LOAD needs: one byte less must be refused */
    assert_int_equal(check_file(f->data, end), 0);
    REJECT(check_file(f->data, end - 1));
    assert_int_equal(check_file(f->data, f->size), 0); /* leave info for the caller */
}

#define LOAD_OR_SKIP(path, f)                                       \
    do {                                                            \
        if (read_file((path), (f)) != 0) {                          \
            fprintf(stderr, "  (%s not readable, skipped)\n", path); \
            skip();                                                 \
        }                                                           \
    } while (0)

static void test_real_busybox(void **state)
{
    (void)state;
    struct file f;
    LOAD_OR_SKIP("/bin/busybox", &f);
    expect_file(&f);
    assert_int_equal(info.type, ELF_ET_EXEC);
    assert_int_equal(info.interp, -1);
    /* static busybox has no PT_PHDR: found through the first PT_LOAD */
    assert_int_equal(info.phdr_vaddr, info.lo + 64);
    free(f.data);
}

static void test_real_python(void **state)
{
    (void)state;
    struct file f;
    LOAD_OR_SKIP("/usr/bin/python3", &f);
    expect_file(&f);
    assert_true(info.interp >= 0);
    free(f.data);
}

static void test_real_pie(void **state)
{
    (void)state;
    struct file f;
    LOAD_OR_SKIP("/bin/ls", &f);
    expect_file(&f);
    assert_int_equal(info.type, ELF_ET_DYN);
    assert_int_equal(info.lo, 0);
    free(f.data);
}

static void test_real_truncated(void **state)
{
    (void)state;
    static const char *paths[] = {"/bin/busybox", "/usr/bin/python3"};
    for (size_t k = 0; k < 2; k++) {
        struct file f;
        LOAD_OR_SKIP(paths[k], &f);
        static const size_t sizes[] = {0, 1, 3, 4, 16, 63, 64, 100, 600, 1000, 4096, 0x10000};
        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
            REJECT(check_file(f.data, sizes[i]));
        free(f.data);
    }
}

/* Apply one corruption to a fresh copy of a real binary and expect a refusal. */
typedef void (*corrupt_fn)(struct file *f);

static void c_magic(struct file *f) { f->data[1] = 'e'; }
static void c_class32(struct file *f) { f->data[4] = 1; }
static void c_bigendian(struct file *f) { f->data[5] = 2; }
static void c_aarch64(struct file *f) { ((elf64_ehdr *)f->data)->e_machine = 183; }
static void c_rel(struct file *f) { ((elf64_ehdr *)f->data)->e_type = 1; }
static void c_phentsize(struct file *f) { ((elf64_ehdr *)f->data)->e_phentsize = 64; }
static void c_phnum0(struct file *f) { ((elf64_ehdr *)f->data)->e_phnum = 0; }
static void c_phnumhuge(struct file *f) { ((elf64_ehdr *)f->data)->e_phnum = 0xffff; }
static void c_phoff(struct file *f) { ((elf64_ehdr *)f->data)->e_phoff = f->size; }
static void c_entry0(struct file *f) { ((elf64_ehdr *)f->data)->e_entry = 0x10; }
static void c_entryhigh(struct file *f) { ((elf64_ehdr *)f->data)->e_entry = 0x7fffffff0000ull; }

static elf64_phdr *nth_load(struct file *f, int n)
{
    for (size_t i = 0; i < file_phnum(f); i++)
        if (file_ph(f, i)->p_type == ELF_PT_LOAD && n-- == 0)
            return file_ph(f, i);
    fail_msg("binary has too few PT_LOADs");
    return NULL;
}

static void c_filesz(struct file *f)
{
    elf64_phdr *p = nth_load(f, 1);
    p->p_filesz = p->p_memsz + 0x1000;
}
static void c_beyond(struct file *f)
{
    elf64_phdr *p = nth_load(f, 1);
    p->p_filesz = p->p_memsz = f->size;
}
static void c_swap(struct file *f)
{
    elf64_phdr *a = nth_load(f, 0), *b = nth_load(f, 1), t = *a;
    *a = *b;
    *b = t;
}
static void c_overlap(struct file *f)
{
    elf64_phdr *a = nth_load(f, 0), *b = nth_load(f, 1);
    a->p_memsz = b->p_vaddr - a->p_vaddr + 0x1000;
}
static void c_misalign(struct file *f) { nth_load(f, 1)->p_vaddr += 0x10; }
static void c_noload(struct file *f)
{
    for (size_t i = 0; i < file_phnum(f); i++)
        if (file_ph(f, i)->p_type == ELF_PT_LOAD)
            file_ph(f, i)->p_type = 0;
}
static void c_interp_len(struct file *f)
{
    for (size_t i = 0; i < file_phnum(f); i++)
        if (file_ph(f, i)->p_type == ELF_PT_INTERP)
            file_ph(f, i)->p_filesz = 0;
}
static void c_interp_off(struct file *f)
{
    for (size_t i = 0; i < file_phnum(f); i++)
        if (file_ph(f, i)->p_type == ELF_PT_INTERP)
            file_ph(f, i)->p_offset = f->size - 4;
}
static void c_interp_dup(struct file *f)
{
    /* turn a PT_NOTE into a second PT_INTERP */
    elf64_phdr *interp = NULL;
    for (size_t i = 0; i < file_phnum(f); i++)
        if (file_ph(f, i)->p_type == ELF_PT_INTERP)
            interp = file_ph(f, i);
    assert_non_null(interp);
    for (size_t i = 0; i < file_phnum(f); i++)
        if (file_ph(f, i)->p_type == 4 /* PT_NOTE */) {
            *file_ph(f, i) = *interp;
            return;
        }
    fail_msg("no PT_NOTE to replace");
}

static void run_corruptions(const char *path, const corrupt_fn *fns, size_t n)
{
    struct file orig;
    LOAD_OR_SKIP(path, &orig);
    assert_int_equal(check_file(orig.data, orig.size), 0);
    unsigned char *copy = malloc(orig.size);
    assert_non_null(copy);
    for (size_t i = 0; i < n; i++) {
        al_memcpy(copy, orig.data, orig.size);
        struct file f = {copy, orig.size};
        fns[i](&f);
        why = NULL;
        int r = check_file(f.data, f.size);
        if (r != -ENOEXEC)
            fail_msg("%s: corruption #%zu accepted (r=%d)", path, i, r);
        assert_non_null(why);
    }
    free(copy);
    free(orig.data);
}

static void test_real_corrupted(void **state)
{
    (void)state;
    static const corrupt_fn common_fns[] = {c_magic,   c_class32,   c_bigendian, c_aarch64, c_rel,
                                            c_phentsize, c_phnum0, c_phnumhuge, c_phoff,   c_entry0,
                                            c_entryhigh, c_filesz, c_beyond,    c_swap,    c_overlap,
                                            c_misalign,  c_noload};
    run_corruptions("/bin/busybox", common_fns, sizeof(common_fns) / sizeof(common_fns[0]));
    run_corruptions("/usr/bin/python3", common_fns, sizeof(common_fns) / sizeof(common_fns[0]));
    static const corrupt_fn interp_fns[] = {c_interp_len, c_interp_off, c_interp_dup};
    run_corruptions("/usr/bin/python3", interp_fns, sizeof(interp_fns) / sizeof(interp_fns[0]));
}

/* Random corruption of the headers of a real binary: never crash, and whatever is accepted
 * must satisfy the promises the loader relies on. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void test_real_fuzz(void **state)
{
    (void)state;
    struct file orig;
    LOAD_OR_SKIP("/usr/bin/python3", &orig);
    const elf64_ehdr *oe = (const elf64_ehdr *)orig.data;
    size_t hdr_end = oe->e_phoff + oe->e_phnum * sizeof(elf64_phdr);
    unsigned char *copy = malloc(orig.size);
    assert_non_null(copy);
    int accepted = 0;
    for (int iter = 0; iter < 20000; iter++) {
        al_memcpy(copy, orig.data, hdr_end);
        int flips = 1 + (int)(rnd() % 4);
        for (int k = 0; k < flips; k++) {
            size_t at = rnd() % hdr_end;
            if (rnd() & 1)
                copy[at] ^= (unsigned char)(1u << (rnd() % 8));
            else
                copy[at] = (unsigned char)rnd();
        }
        /* the rest of the file is unchanged; only the headers are copied fresh */
        size_t size = (rnd() % 8 == 0) ? (size_t)(rnd() % orig.size) : orig.size;
        if (size > hdr_end)
            al_memcpy(copy + hdr_end, orig.data + hdr_end, size - hdr_end);
        why = NULL;
        int r = check_file(copy, size);
        if (r != 0) {
            assert_int_equal(r, -ENOEXEC);
            assert_non_null(why);
            continue;
        }
        accepted++;
        /* invariants of an accepted file */
        const elf64_ehdr *e = (const elf64_ehdr *)copy;
        assert_int_equal(e->e_machine, ELF_EM_X86_64);
        assert_true(info.phoff + info.phnum * sizeof(elf64_phdr) <= size);
        assert_true(info.lo < info.hi);
        assert_true(info.hi <= (1ull << 47));
        assert_true(info.entry >= info.lo && info.entry < info.hi);
        assert_int_equal(info.lo % ELF_PAGE, 0);
        assert_int_equal(info.hi % ELF_PAGE, 0);
        const elf64_phdr *p = (const elf64_phdr *)(copy + info.phoff);
        for (size_t i = 0; i < info.phnum; i++) {
            elf64_phdr q;
            al_memcpy(&q, &p[i], sizeof(q));
            if (q.p_type != ELF_PT_LOAD)
                continue;
            assert_true(q.p_filesz <= q.p_memsz);
            assert_true(q.p_offset <= size && q.p_filesz <= size - q.p_offset);
            assert_true(q.p_vaddr >= info.lo && q.p_vaddr + q.p_memsz <= info.hi);
            assert_int_equal((q.p_vaddr - q.p_offset) % ELF_PAGE, 0);
        }
        if (info.interp >= 0) {
            assert_true(info.interp_len >= 2 && info.interp_len <= 4096);
            assert_true(info.interp_off + info.interp_len <= size);
        }
    }
    assert_true(accepted > 0); /* some mutations are harmless, e.g. in p_paddr */
    free(copy);
    free(orig.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_exec),
        cmocka_unit_test(test_valid_dyn),
        cmocka_unit_test(test_bad_magic),
        cmocka_unit_test(test_truncated_header),
        cmocka_unit_test(test_wrong_class),
        cmocka_unit_test(test_big_endian),
        cmocka_unit_test(test_bad_version),
        cmocka_unit_test(test_wrong_machine),
        cmocka_unit_test(test_wrong_type),
        cmocka_unit_test(test_bad_phentsize),
        cmocka_unit_test(test_bad_phnum),
        cmocka_unit_test(test_bad_phoff),
        cmocka_unit_test(test_ehdr_info_reset),
        cmocka_unit_test(test_filesz_gt_memsz),
        cmocka_unit_test(test_segment_beyond_file),
        cmocka_unit_test(test_address_range),
        cmocka_unit_test(test_misaligned),
        cmocka_unit_test(test_unsorted_loads),
        cmocka_unit_test(test_overlapping_loads),
        cmocka_unit_test(test_no_load),
        cmocka_unit_test(test_entry_outside),
        cmocka_unit_test(test_page_zero),
        cmocka_unit_test(test_interp),
        cmocka_unit_test(test_interp_bad),
        cmocka_unit_test(test_phdr_and_stack),
        cmocka_unit_test(test_prot),
        cmocka_unit_test(test_real_busybox),
        cmocka_unit_test(test_real_python),
        cmocka_unit_test(test_real_pie),
        cmocka_unit_test(test_real_truncated),
        cmocka_unit_test(test_real_corrupted),
        cmocka_unit_test(test_real_fuzz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
