/*
 * ossl_shim.c - what OpenSSL's two SHA-256 objects (common/sha256.h) want from libcrypto.
 *
 * OPENSSL_ia32cap_P is the CPU capability vector sha256_block_data_order reads to choose
 * its code path: word 0 = CPUID.1:EDX, word 1 = CPUID.1:ECX, word 2 = CPUID.(7,0):EBX.
 * Only the SHA-extension path (SHA, SSSE3 and SSE4.1 instructions on xmm registers) and the
 * SSSE3 path are offered; the AVX/AVX2 bits are left clear, so nothing depends on the
 * OS having enabled AVX state.  Before ossl_cpu_setup() runs, the vector is zero and the
 * plain integer code runs, which is correct too.  A host that lies in CPUID can only make
 * the core fault (#UD): a denial of service it can always cause.
 */
#include "libos.h"
#include "kernel/crypto.h"

unsigned int OPENSSL_ia32cap_P[4];

void OPENSSL_cleanse(void *p, size_t n);
void OPENSSL_cleanse(void *p, size_t n)
{
    volatile unsigned char *q = p;
    while (n--)
        *q++ = 0;
}

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                     : "a"(leaf), "c"(sub));
}

void ossl_cpu_setup(void)
{
    uint32_t r[4];
    cpuid(0, 0, r);
    uint32_t max = r[0];
    cpuid(1, 0, r);
    uint32_t edx1 = r[3] & ~(1u << 30);   /* bit 30: OpenSSL's "Intel CPU" flag, not CPUID's */
    uint32_t ecx1 = r[2] & (1u << 9);     /* SSSE3 only (no AVX bit 28) */
    uint32_t ebx7 = 0;
    if (max >= 7) {
        cpuid(7, 0, r);
        ebx7 = r[1] & (1u << 29);         /* SHA extensions only (no AVX2/BMI) */
    }
    OPENSSL_ia32cap_P[0] = edx1;
    OPENSSL_ia32cap_P[1] = ecx1;
    OPENSSL_ia32cap_P[2] = ebx7;
    OPENSSL_ia32cap_P[3] = 0;
}

void libos_cpu_setup(void)
{
    ossl_cpu_setup();
}
