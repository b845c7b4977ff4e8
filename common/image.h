/*
 * image.h - the Alcove image file: footer layout and geometry, shared by the core
 * (libos/fs/erofs.c) and the CLI (tools/alcove/image.c).
 *
 * API FROZEN (additions are fine; no renames).
 *
 * An image file is, in this order (see docs/image-format.md for every byte):
 *
 *   [0, hash_offset)              an uncompressed EROFS file system (mkfs.erofs), zero-padded
 *                                 to whole 4 KiB blocks: data_blocks = hash_offset / 4096
 *   [hash_offset, +4096)          veritysetup's 512-byte verity superblock, zero-padded
 *   [hash_offset + 4096, tree_end) the dm-verity v1 hash tree, top level first (veritysetup
 *                                 format --hash-offset=hash_offset --data-blocks=data_blocks)
 *   [tree_end, file_size - 4096)  zero padding (normally empty)
 *   [file_size - 4096, file_size) the Alcove footer (below), the rest of that block zero
 *
 * Trust: only the root hash the caller supplies (the measured config) is trusted.  The
 * footer and the verity superblock are hints: a tampered salt, geometry or root_hash in
 * them makes the first verified block fail (or, for root_hash, a mismatch with the
 * caller's hash).  img_footer_parse() only checks that the hints are self-consistent and
 * fit inside the file, so later arithmetic cannot overflow or run off the file.
 *
 * Freestanding: no libc, no allocation, no static state.
 */
#ifndef ALCOVE_IMAGE_H
#define ALCOVE_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#define IMG_BLOCK 4096u            /* data and hash block size, the only one supported */
#define IMG_FOOTER_MAGIC "ALCVIMG1" /* 8 bytes, no NUL */
#define IMG_VERSION 1u
#define IMG_SALT_MAX 64u
#define IMG_HASH_SIZE 32u          /* sha256 */
#define IMG_HASH_NAME "sha256"
#define IMG_MAX_LEVELS 10u         /* 128 hashes per block: 10 levels cover 2^70 blocks */
#define IMG_VERITY_SB_SIZE 512u    /* veritysetup's superblock; padded to one hash block */

/*
 * The footer, little-endian, at file offset file_size - 4096.  Byte offsets:
 *   0   char     magic[8]          "ALCVIMG1"
 *   8   uint32_t version           1
 *   12  uint32_t data_block_size   4096
 *   16  uint32_t hash_block_size   4096
 *   20  uint32_t salt_size         0..64
 *   24  uint64_t data_blocks       EROFS blocks covered by the tree (> 0)
 *   32  uint64_t hash_offset       bytes; where the verity superblock starts
 *                                  (== data_blocks * 4096)
 *   40  uint8_t  salt[64]          salt_size bytes used, the rest zero
 *   104 uint8_t  root_hash[32]     the verity root hash (a hint: compare with the trusted one)
 *   136 uint8_t  uuid[16]          the verity superblock's uuid (and mkfs.erofs -U)
 *   152 char     hash_name[16]     "sha256", NUL-padded
 *   168 uint64_t file_size         the whole file's size in bytes (multiple of 4096)
 *   176 ...      zero up to 4096
 * The struct below mirrors it field by field (natural alignment gives the same offsets on
 * x86-64), but img_footer_parse/encode go byte by byte and never cast the block.
 */
#define IMG_FOOTER_SIZE 176u

struct img_footer {
    char magic[8];
    uint32_t version;
    uint32_t data_block_size;
    uint32_t hash_block_size;
    uint32_t salt_size;
    uint64_t data_blocks;
    uint64_t hash_offset;
    uint8_t salt[IMG_SALT_MAX];
    uint8_t root_hash[IMG_HASH_SIZE];
    uint8_t uuid[16];
    char hash_name[16];
    uint64_t file_size;
};

/*
 * The hash tree's geometry, as veritysetup lays it out (cryptsetup lib/verity/verity_hash.c
 * hash_levels()): levels = the least n with (data_blocks - 1) >> (7 n) == 0 (0 when the image
 * is one block: the root hash is then the hash of that data block).  Level 0 holds the hashes
 * of the data blocks, level i+1 the hashes of level i's blocks; the top level (levels - 1) is
 * one block whose hash is the root hash.  Levels are stored top first, right after the
 * superblock block.  Each hash block holds 128 sha256(salt || child) digests, zero-filled.
 * All offsets are in bytes from the start of the file.
 */
struct img_layout {
    uint64_t data_blocks;
    uint32_t levels;                         /* 0..IMG_MAX_LEVELS */
    uint64_t level_offset[IMG_MAX_LEVELS];   /* byte offset of level i's first block */
    uint64_t level_blocks[IMG_MAX_LEVELS];   /* number of blocks of level i */
    uint64_t hash_blocks;                    /* sum of level_blocks */
    uint64_t tree_offset;                    /* hash_offset + 4096 */
    uint64_t tree_end;                       /* tree_offset + hash_blocks * 4096 */
};

/*
 * Compute the tree geometry for data_blocks data blocks with the verity superblock at
 * hash_offset (bytes, a multiple of 4096).  Returns 0, or -EINVAL if data_blocks is 0, too
 * large (offsets would overflow 2^62), or hash_offset is not block-aligned.
 */
__attribute__((warn_unused_result))
int img_layout_compute(uint64_t data_blocks, uint64_t hash_offset, struct img_layout *out);

/*
 * Parse and check the footer block (the file's last 4096 bytes, as read from the host) of a
 * file of file_size bytes.  Checks: magic, version, block sizes == 4096, salt_size <= 64 and
 * unused salt bytes zero, hash_name == "sha256", data_blocks > 0, hash_offset ==
 * data_blocks * 4096, file_size field == file_size (a multiple of 4096), the tree computed by
 * img_layout_compute() ends at or before file_size - 4096, bytes 176..4095 zero.
 * Returns 0 and fills *out, or -EINVAL (*out then undefined).
 * Passing the check authenticates nothing (see the top of this file).
 */
__attribute__((warn_unused_result))
int img_footer_parse(const void *block4096, uint64_t file_size, struct img_footer *out);

/*
 * The same check as img_footer_parse(); on -EINVAL *reason (if non-NULL) points to a static
 * English phrase saying what is wrong, e.g. "bad magic (not an Alcove image)", for messages.
 * On success *reason is set to "ok".
 */
__attribute__((warn_unused_result))
int img_footer_check(const void *block4096, uint64_t file_size, struct img_footer *out,
                     const char **reason);

/*
 * Write f into block4096 (4096 bytes, fully overwritten: the footer, then zeros).  The
 * caller fills every field (magic, version, sizes, hash_name included); no check is made:
 * call img_footer_parse() on the result to validate it.
 */
void img_footer_encode(const struct img_footer *f, void *block4096);

#endif
