/*
 * rewrite.c - lazy rewriting of the program's syscall sites (the direct backend only).
 *
 * Every `syscall` the program executes traps (Syscall User Dispatch, signal.c).  The first
 * trap from a site looks at the instruction right before it.  Where that is one of
 *
 *     b8 imm32            mov $imm32, %eax      (glibc, musl and Go wrappers)
 *     48 c7 c0 imm32      mov $imm32, %rax      (Go's runtime, glibc's __restore_rt)
 *     48/4c 8b 44+r 24 d8 mov d8(%rsp), %reg    (glibc's syscall(), Go's old Syscall)
 *
 * and the trap's registers confirm it (%rax equals imm32, or the register holds the stack
 * word: a check that the bytes really are that instruction and not the tail of a longer
 * one), the first 5 bytes of that instruction become `jmp rel32`
 * to a trampoline of the site's own:
 *
 *     <the mov, copied>; lea <after the syscall>(%rip), %rcx; jmp *pal_direct_fast_entry
 *
 * so later calls enter the LibOS through fast.S with no host signal.  One more shape, glibc's
 * `syscall; cmp $-4096|-4095,%rax; ja|jae|jbe|jb` with the number set some other way, has
 * the jump written over the syscall itself (try_patch_after: single-threaded processes
 * only, the call returns into the trampoline; pal_direct_rw_exit_rip).  The `syscall`
 * instruction itself is never touched: only an instruction that a jump could not enter in
 * the middle of (it is the one right before the syscall, and code jumping into its immediate
 * would be broken natively) is replaced whole, a jump to the syscall itself still traps, and
 * a restarted call (rip - 2, libos_syscall) runs the original syscall through the trap path.
 * What remains a risk is described in docs/ARCHITECTURE.md (direct backend section).
 *
 * Writing the program's code.  Bytes go through the host's /proc/self/mem (the kernel writes
 * a private copy of the page, as for a debugger's breakpoint), so page protections are
 * never changed, not even for a moment, and a shared or writable mapping is never patched
 * (text_ok).  Other threads may be running the site: the int3 protocol of Linux's
 * text_poke_bp is used, with membarrier(SYNC_CORE) between the steps: int3 at the first
 * byte, then the other four, then the jump's first byte.  A thread that hits the int3
 * meanwhile gets SIGTRAP; pal_direct_rw_int3 waits for the patch to finish and sends it
 * back to the site's first byte.
 *
 * Invalidation (the backend's memory calls, host.c/mem.c): unmapping or replacing a range
 * forgets its sites; mprotect and mremap first put the original bytes back, so a program
 * that makes its code writable (JITs, W^X toggling) finds exactly what it wrote.
 *
 * Trampolines live in 1 MiB chunks mapped read+exec near the code (within +-2 GiB of the
 * jump), reserved like every backend range; a trampoline is never reused, so a thread still
 * inside one when its site is forgotten finishes its call correctly.
 *
 * State is per host process (fork copies it along with the patched pages; a vfork child
 * shares it).  One spinlock guards it; the core's lock may be held when it is taken (the
 * memory hooks), never the other way round.
 */
#include "host.h"
#include "pal.h"
#include "al_string.h"
#include "sysnames.h"

#define MAX_SITES 4096
#define CHUNK_SIZE (1ull << 20)
#define MAX_CHUNKS 24
#define TRAMP_FIRST 64
#define TRAMP_SIZE 64
#define TRAMP_CODE 48 /* code bytes of a trampoline; then the site address, the length of
                       * its part that counts as "at the site" (pal_direct_rw_fix_rip) */
#define TRAMP_CAP ((CHUNK_SIZE - TRAMP_FIRST) / TRAMP_SIZE)

#define O_RDONLY 0
#define O_RDWR 2
#define O_CLOEXEC 02000000

enum { S_NO, S_PATCHED };

struct site {
    uint64_t sys;   /* address of the `syscall` instruction (the key) */
    uint64_t start; /* S_PATCHED: the replaced instruction's address */
    uint64_t tramp; /* S_PATCHED: its trampoline */
    uint64_t end;   /* S_PATCHED: end of the bytes the patch depends on */
    uint64_t traps; /* traps taken at this site (its first one included) */
    const char *why; /* S_NO: why it stays on the trap path */
    uint8_t orig[5], jump[5];
    uint8_t state;
    uint8_t after;  /* S_PATCHED over the syscall itself (try_patch_after) */
    uint16_t nr;    /* the syscall number of its first trap */
};

int pal_direct_rewrite_on = 1;
int pal_direct_log_level;

static volatile int lock;
static struct site sites[MAX_SITES]; /* sorted by sys */
static int nsites;
static uint64_t lost_traps, forgotten_traps, npatched, nrestored;
static volatile int nafter; /* live sites patched over their syscall */
static struct {
    uint64_t base;
    uint64_t used;
} chunks[MAX_CHUNKS];
static volatile int nchunks;
static long mem_fd = -1;
static int mb_state; /* 0 unknown, 1 registered, -1 unavailable */
/* Sites whose first byte was an int3 of ours at some point (pal_direct_rw_int3). */
static uint64_t recent[64];
static volatile unsigned nrecent;

static void rw_lock(void)
{
    while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE)) {
        for (int i = 0; i < 200 && __atomic_load_n(&lock, __ATOMIC_RELAXED); i++)
            __asm__ volatile("pause");
        if (__atomic_load_n(&lock, __ATOMIC_RELAXED))
            HSYS0(__NR_sched_yield);
    }
}

static void rw_unlock(void)
{
    __atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
}

/* ---- program memory through the host's /proc/self/mem ---------------------------------- */

static long mem(void)
{
    if (mem_fd < 0)
        mem_fd = HSYS4(__NR_openat, -100, "/proc/self/mem", O_RDWR | O_CLOEXEC, 0);
    return mem_fd;
}

static int peek(uint64_t a, void *buf, size_t n)
{
    long fd = mem();
    return fd >= 0 && HSYS4(__NR_pread64, fd, buf, n, a) == (long)n ? 0 : -1;
}

static int poke(uint64_t a, const void *buf, size_t n)
{
    long fd = mem();
    return fd >= 0 && HSYS4(__NR_pwrite64, fd, buf, n, a) == (long)n ? 0 : -1;
}

/* Make every thread of this process serialise its instruction stream (cross-modifying
 * code: no core keeps a stale decode of bytes we changed). */
static void sync_cores(void)
{
    HSYS3(__NR_membarrier, 32 /* PRIVATE_EXPEDITED_SYNC_CORE */, 0, 0);
}

static int sync_ready(void)
{
    if (mb_state == 0)
        mb_state = HSYS3(__NR_membarrier, 64 /* REGISTER_PRIVATE_EXPEDITED_SYNC_CORE */, 0, 0) == 0
                       ? 1
                       : -1;
    return mb_state > 0;
}

/* ---- the host's view of the mapping ------------------------------------------------------ */

static int hexdigit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Is [a, a+n) covered by private, executable, non-writable host mappings?  (A writable or
 * shared one may change under us without a call we see, or share our bytes with others.) */
static int text_ok(uint64_t a, uint64_t n)
{
    long fd = HSYS4(__NR_openat, -100, "/proc/self/maps", O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    char buf[4096];
    uint64_t need = a, end = a + n, lo = 0, hi = 0;
    int field = 0, pos = 0, ok = -1;
    char perms[4] = {0};
    while (ok < 0) {
        long got = HSYS3(__NR_read, fd, buf, sizeof(buf));
        if (got <= 0)
            break;
        for (long k = 0; k < got && ok < 0; k++) {
            char c = buf[k];
            if (c == '\n') {
                if (field >= 2 && lo <= need && need < hi) {
                    if (perms[1] != '-' || perms[2] != 'x' || perms[3] != 'p')
                        ok = 0;
                    else if ((need = hi) >= end)
                        ok = 1;
                } else if (field >= 2 && lo > need) {
                    ok = 0; /* sorted: a gap */
                }
                field = pos = 0;
                lo = hi = 0;
                continue;
            }
            int d = hexdigit(c);
            if (field == 0) {
                if (d >= 0)
                    lo = lo << 4 | (uint64_t)d;
                else if (c == '-')
                    field = 1;
            } else if (field == 1) {
                if (d >= 0)
                    hi = hi << 4 | (uint64_t)d;
                else if (c == ' ')
                    field = 2, pos = 0;
            } else if (field == 2) {
                if (pos < 4)
                    perms[pos++] = c;
                else
                    field = 3;
            }
        }
    }
    HSYS1(__NR_close, fd);
    return ok == 1;
}

/* ---- trampolines ------------------------------------------------------------------------ */

static int near(uint64_t from, uint64_t to)
{
    int64_t d = (int64_t)(to - from);
    int64_t lim = (1ll << 31) - 2 * (int64_t)CHUNK_SIZE;
    return d > -lim && d < lim;
}

static int chunk_map(uint64_t at)
{
    if (at < 0x100000 || at + CHUNK_SIZE > 0x7ffffffff000ull || pal_range_reserved(at, CHUNK_SIZE))
        return -1;
    long r = HSYS6(__NR_mmap, at, CHUNK_SIZE, 5 /* READ|EXEC */,
                   0x22 | 0x4000 | 0x100000 /* PRIVATE|ANON|NORESERVE|FIXED_NOREPLACE */, -1, 0);
    if (r < 0 && r >= -4095)
        return -1;
    uint64_t entry = (uint64_t)pal_direct_fast_entry;
    if ((uint64_t)r != at || poke(at, &entry, sizeof(entry)) < 0 ||
        pal_direct_reserve(at, CHUNK_SIZE) < 0) {
        HSYS2(__NR_munmap, r, CHUNK_SIZE);
        return -1;
    }
    chunks[nchunks].base = at;
    chunks[nchunks].used = 0;
    __atomic_store_n(&nchunks, nchunks + 1, __ATOMIC_RELEASE);
    return nchunks - 1;
}

/* A free trampoline within reach of a jump at a, or 0. */
static uint64_t tramp_alloc(uint64_t a)
{
    int c = -1;
    for (int i = 0; i < nchunks && c < 0; i++)
        if (chunks[i].used < TRAMP_CAP && near(a, chunks[i].base))
            c = i;
    if (c < 0 && nchunks < MAX_CHUNKS) {
        /* Below the code first: above an image is where its brk heap grows. */
        uint64_t top = a & ~(CHUNK_SIZE - 1);
        for (uint64_t d = CHUNK_SIZE; c < 0 && d <= (1ull << 30); d <<= 1)
            if (top > d)
                c = chunk_map(top - d);
        for (uint64_t d = 1ull << 29; c < 0 && d <= (1ull << 30); d <<= 1)
            c = chunk_map(top + d);
    }
    if (c < 0)
        return 0;
    return chunks[c].base + TRAMP_FIRST + TRAMP_SIZE * chunks[c].used++;
}

static void put32(uint8_t *p, int64_t v)
{
    uint32_t u = (uint32_t)v;
    al_memcpy(p, &u, 4);
}

/* The trampoline of a site: the replaced instruction, rcx = the address after the syscall,
 * then the fast entry (through the pointer at the chunk's start). */
static int tramp_write(uint64_t t, const uint8_t *insn, unsigned len, uint64_t sys, uint64_t start)
{
    uint8_t b[TRAMP_SIZE];
    al_memset(b, 0xcc, sizeof(b));
    al_memcpy(b, insn, len);
    unsigned k = len;
    b[k] = 0x48, b[k + 1] = 0x8d, b[k + 2] = 0x0d; /* lea rel32(%rip), %rcx */
    put32(b + k + 3, (int64_t)(sys + 2) - (int64_t)(t + k + 7));
    k += 7;
    b[k] = 0xff, b[k + 1] = 0x25; /* jmp *rel32(%rip) */
    uint64_t chunk = (t - TRAMP_FIRST) & ~(CHUNK_SIZE - 1);
    put32(b + k + 2, (int64_t)chunk - (int64_t)(t + k + 6));
    al_memcpy(b + TRAMP_CODE, &start, 8);
    b[TRAMP_CODE + 8] = TRAMP_CODE;
    return poke(t, b, sizeof(b));
}

/* The trampoline of a `syscall; cmp $-4096|-4095, %rax` site (glibc's wrappers whose number
 * is set some other way): the jump replaced the syscall and the start of the cmp, so the
 * call returns into the trampoline, which runs the cmp and jumps back after it.  A restart
 * (rip - 2) lands on a `syscall` kept in the trampoline for that, and traps. */
static int tramp_write_after(uint64_t t, const uint8_t *cmp, uint64_t sys)
{
    uint8_t b[TRAMP_SIZE];
    al_memset(b, 0xcc, sizeof(b));
    b[0] = 0x48, b[1] = 0x8d, b[2] = 0x0d; /* lea cont(%rip), %rcx */
    put32(b + 3, 15 - 7);
    b[7] = 0xff, b[8] = 0x25; /* jmp *entry */
    uint64_t chunk = (t - TRAMP_FIRST) & ~(CHUNK_SIZE - 1);
    put32(b + 9, (int64_t)chunk - (int64_t)(t + 13));
    b[13] = 0x0f, b[14] = 0x05; /* the restart point */
    al_memcpy(b + 15, cmp, 6);  /* cont: */
    b[21] = 0xe9;
    put32(b + 22, (int64_t)(sys + 8) - (int64_t)(t + 26));
    al_memcpy(b + TRAMP_CODE, &sys, 8);
    b[TRAMP_CODE + 8] = 13; /* before the restart point only: the call has not run */
    return poke(t, b, sizeof(b));
}

uint64_t pal_direct_rw_fix_rip(uint64_t rip)
{
    int n = __atomic_load_n(&nchunks, __ATOMIC_ACQUIRE);
    for (int i = 0; i < n; i++) {
        uint64_t off = rip - chunks[i].base - TRAMP_FIRST;
        const uint8_t *slot = (const uint8_t *)(rip - off % TRAMP_SIZE);
        if (rip >= chunks[i].base + TRAMP_FIRST && off < CHUNK_SIZE - TRAMP_FIRST &&
            off % TRAMP_SIZE < slot[TRAMP_CODE + 8]) {
            /* Interrupted inside a trampoline: the program is "at" its site, whose replaced
             * instruction (a register load) may run again; rcx is dead there. */
            uint64_t start = *(const uint64_t *)(slot + TRAMP_CODE);
            return start ? start : rip;
        }
    }
    return rip;
}

/* ---- patching ---------------------------------------------------------------------------- */

static void recent_add(uint64_t a)
{
    recent[nrecent % 64] = a;
    __atomic_store_n(&nrecent, nrecent + 1, __ATOMIC_RELEASE);
}

/* Replace the 5 bytes at a (now `cur`) with `want`, never showing a torn instruction. */
static int replace5(uint64_t a, const uint8_t *cur, const uint8_t *want)
{
    static const uint8_t int3 = 0xcc;
    recent_add(a);
    if (poke(a, &int3, 1) < 0)
        return -1;
    sync_cores();
    if (poke(a + 1, want + 1, 4) < 0) {
        (void)poke(a, cur, 1);
        sync_cores();
        return -1;
    }
    sync_cores();
    int r = poke(a, want, 1);
    sync_cores();
    return r;
}

/* The value of general register r (x86 numbering) in a trap's context. */
static uint64_t reg_of(const struct host_sigcontext *m, unsigned r)
{
    switch (r) {
    case 0: return m->rax;
    case 1: return m->rcx;
    case 2: return m->rdx;
    case 3: return m->rbx;
    case 4: return m->rsp;
    case 5: return m->rbp;
    case 6: return m->rsi;
    case 7: return m->rdi;
    case 8: return m->r8;
    case 9: return m->r9;
    case 10: return m->r10;
    case 11: return m->r11;
    case 12: return m->r12;
    case 13: return m->r13;
    case 14: return m->r14;
    default: return m->r15;
    }
}

/* Is b[0..5) `mov disp8(%rsp), %reg64` (48/4c 8b 44|reg<<3 24 disp8) whose load the trap
 * context confirms (the register holds the stack word)?  glibc's syscall() loads its 6th
 * argument so, Go's old syscall.Syscall its number. */
static int stack_load_ok(const uint8_t *b, const struct host_sigcontext *m)
{
    if ((b[0] != 0x48 && b[0] != 0x4c) || b[1] != 0x8b || (b[2] & 0xc7) != 0x44 || b[3] != 0x24)
        return 0;
    unsigned r = (b[0] == 0x4c ? 8u : 0u) | ((b[2] >> 3) & 7u);
    if (r == 1 || r == 4 || r == 11) /* rcx, rsp, r11: not a shape compilers make here */
        return 0;
    uint64_t word;
    if (peek(m->rsp + (uint64_t)(int64_t)(int8_t)b[4], &word, 8) < 0)
        return 0;
    return word == reg_of(m, r);
}

/* `syscall; cmp $-4096|-4095, %rax; ja|jae|jbe|jb` (glibc's INTERNAL_SYSCALL and its error
 * test, Go's Syscall6):
 * the jump goes over the syscall and the first 3 bytes of the cmp. */
static const char *try_patch_after(struct site *s)
{
    uint64_t sys = s->sys;
    uint8_t a[12];
    if (peek(sys, a, sizeof(a)) < 0)
        return "no known instruction before it";
    int cmp = a[2] == 0x48 && a[3] == 0x3d && (a[4] == 0x00 || a[4] == 0x01) && a[5] == 0xf0 &&
              a[6] == 0xff && a[7] == 0xff;
    /* then ja, jae, jbe or jb (rel8 or rel32): glibc's and Go's error tests */
    int jcc = (a[8] >= 0x72 && a[8] <= 0x77 && a[8] != 0x74 && a[8] != 0x75) ||
              (a[8] == 0x0f && a[9] >= 0x82 && a[9] <= 0x87 && a[9] != 0x84 && a[9] != 0x85);
    if (!cmp || !jcc)
        return "no known instruction before or after it";
    /* Another thread could be stopped right after this syscall (at the cmp, which the jump
     * overwrites): only while the process has one thread.  The caller's own return and
     * saved contexts are sent to the trampoline (pal_direct_rw_exit_rip). */
    if (pal_direct_nthreads() > 1)
        return "only the syscall to replace, and other threads run";
    if (pal_range_reserved(sys, 8))
        return "in the backend's memory";
    if (!text_ok(sys, 8))
        return "not in private read-only code";
    if (!sync_ready())
        return "membarrier(SYNC_CORE) unavailable";
    uint64_t t = tramp_alloc(sys);
    if (!t)
        return "no trampoline space within 2 GiB";
    if (tramp_write_after(t, a + 2, sys) < 0)
        return "cannot write the trampoline";
    uint8_t jump[5] = {0xe9};
    put32(jump + 1, (int64_t)t - (int64_t)(sys + 5));
    if (replace5(sys, a, jump) < 0)
        return "cannot write the site";
    s->start = sys;
    s->end = sys + 8;
    s->tramp = t;
    s->after = 1;
    __atomic_add_fetch(&nafter, 1, __ATOMIC_RELEASE);
    al_memcpy(s->orig, a, 5);
    al_memcpy(s->jump, jump, 5);
    npatched++;
    return 0;
}

static const char *try_patch(struct site *s, const struct host_sigcontext *m)
{
    uint64_t rax = m->rax;
    if (!pal_direct_rewrite_on)
        return "rewriting is off";
    uint64_t sys = s->sys;
    uint8_t b[9];
    if (peek(sys - 7, b, 9) < 0 && (al_memset(b, 0, 2), peek(sys - 5, b + 2, 7) < 0))
        return "code not readable";
    if (b[7] != 0x0f || b[8] != 0x05)
        return "not a syscall instruction";
    uint32_t imm;
    unsigned len;
    al_memcpy(&imm, b + 3, 4);
    if (b[2] == 0xb8 && rax == imm)
        len = 5;
    else if (b[0] == 0x48 && b[1] == 0xc7 && b[2] == 0xc0 && rax == (uint64_t)(int64_t)(int32_t)imm)
        len = 7;
    else if (stack_load_ok(b + 2, m))
        len = 5;
    else
        return try_patch_after(s);
    uint64_t start = sys - len;
    const uint8_t *insn = b + 7 - len;
    if (pal_range_reserved(start, len + 2))
        return "in the backend's memory";
    if (!text_ok(start, len))
        return "not in private read-only code";
    if (!sync_ready())
        return "membarrier(SYNC_CORE) unavailable";
    uint64_t t = tramp_alloc(start);
    if (!t)
        return "no trampoline space within 2 GiB";
    if (tramp_write(t, insn, len, sys, start) < 0)
        return "cannot write the trampoline";
    uint8_t jump[5] = {0xe9};
    put32(jump + 1, (int64_t)t - (int64_t)(start + 5));
    if (replace5(start, insn, jump) < 0)
        return "cannot write the site";
    s->start = start;
    s->end = sys + 2;
    s->tramp = t;
    al_memcpy(s->orig, insn, 5);
    al_memcpy(s->jump, jump, 5);
    npatched++;
    return 0;
}

/* First index with sites[i].sys >= sys. */
static int find(uint64_t sys)
{
    int lo = 0, hi = nsites;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (sites[mid].sys < sys)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void pal_direct_rw_trap(const struct host_sigcontext *m)
{
    if (!pal_direct_rewrite_on && pal_direct_log_level < 2)
        return;
    uint64_t sys = m->rip - 2, rax = m->rax;
    rw_lock();
    int i = find(sys);
    if (i < nsites && sites[i].sys == sys) {
        /* A restarted call, a jump straight to the syscall, or an unpatchable site. */
        sites[i].traps++;
    } else if (nsites == MAX_SITES) {
        lost_traps++;
    } else {
        for (int j = nsites; j > i; j--)
            sites[j] = sites[j - 1];
        nsites++;
        struct site *s = &sites[i];
        al_memset(s, 0, sizeof(*s));
        s->sys = sys;
        s->traps = 1;
        s->nr = (uint16_t)rax;
        s->why = try_patch(s, m);
        s->state = s->why ? S_NO : S_PATCHED;
    }
    rw_unlock();
}

uint64_t pal_direct_rw_exit_rip(uint64_t rip)
{
    if (!__atomic_load_n(&nafter, __ATOMIC_ACQUIRE))
        return rip;
    rw_lock();
    int i = find(rip - 2);
    if (i < nsites && sites[i].sys == rip - 2 && sites[i].state == S_PATCHED && sites[i].after)
        rip = sites[i].tramp + 15; /* the trampoline's copy of what followed the syscall */
    rw_unlock();
    return rip;
}

int pal_direct_rw_int3(struct host_ucontext *uc)
{
    if (!__atomic_load_n(&nrecent, __ATOMIC_ACQUIRE))
        return 0;
    uint64_t a = uc->uc_mcontext.rip - 1;
    rw_lock(); /* a patch in progress finishes first */
    int mine = 0;
    unsigned n = nrecent < 64 ? nrecent : 64;
    for (unsigned k = 0; k < n; k++)
        mine |= recent[k] == a;
    uint8_t byte = 0xcc;
    if (mine && peek(a, &byte, 1) < 0)
        byte = 0xcc;
    rw_unlock();
    if (!mine || byte == 0xcc)
        return 0; /* the program's own int3 */
    uc->uc_mcontext.rip = a; /* run whatever the site holds now */
    return 1;
}

void pal_direct_rw_forget(uint64_t addr, uint64_t len, int restore)
{
    if (!__atomic_load_n(&nsites, __ATOMIC_RELAXED) || len == 0)
        return;
    rw_lock();
    uint64_t end = addr + len < addr ? ~0ull : addr + len;
    int i = find(addr > 8 ? addr - 8 : 0), out = i;
    for (; i < nsites; i++) {
        struct site *s = &sites[i];
        uint64_t lo = s->state == S_PATCHED ? s->start : s->sys;
        uint64_t hi = s->state == S_PATCHED ? s->end : s->sys + 2;
        if (s->sys >= end) {
            sites[out++] = *s;
            continue;
        }
        if (hi <= addr || lo >= end) {
            sites[out++] = *s;
            continue;
        }
        if (s->state == S_PATCHED && restore) {
            /* Only bytes that are still our jump go back: never write over new code. */
            uint8_t now[5];
            if (peek(s->start, now, 5) == 0 && al_memcmp(now, s->jump, 5) == 0 &&
                replace5(s->start, now, s->orig) == 0)
                nrestored++;
        }
        forgotten_traps += s->traps;
        if (s->state == S_PATCHED && s->after)
            __atomic_sub_fetch(&nafter, 1, __ATOMIC_RELEASE);
    }
    nsites = out;
    rw_unlock();
}

void pal_direct_rw_fork_lock(void)
{
    rw_lock();
}

void pal_direct_rw_fork_unlock(int child)
{
    if (child) {
        /* The inherited /proc/self/mem is the parent's memory; membarrier registration is
         * per address space. */
        if (mem_fd >= 0)
            HSYS1(__NR_close, mem_fd);
        mem_fd = -1;
        mb_state = 0;
    }
    rw_unlock();
}

/* ---- ALCOVE_LOG=info: what stays slow ------------------------------------------------------ */

static void say(const char *fmt, ...)
{
    char line[256];
    __builtin_va_list ap;
    __builtin_va_start(ap, fmt);
    int n = al_vsnprintf(line, sizeof(line) - 1, fmt, ap);
    __builtin_va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof(line) - 2)
        n = (int)sizeof(line) - 2;
    line[n++] = '\n';
    pal_log_write(line, (size_t)n);
}

static const char *name_of(unsigned nr)
{
    return nr < sizeof(sysnames) / sizeof(sysnames[0]) && sysnames[nr] ? sysnames[nr] : "?";
}

/* Traps a site still costs: after a patch only restarts and direct jumps trap. */
static uint64_t site_traps(const struct site *s)
{
    return s->state == S_PATCHED ? s->traps - 1 : s->traps;
}

void pal_direct_rw_report(void)
{
    if (pal_direct_log_level < 2)
        return;
    uint64_t patched = 0, at_patched = 0, at_other = 0, other = 0;
    for (int i = 0; i < nsites; i++) {
        if (sites[i].state == S_PATCHED)
            patched++, at_patched += sites[i].traps - 1;
        else
            other++, at_other += sites[i].traps;
    }
    say("alcove: rewrite: host pid %ld: %lu sites patched (%lu patches made, %lu undone), "
        "%lu traps at %lu sites left on the trap path, %lu later traps at patched sites "
        "(restarts), %lu at forgotten sites",
        (long)HSYS0(__NR_getpid), (unsigned long)patched, (unsigned long)npatched,
        (unsigned long)nrestored, (unsigned long)at_other, (unsigned long)other,
        (unsigned long)at_patched, (unsigned long)(forgotten_traps + lost_traps));
    /* The share of system calls that still paid for a trap (a site's first call traps). */
    uint64_t fast = pal_direct_fast_calls(), trapped = forgotten_traps + lost_traps;
    for (int i = 0; i < nsites; i++)
        trapped += sites[i].traps;
    uint64_t all = fast + trapped;
    if (all)
        say("alcove: rewrite: host pid %ld: %lu system calls, %lu trapped (%lu.%lu%%), %lu "
            "through patched sites",
            (long)HSYS0(__NR_getpid), (unsigned long)all, (unsigned long)trapped,
            (unsigned long)(trapped * 100 / all), (unsigned long)(trapped * 1000 / all % 10),
            (unsigned long)fast);
    /* The ten busiest sites still trapping. */
    int top[10], ntop = 0;
    for (int i = 0; i < nsites; i++) {
        uint64_t c = site_traps(&sites[i]);
        if (c == 0)
            continue;
        int k = ntop < 10 ? ntop++ : 10;
        while (k > 0 && site_traps(&sites[top[k - 1]]) < c) {
            if (k < 10)
                top[k] = top[k - 1];
            k--;
        }
        if (k < 10)
            top[k] = i;
    }
    for (int k = 0; k < ntop; k++) {
        const struct site *s = &sites[top[k]];
        say("alcove: rewrite:   site %p %s: %lu traps (%s)", (void *)s->sys, name_of(s->nr),
            (unsigned long)site_traps(s), s->state == S_PATCHED ? "patched; restarts" : s->why);
    }
}
