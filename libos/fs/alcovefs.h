/*
 * alcovefs.h - internal to the encrypted volume's file system: the instance state shared
 * by alcovefs.c (the tmpfs hooks, lazy loading, commit, mount) and alcovefs_vol.c (the
 * glue to common/vol.h: the volume file through the PAL, the rollback counter source).
 */
#ifndef ALCOVE_FS_ALCOVEFS_H
#define ALCOVE_FS_ALCOVEFS_H

#include "tmpfs.h"
#include "vol.h"

struct afs_inode;

/* One mounted volume (kmalloc'd: shared by every process of the enclave). */
struct afs_sb {
    struct super_block *sb;
    struct vol *vol;              /* NULL until vg_open succeeds */
    pal_handle_t h;               /* the volume file (inherited by every host process) */
    pal_handle_t state_dir;       /* the counter source's directory, or PAL_HANDLE_NONE */
    int rw;
    int failed;                   /* a commit failed: the instance is read-only now */
    char *source;                 /* host path, for log lines and /proc/mounts */
    struct vol_io io;             /* the environment vol.c works in (ctx = this) */
    struct vol_counter counter;   /* the default counter source (ctx = this) */
    struct afs_inode *dirty;      /* dirty list */
    uint64_t *freed, nfreed, capfreed;   /* volume inodes to free at the next commit */
    uint64_t commits;
    uint64_t room;                /* vol_room at the last commit (or mount) */
    uint64_t extra;               /* pages charged for the next commit's needs (alcovefs.c) */
    uint64_t extra_base;          /* the part of extra the last commit left (mapped files) */
    int committing;               /* inside afs_commit (no pressure commit from a load) */
};

/* Open the volume on s->h with key: sets s->io, s->counter and s->vol.  The volume logs
 * its one line on failure (wrong key or corrupted, rolled back, not a volume); the error
 * is vol_open's.  Without a state directory, rollback of the whole volume is not
 * detected: said once in the log. */
WUR int vg_open(struct afs_sb *s, const uint8_t key[32], pal_handle_t state_dir);
/* Close the volume (uncommitted changes are dropped) and the state directory handle. */
void vg_close(struct afs_sb *s);

/* Directory entries from the cache into the volume: the positive hashed children of dir
 * (each an inode of this instance that has its volume number) as directory vino's
 * entries, in readdir order.  0 or -errno (-ENOMEM, the volume's -ENOSPC/-EIO). */
WUR int vg_dir_store(struct afs_sb *s, uint64_t vino, struct dentry *dir);

/* The volume number of an inode of the instance (0: none yet), for vg_dir_store. */
uint64_t afs_vino(struct inode *i);

#endif
