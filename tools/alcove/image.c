/*
 * image.c - `alcove image` (placeholder until the storage work lands).
 */
#include <stdio.h>

#include "alcove.h"

void usage_image(void)
{
    printf("usage: alcove image ... (not implemented yet)\n");
}

int cmd_image(int argc, char **argv)
{
    fprintf(stderr, "alcove image: not implemented yet\n");
    return 2;
}

int image_root_hash(const char *file, unsigned char out[32], char *err, unsigned long errlen)
{
    snprintf(err, errlen, "%s: images are not supported yet", file);
    return -1;
}
