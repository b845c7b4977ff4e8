/*
 * crypto.c - libsodium inside the core: initialisation with the platform's randomness.
 *
 * Every call into libsodium must sit inside a pal_crypto_begin()/pal_crypto_end() bracket
 * (pal.h): its code reads a stack-protector canary through %fs, which is the program's
 * register while the core runs.
 */
#include "libos.h"
#include "kernel/crypto.h"

#include <sodium.h>

static const char *kc_name(void)
{
    return "alcove-pal";
}

static uint32_t kc_random(void)
{
    uint32_t v = 0;
    if (pal_random(&v, sizeof(v)) < 0)
        panic("the platform has no randomness");
    return v;
}

static void kc_buf(void *buf, size_t n)
{
    if (pal_random(buf, n) < 0)
        panic("the platform has no randomness");
}

static const randombytes_implementation kc_impl = {
    .implementation_name = kc_name,
    .random = kc_random,
    .buf = kc_buf,
};

static int kc_ready;

int kcrypto_init(void)
{
    if (kc_ready)
        return 0;
    ossl_cpu_setup();
    uint64_t t = pal_crypto_begin();
    /* Before sodium_init: otherwise it looks for getrandom or /dev/urandom itself. */
    int r = randombytes_set_implementation((randombytes_implementation *)&kc_impl);
    if (r == 0)
        r = sodium_init() < 0 ? -1 : 0;
    pal_crypto_end(t);
    if (r < 0) {
        kprintf("cannot initialise libsodium");
        return -EIO;
    }
    kc_ready = 1;
    return 0;
}

int kcrypto_has_aesni(void)
{
    uint64_t t = pal_crypto_begin();
    int r = crypto_aead_aes256gcm_is_available();
    pal_crypto_end(t);
    return r;
}
