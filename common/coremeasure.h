/*
 * coremeasure.h - the enclave measurement and the digest of the core as loaded, shared by the
 * CLI (`alcove build` computes them from files) and the core (which recomputes them from
 * what it actually runs with before the program starts).
 *
 * Core image digest (format "alcove-core-image-v1"): SHA-256 of
 *     "alcove-core-image-v1" NUL
 *     for each PT_LOAD header, in program-header order:
 *         u64le p_vaddr, u64le p_memsz, u64le p_filesz, u64le p_flags,
 *         the segment's p_filesz bytes as the kernel maps them, except that every
 *         R_X86_64_RELATIVE slot holds its r_addend (not base + r_addend)
 * so the digest does not depend on the load address, and the writable segment (whose
 * pointer slots the core relocates itself) is covered too.  The backend computes it from
 * the mapped segments before anything but its own relocation has written to them; the
 * CLI computes it from the file.  Any other relocation type is refused: the core is a
 * static PIE with only relative relocations.
 *
 * Measurement (format "alcove-measurement-v2"): SHA-256 of
 *     "alcove-measurement-v2" NUL
 *     "core-image" NUL u64le(32)  the core image digest
 *     "config"     NUL u64le(len) the canonical config (sorted keys, compact, ASCII)
 *     "image-root" NUL u64le(32)  the image's dm-verity root hash
 * Each part is labelled and length-prefixed, so no two different inputs share an encoding.
 */
#ifndef ALCOVE_COMMON_COREMEASURE_H
#define ALCOVE_COMMON_COREMEASURE_H

#include <stddef.h>
#include <stdint.h>

/* The bytes of the core at virtual address vaddr (load address 0), len of them, or NULL if
 * that range is not file-backed in one PT_LOAD segment.  ctx is the caller's. */
typedef const uint8_t *(*al_core_at_fn)(void *ctx, uint64_t vaddr, uint64_t len);

/* The core image digest of the ELF file seen through at (which must also answer the ELF
 * header at 0 and the program headers at e_phoff: the first PT_LOAD maps the file from
 * offset 0 at address 0).  0, or -1 if the image is not a static PIE of that shape
 * (*why says what). */
int al_core_image_digest(al_core_at_fn at, void *ctx, uint8_t out[32], const char **why);

/* The measurement of core_image, the canonical config and image_root. */
void al_measurement(uint8_t out[32], const uint8_t core_image[32], const char *config,
                    size_t config_len, const uint8_t image_root[32]);

#endif
