/*
 * volume.c - `alcove volume` (placeholder until the storage work lands).
 */
#include <stdio.h>

#include "alcove.h"

void usage_volume(void)
{
    printf("usage: alcove volume ... (not implemented yet)\n");
}

int cmd_volume(int argc, char **argv)
{
    fprintf(stderr, "alcove volume: not implemented yet\n");
    return 2;
}

int volume_precheck(const char *file, const unsigned char key[32], const char *state_dir, int rw,
                    char *err, unsigned long errlen)
{
    snprintf(err, errlen, "%s: volumes are not supported yet", file);
    return -1;
}
