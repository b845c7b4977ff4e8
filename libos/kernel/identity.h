/*
 * identity.h - the core's check of the signed identity (identity.c).
 */
#ifndef ALCOVE_KERNEL_IDENTITY_H
#define ALCOVE_KERNEL_IDENTITY_H

struct pal_boot;

/* Before anything mounts or runs: 0 if boot carries no identity (development mode) or if
 * the loaded core, the config and the image root hash all match the signed identity;
 * else a negative errno after a line naming each difference. Needs kcrypto_init. */
WUR int identity_check(const struct pal_boot *boot);

#endif
