/*
 * sha256.h - SHA-256 of a salted block for dm-verity, from OpenSSL's libcrypto.
 *
 * libsodium's SHA-256 is portable C (about 400 MB/s on this machine kind); OpenSSL's
 * sha256_block_data_order uses the CPU's SHA extensions (about 1.8 GB/s), and verity
 * hashes every 4 KiB block the enclave reads from an image.  So this one hash comes from
 * Debian's static libcrypto: in the CLI the whole library, in the core only its two SHA-256
 * objects (sha256.o, sha256-x86_64.o), with kernel/ossl_shim.c answering the two symbols they
 * need (OPENSSL_ia32cap_P, OPENSSL_cleanse).  In the core, call it inside a
 * pal_crypto_begin()/pal_crypto_end() bracket: the SHA extensions use vector registers.
 */
#ifndef ALCOVE_COMMON_SHA256_H
#define ALCOVE_COMMON_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* A streaming SHA-256: init, any number of updates, final.  The state is OpenSSL's
 * SHA256_CTX (112 bytes), kept opaque here. */
struct al_sha256 {
    uint64_t opaque[14];
};
void al_sha256_init(struct al_sha256 *c);
void al_sha256_update(struct al_sha256 *c, const void *p, size_t n);
void al_sha256_final(struct al_sha256 *c, uint8_t out[32]);

/* out = SHA-256(a[0..alen) || b[0..blen)). */
void al_sha256_2(uint8_t out[32], const void *a, size_t alen, const void *b, size_t blen);

#endif
