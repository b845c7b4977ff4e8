/*
 * path.c - canonical path resolution for the enclave's view (see path.h).
 *
 * The walk keeps two strings: the canonical prefix resolved so far (always a directory,
 * starting at "/" or the cwd) and the text still to walk.  A symlink splices its target
 * in front of the remaining text, and an absolute target restarts at "/", so nothing can
 * climb above the enclave's root: ".." at "/" stays at "/".
 */
#include "path.h"
#include "al_string.h"

#include <asm-generic/errno-base.h>
#include <asm-generic/errno.h>

/* Append "/name" (name of n bytes) to the canonical path in buf (len bytes used). */
static int append_comp(char *buf, size_t *len, size_t cap, const char *name, size_t n)
{
    size_t l = *len;
    if (l == 1 && buf[0] == '/')
        l = 0;  /* root: avoid "//x" */
    if (l + 1 + n + 1 > cap)
        return -ENAMETOOLONG;
    buf[l] = '/';
    al_memcpy(buf + l + 1, name, n);
    l += 1 + n;
    buf[l] = '\0';
    *len = l;
    return 0;
}

/* Drop the last component of a canonical path; "/" stays "/". */
static void pop_comp(char *buf, size_t *len)
{
    size_t l = *len;
    while (l > 1 && buf[l - 1] != '/')
        l--;
    if (l > 1)
        l--;  /* remove the separating '/', but keep the root's */
    buf[l] = '\0';
    *len = l;
}

/* Is there any component other than separators after position i? */
static int more_components(const char *s, size_t i)
{
    for (; s[i]; i++)
        if (s[i] != '/')
            return 1;
    return 0;
}

int path_normalize(const char *in, char *out, size_t outsz)
{
    size_t len = 1, i = 0;
    if (outsz < 2)
        return -ENAMETOOLONG;
    out[0] = '/';
    out[1] = '\0';
    while (in[i]) {
        while (in[i] == '/')
            i++;
        size_t s = i;
        while (in[i] && in[i] != '/')
            i++;
        size_t n = i - s;
        if (n == 0 || (n == 1 && in[s] == '.'))
            continue;
        if (n == 2 && in[s] == '.' && in[s + 1] == '.') {
            pop_comp(out, &len);
            continue;
        }
        int r = append_comp(out, &len, outsz, in + s, n);
        if (r < 0)
            return r;
    }
    return 0;
}

const char *path_under(const char *p, const char *prefix)
{
    size_t n = al_strlen(prefix);
    if (n == 1 && prefix[0] == '/')
        return p[0] == '/' ? p + 1 : NULL;
    if (al_memcmp(p, prefix, n) != 0)
        return NULL;
    if (p[n] == '\0')
        return p + n;
    if (p[n] == '/')
        return p + n + 1;
    return NULL;
}

int path_resolve(const char *cwd, const char *path, int flags, const struct path_ops *ops,
                 void *ctx, char *out, size_t outsz)
{
    /* A symlink body (up to PATH_MAX) is spliced in front of the rest of the path (also up
     * to PATH_MAX), so the working buffers hold both. */
    char rest[2 * PATH_MAX_LEN], tmp[2 * PATH_MAX_LEN], target[PATH_MAX_LEN];
    size_t plen = al_strlen(path);
    size_t len, i = 0;
    int links = 0, kind = PATH_KIND_DIR;

    if (plen == 0)
        return -ENOENT;
    if (plen >= PATH_MAX_LEN)
        return -ENAMETOOLONG;
    al_memcpy(rest, path, plen + 1);

    if (path[0] == '/') {
        if (outsz < 2)
            return -ENAMETOOLONG;
        out[0] = '/';
        out[1] = '\0';
        len = 1;
    } else {
        len = al_strlen(cwd);
        if (len + 1 > outsz)
            return -ENAMETOOLONG;
        al_memcpy(out, cwd, len + 1);
    }

    while (rest[i]) {
        while (rest[i] == '/')
            i++;
        if (!rest[i])
            break;
        size_t s = i;
        while (rest[i] && rest[i] != '/')
            i++;
        size_t n = i - s;
        int last = !more_components(rest, i);
        /* A trailing slash (or "x/." etc.) demands a directory and follows symlinks. */
        int trailing = last && rest[i] == '/';

        if (n == 1 && rest[s] == '.') {
            kind = PATH_KIND_DIR;
            continue;
        }
        if (n == 2 && rest[s] == '.' && rest[s + 1] == '.') {
            pop_comp(out, &len);
            kind = PATH_KIND_DIR;
            continue;
        }
        size_t save = len;
        int r = append_comp(out, &len, outsz, rest + s, n);
        if (r < 0)
            return r;
        r = ops->lookup(ctx, out, target, sizeof(target));
        if (r == -ENOENT && last && (flags & PATH_PARENT))
            return 1;
        if (r < 0)
            return r;
        kind = r;
        if (kind == PATH_KIND_SYMLINK) {
            if (last && (flags & PATH_NOFOLLOW) && !trailing)
                return (flags & PATH_DIRECTORY) ? -ENOTDIR : 0;
            if (++links > PATH_MAX_SYMLINKS)
                return -ELOOP;
            size_t tl = al_strlen(target);
            size_t rl = al_strlen(rest + i);
            if (tl == 0)
                return -ENOENT;
            if (tl + rl + 1 > sizeof(tmp))
                return -ENAMETOOLONG;
            al_memcpy(tmp, target, tl);
            al_memcpy(tmp + tl, rest + i, rl + 1);
            al_memcpy(rest, tmp, tl + rl + 1);
            i = 0;
            /* The link lives in the directory we were in; absolute targets restart at root. */
            len = save;
            out[len] = '\0';
            if (len == 0) {
                out[0] = '/';
                out[1] = '\0';
                len = 1;
            }
            if (target[0] == '/') {
                out[0] = '/';
                out[1] = '\0';
                len = 1;
            }
            kind = PATH_KIND_DIR;
            continue;
        }
        if (kind != PATH_KIND_DIR && (!last || trailing))
            return -ENOTDIR;
    }
    if ((flags & PATH_DIRECTORY) && kind != PATH_KIND_DIR)
        return -ENOTDIR;
    return 0;
}
