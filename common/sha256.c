/*
 * sha256.c - SHA-256 through OpenSSL's SHA256_Init/Update/Final (see sha256.h).
 *
 * The context is declared here rather than taken from <openssl/sha.h>, whose includes a
 * freestanding build cannot follow; its layout is OpenSSL's SHA256state_st (stable since
 * 0.9.8), and the assertion below keeps the size honest.
 */
#include "sha256.h"

struct ossl_sha256_ctx {
    uint32_t h[8];
    uint32_t nl, nh;
    uint32_t data[16];
    unsigned int num, md_len;
};
_Static_assert(sizeof(struct ossl_sha256_ctx) == 112, "SHA256_CTX layout");

int SHA256_Init(struct ossl_sha256_ctx *c);
int SHA256_Update(struct ossl_sha256_ctx *c, const void *data, size_t len);
int SHA256_Final(unsigned char *md, struct ossl_sha256_ctx *c);

void al_sha256_2(uint8_t out[32], const void *a, size_t alen, const void *b, size_t blen)
{
    struct ossl_sha256_ctx c;
    SHA256_Init(&c);
    if (alen)
        SHA256_Update(&c, a, alen);
    if (blen)
        SHA256_Update(&c, b, blen);
    SHA256_Final(out, &c);
}

_Static_assert(sizeof(struct al_sha256) == sizeof(struct ossl_sha256_ctx), "al_sha256 size");

void al_sha256_init(struct al_sha256 *c)
{
    SHA256_Init((struct ossl_sha256_ctx *)c);
}

void al_sha256_update(struct al_sha256 *c, const void *p, size_t n)
{
    if (n)
        SHA256_Update((struct ossl_sha256_ctx *)c, p, n);
}

void al_sha256_final(struct al_sha256 *c, uint8_t out[32])
{
    SHA256_Final(out, (struct ossl_sha256_ctx *)c);
}
