/*
 * identity.c - the core's own check of the signed identity, before the program runs.
 *
 * `alcove build` signs an identity document (measurement, per-part digests, signer key).
 * The launcher checks it too, but the launcher is host code: here the core checks what it
 * will actually run with, whatever the launcher did.  From pal_boot (version 5) it takes the
 * exact signed bytes, the Ed25519 signature and the canonical config, and:
 *   1. verifies the signature with libsodium against the signer key the document names;
 *   2. compares the backend's digest of the core as loaded (common/coremeasure.h) with the
 *      signed core_image_sha256;
 *   3. hashes the config it was given and compares with config_sha256;
 *   4. compares the root hash the root file system is mounted with (every image block is
 *      verified against it) with image_root_hash;
 *   5. recomputes the measurement from those three and compares with the signed one.
 * Every difference is named on its own line, then the enclave refuses to start.
 *
 * The document is canonical JSON (sorted keys, compact, ASCII) written by jansson; the core
 * has no JSON parser, so it reads the few "key":"hex" members it needs by exact match and
 * insists on exactly one occurrence of each.  That is sound only because the signature is
 * checked first: the bytes are the signer's.
 *
 * Limits (docs/threat-model.md, "The identity check"): the settings the core boots with
 * (mounts, environment, limits) are derived from the config by the launcher, and the core
 * checks the config's bytes, not that derivation; and in the direct backend the host can
 * change the core's memory after the check.
 */
#include "libos.h"
#include "kernel/identity.h"
#include "coremeasure.h"
#include "sha256.h"

#include <sodium.h>

#define IDENTITY_FORMAT "alcove-identity-v2"

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* The member "key":"VALUE" of doc: a pointer to VALUE and its length, or NULL if the key
 * is absent, appears twice, or its value is not a plain string. */
static const char *member(const char *doc, size_t len, const char *key, size_t *vlen)
{
    char pat[64];
    int pl = al_snprintf(pat, sizeof(pat), "\"%s\":\"", key);
    const char *found = NULL;
    for (size_t i = 0; pl > 0 && i + (size_t)pl <= len; i++) {
        if (al_memcmp(doc + i, pat, (size_t)pl) != 0)
            continue;
        if (found)
            return NULL;
        found = doc + i + pl;
    }
    if (!found)
        return NULL;
    size_t n = 0;
    while (found + n < doc + len && found[n] != '"' && found[n] != '\\')
        n++;
    if (found + n >= doc + len || found[n] != '"')
        return NULL;
    *vlen = n;
    return found;
}

/* The member key as n bytes of lower-case hex: 0, or -1. */
static int member_hex(const char *doc, size_t len, const char *key, uint8_t *out, size_t n)
{
    size_t vl;
    const char *v = member(doc, len, key, &vl);
    if (!v || vl != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(v[2 * i]), lo = hexval(v[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[b[i] >> 4];
        out[2 * i + 1] = d[b[i] & 15];
    }
    out[2 * n] = '\0';
}

static void differs(const char *what, const uint8_t *now, const uint8_t *sig, const char *hint)
{
    char a[65], b[65];
    hex(now, 32, a);
    hex(sig, 32, b);
    kprintf("identity check: %s differs from the signed identity: sha256 %s, signed %s%s", what,
            a, b, hint);
}

/* The verity root hash the root file system is mounted with, or NULL if / is not a
 * verified image. */
static const uint8_t *root_hash(const struct pal_boot *boot)
{
    for (int i = 0; i < boot->nmounts; i++) {
        const struct pal_mount *m = &boot->mounts[i];
        if (!m->guest_path || al_strcmp(m->guest_path, "/") != 0)
            continue;
        const char *fs = m->fstype ? m->fstype : "hostfs";
        if (!al_strcmp(fs, "erofs") ||
            (!al_strcmp(fs, "overlay") && m->lower_fstype && !al_strcmp(m->lower_fstype, "erofs")))
            return m->root_hash;
        return NULL;
    }
    return NULL;
}

int identity_check(const struct pal_boot *boot)
{
    if (!boot->identity)
        return 0; /* development mode (alcove run --root/--image): nothing was signed */
    const char *doc = boot->identity;
    size_t len = boot->identity_len;
    uint8_t signer[32], measurement[32], core[32], config[32], image[32];
    if (member_hex(doc, len, "signer", signer, 32) < 0) {
        kprintf("identity check: the identity document names no signer key; refusing to start");
        return -EINVAL;
    }
    uint64_t tok = pal_crypto_begin();
    int ok = crypto_sign_verify_detached(boot->identity_sig, (const unsigned char *)doc, len,
                                         signer) == 0;
    pal_crypto_end(tok);
    if (!ok) {
        kprintf("identity check: the Ed25519 signature of the identity does not verify (the "
                "identity document or its signature was altered after signing); refusing to "
                "start");
        return -EPERM;
    }
    size_t fl;
    const char *fmt = member(doc, len, "format", &fl);
    if (!fmt || fl != sizeof(IDENTITY_FORMAT) - 1 || al_memcmp(fmt, IDENTITY_FORMAT, fl) ||
        member_hex(doc, len, "measurement", measurement, 32) < 0 ||
        member_hex(doc, len, "core_image_sha256", core, 32) < 0 ||
        member_hex(doc, len, "config_sha256", config, 32) < 0 ||
        member_hex(doc, len, "image_root_hash", image, 32) < 0) {
        kprintf("identity check: the signed identity is not an %s document; refusing to start",
                IDENTITY_FORMAT);
        return -EINVAL;
    }

    /* What this boot really uses. */
    uint8_t now_config[32], now_m[32];
    const uint8_t *now_root = root_hash(boot);
    const char *cfg = boot->config ? boot->config : "";
    size_t cfg_len = boot->config ? boot->config_len : 0;
    tok = pal_crypto_begin();
    al_sha256_2(now_config, cfg, cfg_len, NULL, 0);
    pal_crypto_end(tok);
    int bad = 0;
    if (!boot->has_core_image) {
        kprintf("identity check: the backend did not measure the loaded core");
        bad++;
    } else if (al_memcmp(boot->core_image, core, 32)) {
        differs("the core as loaded", boot->core_image, core, " (a different alcove-direct)");
        bad++;
    }
    if (!boot->config) {
        kprintf("identity check: no config was given to the core");
        bad++;
    } else if (al_memcmp(now_config, config, 32)) {
        differs("the config", now_config, config, " (alcove.json changed since build)");
        bad++;
    }
    if (!now_root) {
        kprintf("identity check: the root file system is not a verified image");
        bad++;
    } else if (al_memcmp(now_root, image, 32)) {
        differs("the image root", now_root, image, " (the image changed since build)");
        bad++;
    }
    if (!bad) {
        tok = pal_crypto_begin();
        al_measurement(now_m, boot->core_image, cfg, cfg_len, now_root);
        pal_crypto_end(tok);
        if (al_memcmp(now_m, measurement, 32)) {
            differs("the measurement", now_m, measurement, "");
            bad++;
        }
    }
    if (bad) {
        kprintf("identity check failed; refusing to start");
        return -EPERM;
    }
    char mh[65];
    hex(measurement, 32, mh);
    info("identity check: core, config and image root match the signed identity "
         "(measurement %s)", mh);
    return 0;
}
