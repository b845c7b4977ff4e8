/*
 * procfs.c - the enclave's /proc: what a program may learn about itself, generated from
 * the core's own state (never the host's /proc, which describes the host process).
 */
#include "vfs.h"
#include "ipc/ipc.h"

struct sbuf {
    char *p;
    size_t len, cap;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = al_vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (b->p && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t ncap = (b->cap ? b->cap * 2 : 1024);
        while (ncap < b->len + (size_t)n + 1)
            ncap *= 2;
        char *np = kmalloc(ncap);
        if (!np)
            return;
        if (b->p) {
            al_memcpy(np, b->p, b->len);
            kfree(b->p);
        }
        b->p = np;
        b->cap = ncap;
    }
}

static int parse_uint(const char *s, const char **end)
{
    if (*s < '0' || *s > '9')
        return -1;
    long v = 0;
    while (*s >= '0' && *s <= '9' && v < 1000000000)
        v = v * 10 + (*s++ - '0');
    *end = s;
    return (int)v;
}

enum pnode {
    P_NONE, P_ROOT, P_SELF, P_PIDDIR, P_EXE, P_CWD, P_ROOTLINK, P_FDDIR, P_FD, P_CMDLINE, P_MAPS,
    P_STATUS, P_STAT, P_COMM, P_MOUNTS, P_MEMINFO, P_UPTIME, P_VERSION, P_THREADSELF,
    P_FILESYSTEMS, P_TASKDIR, P_TASK, P_MOUNTINFO,
    P_SUBDIR,   /* sysvipc, sys, sys/kernel: directories of fixed names */
    P_SYSV,     /* sysvipc/shm... and sys/kernel/shmmax...: made by ipc/sysv.c */
};

/* What a /proc/<pid>/task/<tid> directory holds. */
static const struct {
    const char *name;
    enum pnode node;
} task_entries[] = {{"comm", P_COMM}, {"stat", P_STAT}, {"status", P_STATUS}};

static const struct {
    const char *name;
    enum pnode node;
} pid_entries[] = {{"exe", P_EXE},         {"cwd", P_CWD},   {"root", P_ROOTLINK},
                   {"fd", P_FDDIR},        {"cmdline", P_CMDLINE}, {"maps", P_MAPS},
                   {"status", P_STATUS},   {"stat", P_STAT}, {"comm", P_COMM},
                   {"mounts", P_MOUNTS},   {"mountinfo", P_MOUNTINFO},
                   {"task", P_TASKDIR}},
  top_entries[] = {{"self", P_SELF},          {"thread-self", P_THREADSELF},
                   {"meminfo", P_MEMINFO},    {"mounts", P_MOUNTS},
                   {"uptime", P_UPTIME},      {"version", P_VERSION},
                   {"filesystems", P_FILESYSTEMS}, {"sysvipc", P_SUBDIR},
                   {"sys", P_SUBDIR}},
  /* The fixed names below /proc/<dir> (P_SUBDIR), each "dir/name". */
  sub_entries[] = {{"sysvipc/shm", P_SYSV},      {"sysvipc/sem", P_SYSV},
                   {"sysvipc/msg", P_SYSV},      {"sys/kernel", P_SUBDIR},
                   {"sys/kernel/shmmax", P_SYSV}, {"sys/kernel/shmall", P_SYSV},
                   {"sys/kernel/shmmni", P_SYSV}, {"sys/kernel/sem", P_SYSV},
                   {"sys/kernel/msgmax", P_SYSV}, {"sys/kernel/msgmnb", P_SYSV},
                   {"sys/kernel/msgmni", P_SYSV}};

/* The process a /proc path is about, and the thread for task/<tid>/... paths (NULL for
 * the process as a whole); both set by parse(). */
static struct process *target_proc;
static struct thread *target_thread;

/* The name and id shown for the target: the thread's under task/, else the process's. */
static const char *target_comm(void)
{
    return target_thread ? target_thread->comm : target_proc->comm;
}
static int target_id(void)
{
    return target_thread ? target_thread->tid : target_proc->pid;
}

/* Parse a canonical /proc path; *fd gets the number for P_FD, target_proc the process. */
static enum pnode parse(const char *canon, int *fd)
{
    target_proc = current->proc;
    target_thread = NULL;
    const char *rel = path_under(canon, "/proc");
    if (!rel)
        return P_NONE;
    if (!*rel)
        return P_ROOT;
    const char *end;
    int pid = parse_uint(rel, &end);
    if (pid < 0) {
        for (unsigned i = 0; i < ARRAY_SIZE(top_entries); i++)
            if (al_strcmp(rel, top_entries[i].name) == 0)
                return top_entries[i].node;
        for (unsigned i = 0; i < ARRAY_SIZE(sub_entries); i++)
            if (al_strcmp(rel, sub_entries[i].name) == 0)
                return sub_entries[i].node;
        return P_NONE;
    }
    struct process *tp = process_by_pid(pid);
    if (!tp)
        return P_NONE;
    target_proc = tp;
    if (!*end)
        return P_PIDDIR;
    if (*end != '/')
        return P_NONE;
    rel = end + 1;
    if (al_strncmp(rel, "task/", 5) == 0) {
        int tid = parse_uint(rel + 5, &end);
        if (tid < 0 || (*end && *end != '/'))
            return P_NONE;
        struct thread *t = proc_thread(tp, tid);
        if (!t)
            return P_NONE;
        if (!*end)
            return P_TASK;
        target_thread = t;
        for (unsigned i = 0; i < ARRAY_SIZE(task_entries); i++)
            if (al_strcmp(end + 1, task_entries[i].name) == 0)
                return task_entries[i].node;
        return P_NONE;
    }
    if (al_strncmp(rel, "fd/", 3) == 0) {
        int n = parse_uint(rel + 3, &end);
        if (n < 0 || *end || n >= tp->fds.size || !tp->fds.ent[n].f)
            return P_NONE;
        *fd = n;
        return P_FD;
    }
    for (unsigned i = 0; i < ARRAY_SIZE(pid_entries); i++)
        if (al_strcmp(rel, pid_entries[i].name) == 0)
            return pid_entries[i].node;
    return P_NONE;
}

static int proc_lookup(const char *canon, int *kind, char *target, size_t tsize, struct pal_stat *st)
{
    int fd = -1;
    enum pnode n = parse(canon, &fd);
    if (n == P_NONE)
        return 0;
    al_memset(st, 0, sizeof(*st));
    st->dev = 4;
    st->blksize = 1024;
    st->nlink = 1;
    st->ino = 0x1000 + (uint64_t)n * 0x100 + (uint64_t)(fd + 1);
    *kind = PATH_KIND_OTHER;
    st->mode = S_IFREG | 0444;
    switch (n) {
    case P_ROOT:
    case P_PIDDIR:
    case P_FDDIR:
    case P_TASKDIR:
    case P_TASK:
    case P_SUBDIR:
        *kind = PATH_KIND_DIR;
        st->mode = S_IFDIR | 0555;
        st->nlink = 2;
        break;
    case P_SELF:
        *kind = PATH_KIND_SYMLINK;
        al_snprintf(target, tsize, "%d", current->proc->pid);
        break;
    case P_THREADSELF:
        *kind = PATH_KIND_SYMLINK;
        al_snprintf(target, tsize, "%d/task/%d", current->proc->pid, current->tid);
        break;
    case P_COMM:
        st->mode = S_IFREG | 0644;
        break;
    case P_EXE:
        *kind = PATH_KIND_SYMLINK;
        al_strlcpy(target, target_proc->exe, tsize);
        break;
    case P_CWD:
        *kind = PATH_KIND_SYMLINK;
        if (vfs_path_label(&target_proc->cwd, target, tsize) < 0)
            target[0] = '\0';
        break;
    case P_ROOTLINK:
        *kind = PATH_KIND_SYMLINK;
        al_strlcpy(target, "/", tsize);
        break;
    case P_FD: {
        /* A "magic" link: resolving it reaches the open file itself, so the walk stops
         * here (kind OTHER) while lstat/readlink still see a symlink. */
        struct file *f = target_proc->fds.ent[fd].f;
        if (file_path(f, target, tsize) < 0)
            target[0] = '\0';
        st->mode = S_IFLNK | 0700;
        if (f->loc.dentry)
            *kind = PATH_KIND_SYMLINK;
        break;
    }
    default:
        break;
    }
    if (S_ISLNK(st->mode) || *kind == PATH_KIND_SYMLINK) {
        st->mode = S_IFLNK | 0777;
        st->size = (int64_t)al_strlen(target);
    }
    return 1;
}

static void gen_maps(struct sbuf *b)
{
    struct mm *mm = &target_proc->mm;
    for (int i = 0; i < mm->n; i++) {
        const struct vma *v = &mm->v[i];
        const char *name = (v->flags & VMA_STACK) ? "[stack]" : (v->flags & VMA_HEAP) ? "[heap]" : "";
        sb_printf(b, "%012lx-%012lx %c%c%c%c 00000000 00:00 0%s%s\n", (unsigned long)v->start,
                  (unsigned long)v->end, (v->prot & PROT_READ) ? 'r' : '-',
                  (v->prot & PROT_WRITE) ? 'w' : '-', (v->prot & PROT_EXEC) ? 'x' : '-',
                  (v->flags & VMA_SHARED) ? 's' : 'p', *name ? "                          " : "",
                  name);
    }
}

static void gen_status(struct sbuf *b)
{
    struct process *p = target_proc;
    struct thread *t = target_thread ? target_thread : p->threads;
    /* Ignored and caught signals, bit n-1 for signal n (what `ps s` and CPython's
     * restore_signals test read). */
    uint64_t ign = 0, cgt = 0;
    for (int sig = 1; sig <= NSIG; sig++) {
        if (p->act[sig].handler == SIG_IGN)
            ign |= SIGBIT(sig);
        else if (p->act[sig].handler != SIG_DFL)
            cgt |= SIGBIT(sig);
    }
    sb_printf(b, "Name:\t%s\nUmask:\t%04o\nState:\t%s\nTgid:\t%d\nNgid:\t0\nPid:\t%d\n"
                 "PPid:\t%d\nTracerPid:\t0\nUid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n"
                 "FDSize:\t%d\nGroups:\t",
              target_comm(), p->umask, p->state == PROC_ZOMBIE ? "Z (zombie)" : p->stopped ? "T (stopped)" : "R (running)",
              p->pid, target_id(), p->ppid, p->ruid, p->euid, p->suid, p->fsuid, p->rgid, p->egid,
              p->sgid, p->fsgid, p->fds.size);
    for (int i = 0; i < p->ngroups; i++)
        sb_printf(b, i ? " %u" : "%u", p->groups[i]);
    sb_printf(b, " \nThreads:\t%d\nSigQ:\t0/0\nSigPnd:\t%016lx\nShdPnd:\t%016lx\n"
                 "SigBlk:\t%016lx\nSigIgn:\t%016lx\nSigCgt:\t%016lx\nCpus_allowed_list:\t0-%d\n",
              p->nthreads, (unsigned long)(t ? t->sig_pending : 0),
              (unsigned long)p->sig_pending,
              (unsigned long)(t ? t->sigmask : 0), (unsigned long)ign,
              (unsigned long)cgt, boot_info->ncpus - 1);
}

/* An open comm file: reads the name as it was at open, writes rename the thread (or the
 * process's leader), as Linux's comm_write: at most 15 bytes taken, newline included,
 * only within the caller's own process (else EINVAL). */
struct comm_file {
    int pid, tid; /* tid 0: the process's leader */
    char text[20];
    size_t len;
};

static long comm_read(struct file *f, void *buf, size_t n, int64_t *pos, int kbuf)
{
    struct comm_file *c = f->priv;
    if (*pos >= (int64_t)c->len)
        return 0;
    size_t k = MIN(n, c->len - (size_t)*pos);
    if (io_out(buf, c->text + *pos, k, kbuf))
        return -EFAULT;
    *pos += (int64_t)k;
    return (long)k;
}

static long comm_write(struct file *f, const void *buf, size_t n, int64_t *pos, int kbuf)
{
    (void)pos;
    struct comm_file *c = f->priv;
    char name[16];
    al_memset(name, 0, sizeof(name));
    if (io_in(name, buf, MIN(n, sizeof(name) - 1), kbuf))
        return -EFAULT;
    struct process *p = process_by_pid(c->pid);
    if (!p)
        return -ESRCH;
    if (p != current->proc)
        return -EINVAL;
    struct thread *t = proc_thread(p, c->tid ? c->tid : p->pid);
    if (t) {
        thread_set_comm(t, name);
        return (long)n;
    }
    if (c->tid)
        return -ESRCH;
    al_strlcpy(p->comm, name, sizeof(p->comm)); /* the leader has gone */
    return (long)n;
}

static int comm_stat(struct file *f, struct pal_stat *st)
{
    (void)f;
    al_memset(st, 0, sizeof(*st));
    st->mode = S_IFREG | 0644;
    st->nlink = 1;
    st->blksize = 1024;
    st->dev = 4;
    return 0;
}

static const struct file_ops comm_ops = {
    .read = comm_read, .write = comm_write, .stat = comm_stat, .release = file_release_priv,
    .seekable = 1,
};

static int comm_open(const char *canon, int flags, struct file **out)
{
    struct comm_file *c = kzalloc(sizeof(*c));
    struct file *f = c ? file_alloc(&comm_ops, flags & (O_ACCMODE | O_APPEND), canon) : NULL;
    if (!f) {
        kfree(c);
        return -ENOMEM;
    }
    c->pid = target_proc->pid;
    c->tid = target_thread ? target_thread->tid : 0;
    c->len = (size_t)al_snprintf(c->text, sizeof(c->text), "%s\n", target_comm());
    f->priv = c;
    f->mode = S_IFREG;
    *out = f;
    return 0;
}

/* A directory listing of up to cap entries being built: fixed names, and numbers (pids,
 * tids, fds) formatted into store. */
struct listing {
    const char **names;
    uint8_t *types;
    char *store;
    int n, cap;
};

static int listing_init(struct listing *l, int cap)
{
    l->n = 0;
    l->cap = cap;
    l->names = kmalloc(sizeof(char *) * (size_t)(cap + 1));
    l->types = kmalloc((size_t)cap + 1);
    l->store = kmalloc((size_t)(cap + 1) * 12);
    if (l->names && l->types && l->store)
        return 0;
    kfree(l->names), kfree(l->types), kfree(l->store);
    return -ENOMEM;
}

static void listing_add(struct listing *l, const char *name, uint8_t type)
{
    if (l->n < l->cap) {
        l->names[l->n] = name;
        l->types[l->n++] = type;
    }
}

static void listing_num(struct listing *l, int v, uint8_t type)
{
    if (l->n < l->cap) {
        char *s = l->store + l->n * 12;
        al_snprintf(s, 12, "%d", v);
        listing_add(l, s, type);
    }
}

static int listing_open(struct listing *l, const char *canon, struct file **out)
{
    *out = memdir_new(canon, l->names, l->types, l->n);
    kfree(l->names), kfree(l->types), kfree(l->store);
    return *out ? 0 : -ENOMEM;
}

static int n_is_info(enum pnode n)
{
    return n == P_MOUNTINFO;
}

static int proc_open(const char *canon, int flags, struct file **out)
{
    int fd = -1;
    enum pnode n = parse(canon, &fd);
    if (n == P_NONE)
        return -ENOENT;
    if (n == P_COMM && !(flags & O_CREAT))
        return comm_open(canon, flags, out);
    if ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC)))
        return n == P_ROOT || n == P_PIDDIR || n == P_FDDIR || n == P_TASKDIR || n == P_TASK ||
                       n == P_SUBDIR
                   ? -EISDIR : -EACCES;
    struct sbuf b = {0, 0, 0};
    char pidname[16];
    switch (n) {
    case P_ROOT: {
        (void)pidname;
        struct listing l;
        if (listing_init(&l, kernel->nprocs + (int)ARRAY_SIZE(top_entries)) < 0)
            return -ENOMEM;
        for (struct process *q = kernel->procs; q; q = q->next)
            listing_num(&l, q->pid, DT_DIR);
        for (unsigned i = 0; i < ARRAY_SIZE(top_entries); i++)
            listing_add(&l, top_entries[i].name,
                        (top_entries[i].node == P_SELF || top_entries[i].node == P_THREADSELF)
                            ? DT_LNK : top_entries[i].node == P_SUBDIR ? DT_DIR : DT_REG);
        return listing_open(&l, canon, out);
    }
    case P_SUBDIR: {
        /* The sub_entries directly below this directory. */
        const char *rel = path_under(canon, "/proc");
        size_t rl = al_strlen(rel);
        const char *names[ARRAY_SIZE(sub_entries)];
        uint8_t types[ARRAY_SIZE(sub_entries)];
        int k = 0;
        for (unsigned i = 0; i < ARRAY_SIZE(sub_entries); i++) {
            const char *nm = sub_entries[i].name;
            if (al_strncmp(nm, rel, rl) || nm[rl] != '/' || al_strchr(nm + rl + 1, '/'))
                continue;
            names[k] = nm + rl + 1;
            types[k++] = sub_entries[i].node == P_SUBDIR ? DT_DIR : DT_REG;
        }
        *out = memdir_new(canon, names, types, k);
        return *out ? 0 : -ENOMEM;
    }
    case P_SYSV: {
        char *t;
        long len = sysv_proc_text(path_under(canon, "/proc"), &t);
        if (len < 0)
            return (int)len;
        b.p = t;
        b.len = (size_t)len;
        break;
    }
    case P_PIDDIR: {
        const char *names[ARRAY_SIZE(pid_entries)];
        uint8_t types[ARRAY_SIZE(pid_entries)];
        for (unsigned i = 0; i < ARRAY_SIZE(pid_entries); i++) {
            names[i] = pid_entries[i].name;
            enum pnode e = pid_entries[i].node;
            types[i] = e == P_FDDIR || e == P_TASKDIR ? DT_DIR : (e == P_EXE || e == P_CWD || e == P_ROOTLINK) ? DT_LNK : DT_REG;
        }
        *out = memdir_new(canon, names, types, (int)ARRAY_SIZE(pid_entries));
        return *out ? 0 : -ENOMEM;
    }
    case P_FDDIR: {
        struct fdtable *t = &target_proc->fds;
        int cnt = 0;
        for (int i = 0; i < t->size; i++)
            cnt += t->ent[i].f != NULL;
        struct listing l;
        if (listing_init(&l, cnt) < 0)
            return -ENOMEM;
        for (int i = 0; i < t->size; i++)
            if (t->ent[i].f)
                listing_num(&l, i, DT_LNK);
        return listing_open(&l, canon, out);
    }
    case P_TASKDIR: {
        /* One directory per thread. */
        struct listing l;
        if (listing_init(&l, target_proc->nthreads + 1) < 0)
            return -ENOMEM;
        for (struct thread *t = target_proc->threads; t; t = t->next_in_proc)
            listing_num(&l, t->tid, DT_DIR);
        return listing_open(&l, canon, out);
    }
    case P_TASK: {
        const char *names[ARRAY_SIZE(task_entries)];
        uint8_t types[ARRAY_SIZE(task_entries)];
        for (unsigned i = 0; i < ARRAY_SIZE(task_entries); i++) {
            names[i] = task_entries[i].name;
            types[i] = DT_REG;
        }
        *out = memdir_new(canon, names, types, (int)ARRAY_SIZE(task_entries));
        return *out ? 0 : -ENOMEM;
    }
    case P_FD: {
        /* Opening /proc/self/fd/N reaches the same open file.  Another process's host
         * handles mean nothing here, so its descriptors can be read as links only. */
        if (target_proc != current->proc)
            return -EACCES;
        struct file *f = fd_get(fd);
        *out = file_get(f);
        return 0;
    }
    case P_CMDLINE:
        if (target_proc->cmdline) {
            b.p = kmalloc(target_proc->cmdline_len + 1);
            if (b.p) {
                al_memcpy(b.p, target_proc->cmdline, target_proc->cmdline_len);
                b.len = target_proc->cmdline_len;
            }
        }
        break;
    case P_MAPS:
        gen_maps(&b);
        break;
    case P_STATUS:
        gen_status(&b);
        break;
    case P_STAT:
        sb_printf(&b, "%d (%s) %c %d %d %d 0 -1 0 0 0 0 0 0 0 0 0 20 0 %d 0 0 0 0\n",
                  target_id(), target_comm(),
                  target_proc->state == PROC_ZOMBIE ? 'Z' : target_proc->stopped ? 'T' : 'R',
                  target_proc->ppid,
                  target_proc->pgid, target_proc->sid, target_proc->nthreads);
        break;
    case P_COMM:
        sb_printf(&b, "%s\n", target_comm());
        break;
    case P_MOUNTS:
    case P_MOUNTINFO: {
        char *t;
        long len = vfs_mounts_text(n_is_info(n), &t);
        if (len < 0)
            return (int)len;
        b.p = t;
        b.len = (size_t)len;
        break;
    }
    case P_MEMINFO: {
        uint64_t kb = boot_info->mem_total / 1024;
        sb_printf(&b, "MemTotal:       %8lu kB\nMemFree:        %8lu kB\nMemAvailable:   %8lu kB\n",
                  (unsigned long)kb, (unsigned long)kb / 2, (unsigned long)kb / 2);
        break;
    }
    case P_UPTIME: {
        int64_t s, ns;
        if (pal_clock_get(CLOCK_BOOTTIME, &s, &ns) < 0)
            s = ns = 0;
        sb_printf(&b, "%ld.%02ld 0.00\n", (long)s, (long)(ns / 10000000));
        break;
    }
    case P_VERSION: {
        struct pal_uname u;
        if (pal_uname(&u) == 0)
            sb_printf(&b, "%s version %s (alcove) %s\n", u.sysname, u.release, u.version);
        break;
    }
    case P_FILESYSTEMS: {
        char *t;
        long len = vfs_filesystems_text(&t);
        if (len < 0)
            return (int)len;
        b.p = t;
        b.len = (size_t)len;
        break;
    }
    default:
        return -ENOENT;
    }
    if (!b.p)
        b.p = kmalloc(1);
    if (!b.p)
        return -ENOMEM;
    *out = memfile_new(canon, b.p, b.len, S_IFREG);
    return *out ? 0 : -ENOMEM;
}

/* ---- the file-system type: names below the mount are parsed as above, every time ---- */

static int canon_of(const struct dentry *d, char *buf)
{
    al_memcpy(buf, "/proc/", 7);
    if (d_relpath(d, buf + 6, PATH_MAX_LEN - 6) < 0)
        return -ENAMETOOLONG;
    if (!buf[6])
        buf[5] = '\0';
    return 0;
}

static const struct inode_ops procfs_iops;

static int procfs_lookup(struct dentry *dir, struct dentry *d)
{
    char canon[PATH_MAX_LEN], target[PATH_MAX_LEN];
    struct pal_stat st;
    int kind;
    (void)dir;
    if (canon_of(d, canon) < 0 || !proc_lookup(canon, &kind, target, sizeof(target), &st))
        return 0;
    struct inode *i = inode_alloc(d->sb, &procfs_iops, st.mode);
    if (!i)
        return -ENOMEM;
    i->ino = st.ino;
    i->uid = st.uid, i->gid = st.gid;
    d_instantiate(d, i);
    return 0;
}

/* Processes and descriptors come and go: a cached name is asked about again each time. */
static int procfs_revalidate(struct dentry *d, int final)
{
    char canon[PATH_MAX_LEN], target[PATH_MAX_LEN];
    struct pal_stat st;
    int kind;
    (void)final;
    if (!d->inode || canon_of(d, canon) < 0 || !proc_lookup(canon, &kind, target, sizeof(target), &st))
        return 0;
    if ((st.mode & S_IFMT) != (d->inode->mode & S_IFMT) || st.ino != d->inode->ino)
        return 0;
    d->inode->mode = st.mode;
    return 1;
}

static int procfs_getattr(struct dentry *d, struct pal_stat *st)
{
    char canon[PATH_MAX_LEN], target[PATH_MAX_LEN];
    int kind;
    if (canon_of(d, canon) < 0)
        return -ENAMETOOLONG;
    return proc_lookup(canon, &kind, target, sizeof(target), st) ? 0 : -ENOENT;
}

static long procfs_readlink(struct dentry *d, char *buf, size_t size)
{
    char canon[PATH_MAX_LEN], target[PATH_MAX_LEN];
    struct pal_stat st;
    int kind;
    if (canon_of(d, canon) < 0 || !proc_lookup(canon, &kind, target, sizeof(target), &st))
        return -ENOENT;
    if (!S_ISLNK(st.mode))
        return -EINVAL;
    size_t n = al_strlen(target);
    if (n > size)
        n = size;
    al_memcpy(buf, target, n);
    return (long)n;
}

/* /proc/PID/fd/N and /proc/PID/cwd lead to the object itself, wherever it is now. */
static int procfs_get_link(struct dentry *d, struct path *out)
{
    char canon[PATH_MAX_LEN];
    int fd = -1;
    if (canon_of(d, canon) < 0)
        return -ENAMETOOLONG;
    enum pnode n = parse(canon, &fd);
    if (n == P_CWD) {
        *out = target_proc->cwd;
        path_get(out);
        return 0;
    }
    if (n == P_FD) {
        struct file *f = target_proc->fds.ent[fd].f;
        if (!f->loc.dentry)
            return 2; /* a pipe, socket...: the link is the way to it */
        *out = f->loc;
        path_get(out);
        return 0;
    }
    return n == P_NONE ? -ENOENT : 1;
}

static int procfs_open_file(const struct path *p, int flags, struct file **out)
{
    char canon[PATH_MAX_LEN];
    if (canon_of(p->dentry, canon) < 0)
        return -ENAMETOOLONG;
    return proc_open(canon, flags, out);
}

static const struct inode_ops procfs_iops = {
    .lookup = procfs_lookup, .getattr = procfs_getattr, .readlink = procfs_readlink,
    .get_link = procfs_get_link, .open_file = procfs_open_file,
};

static int procfs_statfs(struct dentry *d, uint64_t st[15])
{
    (void)d;
    st[0] = 0x9fa0; /* PROC_SUPER_MAGIC */
    st[1] = 4096;
    st[8] = 255;
    st[9] = 4096;
    return 0;
}

static const struct fs_ops procfs_ops = {.statfs = procfs_statfs, .revalidate = procfs_revalidate};

static int procfs_mount(struct super_block *sb, const char *data, unsigned long msflags)
{
    (void)data, (void)msflags;
    struct inode *i = inode_alloc(sb, &procfs_iops, S_IFDIR | 0555);
    if (!i)
        return -ENOMEM;
    i->ino = 1;
    sb->ops = &procfs_ops;
    sb->source = kstrdup("proc");
    sb->root = d_make_root(i);
    return sb->root ? 0 : -ENOMEM;
}

const struct fs_type procfs_type = {"proc", procfs_mount, 1};

int vfs_proc_pid_of(const struct file *f)
{
    char canon[PATH_MAX_LEN];
    if (!f->loc.dentry || f->loc.dentry->sb->type != &procfs_type || !S_ISDIR(f->mode) ||
        canon_of(f->loc.dentry, canon) < 0)
        return -EBADF;
    const char *s = canon + 6;
    int pid = 0;
    if (!*s)
        return -EBADF;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || pid > 100000000)
            return -EBADF;
        pid = pid * 10 + (*s - '0');
    }
    return pid;
}
