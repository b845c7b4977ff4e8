/*
 * path.h - path resolution inside the enclave's view, shared by the LibOS and unit tests.
 *
 * Pure code: the caller supplies a lookup callback that says what one absolute, already
 * resolved path names.  path_resolve() walks a path component by component, follows
 * symlinks (relative and absolute, confined to the enclave's root), handles "." and "..",
 * and produces the canonical symlink-free absolute path.
 */
#ifndef ALCOVE_COMMON_PATH_H
#define ALCOVE_COMMON_PATH_H

#include <stddef.h>

#define PATH_MAX_LEN 4096
#define PATH_MAX_SYMLINKS 40

/* What lookup() reports for a path. */
enum path_kind { PATH_KIND_DIR = 1, PATH_KIND_OTHER = 2, PATH_KIND_SYMLINK = 3 };

struct path_ops {
    /* Describe the object at absolute canonical path p.  Return PATH_KIND_*, or -errno
     * (-ENOENT if absent).  For PATH_KIND_SYMLINK, copy the NUL-terminated target into
     * target (tsize bytes) first. */
    int (*lookup)(void *ctx, const char *p, char *target, size_t tsize);
};

/* Flags for path_resolve(). */
#define PATH_NOFOLLOW 1   /* do not follow a symlink in the last component */
#define PATH_PARENT 2     /* the last component may be absent (create); result 1 then */
#define PATH_DIRECTORY 4  /* the result must be a directory */

/* Resolve path (absolute, or relative to cwd which must be absolute and canonical) into out
 * (outsz bytes).  Returns 0 if the object exists, 1 if only the last component is absent and
 * PATH_PARENT was given, or -ENOENT (also for an empty path), -ENOTDIR, -ELOOP, -ENAMETOOLONG,
 * or the lookup's error.  A trailing slash requires a directory (a missing last component
 * with a trailing slash is fine for PATH_PARENT: mkdir("a/")). */
int path_resolve(const char *cwd, const char *path, int flags, const struct path_ops *ops,
                 void *ctx, char *out, size_t outsz);

/* Lexically normalise an absolute path (collapse "//", ".", ".."; ".." at "/" stays at "/").
 * Returns 0 or -ENAMETOOLONG. */
int path_normalize(const char *in, char *out, size_t outsz);

/* If canonical path p lies at or below prefix (also canonical), return the remainder
 * (without leading '/', "" if equal), else NULL. */
const char *path_under(const char *p, const char *prefix);

#endif
