/* Signal frames preserve the full SSE state: xmm0-15 and MXCSR survive a handler that
 * clobbers them; the handler starts with the default MXCSR. */
#include "abi.h"

static volatile unsigned handler_mxcsr;
static volatile int hits;

static void h(int s)
{
    (void)s;
    unsigned m;
    __asm__ volatile("stmxcsr %0" : "=m"(m));
    handler_mxcsr = m;
    unsigned z = 0x7f80; /* round-to-nearest off: toward zero | all masks */
    z = 0x7f80 | (3 << 13);
    __asm__ volatile("ldmxcsr %0" ::"m"(z));
    __asm__ volatile("pcmpeqd %%xmm0, %%xmm0\n pcmpeqd %%xmm1, %%xmm1\n pxor %%xmm2, %%xmm2\n"
                     "pcmpeqd %%xmm7, %%xmm7\n pcmpeqd %%xmm8, %%xmm8\n pxor %%xmm15, %%xmm15\n"
                     "movdqa %%xmm0, %%xmm3\n movdqa %%xmm0, %%xmm9\n movdqa %%xmm0, %%xmm12"
                     ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm7", "xmm8", "xmm9", "xmm12", "xmm15");
    volatile double d = 1.0;
    for (int i = 0; i < 10; i++)
        d = d * 3.7 + 1.0;
    hits++;
}

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = h;
    sigaction(SIGUSR1, &sa, NULL);

    static unsigned char in[16][16] __attribute__((aligned(16)));
    static unsigned char out[16][16] __attribute__((aligned(16)));
    for (int r = 0; r < 16; r++)
        for (int i = 0; i < 16; i++)
            in[r][i] = (unsigned char)(r * 16 + i + 1);
    unsigned mx_in = 0x1f80 | (1 << 13) /* round down */, mx_out = 0, mx_orig;
    __asm__ volatile("stmxcsr %0" : "=m"(mx_orig));
    long pid = getpid(), tid = xgettid();
    long nr = SYS_tgkill;

    __asm__ volatile(
        "ldmxcsr %[mi]\n"
        "movdqa 0(%[in]), %%xmm0\n movdqa 16(%[in]), %%xmm1\n movdqa 32(%[in]), %%xmm2\n"
        "movdqa 48(%[in]), %%xmm3\n movdqa 64(%[in]), %%xmm4\n movdqa 80(%[in]), %%xmm5\n"
        "movdqa 96(%[in]), %%xmm6\n movdqa 112(%[in]), %%xmm7\n movdqa 128(%[in]), %%xmm8\n"
        "movdqa 144(%[in]), %%xmm9\n movdqa 160(%[in]), %%xmm10\n movdqa 176(%[in]), %%xmm11\n"
        "movdqa 192(%[in]), %%xmm12\n movdqa 208(%[in]), %%xmm13\n movdqa 224(%[in]), %%xmm14\n"
        "movdqa 240(%[in]), %%xmm15\n"
        "mov %[nr], %%rax\n mov %[pid], %%rdi\n mov %[tid], %%rsi\n mov %[sig], %%rdx\n"
        "syscall\n"
        "movdqa %%xmm0, 0(%[out])\n movdqa %%xmm1, 16(%[out])\n movdqa %%xmm2, 32(%[out])\n"
        "movdqa %%xmm3, 48(%[out])\n movdqa %%xmm4, 64(%[out])\n movdqa %%xmm5, 80(%[out])\n"
        "movdqa %%xmm6, 96(%[out])\n movdqa %%xmm7, 112(%[out])\n movdqa %%xmm8, 128(%[out])\n"
        "movdqa %%xmm9, 144(%[out])\n movdqa %%xmm10, 160(%[out])\n movdqa %%xmm11, 176(%[out])\n"
        "movdqa %%xmm12, 192(%[out])\n movdqa %%xmm13, 208(%[out])\n movdqa %%xmm14, 224(%[out])\n"
        "movdqa %%xmm15, 240(%[out])\n"
        "stmxcsr %[mo]\n"
        "ldmxcsr %[morig]\n"
        : [mo] "=m"(mx_out)
        : [in] "r"(in), [out] "r"(out), [mi] "m"(mx_in), [morig] "m"(mx_orig), [nr] "m"(nr),
          [pid] "m"(pid), [tid] "m"(tid), [sig] "i"((long)SIGUSR1)
        : "rax", "rdi", "rsi", "rdx", "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3",
          "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",
          "xmm14", "xmm15");

    printf("handler ran: %d\n", hits);
    printf("handler saw default MXCSR: %d\n", (handler_mxcsr & 0xffc0) == 0x1f80);
    int bad = 0;
    for (int r = 0; r < 16; r++)
        if (memcmp(in[r], out[r], 16)) {
            printf("xmm%d clobbered\n", r);
            bad = 1;
        }
    printf("xmm0-15 preserved: %s\n", bad ? "no" : "yes");
    printf("MXCSR preserved: %d\n", (mx_out & 0xffc0) == (mx_in & 0xffc0));

    /* x87 state: an FPU value computed across a signal */
    volatile long double a = 1.0L / 3.0L;
    raise(SIGUSR1);
    volatile long double b = a * 3.0L;
    printf("x87 ok: %d\n", b > 0.999L && b < 1.001L);
    return 0;
}
