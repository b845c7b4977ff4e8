/*
 * overlayfs.c - the overlay root (placeholder until the storage work lands).
 */
#include "vfs.h"

const struct fs_type overlay_type = {.name = "overlay"};

int overlay_boot_sb(struct super_block *lower, struct super_block *upper, const char *source,
                    struct super_block **out)
{
    kprintf("%s: overlays are not supported yet", source);
    return -ENODEV;
}
