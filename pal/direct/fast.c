/*
 * fast.c - the C half of the fast syscall entry (fast.S) and the per-thread state it needs.
 *
 * Every host thread's %gs base is its slot's self page (thread.c sets it when the thread
 * starts; fork keeps it, the program cannot change it).  The fast entry finds its stack,
 * its saved context and the program's cached FS base there without a host call.
 *
 * The FPU/vector state is saved with XSAVE in the standard (non-compacted) format the
 * kernel uses in signal frames, with the same software-reserved description words, so the
 * core treats it exactly like the xstate of a SIGSYS frame (signal frames, rt_sigreturn,
 * vfork).  The features saved are XCR0 without AMX tile data (whose size and permission
 * are per process), so the area is at most a few KiB.
 */
#include "host.h"
#include "pal.h"
#include "al_string.h"

#define F_SELF 1024
#define F_STACK 1032
#define F_FS 1048
#define F_FLAGS 1056
#define F_XBUF 1064
#define F_EFLAGS 1072
#define F_CTX 1088
_Static_assert(PAL_DIRECT_F_NCALLS == F_EFLAGS + 8 && PAL_DIRECT_F_NCALLS + 8 <= F_CTX,
               "self page layout: fast.S's F_NCALLS");

#define FP_XSTATE_MAGIC1 0x46505853u
#define FP_XSTATE_MAGIC2 0x46505845u

/* Read by fast.S: the XSAVE feature mask and the stack room one area needs. */
uint64_t pal_direct_xfeatures;
uint64_t pal_direct_xsave_room;
static uint32_t xsave_size; /* bytes XSAVE writes for pal_direct_xfeatures */
int pal_direct_fast_ok;     /* XSAVE usable: the fast entry may be used */

_Static_assert(__builtin_offsetof(struct pal_context, rip) == 128, "fast.S context layout");
_Static_assert(__builtin_offsetof(struct pal_context, rflags) == 136, "fast.S context layout");
_Static_assert(F_CTX + sizeof(struct pal_context) <= 2048, "self page layout (thread.c)");

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

void pal_direct_fast_init(void)
{
    uint32_t r[4];
    cpuid(0, 0, r);
    if (r[0] < 0xd)
        return;
    cpuid(1, 0, r);
    if (!(r[2] & (1u << 26)) || !(r[2] & (1u << 27))) /* XSAVE, OSXSAVE */
        return;
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    uint64_t mask = ((uint64_t)hi << 32 | lo) & ~((1ull << 17) | (1ull << 18));
    uint32_t size = 576; /* legacy area + header */
    for (int i = 2; i < 63; i++) {
        if (!(mask & (1ull << i)))
            continue;
        cpuid(0xd, (uint32_t)i, r);
        if (r[1] + r[0] > size) /* offset + size */
            size = r[1] + r[0];
    }
    if (size > 16384)
        return;
    pal_direct_xfeatures = mask;
    xsave_size = size;
    pal_direct_xsave_room = (size + 4 + 63 + 63) & ~63ull;
    pal_direct_fast_ok = 1;
}

/* The calling thread's self page (also its %gs base). */
static char *self_page(void)
{
    uint64_t v;
    __asm__ volatile("mov %%gs:%c1, %0" : "=r"(v) : "i"(F_SELF));
    return (char *)v;
}

void pal_direct_fast_thread_init(uint64_t self, uint64_t stack_top)
{
    *(uint64_t *)(self + F_SELF) = self;
    *(uint64_t *)(self + F_STACK) = stack_top & ~63ull;
    if (HSYS2(__NR_arch_prctl, 0x1001 /* ARCH_SET_GS */, self) < 0)
        pal_direct_die("cannot set the thread's %gs base");
}

/* Without FSGSBASE, reading the FS base is a host call (arch_prctl); but the program cannot
 * change it behind the backend's back then (wrfsbase faults), and every change the core
 * makes goes through pal_direct_write_fs, so the cached value is exact. */
uint64_t pal_direct_read_fs(void)
{
    uint64_t v;
    if (pal_direct_has_fsgsbase) {
        __asm__ volatile("rdfsbase %0" : "=r"(v));
        return v;
    }
    return *(uint64_t *)(self_page() + F_FS);
}

void pal_direct_write_fs(uint64_t v)
{
    if (pal_direct_has_fsgsbase)
        __asm__ volatile("wrfsbase %0" : : "r"(v) : "memory");
    else
        HSYS2(__NR_arch_prctl, 0x1002 /* ARCH_SET_FS */, v);
    *(uint64_t *)(self_page() + F_FS) = v;
}

/* Point ctx at the area fast.S saved and describe it as the kernel describes a signal
 * frame's: magic, sizes and features in the legacy area's software-reserved bytes. */
static void prepare(struct pal_context *ctx, char *x)
{
    uint32_t *sw = (uint32_t *)(x + 464);
    al_memset(sw, 0, 48);
    sw[0] = FP_XSTATE_MAGIC1;
    sw[1] = xsave_size + 4; /* extended size: the area and the trailing magic */
    *(uint64_t *)(sw + 2) = pal_direct_xfeatures;
    sw[4] = xsave_size;
    *(uint32_t *)(x + xsave_size) = FP_XSTATE_MAGIC2;
    ctx->xstate = x;
    ctx->xstate_size = xsave_size + 4;
    ctx->fs_base = pal_direct_read_fs();
}

/* After the core: apply a changed FS base, make the area safe for XRSTOR whatever the core
 * copied into it (vfork, rt_sigreturn keep it valid; this is the last line), and work out
 * the flags the window loads (the program owns the arithmetic flags and DF only). */
static void finish(struct pal_context *ctx, uint64_t old_fs)
{
    char *self = (char *)ctx - F_CTX;
    if (ctx->fs_base != old_fs)
        pal_direct_write_fs(ctx->fs_base);
    char *x = ctx->xstate;
    if (x) {
        uint32_t mask = *(uint32_t *)(x + 28);
        *(uint32_t *)(x + 24) &= mask ? mask : 0xffbf;
        *(uint64_t *)(x + 512) &= pal_direct_xfeatures;
        al_memset(x + 520, 0, 56);
    }
    ctx->rip = pal_direct_rw_exit_rip(ctx->rip);
    uint64_t entry = *(uint64_t *)(self + F_EFLAGS);
    *(uint64_t *)(self + F_FLAGS) = (entry & ~0xdd5ull) | (ctx->rflags & 0xdd5ull);
}

extern char pal_direct_fast_exit[];

/* The SIGSYS handler's shortcut home: no rt_sigreturn (signal.c says when it may). The
 * kernel's frame is left behind on the slot stack; the program's registers come from ctx,
 * its FPU state from the frame's XSAVE area, through the same window as a fast entry. */
__attribute__((noreturn)) void pal_direct_trap_leave(const struct pal_context *ctx,
                                                     uint64_t entry_flags, uint64_t old_fs)
{
    char *self = self_page();
    struct pal_context *c = (struct pal_context *)(self + F_CTX);
    *c = *ctx;
    *(uint64_t *)(self + F_EFLAGS) = entry_flags;
    *(uint64_t *)(self + F_XBUF) = (uint64_t)c->xstate;
    finish(c, old_fs);
    __asm__ volatile("jmp pal_direct_fast_exit" : : : "memory");
    __builtin_unreachable();
}

__attribute__((used)) void pal_direct_fast_syscall(struct pal_context *ctx, char *x)
{
    prepare(ctx, x);
    uint64_t fs = ctx->fs_base;
    libos_syscall(ctx);
    finish(ctx, fs);
}

__attribute__((used)) void pal_direct_fast_interrupt(struct pal_context *ctx, char *x)
{
    prepare(ctx, x);
    uint64_t fs = ctx->fs_base;
    libos_interrupt(ctx);
    finish(ctx, fs);
}
