/*
 * loader.c - execve: ELF (static, static-PIE, PT_INTERP) and #! scripts.
 *
 * Everything that can fail for a reason the program should hear about (missing file, bad
 * ELF, E2BIG) is checked before the point of no return; after it, the old image is gone
 * and a failure can only kill the process, as in Linux.
 */
#include "elf.h"
#include "libos.h"
#include "proc/proc.h"
#include "ipc/ipc.h"

#define MAX_SHEBANG_DEPTH 4
#define BINPRM_BUF 256
#define MAX_ARG_STRLEN (32 * 4096)
#define PIE_BASE 0x555555554000ull

/* A NULL-terminated argv/envp copy living in the core heap: one block of pointers+text. */
struct strv {
    char **v;
    int n;
    size_t bytes; /* text bytes including NULs */
};

static void strv_free(struct strv *s)
{
    kfree(s->v);
    s->v = NULL;
}

/* Build a strv from core strings: prefix[0..np) then rest[skip..]. */
static int strv_build(struct strv *out, char *const *prefix, int np, char *const *rest, int skip)
{
    int n = np;
    size_t bytes = 0;
    for (int i = 0; i < np; i++)
        bytes += al_strlen(prefix[i]) + 1;
    for (int i = skip; rest && rest[i]; i++, n++)
        bytes += al_strlen(rest[i]) + 1;
    char **v = kmalloc(sizeof(char *) * (size_t)(n + 1) + bytes);
    if (!v)
        return -ENOMEM;
    char *text = (char *)(v + n + 1);
    int k = 0;
    for (int i = 0; i < np; i++, k++) {
        size_t l = al_strlen(prefix[i]) + 1;
        al_memcpy(text, prefix[i], l);
        v[k] = text;
        text += l;
    }
    for (int i = skip; rest && rest[i]; i++, k++) {
        size_t l = al_strlen(rest[i]) + 1;
        al_memcpy(text, rest[i], l);
        v[k] = text;
        text += l;
    }
    v[n] = NULL;
    out->v = v;
    out->n = n;
    out->bytes = bytes;
    return 0;
}

/* Copy a NULL-terminated array of strings from the program. */
static long strv_from_user(struct strv *out, uint64_t uarr, size_t limit)
{
    out->v = NULL;
    out->n = 0;
    out->bytes = 0;
    if (!uarr)
        return strv_build(out, NULL, 0, NULL, 0);
    /* First pass: count and measure. */
    size_t n = 0, bytes = 0;
    for (;; n++) {
        uint64_t p;
        if (copy_from_user(&p, uarr + n * 8, 8))
            return -EFAULT;
        if (!p)
            break;
        char tmp[256];
        size_t len = 0;
        for (;;) {
            long r = strncpy_from_user(tmp, p + len, sizeof(tmp));
            if (r == -EFAULT)
                return -EFAULT;
            if (r >= 0) {
                len += (size_t)r;
                break;
            }
            len += sizeof(tmp);
            if (len > MAX_ARG_STRLEN)
                return -E2BIG;
        }
        if (len + 1 > MAX_ARG_STRLEN)
            return -E2BIG;
        bytes += len + 1;
        if (bytes + (n + 1) * 8 > limit)
            return -E2BIG;
    }
    char **v = kmalloc(sizeof(char *) * (n + 1) + bytes);
    if (!v)
        return -ENOMEM;
    char *text = (char *)(v + n + 1);
    for (size_t i = 0; i < n; i++) {
        uint64_t p;
        if (copy_from_user(&p, uarr + i * 8, 8)) {
            kfree(v);
            return -EFAULT;
        }
        long r = strncpy_from_user(text, p, bytes - (size_t)(text - (char *)(v + n + 1)));
        if (r < 0) {
            kfree(v);
            return r == -ENAMETOOLONG ? -E2BIG : r; /* changed under us */
        }
        v[i] = text;
        text += r + 1;
    }
    v[n] = NULL;
    out->v = v;
    out->n = (int)n;
    out->bytes = bytes;
    return 0;
}

static long read_at(struct file *f, void *buf, size_t n, uint64_t off)
{
    size_t done = 0;
    while (done < n) {
        int64_t pos = (int64_t)(off + done);
        long r = f->ops->read(f, (char *)buf + done, n - done, &pos, 1);
        if (r < 0)
            return r;
        if (r == 0)
            break;
        done += (size_t)r;
    }
    return (long)done;
}

/* Open a file for execution: it must be a regular file with an execute bit. */
static int open_exec(const char *path, char *canon, struct file **out, struct pal_stat *st)
{
    return vfs_open_exec(path, canon, out, st);
}

struct image {
    struct file *f;
    struct elf_info info;
    elf64_phdr ph[ELF_MAX_PHNUM];
};

static int load_headers(struct image *img, const void *hdr, size_t hlen, uint64_t fsize,
                        const char **why)
{
    int r = elf_check_ehdr(hdr, hlen, fsize, &img->info, why);
    if (r < 0)
        return r;
    size_t phsize = (size_t)img->info.phnum * sizeof(elf64_phdr);
    long n = read_at(img->f, img->ph, phsize, img->info.phoff);
    if (n < 0)
        return (int)n;
    if ((size_t)n != phsize) {
        *why = "truncated file (program headers cut off)";
        return -ENOEXEC;
    }
    return elf_check_phdrs(img->ph, img->info.phnum, fsize, &img->info, why);
}

/* Parse "#!interp [arg]" from the first bytes of a file. */
static int parse_shebang(const char *buf, size_t n, char *interp, char *arg)
{
    size_t i = 2, end = 2;
    while (end < n && buf[end] != '\n')
        end++;
    while (i < end && (buf[i] == ' ' || buf[i] == '\t'))
        i++;
    size_t s = i;
    while (i < end && buf[i] != ' ' && buf[i] != '\t')
        i++;
    if (i == s)
        return -ENOEXEC;
    if (end == n && i == end && n == BINPRM_BUF)
        return -ENOEXEC; /* interpreter name cut off */
    al_memcpy(interp, buf + s, i - s);
    interp[i - s] = '\0';
    while (i < end && (buf[i] == ' ' || buf[i] == '\t'))
        i++;
    size_t e = end;
    while (e > i && (buf[e - 1] == ' ' || buf[e - 1] == '\t' || buf[e - 1] == '\r'))
        e--;
    al_memcpy(arg, buf + i, e - i);
    arg[e - i] = '\0';
    return 0;
}

static int map_image(struct mm *mm, struct image *img, uint64_t hint, uint64_t *bias_out)
{
    uint64_t lo = img->info.lo, span = img->info.hi - img->info.lo, bias = 0;
    int r;
    if (img->info.type == ELF_ET_DYN) {
        uint64_t base;
        r = pal_vm_map(hint, span, PROT_NONE, 0, &base);
        if (r < 0)
            return r;
        if (pal_range_reserved(base, span) || base + span > boot_info->user_limit) {
            IGNORE(pal_vm_unmap(base, span));
            return -ENOMEM;
        }
        bias = base - lo;
        mm_track(mm, base, base + span, PROT_NONE, VMA_ANON);
    } else if (pal_range_reserved(lo, span) || img->info.hi > boot_info->user_limit) {
        return -ENOMEM;
    }
    for (int i = 0; i < img->info.phnum; i++) {
        const elf64_phdr *p = &img->ph[i];
        if (p->p_type != ELF_PT_LOAD || p->p_memsz == 0)
            continue;
        int prot = elf_prot(p->p_flags);
        uint64_t pgoff = p->p_vaddr & (PAGE_SIZE - 1);
        uint64_t seg = bias + PAGE_DOWN(p->p_vaddr);
        uint64_t fend = bias + p->p_vaddr + p->p_filesz;
        uint64_t mend = PAGE_UP(bias + p->p_vaddr + p->p_memsz);
        uint64_t anon = seg, out;
        if (p->p_filesz) {
            uint64_t flen = PAGE_UP(p->p_filesz + pgoff);
            int zero_tail = p->p_memsz > p->p_filesz && (fend & (PAGE_SIZE - 1));
            r = mm_map_file(mm, seg, flen, prot | (zero_tail ? PROT_WRITE : 0), 0, img->f,
                            p->p_offset - pgoff, 1, &out);
            if (r < 0)
                return r;
            if (zero_tail) {
                /* .bss starts inside the last file page: clear the rest of that page. */
                al_memset((void *)fend, 0, PAGE_UP(fend) - fend);
                if (!(prot & PROT_WRITE)) {
                    r = pal_vm_protect(PAGE_DOWN(fend), PAGE_SIZE, prot);
                    if (r < 0)
                        return r;
                }
                mm_set_prot(mm, seg, seg + flen, prot);
            }
            anon = seg + flen;
        }
        if (mend > anon) {
            r = pal_vm_map(anon, mend - anon, prot, PAL_VM_FIXED, &out);
            if (r < 0)
                return r;
            mm_track(mm, anon, mend, prot, VMA_ANON);
        }
    }
    *bias_out = bias;
    return 0;
}

/* Lay out argc, argv, envp, auxv and their strings at the top of a new stack. */
static int build_stack(struct mm *mm, const struct strv *argv, const struct strv *envp,
                       const char *execfn, const uint64_t *auxv, int nauxv, uint64_t *sp_out)
{
    uint64_t size = current->proc->rlim[RLIMIT_STACK].cur;
    if (size > (64ull << 20) || size < (1ull << 20))
        size = 8ull << 20;
    uint64_t base;
    int r = pal_vm_map(0, size + PAGE_SIZE, PROT_READ | PROT_WRITE, PAL_VM_NORESERVE, &base);
    if (r < 0)
        return r;
    if (pal_range_reserved(base, size + PAGE_SIZE) || base + size + PAGE_SIZE > boot_info->user_limit)
        return -ENOMEM; /* the host put the stack somewhere the program may not have it */
    r = pal_vm_protect(base, PAGE_SIZE, PROT_NONE); /* guard page */
    if (r < 0)
        return r;
    mm_track(mm, base, base + PAGE_SIZE, PROT_NONE, VMA_ANON);
    mm_track(mm, base + PAGE_SIZE, base + PAGE_SIZE + size, PROT_READ | PROT_WRITE,
             VMA_ANON | VMA_STACK);
    mm->stack_top = base + PAGE_SIZE + size;
    mm->stack_bottom = base + PAGE_SIZE;

    char *p = (char *)mm->stack_top;
    size_t l = al_strlen(execfn) + 1;
    p -= l;
    al_memcpy(p, execfn, l);
    uint64_t u_execfn = (uint64_t)p;
    /* The strings of argv and envp are contiguous in the strv blocks: copy each block. */
    p -= envp->bytes;
    uint64_t u_env = (uint64_t)p;
    if (envp->n)
        al_memcpy(p, envp->v[0], envp->bytes);
    p -= argv->bytes;
    uint64_t u_arg = (uint64_t)p;
    if (argv->n)
        al_memcpy(p, argv->v[0], argv->bytes);
    p -= 8;
    al_memcpy(p, "x86_64", 7);
    uint64_t u_platform = (uint64_t)p;
    p -= 16;
    r = pal_random(p, 16);
    if (r < 0)
        return r;
    uint64_t u_random = (uint64_t)p;

    uint64_t words = 1 + (uint64_t)argv->n + 1 + (uint64_t)envp->n + 1 + (uint64_t)nauxv * 2 + 8;
    uint64_t sp = ((uint64_t)p - words * 8) & ~15ull;
    uint64_t *w = (uint64_t *)sp;
    *w++ = (uint64_t)argv->n;
    uint64_t s = u_arg;
    for (int i = 0; i < argv->n; i++) {
        *w++ = s;
        s += al_strlen(argv->v[i]) + 1;
    }
    *w++ = 0;
    s = u_env;
    for (int i = 0; i < envp->n; i++) {
        *w++ = s;
        s += al_strlen(envp->v[i]) + 1;
    }
    *w++ = 0;
    for (int i = 0; i < nauxv; i++) {
        uint64_t type = auxv[2 * i], val = auxv[2 * i + 1];
        if (type == AT_EXECFN)
            val = u_execfn;
        else if (type == AT_PLATFORM)
            val = u_platform;
        else if (type == AT_RANDOM)
            val = u_random;
        *w++ = type;
        *w++ = val;
    }
    *w++ = AT_NULL;
    *w++ = 0;
    *sp_out = sp;
    return 0;
}

static void set_identity(const char *canon, const char *filename, const struct strv *argv)
{
    struct process *p = current->proc;
    al_strlcpy(p->exe, canon, sizeof(p->exe));
    const char *base = al_strrchr(filename, '/');
    base = base ? base + 1 : filename;
    al_strlcpy(p->comm, base, sizeof(p->comm));
    al_memcpy(current->comm, p->comm, sizeof(p->comm)); /* the only thread left */
    kfree(p->cmdline);
    p->cmdline = kmalloc(argv->bytes ? argv->bytes : 1);
    p->cmdline_len = 0;
    if (p->cmdline && argv->n) {
        al_memcpy(p->cmdline, argv->v[0], argv->bytes);
        p->cmdline_len = argv->bytes;
    }
}

/* Signal dispositions across exec: handlers become SIG_DFL, ignored stays ignored. */
static void reset_signals(void)
{
    struct process *p = current->proc;
    for (int s = 1; s <= NSIG; s++) {
        if (p->act[s].handler != SIG_IGN) {
            p->act[s].handler = SIG_DFL;
            p->act[s].flags = 0;
            p->act[s].mask = 0;
        }
    }
    current->altstack_sp = current->altstack_size = 0;
    current->altstack_flags = SS_DISABLE;
}

static int exec_strv(const char *path, struct strv *argv, const struct strv *envp,
                     struct pal_context *ctx, const char **why)
{
    char canon[PATH_MAX_LEN], icanon[PATH_MAX_LEN], filename[PATH_MAX_LEN];
    struct image *img = kzalloc(sizeof(*img) * 2);
    struct image *interp = img ? img + 1 : NULL;
    char *hdr = kmalloc(BINPRM_BUF);
    struct pal_stat st, ist;
    int r = -ENOMEM, depth = 0, has_interp = 0;
    long n = 0;
    struct mm *mm = &current->proc->mm;
    if (!img || !hdr)
        goto out;
    al_strlcpy(filename, path, sizeof(filename));

    /* Follow #! lines down to an ELF file. */
    for (;;) {
        r = open_exec(filename, canon, &img->f, &st);
        if (r < 0)
            goto out;
        n = read_at(img->f, hdr, BINPRM_BUF, 0);
        if (n < 0) {
            r = (int)n;
            goto out;
        }
        if (n < 2 || hdr[0] != '#' || hdr[1] != '!')
            break;
        char ip[BINPRM_BUF], arg[BINPRM_BUF];
        if (++depth > MAX_SHEBANG_DEPTH) {
            r = -ELOOP;
            goto out;
        }
        r = parse_shebang(hdr, (size_t)n, ip, arg);
        if (r < 0) {
            *why = "bad #! line";
            goto out;
        }
        char *pre[3];
        int np = 0;
        pre[np++] = ip;
        if (arg[0])
            pre[np++] = arg;
        pre[np++] = filename;
        struct strv nv;
        r = strv_build(&nv, pre, np, argv->v, argv->n ? 1 : 0);
        if (r < 0)
            goto out;
        strv_free(argv);
        *argv = nv;
        al_strlcpy(filename, ip, sizeof(filename));
        file_put(img->f);
        img->f = NULL;
    }
    r = load_headers(img, hdr, (size_t)n, (uint64_t)st.size, why);
    if (r < 0)
        goto out;

    if (img->info.interp >= 0) {
        char ipath[PATH_MAX_LEN];
        size_t il = (size_t)img->info.interp_len;
        if (il >= sizeof(ipath) || read_at(img->f, ipath, il, img->info.interp_off) != (long)il ||
            ipath[il - 1] != '\0' || al_strlen(ipath) != il - 1) {
            *why = "corrupt PT_INTERP (interpreter path)";
            r = -ENOEXEC;
            goto out;
        }
        r = open_exec(ipath, icanon, &interp->f, &ist);
        if (r < 0) {
            /* Linux reports a missing interpreter as ENOENT on the program itself. */
            goto out;
        }
        n = read_at(interp->f, hdr, BINPRM_BUF, 0);
        r = n < 0 ? (int)n : load_headers(interp, hdr, (size_t)n, (uint64_t)ist.size, why);
        if (r == 0 && interp->info.interp >= 0) {
            *why = "the ELF interpreter itself asks for an interpreter";
            r = -ENOEXEC;
        }
        if (r < 0) {
            if (r == -ENOEXEC && !*why)
                *why = "bad ELF interpreter";
            goto out;
        }
        has_interp = 1;
    }

    /* Room for the arguments: at most a quarter of the stack, as Linux allows. */
    uint64_t stack = current->proc->rlim[RLIMIT_STACK].cur;
    if (stack > (64ull << 20) || stack < (1ull << 20))
        stack = 8ull << 20;
    if (argv->bytes + envp->bytes + (uint64_t)(argv->n + envp->n + 2) * 8 > stack / 4) {
        r = -E2BIG;
        goto out;
    }

    /* A vfork or clone(CLONE_VM) child leaves its parent's address space here. */
    if (current->proc->vf_save || current->proc->vm_hosted) {
        r = vfork_exec_split();
        if (r < 0)
            goto out;
    }
    /* ---- point of no return ---- */
    threads_end_others();
    sysv_exec(current->proc); /* shm segments are detached */
    mm_unmap_all(mm);
    uint64_t bias = 0, ibias = 0;
    r = map_image(mm, img, PIE_BASE, &bias);
    if (r == 0 && has_interp)
        r = map_image(mm, interp, 0, &ibias);
    if (r < 0)
        goto fatal;
    mm->brk_start = mm->brk = PAGE_UP(img->info.hi + bias);
    mm->brk_limit = mm->brk_start + (1ull << 40);

    uint64_t entry = img->info.entry + bias;
    uint64_t auxv[] = {
        AT_PHDR, img->info.phdr_vaddr + bias, AT_PHENT, sizeof(elf64_phdr),
        AT_PHNUM, img->info.phnum, AT_PAGESZ, PAGE_SIZE,
        AT_BASE, has_interp ? interp->info.lo + ibias : 0, AT_FLAGS, 0,
        AT_ENTRY, entry, AT_UID, 0, AT_EUID, 0, AT_GID, 0, AT_EGID, 0, AT_SECURE, 0,
        AT_RANDOM, 0, AT_HWCAP, boot_info->hwcap, AT_HWCAP2, boot_info->hwcap2,
        AT_CLKTCK, 100, AT_EXECFN, 0, AT_PLATFORM, 0,
        AT_SYSINFO_EHDR, boot_info->vdso_base,
    };
    int nauxv = (int)(ARRAY_SIZE(auxv) / 2) - (boot_info->vdso_base ? 0 : 1);
    uint64_t sp;
    r = build_stack(mm, argv, envp, path, auxv, nauxv, &sp);
    if (r < 0)
        goto fatal;

    set_identity(canon, path, argv);
    fd_close_on_exec();
    current->proc->did_exec = 1;
    if (!current->proc->vfork_done) {
        current->proc->vfork_done = 1; /* a vfork parent may go on */
        wake_all();
    }
    reset_signals();
    caps_exec(current->proc);
    ptimer_exit_all(current->proc); /* exec keeps no timer */
    aio_exit_all(current->proc);   /* nor any AIO context */
    current->proc->membarrier_reg = 0; /* a new address space has no registration */
    xstate_reset(ctx);
    void *xs = ctx->xstate;
    uint32_t xsz = ctx->xstate_size;
    al_memset(ctx, 0, sizeof(*ctx));
    ctx->xstate = xs;
    ctx->xstate_size = xsz;
    ctx->rsp = sp;
    ctx->rip = has_interp ? interp->info.entry + ibias : entry;
    ctx->rflags = 0x202;
    r = 0;
    goto out;
fatal:
    /* The old image is gone: nothing to return to. */
    kprintf("%s: exec failed after the point of no return (error %d)", path, r);
    process_exit_signal(SIGSEGV);
out:
    if (img && img->f)
        file_put(img->f);
    if (interp && interp->f)
        file_put(interp->f);
    kfree(img);
    kfree(hdr);
    return r;
}

int exec_load(const char *path, char *const *argv, char *const *envp, struct pal_context *ctx,
              const char **why)
{
    struct strv a, e;
    int r = strv_build(&a, NULL, 0, argv, 0);
    if (r < 0)
        return r;
    r = strv_build(&e, NULL, 0, envp, 0);
    if (r < 0) {
        strv_free(&a);
        return r;
    }
    *why = NULL;
    r = exec_strv(path, &a, &e, ctx, why);
    strv_free(&a);
    strv_free(&e);
    return r;
}

static long do_execveat(int dirfd, uint64_t upath, uint64_t uargv, uint64_t uenvp, int flags)
{
    char path[PATH_MAX_LEN];
    struct strv a, e;
    if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
        return -EINVAL;
    long r = strncpy_from_user(path, upath, sizeof(path));
    if (r < 0)
        return r;
    if (path[0] == '\0' && (flags & AT_EMPTY_PATH)) {
        struct file *f = fd_get(dirfd);
        if (!f)
            return -EBADF;
        if (file_path(f, path, sizeof(path)) < 0)
            return -ENAMETOOLONG;
    } else if (path[0] == '\0') {
        return -ENOENT;
    } else if (path[0] != '/' && dirfd != AT_FDCWD) {
        struct file *f = fd_get(dirfd);
        if (!f)
            return -EBADF;
        char full[PATH_MAX_LEN], dir[PATH_MAX_LEN];
        if (!f->loc.dentry)
            return -ENOTDIR;
        if (vfs_path_str(&f->loc, dir, sizeof(dir)) < 0)
            return -ENAMETOOLONG;
        if (al_snprintf(full, sizeof(full), "%s/%s", dir, path) >= (int)sizeof(full))
            return -ENAMETOOLONG;
        al_strlcpy(path, full, sizeof(path));
    }
    uint64_t limit = current->proc->rlim[RLIMIT_STACK].cur / 4;
    if (limit < (128ull << 10) || limit > (16ull << 20))
        limit = 2ull << 20;
    r = strv_from_user(&a, uargv, limit);
    if (r < 0)
        return r;
    r = strv_from_user(&e, uenvp, limit - a.bytes);
    if (r < 0) {
        strv_free(&a);
        return r;
    }
    const char *why = NULL;
    r = exec_strv(path, &a, &e, current->ctx, &why);
    if (r < 0 && why)
        info("execve %s: %s", path, why);
    strv_free(&a);
    strv_free(&e);
    return r;
}

SYS(execve)
{
    return do_execveat(AT_FDCWD, (uint64_t)a0, (uint64_t)a1, (uint64_t)a2, 0);
}

SYS(execveat)
{
    return do_execveat((int)a0, (uint64_t)a1, (uint64_t)a2, (uint64_t)a3, (int)a4);
}
