/*
 * add_elf.c - what an x86-64 ELF file needs at load time, and where the host's dynamic
 * linker would find it (for `alcove add`).
 *
 * Read from the file itself with <elf.h>: PT_INTERP, and from PT_DYNAMIC the DT_NEEDED,
 * DT_RPATH and DT_RUNPATH strings (DT_STRTAB is an address: mapped to a file offset through
 * the PT_LOAD segments).  Every offset and length read from the file is range-checked.
 *
 * The search follows glibc's ld.so (man ld.so): a name with a '/' is a path; else DT_RPATH
 * of the object and of the executable (only when the object has no DT_RUNPATH), then
 * DT_RUNPATH of the object, then /etc/ld.so.cache (as `ldconfig -p` prints it), then the
 * default directories.  LD_LIBRARY_PATH is deliberately not used: the image must not depend
 * on the shell `alcove add` ran in.  $ORIGIN, $LIB and $PLATFORM are expanded.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <linux/elf.h>   /* not <elf.h>: -Icommon makes that common/elf.h */
#ifndef DT_RUNPATH
#define DT_RUNPATH 29
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "add.h"

static int in_file(uint64_t off, uint64_t len, uint64_t size)
{
    return off <= size && len <= size - off;
}

/* The file offset of virtual address va (inside some PT_LOAD's file bytes), or -1. */
static int64_t va_to_off(const Elf64_Phdr *ph, int n, uint64_t va)
{
    for (int i = 0; i < n; i++)
        if (ph[i].p_type == PT_LOAD && va >= ph[i].p_vaddr && va - ph[i].p_vaddr < ph[i].p_filesz)
            return (int64_t)(ph[i].p_offset + (va - ph[i].p_vaddr));
    return -1;
}

static char *str_at(const uint8_t *m, uint64_t size, uint64_t off)
{
    if (off >= size)
        return NULL;
    const uint8_t *end = memchr(m + off, 0, size - off);
    return end ? strndup((const char *)m + off, (size_t)(end - (m + off))) : NULL;
}

void elf_deps_free(struct elf_deps *d)
{
    free(d->interp);
    free(d->rpath);
    free(d->runpath);
    for (int i = 0; i < d->n_needed; i++)
        free(d->needed[i]);
    memset(d, 0, sizeof(*d));
}

int elf_deps_read(const char *path, struct elf_deps *d, char *why, size_t wlen)
{
    memset(d, 0, sizeof(*d));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        snprintf(why, wlen, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    uint64_t size = (uint64_t)st.st_size;
    if (size < sizeof(Elf64_Ehdr)) {
        close(fd);
        return 1;
    }
    uint8_t *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED) {
        snprintf(why, wlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    int r = 1;
    const Elf64_Ehdr *eh = (const void *)m;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_machine != EM_X86_64 ||
        (eh->e_type != ET_EXEC && eh->e_type != ET_DYN))
        goto out;   /* not an x86-64 program or library: nothing to follow */
    r = -1;
    if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum > 512 ||
        !in_file(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr), size)) {
        snprintf(why, wlen, "%s: corrupt ELF program headers", path);
        goto out;
    }
    const Elf64_Phdr *ph = (const void *)(m + eh->e_phoff);
    int n = eh->e_phnum;
    const Elf64_Phdr *dyn = NULL;
    d->is_elf = 1;
    for (int i = 0; i < n; i++) {
        if (ph[i].p_type == PT_INTERP) {
            if (!in_file(ph[i].p_offset, ph[i].p_filesz, size) || ph[i].p_filesz == 0 ||
                !(d->interp = strndup((const char *)m + ph[i].p_offset, ph[i].p_filesz))) {
                snprintf(why, wlen, "%s: corrupt PT_INTERP", path);
                goto out;
            }
        } else if (ph[i].p_type == PT_DYNAMIC) {
            dyn = &ph[i];
        }
    }
    r = 0;
    if (!dyn)
        goto out;     /* static */
    if (!in_file(dyn->p_offset, dyn->p_filesz, size)) {
        snprintf(why, wlen, "%s: corrupt PT_DYNAMIC", path);
        r = -1;
        goto out;
    }
    const Elf64_Dyn *dt = (const void *)(m + dyn->p_offset);
    size_t ndt = dyn->p_filesz / sizeof(Elf64_Dyn);
    uint64_t strtab = 0, strsz = 0;
    for (size_t i = 0; i < ndt && dt[i].d_tag != DT_NULL; i++) {
        if (dt[i].d_tag == DT_STRTAB)
            strtab = dt[i].d_un.d_ptr;
        else if (dt[i].d_tag == DT_STRSZ)
            strsz = dt[i].d_un.d_val;
    }
    int64_t so = va_to_off(ph, n, strtab);
    if (so < 0 || !in_file((uint64_t)so, strsz, size)) {
        snprintf(why, wlen, "%s: corrupt DT_STRTAB", path);
        r = -1;
        goto out;
    }
    uint64_t lim = (uint64_t)so + strsz;   /* strings must lie inside the table */
    for (size_t i = 0; i < ndt && dt[i].d_tag != DT_NULL; i++) {
        int64_t tag = dt[i].d_tag;
        if (tag != DT_NEEDED && tag != DT_RPATH && tag != DT_RUNPATH)
            continue;
        if (dt[i].d_un.d_val >= strsz) {
            snprintf(why, wlen, "%s: corrupt dynamic string offset", path);
            r = -1;
            goto out;
        }
        char *s = str_at(m, lim, (uint64_t)so + dt[i].d_un.d_val);
        if (!s) {
            snprintf(why, wlen, "%s: unterminated dynamic string", path);
            r = -1;
            goto out;
        }
        if (tag == DT_NEEDED && d->n_needed < ELF_MAX_NEEDED)
            d->needed[d->n_needed++] = s;
        else if (tag == DT_RPATH && !d->rpath)
            d->rpath = s;
        else if (tag == DT_RUNPATH && !d->runpath)
            d->runpath = s;
        else
            free(s);
    }
out:
    munmap(m, size);
    if (r < 0)
        elf_deps_free(d);
    return r;
}

/* ---- the search ------------------------------------------------------------------------ */

static char **cache_name, **cache_path;
static int cache_n;

/* ld.so.cache through `ldconfig -p` (its format is glibc's business): x86-64 entries only. */
static void load_cache(void)
{
    static int loaded;
    if (loaded)
        return;
    loaded = 1;
    FILE *p = popen("ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null", "r");
    if (!p)
        return;
    char line[4096];
    while (fgets(line, sizeof(line), p)) {
        char name[1024], flags[256], path[2048];
        if (sscanf(line, " %1023s (%255[^)]) => %2047s", name, flags, path) != 3 ||
            !strstr(flags, "x86-64"))
            continue;
        cache_name = realloc(cache_name, sizeof(char *) * (size_t)(cache_n + 1));
        cache_path = realloc(cache_path, sizeof(char *) * (size_t)(cache_n + 1));
        cache_name[cache_n] = strdup(name);
        cache_path[cache_n++] = strdup(path);
    }
    pclose(p);
}

/* A candidate counts only if it is an x86-64 ELF (a 32-bit libfoo.so on the path does not). */
static int usable_lib(const char *path)
{
    struct elf_deps d;
    char why[256];
    if (access(path, R_OK) < 0)
        return 0;
    int r = elf_deps_read(path, &d, why, sizeof(why));
    int ok = r == 0 && d.is_elf;
    elf_deps_free(&d);
    return ok;
}

/* Expands $ORIGIN/${ORIGIN}, $LIB, $PLATFORM in one directory of a search path. */
static void expand(const char *dir, size_t len, const char *origin, char *out, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 1 < size;) {
        const char *tok[][2] = {{"${ORIGIN}", origin}, {"$ORIGIN", origin},
                                {"${LIB}", "lib/x86_64-linux-gnu"}, {"$LIB", "lib/x86_64-linux-gnu"},
                                {"${PLATFORM}", "x86_64"}, {"$PLATFORM", "x86_64"}};
        int hit = 0;
        for (size_t t = 0; t < sizeof(tok) / sizeof(tok[0]) && !hit; t++) {
            size_t tl = strlen(tok[t][0]);
            if (len - i >= tl && !strncmp(dir + i, tok[t][0], tl)) {
                o += (size_t)snprintf(out + o, size - o, "%s", tok[t][1]);
                if (o >= size)
                    o = size - 1;
                i += tl;
                hit = 1;
            }
        }
        if (!hit)
            out[o++] = dir[i++];
    }
    out[o] = '\0';
}

static int search_path(const char *list, const char *origin, const char *name, char *out,
                       size_t size)
{
    if (!list)
        return -1;
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ":");
        char dir[4096];
        expand(p, len, origin, dir, sizeof(dir));
        if (*dir && snprintf(out, size, "%s/%s", dir, name) < (int)size && usable_lib(out))
            return 0;
        p += len + (p[len] == ':');
    }
    return -1;
}

int elf_find_lib(const char *name, const struct elf_deps *obj, const char *origin,
                 const struct elf_deps *exe, const char *exe_origin, char *out, size_t size)
{
    static const char *const defaults =
        "/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:/lib64:/usr/lib64:/lib:/usr/lib";
    if (strchr(name, '/')) {
        snprintf(out, size, "%s", name);
        return usable_lib(out) ? 0 : -1;
    }
    if (!obj->runpath) {
        if (search_path(obj->rpath, origin, name, out, size) == 0)
            return 0;
        if (exe && exe != obj && !exe->runpath &&
            search_path(exe->rpath, exe_origin, name, out, size) == 0)
            return 0;
    }
    if (search_path(obj->runpath, origin, name, out, size) == 0)
        return 0;
    load_cache();
    for (int i = 0; i < cache_n; i++)
        if (!strcmp(cache_name[i], name) && usable_lib(cache_path[i])) {
            snprintf(out, size, "%s", cache_path[i]);
            return 0;
        }
    return search_path(defaults, origin, name, out, size);
}
