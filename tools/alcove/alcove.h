/*
 * alcove.h - the host-side CLI: one file per subcommand, a table in main.c.
 */
#ifndef ALCOVE_CLI_H
#define ALCOVE_CLI_H

#include <stdint.h>

struct command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
    void (*usage)(void);
};

int cmd_run(int argc, char **argv);
void usage_run(void);
int cmd_image(int argc, char **argv);   /* image.c */
void usage_image(void);
int cmd_volume(int argc, char **argv);  /* volume.c */
void usage_volume(void);

/* For `alcove run`, before the enclave starts (0, or -1 with a one-line reason in err):
 * the image's verity root hash as recorded in the file (image.c), and a full open of a
 * volume with key and counter state (volume.c), so bad input fails before the program. */
int image_root_hash(const char *file, unsigned char out[32], char *err, unsigned long errlen);
/* Looks path up in the image file (verified against root), following symlinks as the
 * enclave would: 0 with its inode number and mode, or a negative errno. */
int image_find(const char *file, const unsigned char root[32], const char *path, uint64_t *nid,
               unsigned *mode);
int volume_precheck(const char *file, const unsigned char key[32], const char *state_dir, int rw,
                    char *err, unsigned long errlen);

/* run.c helpers other commands share: the rollback-counter state directory (created if
 * missing; NULL after a message) and a 32-byte key file (0, or -1 after a message). */
const char *state_dir_path(const char *opt);
int read_key_file(const char *path, unsigned char key[32]);

/* run.c: kill and reap every host process left behind (the caller is a subreaper). */
void reap_leftovers(void);

/* Path of a file shipped next to the alcove executable (e.g. "alcove-direct"). */
int sibling_path(const char *name, char *out, unsigned long size);

#endif
