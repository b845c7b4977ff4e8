/*
 * test_path.c - unit tests for common/path.c (path_resolve, path_normalize, path_under).
 *
 * path_resolve() is driven by an in-memory fake file system.  Expected results follow
 * Linux semantics (checked against a real directory tree on Linux 6.x): where Alcove's
 * implementation disagrees, the test keeps the Linux expectation and fails.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <cmocka.h>

#include "path.h"
#include "al_string.h"

/* ---- fake file system -------------------------------------------------------------- */

struct fake_node {
    const char *path;
    int kind;            /* PATH_KIND_* or a negative errno to return */
    const char *target;  /* symlink target */
};

static char longlink_target[4100];

static const struct fake_node fake_fs[] = {
    {"/bin", PATH_KIND_DIR, NULL},
    {"/bin/sh", PATH_KIND_OTHER, NULL},
    {"/etc", PATH_KIND_DIR, NULL},
    {"/etc/passwd", PATH_KIND_OTHER, NULL},
    {"/home", PATH_KIND_DIR, NULL},
    {"/home/u", PATH_KIND_DIR, NULL},
    {"/home/u/file", PATH_KIND_OTHER, NULL},
    {"/home/u/sub", PATH_KIND_DIR, NULL},
    {"/home/u/sub/deep", PATH_KIND_OTHER, NULL},
    {"/home/u/rel", PATH_KIND_SYMLINK, "sub"},            /* relative -> dir */
    {"/home/u/relfile", PATH_KIND_SYMLINK, "file"},       /* relative -> file */
    {"/home/u/abs", PATH_KIND_SYMLINK, "/etc"},           /* absolute -> dir */
    {"/home/u/absfile", PATH_KIND_SYMLINK, "/etc/passwd"},/* absolute -> file */
    {"/home/u/up", PATH_KIND_SYMLINK, "../.."},           /* -> / */
    {"/home/u/escape", PATH_KIND_SYMLINK, "../../../../../../.."}, /* cannot climb above / */
    {"/home/u/rootlink", PATH_KIND_SYMLINK, "/"},
    {"/home/u/dot", PATH_KIND_SYMLINK, "."},
    {"/home/u/chain1", PATH_KIND_SYMLINK, "chain2"},
    {"/home/u/chain2", PATH_KIND_SYMLINK, "/home/u/chain3"},
    {"/home/u/chain3", PATH_KIND_SYMLINK, "sub/deep"},
    {"/home/u/dchain1", PATH_KIND_SYMLINK, "dchain2"},
    {"/home/u/dchain2", PATH_KIND_SYMLINK, "rel"},
    {"/home/u/loopa", PATH_KIND_SYMLINK, "loopb"},
    {"/home/u/loopb", PATH_KIND_SYMLINK, "loopa"},
    {"/home/u/self", PATH_KIND_SYMLINK, "self"},
    {"/home/u/grow", PATH_KIND_SYMLINK, "grow/x"},
    {"/home/u/dang", PATH_KIND_SYMLINK, "nowhere"},
    {"/home/u/dangabs", PATH_KIND_SYMLINK, "/no/such/dir/file"},
    {"/home/u/fileslash", PATH_KIND_SYMLINK, "file/"},
    {"/home/u/empty", PATH_KIND_SYMLINK, ""},
    {"/home/u/longlink", PATH_KIND_SYMLINK, longlink_target},
    {"/rl", PATH_KIND_SYMLINK, "etc/passwd"},            /* relative link in the root */
    {"/var", PATH_KIND_DIR, NULL},
    {"/var/lnk", PATH_KIND_SYMLINK, "/home/u/sub"},
    {"/locked", PATH_KIND_DIR, NULL},
    {"/locked/secret", -EACCES, NULL},
    {"/c", PATH_KIND_DIR, NULL},
    {"/c/target", PATH_KIND_OTHER, NULL},
};

static int lookups;

/* Generated chains: /c/lN -> l(N-1) -> ... -> l0 -> target (file), N+1 links in total;
 * /c/dN -> d(N-1) ... d0 -> /home/u/sub (directory), N+1 links in total. */
static int chain_lookup(const char *p, char *target, size_t tsize)
{
    if ((p[0] != '/' || p[1] != 'c' || p[2] != '/') || (p[3] != 'l' && p[3] != 'd'))
        return 0;
    const char *q = p + 4;
    if (!*q)
        return 0;
    int n = 0;
    for (; *q; q++) {
        if (*q < '0' || *q > '9')
            return 0;
        n = n * 10 + (*q - '0');
    }
    if (n > 99)
        return 0;
    if (n == 0)
        al_strlcpy(target, p[3] == 'l' ? "target" : "/home/u/sub", tsize);
    else
        al_snprintf(target, tsize, "%c%d", p[3], n - 1);
    return PATH_KIND_SYMLINK;
}

static int fake_lookup(void *ctx, const char *p, char *target, size_t tsize)
{
    (void)ctx;
    lookups++;
    assert_non_null(p);
    assert_int_equal(p[0], '/');  /* the callback only ever sees absolute paths */
    int k = chain_lookup(p, target, tsize);
    if (k)
        return k;
    /* like ext4's lookup: a component longer than NAME_MAX (255) is ENAMETOOLONG */
    const char *last = p;
    for (const char *q = p; *q; q++)
        if (*q == '/')
            last = q + 1;
    if (al_strlen(last) > 255)
        return -ENAMETOOLONG;
    for (size_t i = 0; i < sizeof(fake_fs) / sizeof(fake_fs[0]); i++) {
        if (al_strcmp(fake_fs[i].path, p) == 0) {
            if (fake_fs[i].kind == PATH_KIND_SYMLINK)
                al_strlcpy(target, fake_fs[i].target, tsize);
            return fake_fs[i].kind;
        }
    }
    return -ENOENT;
}

static const struct path_ops fake_ops = {fake_lookup};

static char out[PATH_MAX_LEN];

static int res(const char *cwd, const char *path, int flags)
{
    al_memset(out, 'Z', sizeof(out));
    out[sizeof(out) - 1] = '\0';
    return path_resolve(cwd, path, flags, &fake_ops, NULL, out, sizeof(out));
}

/* Expect success (0) and the canonical result. */
#define OK(cwd, path, flags, expect)                          \
    do {                                                      \
        assert_int_equal(res((cwd), (path), (flags)), 0);     \
        assert_string_equal(out, (expect));                   \
    } while (0)

#define ERR(cwd, path, flags, err) assert_int_equal(res((cwd), (path), (flags)), (err))

/* ---- path_resolve --------------------------------------------------------------------- */

static void test_resolve_absolute(void **state)
{
    (void)state;
    OK("/", "/", 0, "/");
    OK("/", "/etc", 0, "/etc");
    OK("/", "/etc/passwd", 0, "/etc/passwd");
    OK("/home/u", "/home/u/sub/deep", 0, "/home/u/sub/deep");
    ERR("/", "/nonexistent", 0, -ENOENT);
    ERR("/", "/home/nope/x", 0, -ENOENT);
}

static void test_resolve_relative(void **state)
{
    (void)state;
    OK("/home/u", "file", 0, "/home/u/file");
    OK("/home/u", "sub/deep", 0, "/home/u/sub/deep");
    OK("/home", "u/sub", 0, "/home/u/sub");
    OK("/", "etc/passwd", 0, "/etc/passwd");
    OK("/home/u/sub", "../file", 0, "/home/u/file");
    ERR("/home/u", "missing", 0, -ENOENT);
}

static void test_resolve_dot(void **state)
{
    (void)state;
    OK("/home/u", ".", 0, "/home/u");
    OK("/", ".", 0, "/");
    OK("/home/u", "./file", 0, "/home/u/file");
    OK("/", "/./etc/./passwd", 0, "/etc/passwd");
    OK("/", "/etc/.", 0, "/etc");
    OK("/home/u", "sub/./././deep", 0, "/home/u/sub/deep");
}

static void test_resolve_dotdot(void **state)
{
    (void)state;
    OK("/home/u", "..", 0, "/home");
    OK("/home/u", "../..", 0, "/");
    OK("/", "/home/u/sub/..", 0, "/home/u");
    OK("/", "/home/u/sub/../../u/file", 0, "/home/u/file");
    OK("/", "/etc/../bin/sh", 0, "/bin/sh");
    /* ".." on a missing directory fails: the component must exist (Linux: ENOENT) */
    ERR("/", "/home/missing/../u", 0, -ENOENT);
}

static void test_resolve_dotdot_at_root(void **state)
{
    (void)state;
    OK("/", "/..", 0, "/");
    OK("/", "/../../..", 0, "/");
    OK("/", "..", 0, "/");
    OK("/", "/../etc/../../etc/passwd", 0, "/etc/passwd");
    OK("/home/u", "../../../../../../bin", 0, "/bin");
}

static void test_resolve_slashes(void **state)
{
    (void)state;
    OK("/", "//", 0, "/");
    OK("/", "///", 0, "/");
    OK("/", "//etc//passwd", 0, "/etc/passwd");
    OK("/", "/home///u////sub//deep", 0, "/home/u/sub/deep");
    OK("/home", "u//file", 0, "/home/u/file");
    OK("/", "/etc/", 0, "/etc");
    OK("/", "/etc///", 0, "/etc");
}

static void test_resolve_symlink_relative(void **state)
{
    (void)state;
    OK("/", "/home/u/rel", 0, "/home/u/sub");
    OK("/", "/home/u/rel/deep", 0, "/home/u/sub/deep");
    OK("/", "/home/u/relfile", 0, "/home/u/file");
    OK("/home/u", "rel/deep", 0, "/home/u/sub/deep");
    OK("/home/u", "dot/dot/file", 0, "/home/u/file");
    OK("/", "/home/u/up", 0, "/");
    OK("/", "/home/u/up/etc/passwd", 0, "/etc/passwd");
    OK("/", "/rl", 0, "/etc/passwd");
    OK("/", "rl", 0, "/etc/passwd");
    OK("/etc", "../rl", 0, "/etc/passwd");
}

static void test_resolve_symlink_absolute(void **state)
{
    (void)state;
    OK("/", "/home/u/abs", 0, "/etc");
    OK("/", "/home/u/abs/passwd", 0, "/etc/passwd");
    OK("/", "/home/u/absfile", 0, "/etc/passwd");
    OK("/home/u", "abs/../bin/sh", 0, "/bin/sh");
    OK("/", "/home/u/rootlink", 0, "/");
    OK("/", "/home/u/rootlink/etc", 0, "/etc");
}

static void test_resolve_symlink_confined(void **state)
{
    (void)state;
    /* ".." in a link target cannot climb above the enclave root */
    OK("/", "/home/u/escape", 0, "/");
    OK("/", "/home/u/escape/bin/sh", 0, "/bin/sh");
    OK("/", "/home/u/escape/../../etc", 0, "/etc");
}

static void test_resolve_symlink_chain(void **state)
{
    (void)state;
    OK("/", "/home/u/chain1", 0, "/home/u/sub/deep");
    OK("/home/u", "chain2", 0, "/home/u/sub/deep");
    OK("/", "/home/u/dchain1/deep", 0, "/home/u/sub/deep");
    OK("/", "/home/u/dchain1/..", 0, "/home/u");
}

static void test_resolve_symlink_limit(void **state)
{
    (void)state;
    /* Linux allows 40 symlinks per lookup (MAXSYMLINKS); the 41st gives ELOOP. */
    OK("/", "/c/l39", 0, "/c/target");  /* 40 links */
    ERR("/", "/c/l40", 0, -ELOOP);      /* 41 links */
    OK("/", "/c/d39/deep", 0, "/home/u/sub/deep");
    ERR("/", "/c/d40/deep", 0, -ELOOP);
    /* The budget is shared by every component of one lookup: 20 + 20 = 40 is fine ... */
    OK("/", "/c/d19/../../../c/l19", 0, "/c/target");
    /* ... 20 + 21 = 41 is not. */
    ERR("/", "/c/d19/../../../c/l20", 0, -ELOOP);
}

static void test_resolve_symlink_loop(void **state)
{
    (void)state;
    ERR("/", "/home/u/loopa", 0, -ELOOP);
    ERR("/", "/home/u/loopb/x", 0, -ELOOP);
    ERR("/", "/home/u/self", 0, -ELOOP);
    ERR("/", "/home/u/grow", 0, -ELOOP);
    ERR("/", "/home/u/loopa/", 0, -ELOOP);
    ERR("/", "/home/u/loopa", PATH_DIRECTORY, -ELOOP);
    ERR("/", "/home/u/loopa", PATH_PARENT, -ELOOP);
    /* lstat() of a looping link itself is fine */
    OK("/", "/home/u/loopa", PATH_NOFOLLOW, "/home/u/loopa");
    /* ... but not with a trailing slash, which forces following (Linux: ELOOP) */
    ERR("/", "/home/u/loopa/", PATH_NOFOLLOW, -ELOOP);
}

static void test_resolve_symlink_dir_dotdot(void **state)
{
    (void)state;
    /* ".." after a symlink is physical: it goes to the parent of the target */
    OK("/", "/var/lnk/..", 0, "/home/u");
    OK("/", "/var/lnk/../file", 0, "/home/u/file");
    OK("/", "/home/u/abs/..", 0, "/");
    OK("/", "/home/u/rel/..", 0, "/home/u");
    OK("/var", "lnk/../../u/sub", 0, "/home/u/sub");
}

static void test_resolve_dangling(void **state)
{
    (void)state;
    ERR("/", "/home/u/dang", 0, -ENOENT);
    ERR("/", "/home/u/dangabs", 0, -ENOENT);
    ERR("/", "/home/u/dang/x", 0, -ENOENT);
    ERR("/", "/home/u/dang", PATH_DIRECTORY, -ENOENT);
    /* lstat() works on a dangling link */
    OK("/", "/home/u/dang", PATH_NOFOLLOW, "/home/u/dang");
    /* lstat("dang/") follows and fails (Linux: ENOENT) */
    ERR("/", "/home/u/dang/", PATH_NOFOLLOW, -ENOENT);
    /* An empty link target (Linux: ENOENT) */
    ERR("/", "/home/u/empty", 0, -ENOENT);
}

static void test_resolve_nofollow(void **state)
{
    (void)state;
    OK("/", "/home/u/rel", PATH_NOFOLLOW, "/home/u/rel");
    OK("/", "/home/u/absfile", PATH_NOFOLLOW, "/home/u/absfile");
    OK("/home/u", "chain1", PATH_NOFOLLOW, "/home/u/chain1");
    /* Only the last component is left alone; links in the middle are followed */
    OK("/", "/var/lnk/deep", PATH_NOFOLLOW, "/home/u/sub/deep");
    OK("/", "/home/u/dchain1/../rel", PATH_NOFOLLOW, "/home/u/rel");
    /* Trailing slash or "/." forces following */
    OK("/", "/home/u/rel/", PATH_NOFOLLOW, "/home/u/sub");
    OK("/", "/home/u/rel/.", PATH_NOFOLLOW, "/home/u/sub");
    /* Plain objects are unaffected */
    OK("/", "/etc/passwd", PATH_NOFOLLOW, "/etc/passwd");
    OK("/", "/etc", PATH_NOFOLLOW, "/etc");
}

static void test_resolve_parent(void **state)
{
    (void)state;
    /* Last component absent: 1, with the would-be path in out */
    assert_int_equal(res("/", "/home/u/newfile", PATH_PARENT), 1);
    assert_string_equal(out, "/home/u/newfile");
    assert_int_equal(res("/home/u", "newfile", PATH_PARENT), 1);
    assert_string_equal(out, "/home/u/newfile");
    assert_int_equal(res("/", "/home/u/rel/new", PATH_PARENT), 1);
    assert_string_equal(out, "/home/u/sub/new");
    /* mkdir("newdir/") */
    assert_int_equal(res("/", "/home/u/newdir/", PATH_PARENT), 1);
    assert_string_equal(out, "/home/u/newdir");
    /* open(O_CREAT) through a dangling link creates the target (Linux) */
    assert_int_equal(res("/", "/home/u/dang", PATH_PARENT), 1);
    assert_string_equal(out, "/home/u/nowhere");
    /* Existing objects: 0 */
    OK("/", "/home/u/file", PATH_PARENT, "/home/u/file");
    OK("/", "/home/u/rel", PATH_PARENT, "/home/u/sub");
    OK("/", "/home/u/dang", PATH_PARENT | PATH_NOFOLLOW, "/home/u/dang");
    /* A middle component absent: ENOENT */
    ERR("/", "/home/u/missing/x", PATH_PARENT, -ENOENT);
    ERR("/", "/nope/a/b", PATH_PARENT, -ENOENT);
    ERR("/", "/home/u/dangabs", PATH_PARENT, -ENOENT);
    ERR("/", "/home/u/missing/.", PATH_PARENT, -ENOENT);
    ERR("/", "/home/u/missing/..", PATH_PARENT, -ENOENT);
    /* A file in the middle: ENOTDIR */
    ERR("/", "/home/u/file/x", PATH_PARENT, -ENOTDIR);
    /* Other lookup errors are passed through, not turned into "absent" */
    ERR("/", "/locked/secret", PATH_PARENT, -EACCES);
}

static void test_resolve_trailing_slash_file(void **state)
{
    (void)state;
    ERR("/", "/home/u/file/", 0, -ENOTDIR);
    ERR("/", "/home/u/file//", 0, -ENOTDIR);
    ERR("/", "/home/u/file/.", 0, -ENOTDIR);
    ERR("/", "/home/u/file/..", 0, -ENOTDIR);
    ERR("/", "/home/u/relfile/", 0, -ENOTDIR);
    ERR("/", "/home/u/relfile/", PATH_NOFOLLOW, -ENOTDIR);
    ERR("/", "/home/u/fileslash", 0, -ENOTDIR);  /* link body "file/" */
    ERR("/", "/home/u/file/", PATH_PARENT, -ENOTDIR);
    OK("/", "/home/u/sub/", 0, "/home/u/sub");
    OK("/", "/home/u/rel/", 0, "/home/u/sub");
}

static void test_resolve_file_in_middle(void **state)
{
    (void)state;
    ERR("/", "/etc/passwd/x", 0, -ENOTDIR);
    ERR("/", "/home/u/file/sub/deep", 0, -ENOTDIR);
    ERR("/", "/home/u/absfile/x", 0, -ENOTDIR);
    ERR("/", "/home/u/chain1/x", 0, -ENOTDIR);
    ERR("/home/u", "file/x", PATH_NOFOLLOW, -ENOTDIR);
}

static void test_resolve_directory_flag(void **state)
{
    (void)state;
    OK("/", "/home/u/sub", PATH_DIRECTORY, "/home/u/sub");
    OK("/", "/", PATH_DIRECTORY, "/");
    OK("/home/u", ".", PATH_DIRECTORY, "/home/u");
    OK("/home/u", "..", PATH_DIRECTORY, "/home");
    OK("/", "/home/u/rel", PATH_DIRECTORY, "/home/u/sub");
    OK("/", "/home/u/abs", PATH_DIRECTORY, "/etc");
    ERR("/", "/home/u/file", PATH_DIRECTORY, -ENOTDIR);
    ERR("/", "/home/u/relfile", PATH_DIRECTORY, -ENOTDIR);
    ERR("/", "/home/u/chain1", PATH_DIRECTORY, -ENOTDIR);
    ERR("/", "/home/u/missing", PATH_DIRECTORY, -ENOENT);
}

static void test_resolve_directory_nofollow(void **state)
{
    (void)state;
    /* open(link, O_PATH|O_NOFOLLOW|O_DIRECTORY) on Linux gives ENOTDIR even when the link
     * points at a directory: the object named is the link, which is not a directory. */
    ERR("/", "/home/u/rel", PATH_NOFOLLOW | PATH_DIRECTORY, -ENOTDIR);
    ERR("/", "/home/u/relfile", PATH_NOFOLLOW | PATH_DIRECTORY, -ENOTDIR);
    ERR("/", "/home/u/dang", PATH_NOFOLLOW | PATH_DIRECTORY, -ENOTDIR);
}

static void test_resolve_directory_nofollow_trailing(void **state)
{
    (void)state;
    /* with a trailing slash the link is followed, so a link to a directory is fine */
    OK("/", "/home/u/rel/", PATH_NOFOLLOW | PATH_DIRECTORY, "/home/u/sub");
}

static void test_resolve_empty(void **state)
{
    (void)state;
    ERR("/", "", 0, -ENOENT);
    ERR("/home/u", "", 0, -ENOENT);
    ERR("/", "", PATH_PARENT, -ENOENT);
    ERR("/", "", PATH_NOFOLLOW, -ENOENT);
}

static void test_resolve_lookup_error(void **state)
{
    (void)state;
    ERR("/", "/locked/secret", 0, -EACCES);
    ERR("/", "/locked/secret/x", 0, -EACCES);
    OK("/", "/locked", 0, "/locked");
}

static void test_resolve_too_long(void **state)
{
    (void)state;
    static char p[PATH_MAX_LEN + 16];
    /* strlen 4095 is the longest path Linux accepts ... */
    al_memset(p, '/', 4095);
    p[4095] = '\0';
    OK("/", p, 0, "/");
    /* ... 4096 bytes (no room for the NUL in PATH_MAX) is ENAMETOOLONG */
    al_memset(p, '/', 4096);
    p[4096] = '\0';
    ERR("/", p, 0, -ENAMETOOLONG);
    ERR("/", p, PATH_PARENT, -ENAMETOOLONG);
    al_memset(p, 'a', PATH_MAX_LEN + 8);
    p[0] = '/';
    p[PATH_MAX_LEN + 8] = '\0';
    ERR("/", p, 0, -ENAMETOOLONG);
    /* a valid path into an output buffer that is too small */
    char small[8];
    assert_int_equal(path_resolve("/", "/home/u/sub/deep", 0, &fake_ops, NULL, small, sizeof(small)),
                     -ENAMETOOLONG);
    assert_int_equal(path_resolve("/home/u/sub", "deep", 0, &fake_ops, NULL, small, sizeof(small)),
                     -ENAMETOOLONG);
    char tiny[1];
    assert_int_equal(path_resolve("/", "/", 0, &fake_ops, NULL, tiny, sizeof(tiny)), -ENAMETOOLONG);
    /* an exactly fitting buffer works */
    char fit[sizeof("/etc/passwd")];
    assert_int_equal(path_resolve("/", "/etc/passwd", 0, &fake_ops, NULL, fit, sizeof(fit)), 0);
    assert_string_equal(fit, "/etc/passwd");
}

static void test_resolve_name_max(void **state)
{
    (void)state;
    /* NAME_MAX is enforced by each file system's lookup on Linux (ext4: ENAMETOOLONG for a
     * 256-byte name, procfs: ENOENT), not by the generic walk.  The fake file system acts
     * like ext4 under /home; path_resolve must pass its ENAMETOOLONG through, also with
     * PATH_PARENT (it is not "absent"). */
    static char p[400];
    al_strlcpy(p, "/home/u/", sizeof(p));
    al_memset(p + 8, 'a', 255);
    p[8 + 255] = '\0';
    ERR("/", p, 0, -ENOENT);
    assert_int_equal(res("/", p, PATH_PARENT), 1);
    al_memset(p + 8, 'a', 256);
    p[8 + 256] = '\0';
    ERR("/", p, 0, -ENAMETOOLONG);
    ERR("/", p, PATH_PARENT, -ENAMETOOLONG);
    ERR("/", p, PATH_NOFOLLOW, -ENAMETOOLONG);
    al_strlcpy(p + 8 + 256, "/x", sizeof(p) - 8 - 256);
    ERR("/", p, PATH_PARENT, -ENAMETOOLONG);
}

static void test_resolve_long_link_body(void **state)
{
    (void)state;
    /* Linux resolves a link whose 4001-byte body plus the remaining path exceed PATH_MAX:
     * the limit applies to each string, not to their splice. */
    size_t n = 0;
    al_memcpy(longlink_target, "sub/", 4);
    n = 4;
    for (int i = 0; i < 1998; i++, n += 2)
        al_memcpy(longlink_target + n, "./", 2);
    longlink_target[n] = '\0';
    static char p[600];
    al_strlcpy(p, "/home/u/longlink/", sizeof(p));
    size_t m = al_strlen(p);
    for (int i = 0; i < 100; i++, m += 2)
        al_memcpy(p + m, "./", 2);
    al_strlcpy(p + m, "deep", sizeof(p) - m);
    OK("/", p, 0, "/home/u/sub/deep");
}

static void test_resolve_no_root_lookup(void **state)
{
    (void)state;
    /* Each component is looked up once on the straight path; nothing is looked up for "/" */
    lookups = 0;
    OK("/", "/", 0, "/");
    assert_int_equal(lookups, 0);
    lookups = 0;
    OK("/", "/home/u/sub/deep", 0, "/home/u/sub/deep");
    assert_int_equal(lookups, 4);
}

/* ---- path_normalize ------------------------------------------------------------------- */

static void norm_ok(const char *in, const char *expect)
{
    char buf[PATH_MAX_LEN];
    assert_int_equal(path_normalize(in, buf, sizeof(buf)), 0);
    assert_string_equal(buf, expect);
}

static void test_normalize(void **state)
{
    (void)state;
    norm_ok("/", "/");
    norm_ok("", "/");
    norm_ok("//", "/");
    norm_ok("/a", "/a");
    norm_ok("/a/", "/a");
    norm_ok("//a//b//", "/a/b");
    norm_ok("/a/./b/.", "/a/b");
    norm_ok("/a/b/../c", "/a/c");
    norm_ok("/a/b/../../..", "/");
    norm_ok("/..", "/");
    norm_ok("/../../x/../y", "/y");
    norm_ok("/...", "/...");
    norm_ok("/..a/a..", "/..a/a..");
    norm_ok("/.hidden/.", "/.hidden");
    norm_ok("/a/b/c/../../d/./e/..", "/a/d");
}

static void test_normalize_too_long(void **state)
{
    (void)state;
    char buf[8];
    assert_int_equal(path_normalize("/", buf, 0), -ENAMETOOLONG);
    assert_int_equal(path_normalize("/", buf, 1), -ENAMETOOLONG);
    assert_int_equal(path_normalize("/", buf, 2), 0);
    assert_string_equal(buf, "/");
    assert_int_equal(path_normalize("/abc", buf, 4), -ENAMETOOLONG);
    assert_int_equal(path_normalize("/abc", buf, 5), 0);
    assert_string_equal(buf, "/abc");
    assert_int_equal(path_normalize("/abcdefgh", buf, sizeof(buf)), -ENAMETOOLONG);
    assert_int_equal(path_normalize("/abc/../defghij", buf, sizeof(buf)), -ENAMETOOLONG);
    assert_int_equal(path_normalize("/abc/../defghi", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "/defghi");
}

/* ---- path_under ------------------------------------------------------------------------ */

static void test_under(void **state)
{
    (void)state;
    assert_string_equal(path_under("/a/b", "/a"), "b");
    assert_string_equal(path_under("/a/b/c", "/a"), "b/c");
    assert_string_equal(path_under("/a/b/c", "/a/b"), "c");
    assert_string_equal(path_under("/a", "/a"), "");
    assert_string_equal(path_under("/x", "/"), "x");
    assert_string_equal(path_under("/x/y", "/"), "x/y");
    assert_string_equal(path_under("/", "/"), "");
    assert_null(path_under("/ab", "/a"));
    assert_null(path_under("/a", "/ab"));
    assert_null(path_under("/a", "/a/b"));
    assert_null(path_under("/", "/a"));
    assert_null(path_under("/b/a", "/a"));
    assert_null(path_under("/bench2", "/bench"));
    assert_string_equal(path_under("/bench/x", "/bench"), "x");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolve_absolute),
        cmocka_unit_test(test_resolve_relative),
        cmocka_unit_test(test_resolve_dot),
        cmocka_unit_test(test_resolve_dotdot),
        cmocka_unit_test(test_resolve_dotdot_at_root),
        cmocka_unit_test(test_resolve_slashes),
        cmocka_unit_test(test_resolve_symlink_relative),
        cmocka_unit_test(test_resolve_symlink_absolute),
        cmocka_unit_test(test_resolve_symlink_confined),
        cmocka_unit_test(test_resolve_symlink_chain),
        cmocka_unit_test(test_resolve_symlink_limit),
        cmocka_unit_test(test_resolve_symlink_loop),
        cmocka_unit_test(test_resolve_symlink_dir_dotdot),
        cmocka_unit_test(test_resolve_dangling),
        cmocka_unit_test(test_resolve_nofollow),
        cmocka_unit_test(test_resolve_parent),
        cmocka_unit_test(test_resolve_trailing_slash_file),
        cmocka_unit_test(test_resolve_file_in_middle),
        cmocka_unit_test(test_resolve_directory_flag),
        cmocka_unit_test(test_resolve_directory_nofollow),
        cmocka_unit_test(test_resolve_directory_nofollow_trailing),
        cmocka_unit_test(test_resolve_empty),
        cmocka_unit_test(test_resolve_lookup_error),
        cmocka_unit_test(test_resolve_too_long),
        cmocka_unit_test(test_resolve_name_max),
        cmocka_unit_test(test_resolve_long_link_body),
        cmocka_unit_test(test_resolve_no_root_lookup),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_normalize_too_long),
        cmocka_unit_test(test_under),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
