/*
 * erofs.c - the Alcove image: EROFS read through a dm-verity layer (placeholder until the
 * storage work lands; owned by the image work).
 */
#include "vfs.h"

const struct fs_type erofs_type = {.name = "erofs"};

int erofs_boot_sb(pal_handle_t h, const uint8_t root_hash[32], const char *source,
                  struct super_block **out)
{
    kprintf("%s: images are not supported yet", source);
    return -ENODEV;
}
