/*
 * crypto.h - libsodium in the core (crypto.c).  Callers bracket every libsodium call with
 * pal_crypto_begin()/pal_crypto_end() (pal.h), batching work inside one bracket.
 */
#ifndef ALCOVE_KERNEL_CRYPTO_H
#define ALCOVE_KERNEL_CRYPTO_H

/* Once at boot, before any file system that needs crypto mounts: 0 or -EIO. */
WUR int kcrypto_init(void);
/* 1 if AES-256-GCM is usable (the CPU has AES-NI and PCLMUL), else 0. */
int kcrypto_has_aesni(void);
/* OpenSSL's SHA-256 code path from CPUID (ossl_shim.c); kcrypto_init calls it. */
void ossl_cpu_setup(void);

#endif
