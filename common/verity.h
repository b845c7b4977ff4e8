/*
 * verity.h - dm-verity (format 1, sha256, 4096-byte blocks) verification of an Alcove
 * image's data blocks, shared by the core (libos/fs/erofs.c) and the CLI (alcove image
 * verify / ls).
 *
 * A block is used only after the chain of hashes from it up to the trusted root hash has
 * been checked: hash = sha256(salt || block) (libsodium crypto_hash_sha256), each hash
 * block holding 128 such digests of the level below, the single top block hashing to the
 * root hash (layout: img_layout_compute() in image.h).  Verified hash blocks and data
 * blocks go into a bounded cache owned by the struct verity, so a block is hashed once
 * while it stays cached (the core keeps the struct in its shared heap: once per enclave).
 *
 * Nothing from the file is trusted before it is hashed: the footer only says where the
 * tree is; a wrong salt or geometry makes verification fail.
 *
 * Not thread-safe: the caller serialises (the core's big lock; the CLI is single-threaded).
 * All memory comes from io->alloc; no static state.
 */
#ifndef ALCOVE_VERITY_H
#define ALCOVE_VERITY_H

#include <stddef.h>
#include <stdint.h>

#include "image.h"

/* The caller's environment.  read is positional on the image file and returns bytes read
 * or -errno (a short count is an I/O error for verity).  crypto_begin/end bracket each
 * batch of libsodium calls (the core's pal_crypto_begin/end; NULL on the host).  log gets
 * one line (no newline) per problem found (may be NULL). */
struct verity_io {
    void *ctx;
    long (*read)(void *ctx, void *buf, size_t n, uint64_t off);
    void *(*alloc)(size_t n);           /* NULL when out of memory */
    void (*free)(void *p);
    uint64_t (*crypto_begin)(void);
    void (*crypto_end)(uint64_t token);
    void (*log)(void *ctx, const char *line);
};

struct verity;

/* Make a verifier for the image whose footer f was parsed by img_footer_parse(), against
 * the trusted root_hash.  cache_blocks bounds the cache (data and hash blocks together;
 * at least 16 is used).  Reads nothing from the file: the first verity_read() checks the
 * root.  io must outlive the verifier (it is copied).  Returns 0 and *out (free with
 * verity_close), -EINVAL for a footer whose geometry img_layout_compute() refuses, -ENOMEM. */
__attribute__((warn_unused_result))
int verity_open(const struct verity_io *io, const struct img_footer *f, const uint8_t root_hash[32],
                size_t cache_blocks, struct verity **out);
void verity_close(struct verity *v);

/* Copy n verified data blocks starting at data block blk into buf (n * 4096 bytes).
 * Uncached blocks are read from the host in multi-block runs and hashed inside one crypto
 * bracket per call.  Returns 0; -EINVAL if [blk, blk+n) is outside the data area; -EIO
 * when a block or a tree node on its path does not match (after one io->log line naming
 * the block: "verity: data block N does not match the hash tree" or "hash block N of
 * level L ..."), or the host read failed or was short; nothing in buf is then usable.
 * ctx_name (may be NULL) is put in the log line ("... in /usr/lib/x.so"). */
__attribute__((warn_unused_result))
int verity_read(struct verity *v, uint64_t blk, uint32_t n, void *buf, const char *ctx_name);

/* As verity_read, but data blocks not already cached are verified and copied out without
 * being cached (for callers that keep their own copy, such as the core's per-file page
 * objects); hash blocks are still cached. */
__attribute__((warn_unused_result))
int verity_read_uncached(struct verity *v, uint64_t blk, uint32_t n, void *buf, const char *ctx_name);

/* The verified data block blk, through the cache: *out points to 4096 bytes valid until
 * the next call on v.  Errors as verity_read. */
__attribute__((warn_unused_result))
int verity_get(struct verity *v, uint64_t blk, const uint8_t **out, const char *ctx_name);

/* Check the whole image (the CLI's `alcove image verify`): every data block and, through
 * them, every hash block (each is hashed once; cached blocks are not hashed again).
 * Returns 0, or -EIO with *bad (if non-NULL) set to the first data block that cannot be
 * verified (its own hash or one on its path is wrong), after io->log lines; or the host
 * read error. */
__attribute__((warn_unused_result))
int verity_check_all(struct verity *v, uint64_t *bad);

/* Counters for tests and benchmarks. */
struct verity_stats {
    uint64_t hashed_data, hashed_tree;   /* blocks hashed */
    uint64_t host_reads, host_bytes;     /* read calls to the host, bytes */
    uint64_t cache_hits, cache_misses;
};
void verity_get_stats(const struct verity *v, struct verity_stats *out);

/* The number of data blocks (the footer's data_blocks). */
uint64_t verity_data_blocks(const struct verity *v);

#endif
