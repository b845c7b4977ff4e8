/*
 * treehash.c - a digest of the shape of an instance's image/ tree, so that `alcove run` can
 * tell "image/ was edited after the build" from "build/image.img was tampered with".
 *
 * It covers what changes the packed image or how a path resolves: every name, its type, mode,
 * size and mtime, and every symlink's target (contents enter through size and mtime, as
 * `alcove add` and editors update them).  It is a convenience for the user, not a security
 * check: the enclave trusts only the signed image root hash.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "instance.h"

static int walk(crypto_hash_sha256_state *st, const char *dir, int depth)
{
    struct dirent **ents;
    if (depth > 64)
        return -1;
    int n = scandir(dir, &ents, NULL, alphasort);   /* sorted: the same tree, one digest */
    if (n < 0)
        return -1;
    int r = 0;
    for (int i = 0; i < n; i++) {
        const char *name = ents[i]->d_name;
        char p[8192], rec[8448], target[4096] = "";
        struct stat s;
        if (r || !strcmp(name, ".") || !strcmp(name, "..") ||
            snprintf(p, sizeof(p), "%s/%s", dir, name) >= (int)sizeof(p) || lstat(p, &s) < 0) {
            free(ents[i]);
            continue;
        }
        if (S_ISLNK(s.st_mode)) {
            ssize_t k = readlink(p, target, sizeof(target) - 1);
            target[k > 0 ? k : 0] = '\0';
        }
        int len = snprintf(rec, sizeof(rec), "%s%c%o%c%lld%c%lld.%09ld%c%s", p, 0,
                           (unsigned)s.st_mode, 0, S_ISDIR(s.st_mode) ? 0LL : (long long)s.st_size,
                           0, S_ISDIR(s.st_mode) ? 0LL : (long long)s.st_mtim.tv_sec,
                           S_ISDIR(s.st_mode) ? 0L : s.st_mtim.tv_nsec, 0, target);
        crypto_hash_sha256_update(st, (const unsigned char *)rec, (size_t)len + 1);
        if (S_ISDIR(s.st_mode))
            r = walk(st, p, depth + 1);
        free(ents[i]);
    }
    free(ents);
    return r;
}

int tree_digest(const char *img, uint8_t out[32])
{
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    /* Paths relative to image/: the instance may move. */
    char cwd[4096];
    if (!getcwd(cwd, sizeof(cwd)) || chdir(img) < 0)
        return -1;
    int r = walk(&st, ".", 0);
    if (chdir(cwd) < 0)
        r = -1;
    crypto_hash_sha256_final(&st, out);
    return r;
}
