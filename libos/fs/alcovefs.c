/*
 * alcovefs.c - the encrypted volume (placeholder until the storage work lands).
 */
#include "vfs.h"

const struct fs_type alcovefs_type = {.name = "alcovefs"};

int alcovefs_boot_sb(pal_handle_t h, const uint8_t key[32], int rw, pal_handle_t state_dir,
                     const char *source, struct super_block **out)
{
    kprintf("%s: volumes are not supported yet", source);
    return -ENODEV;
}
