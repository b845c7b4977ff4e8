/*
 * image.c - the Alcove image footer and the dm-verity tree geometry (see image.h and
 * docs/image-format.md).  Freestanding: byte-wise little-endian decoding, no libc.
 */
#include "image.h"

#include "al_string.h"

#define EINVAL_ 22

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

int img_layout_compute(uint64_t data_blocks, uint64_t hash_offset, struct img_layout *out)
{
    /* Bound everything by 2^50 blocks (4 EiB) so no sum below can overflow. */
    if (data_blocks == 0 || data_blocks > (1ull << 50) || hash_offset % IMG_BLOCK != 0 ||
        hash_offset > (1ull << 62))
        return -EINVAL_;
    al_memset(out, 0, sizeof(*out));
    out->data_blocks = data_blocks;
    /* veritysetup: levels is the least n with (data_blocks - 1) >> (7 n) == 0; 128 = 2^7
     * sha256 digests fit in a 4096-byte hash block. */
    uint32_t levels = 0;
    while (levels < IMG_MAX_LEVELS && ((data_blocks - 1) >> (7 * levels)) != 0)
        levels++;
    if (((data_blocks - 1) >> (7 * levels)) != 0)
        return -EINVAL_;
    out->levels = levels;
    out->tree_offset = hash_offset + IMG_BLOCK; /* the superblock takes one hash block */
    /* The top level comes first in the file, then the ones below it, as hash_levels()
     * assigns positions from levels - 1 down to 0. */
    uint64_t pos = out->tree_offset;
    for (int i = (int)levels - 1; i >= 0; i--) {
        uint32_t shift = 7u * (uint32_t)(i + 1);
        uint64_t n = (data_blocks + (1ull << shift) - 1) >> shift;
        out->level_offset[i] = pos;
        out->level_blocks[i] = n;
        out->hash_blocks += n;
        pos += n * IMG_BLOCK;
    }
    out->tree_end = pos;
    return 0;
}

int img_footer_check(const void *block4096, uint64_t file_size, struct img_footer *out,
                     const char **reason)
{
    const uint8_t *b = block4096;
    const char *why = "ok";
    struct img_layout lay;

    al_memset(out, 0, sizeof(*out));
    al_memcpy(out->magic, b, 8);
    out->version = get32(b + 8);
    out->data_block_size = get32(b + 12);
    out->hash_block_size = get32(b + 16);
    out->salt_size = get32(b + 20);
    out->data_blocks = get64(b + 24);
    out->hash_offset = get64(b + 32);
    al_memcpy(out->salt, b + 40, IMG_SALT_MAX);
    al_memcpy(out->root_hash, b + 104, IMG_HASH_SIZE);
    al_memcpy(out->uuid, b + 136, 16);
    al_memcpy(out->hash_name, b + 152, 16);
    out->file_size = get64(b + 168);

    if (file_size < 3 * IMG_BLOCK || file_size % IMG_BLOCK != 0) {
        why = "file size is not a multiple of 4096 of at least 3 blocks (truncated?)";
        goto bad;
    }
    if (al_memcmp(out->magic, IMG_FOOTER_MAGIC, 8) != 0) {
        why = "bad footer magic (not an Alcove image, or truncated)";
        goto bad;
    }
    if (out->version != IMG_VERSION) {
        why = "unsupported footer version";
        goto bad;
    }
    if (out->data_block_size != IMG_BLOCK || out->hash_block_size != IMG_BLOCK) {
        why = "block sizes other than 4096 are not supported";
        goto bad;
    }
    if (out->salt_size > IMG_SALT_MAX) {
        why = "salt size larger than 64";
        goto bad;
    }
    for (uint32_t i = out->salt_size; i < IMG_SALT_MAX; i++)
        if (out->salt[i] != 0) {
            why = "nonzero bytes after the salt";
            goto bad;
        }
    /* hash_name must be exactly "sha256" followed by NULs. */
    if (al_memcmp(out->hash_name, IMG_HASH_NAME, sizeof(IMG_HASH_NAME)) != 0) {
        why = "hash algorithm is not sha256";
        goto bad;
    }
    for (size_t i = sizeof(IMG_HASH_NAME); i < 16; i++)
        if (out->hash_name[i] != 0) {
            why = "hash algorithm is not sha256";
            goto bad;
        }
    if (out->file_size != file_size) {
        why = "file size differs from the footer's (truncated or extended)";
        goto bad;
    }
    if (out->data_blocks == 0 || out->data_blocks > file_size / IMG_BLOCK) {
        why = "data block count out of range";
        goto bad;
    }
    if (out->hash_offset != out->data_blocks * IMG_BLOCK) {
        why = "hash offset is not data_blocks * 4096";
        goto bad;
    }
    if (img_layout_compute(out->data_blocks, out->hash_offset, &lay) != 0 ||
        lay.tree_end > file_size - IMG_BLOCK) {
        why = "hash tree does not fit before the footer (truncated?)";
        goto bad;
    }
    for (size_t i = IMG_FOOTER_SIZE; i < IMG_BLOCK; i++)
        if (b[i] != 0) {
            why = "nonzero bytes after the footer";
            goto bad;
        }
    if (reason)
        *reason = why;
    return 0;
bad:
    if (reason)
        *reason = why;
    return -EINVAL_;
}

int img_footer_parse(const void *block4096, uint64_t file_size, struct img_footer *out)
{
    return img_footer_check(block4096, file_size, out, 0);
}

void img_footer_encode(const struct img_footer *f, void *block4096)
{
    uint8_t *b = block4096;
    al_memset(b, 0, IMG_BLOCK);
    al_memcpy(b, f->magic, 8);
    put32(b + 8, f->version);
    put32(b + 12, f->data_block_size);
    put32(b + 16, f->hash_block_size);
    put32(b + 20, f->salt_size);
    put64(b + 24, f->data_blocks);
    put64(b + 32, f->hash_offset);
    al_memcpy(b + 40, f->salt, IMG_SALT_MAX);
    al_memcpy(b + 104, f->root_hash, IMG_HASH_SIZE);
    al_memcpy(b + 136, f->uuid, 16);
    al_memcpy(b + 152, f->hash_name, 16);
    put64(b + 168, f->file_size);
}
