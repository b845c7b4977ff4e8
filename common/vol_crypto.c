/*
 * vol_crypto.c - keys and sealing for the volume: the master key bound to the volume id,
 * one key per random epoch, AES-256-GCM or XChaCha20-Poly1305 in detached mode with the
 * associated data that pins a block to its place (docs/volume-format.md section 3).
 *
 * Every libsodium call here runs inside a vi_cbegin/vi_cend bracket (the core's
 * pal_crypto_begin/end); nothing in a bracket calls the host.
 */
#include "vol_int.h"

/* ---- crypto ------------------------------------------------------------------------- */

void vi_wipe(void *p, size_t n)
{
    volatile uint8_t *q = p;
    while (n && ((uintptr_t)q & 7)) {
        *q++ = 0;
        n--;
    }
    volatile uint64_t *w = (volatile uint64_t *)(volatile void *)q;
    for (; n >= 8; n -= 8)
        *w++ = 0;
    for (q = (volatile uint8_t *)w; n; n--)
        *q++ = 0;
}

/* Brackets nest so that a tree walk inside a batch does not pay for a second one. */
void vi_cbegin(struct vol *v)
{
    if (v->cdepth++ == 0)
        v->ctok = v->io.crypto_begin ? v->io.crypto_begin() : 0;
}

void vi_cend(struct vol *v)
{
    if (--v->cdepth == 0 && v->io.crypto_end)
        v->io.crypto_end(v->ctok);
}

/* The nonce pool is refilled outside any bracket (io->random may be a host call). */
int vi_rnd_ensure(struct vol *v, size_t nonces)
{
    if (v->rnd_left >= nonces * 24 + 8)
        return 0;
    int r = v->io.random(v->rnd, sizeof(v->rnd));
    if (r < 0)
        return r;
    v->rnd_left = sizeof(v->rnd);
    return 0;
}

static const uint8_t *rnd_take(struct vol *v, size_t n)
{
    if (v->rnd_left < n)
        return NULL;
    v->rnd_left -= n;
    return v->rnd + v->rnd_left;
}

/* master = BLAKE2b-256 keyed with the volume key over id | salt: every key of the
 * volume is bound to its id, so the same key file on two volumes gives unrelated keys. */
void vi_derive_master(const uint8_t key[32], const uint8_t id[16], const uint8_t salt[16],
                   uint8_t out[32])
{
    uint8_t in[32];
    al_memcpy(in, id, 16);
    al_memcpy(in + 16, salt, 16);
    crypto_generichash(out, 32, in, sizeof(in), key, 32);
}

/* The key of an epoch (cached; derivation and AES key expansion cost a few us).  Called
 * inside a bracket. */
static struct vkey *getkey(struct vol *v, uint64_t epoch)
{
    for (unsigned i = 0; i < NKEYS; i++)
        if (v->keys[i].valid && v->keys[i].epoch == epoch)
            return &v->keys[i];
    struct vkey *k = &v->keys[v->key_next];
    v->key_next = (v->key_next + 1) % NKEYS;
    crypto_kdf_derive_from_key(k->k, 32, epoch, "AlcVol01", v->master);
    if (v->cipher == VOL_CIPHER_AES) {
        if (!k->st_raw) {
            k->st_raw = v->io.alloc(sizeof(crypto_aead_aes256gcm_state) + 16);
            if (!k->st_raw) {
                k->valid = 0;
                return NULL;
            }
            k->st = (crypto_aead_aes256gcm_state *)(((uintptr_t)k->st_raw + 15) & ~(uintptr_t)15);
        }
        crypto_aead_aes256gcm_beforenm(k->st, k->k);
    }
    k->epoch = epoch;
    k->valid = 1;
    return k;
}

void vi_keys_free(struct vol *v)
{
    for (unsigned i = 0; i < NKEYS; i++) {
        vi_wipe(v->keys[i].k, 32);
        if (v->keys[i].st_raw) {
            vi_wipe(v->keys[i].st_raw, sizeof(crypto_aead_aes256gcm_state) + 16);
            v->io.free(v->keys[i].st_raw);
        }
        v->keys[i].st_raw = NULL;
        v->keys[i].valid = 0;
    }
    vi_wipe(v->master, 32);
}

int vi_seal_raw(struct vol *v, uint64_t epoch, const uint8_t *ad, size_t adlen, const uint8_t *m,
             size_t n, uint8_t *c, const uint8_t *nonce, uint8_t tag[16])
{
    struct vkey *k = getkey(v, epoch);
    unsigned long long tl;
    if (!k)
        return -ENOMEM;
    if (v->cipher == VOL_CIPHER_AES)
        return crypto_aead_aes256gcm_encrypt_detached_afternm(c, tag, &tl, m, n, ad, adlen, NULL,
                                                              nonce, k->st) ? -EIO : 0;
    return crypto_aead_xchacha20poly1305_ietf_encrypt_detached(c, tag, &tl, m, n, ad, adlen, NULL,
                                                               nonce, k->k) ? -EIO : 0;
}

int vi_open_raw(struct vol *v, uint64_t epoch, const uint8_t *ad, size_t adlen, const uint8_t *c,
             size_t n, uint8_t *m, const uint8_t *nonce, const uint8_t tag[16])
{
    struct vkey *k = getkey(v, epoch);
    if (!k)
        return -ENOMEM;
    if (v->cipher == VOL_CIPHER_AES)
        return crypto_aead_aes256gcm_decrypt_detached_afternm(m, NULL, c, n, tag, ad, adlen, nonce,
                                                              k->st) ? -EIO : 0;
    return crypto_aead_xchacha20poly1305_ietf_decrypt_detached(m, NULL, c, n, tag, ad, adlen, nonce,
                                                               k->k) ? -EIO : 0;
}

void vi_make_ad(struct vol *v, uint8_t ad[48], int kind, int level, uint64_t ino, uint64_t index,
             uint64_t blk)
{
    al_memset(ad, 0, 48);
    al_memcpy(ad, v->id, 16);
    al_memcpy(ad + 16, &blk, 8);
    ad[24] = (uint8_t)kind;
    ad[25] = (uint8_t)level;
    al_memcpy(ad + 32, &ino, 8);
    al_memcpy(ad + 40, &index, 8);
}

/* A fresh random epoch: keys of different sessions differ, so no (key, nonce) pair can
 * repeat across sessions even when a crash loses the count of seals made. */
int vi_new_epoch(struct vol *v)
{
    uint64_t e = 0;
    int r = v->io.random(&e, sizeof(e));
    if (r < 0)
        return r;
    v->epoch = e;
    v->epoch_seals = 0;
    return 0;
}

int vi_seal_block(struct vol *v, int kind, int level, uint64_t ino, uint64_t index, uint64_t blk,
               const uint8_t *plain, uint8_t *out, struct vptr *p)
{
    uint8_t ad[48];
    /* AES-GCM with random 96-bit nonces: at most 2^32 seals per key (NIST SP 800-38D),
     * then a new random epoch (its 8 bytes come from the pool, inside the bracket). */
    if (v->epoch_seals >= (1ull << 32)) {
        const uint8_t *e = rnd_take(v, 8);
        if (!e)
            return -EIO;
        al_memcpy(&v->epoch, e, 8);
        v->epoch_seals = 0;
    }
    const uint8_t *nonce = rnd_take(v, 24);
    if (!nonce)
        return -EIO;
    v->epoch_seals++;
    al_memset(p, 0, sizeof(*p));
    p->blk = blk;
    p->epoch = v->epoch;
    al_memcpy(p->nonce, nonce, 24);
    vi_make_ad(v, ad, kind, level, ino, index, blk);
    return vi_seal_raw(v, p->epoch, ad, sizeof(ad), plain, VB, out, p->nonce, p->tag);
}

int vi_open_block(struct vol *v, int kind, int level, uint64_t ino, uint64_t index,
               const struct vptr *p, const uint8_t *in, uint8_t *out)
{
    uint8_t ad[48];
    vi_make_ad(v, ad, kind, level, ino, index, p->blk);
    return vi_open_raw(v, p->epoch, ad, sizeof(ad), in, VB, out, p->nonce, p->tag);
}

