/*
 * volume.h - the host side of `alcove volume` (volume.c: the commands; volume_host.c:
 * the host file and the counter state files; volume_xfer.c: import and export of trees).
 */
#ifndef ALCOVE_CLI_VOLUME_H
#define ALCOVE_CLI_VOLUME_H

#include <stdint.h>

#include "vol.h"

/* A volume file on the host: the vol_io callbacks over a descriptor.  The last line the
 * volume logged is kept for one-line error messages. */
struct hostvol {
    int fd;
    const char *path;
    int quiet;          /* don't print log lines */
    char last[256];
    struct vol_io io;
};
/* Open path (rw: O_RDWR) and fill hv: 0, or -1 after a message. */
int hostvol_open(struct hostvol *hv, const char *path, int rw);
void hostvol_init(struct hostvol *hv, int fd, const char *path);

/* The counter source of the state directory dir (one file per volume). */
struct hostctr {
    const char *dir;
    char path[4200];    /* of the last file used */
};
void hostctr_init(struct hostctr *hc, struct vol_counter *c, const char *dir);
/* The counter's get (ctx: a struct hostctr): 0 with *v (0: no state file), or -errno
 * after a message. */
int hostctr_get(void *ctx, const uint8_t id[16], uint64_t *v);

/* "N", "NK", "NM", "NG", "NT" (powers of 1024): 0, or -1 if malformed or too big. */
int volume_parse_size(const char *s, uint64_t *out);

/* volume_xfer.c.  Copy the tree under host directory src into the open volume v (its
 * root directory becomes src's content): 0, or -1 after a message. */
int volume_import_tree(struct vol *v, const char *src);
/* Add up what importing src needs (bytes of a volume that fits, with room for metadata). */
int volume_import_size(const char *src, uint64_t *bytes);
/* Write the volume's tree into the host directory dst (created, must not exist or be
 * empty): 0, or -1 after a message. */
int volume_export_tree(struct vol *v, const char *dst);

#endif
