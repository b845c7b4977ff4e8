/* The registers a syscall leaves, differential against native: rax = result, rcx = the
 * address after the syscall, r11 = rflags, every other general register, the flags (DF
 * included), the red zone below rsp, xmm0-15, MXCSR and the x87 control word unchanged.
 * The call is close(-1) (-EBADF on both sides) from a rewritable site, made four times
 * per pattern: the first traps (and is patched), the rest take the fast entry. */
#include "fast.h"
#include <string.h>

struct regs {
    uint64_t g[16]; /* rax rbx rcx rdx rsi rdi rbp rsp r8..r15 */
    uint64_t flags;
    uint64_t red[16];
    uint64_t xmm[32];
    uint32_t mxcsr;
    uint16_t fcw;
};

struct regs in, out;
uint64_t ret_label, rsp_before;

/* regs_call(): load `in`, fill the red zone, make the call, store everything in `out`. */
__asm__(".text\n"
        ".globl regs_call\n"
        "regs_call:\n"
        "push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n"
        "sub $8, %rsp\n"
        "fstcw out+448+4(%rip)\n" /* scratch: save our fcw/mxcsr to restore later */
        "stmxcsr out+448+8(%rip)\n"
        "ldmxcsr in+424(%rip)\n"
        "fldcw in+428(%rip)\n"
        "movdqu in+296(%rip), %xmm0\n movdqu in+312(%rip), %xmm1\n"
        "movdqu in+328(%rip), %xmm2\n movdqu in+344(%rip), %xmm3\n"
        "movdqu in+360(%rip), %xmm4\n movdqu in+376(%rip), %xmm5\n"
        "movdqu in+392(%rip), %xmm6\n movdqu in+408(%rip), %xmm7\n"
        "movdqu in+296(%rip), %xmm8\n movdqu in+328(%rip), %xmm9\n"
        "movdqu in+360(%rip), %xmm10\n movdqu in+392(%rip), %xmm11\n"
        "movdqu in+312(%rip), %xmm12\n movdqu in+344(%rip), %xmm13\n"
        "movdqu in+376(%rip), %xmm14\n movdqu in+408(%rip), %xmm15\n"
        "mov %rsp, rsp_before(%rip)\n"
        "pushq in+128(%rip)\n popfq\n" /* flags (below rsp, before the red zone fill) */
        "mov in+136(%rip), %rax\n mov %rax, -8(%rsp)\n"
        "mov in+144(%rip), %rax\n mov %rax, -16(%rsp)\n"
        "mov in+152(%rip), %rax\n mov %rax, -24(%rsp)\n"
        "mov in+160(%rip), %rax\n mov %rax, -32(%rsp)\n"
        "mov in+168(%rip), %rax\n mov %rax, -40(%rsp)\n"
        "mov in+176(%rip), %rax\n mov %rax, -48(%rsp)\n"
        "mov in+184(%rip), %rax\n mov %rax, -56(%rsp)\n"
        "mov in+192(%rip), %rax\n mov %rax, -64(%rsp)\n"
        "mov in+200(%rip), %rax\n mov %rax, -72(%rsp)\n"
        "mov in+208(%rip), %rax\n mov %rax, -80(%rsp)\n"
        "mov in+216(%rip), %rax\n mov %rax, -88(%rsp)\n"
        "mov in+224(%rip), %rax\n mov %rax, -96(%rsp)\n"
        "mov in+232(%rip), %rax\n mov %rax, -104(%rsp)\n"
        "mov in+240(%rip), %rax\n mov %rax, -112(%rsp)\n"
        "mov in+248(%rip), %rax\n mov %rax, -120(%rsp)\n"
        "mov in+256(%rip), %rax\n mov %rax, -128(%rsp)\n"
        "mov in+8(%rip), %rbx\n mov in+16(%rip), %rcx\n mov in+24(%rip), %rdx\n"
        "mov in+32(%rip), %rsi\n mov in+48(%rip), %rbp\n"
        "mov in+64(%rip), %r8\n mov in+72(%rip), %r9\n mov in+80(%rip), %r10\n"
        "mov in+88(%rip), %r11\n mov in+96(%rip), %r12\n mov in+104(%rip), %r13\n"
        "mov in+112(%rip), %r14\n mov in+120(%rip), %r15\n"
        "mov $-1, %rdi\n"
        ".globl regs_site\n"
        "regs_site:\n"
        "mov $3, %eax\n"
        "syscall\n"
        ".globl regs_after\n"
        "regs_after:\n"
        "mov %rax, out+0(%rip)\n mov %rbx, out+8(%rip)\n mov %rcx, out+16(%rip)\n"
        "mov %rdx, out+24(%rip)\n mov %rsi, out+32(%rip)\n mov %rdi, out+40(%rip)\n"
        "mov %rbp, out+48(%rip)\n mov %rsp, out+56(%rip)\n mov %r8, out+64(%rip)\n"
        "mov %r9, out+72(%rip)\n mov %r10, out+80(%rip)\n mov %r11, out+88(%rip)\n"
        "mov %r12, out+96(%rip)\n mov %r13, out+104(%rip)\n mov %r14, out+112(%rip)\n"
        "mov %r15, out+120(%rip)\n"
        "mov -8(%rsp), %rax\n mov %rax, out+136(%rip)\n"
        "mov -16(%rsp), %rax\n mov %rax, out+144(%rip)\n"
        "mov -24(%rsp), %rax\n mov %rax, out+152(%rip)\n"
        "mov -32(%rsp), %rax\n mov %rax, out+160(%rip)\n"
        "mov -40(%rsp), %rax\n mov %rax, out+168(%rip)\n"
        "mov -48(%rsp), %rax\n mov %rax, out+176(%rip)\n"
        "mov -56(%rsp), %rax\n mov %rax, out+184(%rip)\n"
        "mov -64(%rsp), %rax\n mov %rax, out+192(%rip)\n"
        "mov -72(%rsp), %rax\n mov %rax, out+200(%rip)\n"
        "mov -80(%rsp), %rax\n mov %rax, out+208(%rip)\n"
        "mov -88(%rsp), %rax\n mov %rax, out+216(%rip)\n"
        "mov -96(%rsp), %rax\n mov %rax, out+224(%rip)\n"
        "mov -104(%rsp), %rax\n mov %rax, out+232(%rip)\n"
        "mov -112(%rsp), %rax\n mov %rax, out+240(%rip)\n"
        "mov -120(%rsp), %rax\n mov %rax, out+248(%rip)\n"
        "mov -128(%rsp), %rax\n mov %rax, out+256(%rip)\n"
        "pushfq\n pop out+128(%rip)\n cld\n"
        "movdqu %xmm0, out+264(%rip)\n movdqu %xmm1, out+280(%rip)\n"
        "movdqu %xmm2, out+296(%rip)\n movdqu %xmm3, out+312(%rip)\n"
        "movdqu %xmm4, out+328(%rip)\n movdqu %xmm5, out+344(%rip)\n"
        "movdqu %xmm6, out+360(%rip)\n movdqu %xmm7, out+376(%rip)\n"
        "movdqu %xmm8, out+392(%rip)\n movdqu %xmm9, out+408(%rip)\n"
        "movdqu %xmm10, out+424(%rip)\n movdqu %xmm11, out+440(%rip)\n"
        "movdqu %xmm12, out+456(%rip)\n movdqu %xmm13, out+472(%rip)\n"
        "movdqu %xmm14, out+488(%rip)\n movdqu %xmm15, out+504(%rip)\n"
        "stmxcsr out+520(%rip)\n fstcw out+524(%rip)\n"
        "add $8, %rsp\n"
        "pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n"
        "ret\n");
void regs_call(void);
extern const unsigned char regs_site[], regs_after[];

int main(void)
{
    _Static_assert(__builtin_offsetof(struct regs, xmm) == 264, "layout");
    _Static_assert(__builtin_offsetof(struct regs, mxcsr) == 520, "layout");
    static const char *names[16] = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
                                    "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
    /* flags: CF PF AF ZF SF OF (+DF), then all clear. */
    static const uint64_t flag_sets[3] = {0x8d5, 0xcd5, 0x0};
    int bad = 0;
    for (int p = 0; p < 3; p++) {
        for (int rep = 0; rep < 4; rep++) {
            memset(&in, 0, sizeof(in));
            for (int i = 0; i < 16; i++)
                in.g[i] = 0x1111111111111111ull * (uint64_t)(i + 1) ^ (uint64_t)p << 60;
            in.flags = flag_sets[p] | 0x202;
            for (int i = 0; i < 16; i++)
                in.red[i] = 0xabcdef0000000000ull | (uint64_t)(p * 100 + i);
            /* xmm patterns live in in.xmm[4..19] (read at in+296...) */
            for (int i = 0; i < 32; i++)
                in.xmm[i] = 0x0123456789abcdefull * (uint64_t)(i + 3 + p);
            in.mxcsr = p == 1 ? 0x7f80 : 0x1fa0; /* round down / a flag set */
            in.fcw = p == 2 ? 0x27f : 0x37f;
            /* mxcsr and fcw as regs_call reads them: in+424 and in+428 are inside xmm[] */
            memcpy((char *)&in + 424, &in.mxcsr, 4);
            memcpy((char *)&in + 428, &in.fcw, 2);
            memset(&out, 0, sizeof(out));
            regs_call();
            printf("pattern %d call %d:", p, rep);
            printf(" rax=%ld", (long)out.g[0]);
            printf(" rcx=%s", out.g[2] == (uint64_t)regs_after ? "after-syscall" : "WRONG");
            printf(" r11=%#llx", (unsigned long long)out.g[11]);
            printf(" flags=%#llx", (unsigned long long)out.flags);
            printf(" rsp=%s", out.g[7] == rsp_before ? "same" : "WRONG");
            for (int i = 0; i < 16; i++) {
                if (i == 0 || i == 2 || i == 5 || i == 7 || i == 11)
                    continue;
                if (out.g[i] != in.g[i]) {
                    printf(" %s=%#llx!", names[i], (unsigned long long)out.g[i]);
                    bad = 1;
                }
            }
            printf(" rdi=%#llx", (unsigned long long)out.g[5]);
            printf(" red=%s", memcmp(out.red, in.red, sizeof(in.red)) ? "CLOBBERED" : "intact");
            /* xmm: out.xmm holds xmm0..15 (2 words each); compare with what was loaded */
            static const int src[16] = {4, 6, 8, 10, 12, 14, 16, 18, 4, 8, 12, 16, 6, 10, 14, 18};
            int xbad = 0;
            for (int i = 0; i < 16; i++)
                xbad |= memcmp(&out.xmm[2 * i], &in.xmm[src[i]], 16) != 0;
            printf(" xmm=%s mxcsr=%#x fcw=%#x\n", xbad ? "CHANGED" : "same", out.mxcsr, out.fcw);
        }
    }
    fprintf(stderr, "patched=%d\n", regs_site[0] != 0xb8);
    return bad;
}
