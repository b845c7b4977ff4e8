/*
 * coremeasure.c - the core image digest and the measurement (coremeasure.h).
 *
 * Pure code over caller-provided bytes: no I/O, no allocation.  The at() callback is
 * asked for every range before it is read, so a file view can bounds-check each one.
 */
#include "coremeasure.h"
#include "elf.h"
#include "sha256.h"
#include "al_string.h"

#define DT_NULL 0
#define DT_RELA 7
#define DT_RELASZ 8
#define DT_RELAENT 9
#define DT_REL 17
#define DT_JMPREL 23
#define R_X86_64_RELATIVE 8

static void le64(uint8_t b[8], uint64_t v)
{
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t rd64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void put64(struct al_sha256 *h, uint64_t v)
{
    uint8_t b[8];
    le64(b, v);
    al_sha256_update(h, b, 8);
}

/* The relocation table: rela (nrela entries of 24 bytes), or NULL/0 without one. */
static int find_rela(al_core_at_fn at, void *ctx, const elf64_phdr *ph, int phnum,
                     const uint8_t **rela, uint64_t *nrela, const char **why)
{
    *rela = 0;
    *nrela = 0;
    for (int i = 0; i < phnum; i++) {
        if (ph[i].p_type != ELF_PT_DYNAMIC)
            continue;
        const uint8_t *dyn = at(ctx, ph[i].p_vaddr, ph[i].p_filesz);
        if (!dyn) {
            *why = "PT_DYNAMIC is not in a loaded segment";
            return -1;
        }
        uint64_t addr = 0, size = 0, ent = 24;
        for (uint64_t off = 0; off + 16 <= ph[i].p_filesz; off += 16) {
            uint64_t tag = rd64(dyn + off), val = rd64(dyn + off + 8);
            if (tag == DT_NULL)
                break;
            if (tag == DT_RELA)
                addr = val;
            else if (tag == DT_RELASZ)
                size = val;
            else if (tag == DT_RELAENT)
                ent = val;
            else if (tag == DT_REL || tag == DT_JMPREL) {
                *why = "the core has DT_REL or PLT relocations (not a plain static PIE)";
                return -1;
            }
        }
        if (ent != 24 || size % 24) {
            *why = "bad DT_RELAENT/DT_RELASZ";
            return -1;
        }
        if (size) {
            *rela = at(ctx, addr, size);
            if (!*rela) {
                *why = "DT_RELA is not in a loaded segment";
                return -1;
            }
        }
        *nrela = size / 24;
    }
    return 0;
}

int al_core_image_digest(al_core_at_fn at, void *ctx, uint8_t out[32], const char **why)
{
    static const char magic[4] = {0x7f, 'E', 'L', 'F'};
    const elf64_ehdr *eh = (const elf64_ehdr *)at(ctx, 0, sizeof(elf64_ehdr));
    *why = "";
    if (!eh || al_memcmp(eh->e_ident, magic, 4) || eh->e_phentsize != sizeof(elf64_phdr) ||
        eh->e_phnum == 0 || eh->e_phnum > ELF_MAX_PHNUM) {
        *why = "not an ELF file with program headers mapped at address 0";
        return -1;
    }
    int phnum = eh->e_phnum;
    const elf64_phdr *ph = (const elf64_phdr *)at(ctx, eh->e_phoff, (uint64_t)phnum * sizeof(*ph));
    if (!ph) {
        *why = "the program headers are not in the first segment";
        return -1;
    }
    const uint8_t *rela;
    uint64_t nrela;
    if (find_rela(at, ctx, ph, phnum, &rela, &nrela, why) < 0)
        return -1;
    uint64_t rlo = ~0ull, rhi = 0; /* the slots' range: chunks outside it have none */
    for (uint64_t r = 0; r < nrela; r++) {
        if ((rd64(rela + 24 * r + 8) & 0xffffffff) != R_X86_64_RELATIVE) {
            *why = "the core has a relocation other than R_X86_64_RELATIVE";
            return -1;
        }
        uint64_t slot = rd64(rela + 24 * r);
        rlo = slot < rlo ? slot : rlo;
        rhi = slot + 8 > rhi ? slot + 8 : rhi;
    }
    struct al_sha256 h;
    al_sha256_init(&h);
    al_sha256_update(&h, "alcove-core-image-v1", 21);
    for (int i = 0; i < phnum; i++) {
        if (ph[i].p_type != ELF_PT_LOAD)
            continue;
        uint64_t va = ph[i].p_vaddr, fsz = ph[i].p_filesz;
        put64(&h, va);
        put64(&h, ph[i].p_memsz);
        put64(&h, fsz);
        put64(&h, ph[i].p_flags);
        /* In chunks: copy, put each relative slot's addend back, hash. */
        for (uint64_t off = 0; off < fsz; off += 4096) {
            uint8_t buf[4096];
            uint64_t n = fsz - off < sizeof(buf) ? fsz - off : sizeof(buf);
            const uint8_t *src = at(ctx, va + off, n);
            if (!src) {
                *why = "a PT_LOAD segment is not readable";
                return -1;
            }
            uint64_t lo = va + off, hi = lo + n;
            if (hi <= rlo || lo >= rhi) {
                al_sha256_update(&h, src, n);
                continue;
            }
            al_memcpy(buf, src, n);
            for (uint64_t r = 0; r < nrela; r++) {
                uint64_t slot = rd64(rela + 24 * r);
                if (slot + 8 <= lo || slot >= hi || slot + 8 < slot)
                    continue;
                uint8_t a[8];
                le64(a, rd64(rela + 24 * r + 16));
                for (int b = 0; b < 8; b++)
                    if (slot + b >= lo && slot + b < hi)
                        buf[slot + b - lo] = a[b];
            }
            al_sha256_update(&h, buf, n);
        }
    }
    al_sha256_final(&h, out);
    return 0;
}

static void part(struct al_sha256 *h, const char *label, uint64_t len)
{
    al_sha256_update(h, label, al_strlen(label) + 1);
    put64(h, len);
}

void al_measurement(uint8_t out[32], const uint8_t core_image[32], const char *config,
                    size_t config_len, const uint8_t image_root[32])
{
    struct al_sha256 h;
    al_sha256_init(&h);
    al_sha256_update(&h, "alcove-measurement-v2", 22);
    part(&h, "core-image", 32);
    al_sha256_update(&h, core_image, 32);
    part(&h, "config", config_len);
    al_sha256_update(&h, config, config_len);
    part(&h, "image-root", 32);
    al_sha256_update(&h, image_root, 32);
    al_sha256_final(&h, out);
}
