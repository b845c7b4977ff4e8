/*
 * mm.c - the program's address space: a sorted list of the regions it mapped (so execve
 * can tear them down and /proc/self/maps can show them) and the memory syscalls.
 *
 * Every range the program names is checked against the core's reserved memory first, so no
 * MAP_FIXED, munmap or mprotect can reach the LibOS.
 */
#include "libos.h"
#include "proc/proc.h"
#include "ipc/ipc.h"

int mm_init(struct mm *mm)
{
    mm->cap = 64;
    mm->n = 0;
    mm->v = kmalloc(sizeof(struct vma) * (size_t)mm->cap);
    return mm->v ? 0 : -ENOMEM;
}

static int insert_at(struct mm *mm, int i, struct vma v)
{
    if (mm->n == mm->cap) {
        struct vma *nv = kmalloc(sizeof(struct vma) * (size_t)mm->cap * 2);
        if (!nv)
            return -ENOMEM;
        al_memcpy(nv, mm->v, sizeof(struct vma) * (size_t)mm->n);
        kfree(mm->v);
        mm->v = nv;
        mm->cap *= 2;
    }
    al_memmove(&mm->v[i + 1], &mm->v[i], sizeof(struct vma) * (size_t)(mm->n - i));
    mm->v[i] = v;
    mm->n++;
    return 0;
}

/* Remove [start, end) from the list, splitting regions that straddle it. */
void mm_untrack(struct mm *mm, uint64_t start, uint64_t end)
{
    for (int i = 0; i < mm->n; i++) {
        struct vma *v = &mm->v[i];
        if (v->end <= start || v->start >= end)
            continue;
        if (v->start < start && v->end > end) {
            struct vma tail = *v;
            tail.start = end;
            v->end = start;
            if (insert_at(mm, i + 1, tail) < 0)
                return;
            return;
        }
        if (v->start < start) {
            v->end = start;
        } else if (v->end > end) {
            v->start = end;
        } else {
            al_memmove(v, v + 1, sizeof(struct vma) * (size_t)(mm->n - i - 1));
            mm->n--;
            i--;
        }
    }
}

void mm_track(struct mm *mm, uint64_t start, uint64_t end, int prot, int flags)
{
    mm_untrack(mm, start, end);
    int i = 0;
    while (i < mm->n && mm->v[i].start < start)
        i++;
    struct vma v = {start, end, prot, flags};
    /* Merge with an identical neighbour below. */
    if (i > 0 && mm->v[i - 1].end == start && mm->v[i - 1].prot == prot &&
        mm->v[i - 1].flags == flags) {
        mm->v[i - 1].end = end;
        return;
    }
    (void)insert_at(mm, i, v);
}

void mm_set_prot(struct mm *mm, uint64_t start, uint64_t end, int prot)
{
    struct vma tmp[16];
    int k;
    do {
        k = 0;
        for (int i = 0; i < mm->n && k < (int)ARRAY_SIZE(tmp); i++)
            if (mm->v[i].end > start && mm->v[i].start < end && mm->v[i].prot != prot)
                tmp[k++] = mm->v[i];
        for (int j = 0; j < k; j++)
            mm_track(mm, MAX(tmp[j].start, start), MIN(tmp[j].end, end), prot, tmp[j].flags);
    } while (k == (int)ARRAY_SIZE(tmp));
}

static const struct vma *find_vma(struct mm *mm, uint64_t addr)
{
    for (int i = 0; i < mm->n; i++)
        if (addr >= mm->v[i].start && addr < mm->v[i].end)
            return &mm->v[i];
    return NULL;
}

int mm_range_mapped(struct mm *mm, uint64_t start, uint64_t end)
{
    /* The VMAs are sorted: walk them from start, every byte must be covered. */
    while (start < end) {
        const struct vma *v = find_vma(mm, start);
        if (!v)
            return 0;
        start = v->end;
    }
    return 1;
}

void mm_unmap_all(struct mm *mm)
{
    for (int i = 0; i < mm->n; i++)
        IGNORE(pal_vm_unmap(mm->v[i].start, mm->v[i].end - mm->v[i].start));
    mm->n = 0;
    mm->brk_start = mm->brk = 0;
}

int mm_map_file(struct mm *mm, uint64_t addr, size_t len, int prot, int shared, struct file *f,
                uint64_t off, int fixed, uint64_t *out)
{
    unsigned fl = (fixed ? PAL_VM_FIXED : 0) | (shared ? PAL_VM_SHARED : 0);
    int r = -ENODEV;
    if (f->ops->mmap)
        r = f->ops->mmap(f, addr, len, prot, fl, off, out);
    else if (f->h != PAL_HANDLE_NONE && S_ISREG(f->mode))
        r = pal_vm_map_file(addr, len, prot, fl, f->h, off, out);
    if (r == -ENODEV) {
        if (shared)
            return -ENODEV;
        /* The backend cannot map this file: copy its bytes into anonymous memory. */
        r = pal_vm_map(addr, len, PROT_READ | PROT_WRITE, fixed ? PAL_VM_FIXED : 0, out);
        if (r < 0)
            return r;
        size_t done = 0;
        while (done < len && f->ops->read) {
            int64_t pos = (int64_t)(off + done);
            long n = f->ops->read(f, (void *)(*out + done), len - done, &pos, 1);
            if (n <= 0)
                break;
            done += (size_t)n;
        }
        if (prot != (PROT_READ | PROT_WRITE)) {
            r = pal_vm_protect(*out, len, prot);
            if (r < 0)
                return r;
        }
    } else if (r < 0) {
        return r;
    }
    mm_track(mm, *out, *out + PAGE_UP(len), prot, VMA_FILE | (shared ? VMA_SHARED : 0));
    return 0;
}

uint64_t mm_total(const struct mm *mm)
{
    uint64_t t = 0;
    for (int i = 0; i < mm->n; i++)
        t += mm->v[i].end - mm->v[i].start;
    return t;
}

/* Would growing the address space by len pass RLIMIT_AS? */
static int over_as_limit(struct mm *mm, uint64_t len)
{
    uint64_t lim = current->proc->rlim[RLIMIT_AS].cur;
    return lim != RLIM_INFINITY && mm_total(mm) + len > lim;
}

/* Is [addr, addr+len) a range the program may name? */
static int user_range(uint64_t addr, uint64_t len)
{
    return addr + len >= addr && addr + len <= boot_info->user_limit &&
           !pal_range_reserved(addr, len);
}

SYS(mmap)
{
    uint64_t addr = (uint64_t)a0, len = (uint64_t)a1;
    int prot = (int)a2, flags = (int)a3, fd = (int)a4;
    uint64_t off = (uint64_t)a5;
    struct mm *mm = &current->proc->mm;
    int type = flags & MAP_TYPE;

    if (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE)
        return -EINVAL;
    if (len == 0 || (off & (PAGE_SIZE - 1)))
        return -EINVAL;
    if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN | PROT_GROWSUP))
        return -EINVAL;
    uint64_t plen = PAGE_UP(len);
    if (plen < len || plen > boot_info->user_limit)
        return -ENOMEM;
    int fixed = (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) != 0;
    if (fixed) {
        if (addr & (PAGE_SIZE - 1))
            return -EINVAL;
        if (!user_range(addr, plen))
            return -ENOMEM;
    } else if (addr && !user_range(PAGE_DOWN(addr), plen)) {
        addr = 0; /* an unusable hint is ignored, as Linux does */
    } else {
        addr = PAGE_DOWN(addr);
    }
    if (over_as_limit(mm, plen))
        return -ENOMEM;
    int shared = type != MAP_PRIVATE;
    unsigned palfl = (flags & MAP_FIXED) ? PAL_VM_FIXED
                     : (flags & MAP_FIXED_NOREPLACE) ? PAL_VM_NOREPLACE : 0;
    if (flags & MAP_NORESERVE)
        palfl |= PAL_VM_NORESERVE;
    uint64_t out;
    int r;
    struct file *f = NULL;
    if (!(flags & MAP_ANONYMOUS)) {
        f = fd_get(fd);
        if (!f || (f->flags & O_PATH))
            return -EBADF;
        if ((f->mode & S_IFMT) == S_IFCHR && f->h == PAL_HANDLE_NONE &&
            (al_strcmp(f->path, "/dev/zero") == 0 || al_strcmp(f->path, "/dev/null") == 0)) {
            f = NULL; /* /dev/zero mappings are anonymous memory */
        } else {
            if ((f->flags & O_ACCMODE) == O_WRONLY)
                return -EACCES;
            if (shared && (prot & PROT_WRITE) && (f->flags & O_ACCMODE) != O_RDWR)
                return -EACCES;
            if (shared && (prot & PROT_WRITE) && file_readonly(f))
                return -EACCES;
            if (!S_ISREG(f->mode) && !(f->ops == &host_file_ops) && !f->ops->mmap)
                return -ENODEV;
            if (S_ISDIR(f->mode))
                return -ENODEV;
        }
    }
    if (f) {
        if (!fixed && (flags & MAP_FIXED_NOREPLACE))
            return -EINVAL;
        if (flags & MAP_FIXED_NOREPLACE) {
            /* the backend's NOREPLACE is for anonymous maps; check the list instead */
            for (int i = 0; i < mm->n; i++)
                if (mm->v[i].start < addr + plen && mm->v[i].end > addr)
                    return -EEXIST;
        }
        r = mm_map_file(mm, addr, len, prot & 7, shared, f, off, fixed, &out);
        if (r < 0)
            return r == -ENODEV ? -ENODEV : r;
    } else {
        if (shared)
            palfl |= PAL_VM_SHARED;
        if (flags & MAP_GROWSDOWN)
            palfl |= PAL_VM_STACK;
        r = pal_vm_map(addr, plen, prot & 7, palfl, &out);
        if (r < 0)
            return r;
        mm_track(mm, out, out + plen, prot & 7,
                 VMA_ANON | (shared ? VMA_SHARED : 0) | ((flags & MAP_GROWSDOWN) ? VMA_STACK : 0));
    }
    if (!user_range(out, plen)) {
        /* The host put the mapping somewhere the program may not have it. */
        IGNORE(pal_vm_unmap(out, plen));
        mm_untrack(mm, out, out + plen);
        return -ENOMEM;
    }
    return (long)out;
}

SYS(munmap)
{
    uint64_t addr = (uint64_t)a0, len = PAGE_UP((uint64_t)a1);
    if ((addr & (PAGE_SIZE - 1)) || a1 == 0 || len < (uint64_t)a1)
        return -EINVAL;
    if (!user_range(addr, len))
        return -EINVAL;
    int r = pal_vm_unmap(addr, len);
    if (r < 0)
        return r;
    mm_untrack(&current->proc->mm, addr, addr + len);
    sysv_munmap(addr, addr + len);
    return 0;
}

SYS(mprotect)
{
    uint64_t addr = (uint64_t)a0, len = PAGE_UP((uint64_t)a1);
    int prot = (int)a2;
    if (addr & (PAGE_SIZE - 1))
        return -EINVAL;
    if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN | PROT_GROWSUP))
        return -EINVAL;
    if (len < (uint64_t)a1)
        return -ENOMEM;
    if (len == 0)
        return 0;
    if (!user_range(addr, len))
        return -ENOMEM;
    int r = pal_vm_protect(addr, len, prot);
    if (r < 0)
        return r;
    mm_set_prot(&current->proc->mm, addr, addr + len, prot & 7);
    return 0;
}

SYS(mremap)
{
    uint64_t old = (uint64_t)a0, oldlen = PAGE_UP((uint64_t)a1), newlen = PAGE_UP((uint64_t)a2);
    int flags = (int)a3;
    uint64_t newaddr = (uint64_t)a4;
    struct mm *mm = &current->proc->mm;
    if (old & (PAGE_SIZE - 1))
        return -EINVAL;
    if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP))
        return -EINVAL;
    if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
        return -EINVAL;
    if (newlen == 0 || newlen < (uint64_t)a2)
        return -EINVAL;
    if (!user_range(old, oldlen ? oldlen : PAGE_SIZE))
        return -EFAULT;
    if ((flags & MREMAP_FIXED) && ((newaddr & (PAGE_SIZE - 1)) || !user_range(newaddr, newlen)))
        return -EINVAL;
    const struct vma *v = find_vma(mm, old);
    if (!v)
        return -EFAULT;
    struct vma saved = *v;
    if (newlen > oldlen && over_as_limit(mm, newlen - oldlen))
        return -ENOMEM;
    uint64_t out;
    int r = pal_vm_remap(old, oldlen, newlen, flags, newaddr, &out);
    if (r < 0)
        return r;
    if (!user_range(out, newlen)) {
        panic("host moved a mapping into reserved memory");
    }
    if (!(flags & MREMAP_DONTUNMAP))
        mm_untrack(mm, old, old + oldlen);
    else if (out != old)
        mm_track(mm, old, old + oldlen, saved.prot, saved.flags);
    mm_track(mm, out, out + newlen, saved.prot, saved.flags);
    return (long)out;
}

SYS(brk)
{
    struct mm *mm = &current->proc->mm;
    uint64_t want = (uint64_t)a0;
    if (want < mm->brk_start || want > mm->brk_limit)
        return (long)mm->brk;
    uint64_t cur_end = PAGE_UP(mm->brk), new_end = PAGE_UP(want);
    if (new_end > cur_end) {
        if (!user_range(cur_end, new_end - cur_end) || over_as_limit(mm, new_end - cur_end))
            return (long)mm->brk;
        uint64_t out;
        if (pal_vm_map(cur_end, new_end - cur_end, PROT_READ | PROT_WRITE, PAL_VM_NOREPLACE, &out) < 0)
            return (long)mm->brk;
        mm_track(mm, cur_end, new_end, PROT_READ | PROT_WRITE, VMA_ANON | VMA_HEAP);
    } else if (new_end < cur_end) {
        if (pal_vm_unmap(new_end, cur_end - new_end) < 0)
            return (long)mm->brk;
        mm_untrack(mm, new_end, cur_end);
    }
    mm->brk = want;
    return (long)want;
}

SYS(madvise)
{
    uint64_t addr = (uint64_t)a0, len = PAGE_UP((uint64_t)a1);
    int advice = (int)a2;
    if (addr & (PAGE_SIZE - 1))
        return -EINVAL;
    if (len < (uint64_t)a1)
        return -EINVAL;
    if (len == 0)
        return 0;
    if (!user_range(addr, len))
        return -ENOMEM;
    switch (advice) {
    case 0:  /* MADV_NORMAL */
    case 1:  /* MADV_RANDOM */
    case 2:  /* MADV_SEQUENTIAL */
    case 3:  /* MADV_WILLNEED */
    case 4:  /* MADV_DONTNEED */
    case 8:  /* MADV_FREE */
    case 10: /* MADV_DONTFORK */
    case 11: /* MADV_DOFORK */
    case 14: /* MADV_HUGEPAGE */
    case 15: /* MADV_NOHUGEPAGE */
    case 16: /* MADV_DONTDUMP */
    case 17: /* MADV_DODUMP */
    case 12: /* MADV_MERGEABLE */
    case 13: /* MADV_UNMERGEABLE */
        return pal_vm_advise(addr, len, advice);
    default:
        return -EINVAL;
    }
}

SYS(msync)
{
    uint64_t addr = (uint64_t)a0;
    int flags = (int)a2;
    if ((addr & (PAGE_SIZE - 1)) || (flags & ~7) || ((flags & 1) && (flags & 4)))
        return -EINVAL;
    if (!user_range(addr, PAGE_UP((uint64_t)a1)))
        return -ENOMEM;
    /* Shared mappings of host files are the host's own mappings: nothing to copy back.  The
     * encrypted volume commits (every instance: the core does not track which file a
     * mapping is of; alcovefs writes mapped files whole). */
    if (flags & 4 /* MS_SYNC */)
        return vfs_sync_all() < 0 ? -EIO : 0;
    return 0;
}

SYS(mlock)
{
    if (!user_range(PAGE_DOWN((uint64_t)a0), PAGE_UP((uint64_t)a1)))
        return -ENOMEM;
    return 0; /* memory is never swapped out by the LibOS */
}

SYS(munlock)
{
    if (!user_range(PAGE_DOWN((uint64_t)a0), PAGE_UP((uint64_t)a1)))
        return -ENOMEM;
    return 0;
}

/* mlock2(2): mlock with MLOCK_ONFAULT allowed; the LibOS never swaps (see mlock). */
SYS(mlock2)
{
    if ((unsigned long)a2 & ~1ul) /* MLOCK_ONFAULT */
        return -EINVAL;
    return sys_mlock(a0, a1, 0, 0, 0, 0);
}

/* mlockall(2)/munlockall(2): Linux's flag checks (MCL_CURRENT 1, MCL_FUTURE 2, MCL_ONFAULT
 * 4, which needs one of the others); memory is never swapped out by the LibOS. */
SYS(mlockall)
{
    unsigned long f = (unsigned long)a0;
    if (!f || (f & ~7ul) || f == 4)
        return -EINVAL;
    return 0;
}

SYS(munlockall)
{
    return 0;
}

/* mincore(2): one byte per page of [addr, addr+len), bit 0 = resident.  The LibOS does not
 * ask the host which pages are in memory: every page of a mapped range is reported
 * resident.  Errors in Linux's order (mm/mincore.c): EINVAL for an unaligned address,
 * ENOMEM for a range that is not program memory or has a hole, EFAULT for vec. */
SYS(mincore)
{
    uint64_t addr = (uint64_t)a0, len = (uint64_t)a1, uvec = (uint64_t)a2;
    struct mm *mm = &current->proc->mm;
    if (addr & (PAGE_SIZE - 1))
        return -EINVAL;
    if (!access_ok(addr, len))
        return -ENOMEM;
    uint64_t pages = len / PAGE_SIZE + ((len & (PAGE_SIZE - 1)) != 0);
    if (!access_ok(uvec, pages))
        return -EFAULT;
    unsigned char chunk[256];
    uint64_t done = 0;
    while (done < pages) {
        uint64_t n = MIN(pages - done, (uint64_t)sizeof(chunk));
        for (uint64_t i = 0; i < n; i++) {
            if (!find_vma(mm, addr + (done + i) * PAGE_SIZE))
                return -ENOMEM;
            chunk[i] = 1;
        }
        if (copy_to_user(uvec + done, chunk, n))
            return -EFAULT;
        done += n;
    }
    return 0;
}
