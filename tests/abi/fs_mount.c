/* mount(2)/umount2(2) of a tmpfs inside the test directory: "..", st_dev, statfs f_type,
 * /proc/self/mounts and /proc/self/mountinfo entries, EXDEV across the mount, EBUSY while a
 * cwd or an open file is inside, MS_REMOUNT|MS_RDONLY (EROFS), MS_NOSUID|MS_NODEV|MS_NOEXEC,
 * MS_BIND (and a read-only bind), umount2 uncovering the directory, MNT_DETACH with an open
 * file, and the error paths.  Natively the runner gives it a private mount namespace
 * (unshare -m --propagation private); it unmounts everything it mounted. */
#include "abi.h"
#include <dirent.h>
#include <limits.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#define TMPFS_MAGIC 0x01021994
#ifndef MNT_DETACH
#define MNT_DETACH 2
#endif
#ifndef MNT_EXPIRE
#define MNT_EXPIRE 4
#endif

static char base[PATH_MAX];

static void listing(const char *label, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        printf("%s: opendir -1 %s\n", label, errname(errno));
        return;
    }
    char names[64][64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            snprintf(names[n++], 64, "%s", e->d_name);
    }
    closedir(d);
    qsort(names, n, 64, (int (*)(const void *, const void *))strcmp);
    printf("%s: [", label);
    for (int i = 0; i < n; i++)
        printf("%s%s", i ? " " : "", names[i]);
    printf("]\n");
}

/* keep only the options whose presence is the ABI, in a fixed order */
static void show_opts(const char *opts)
{
    static const char *keep[] = {"rw", "ro", "nosuid", "nodev", "noexec", NULL};
    char buf[512];
    int first = 1;
    for (int k = 0; keep[k]; k++) {
        snprintf(buf, sizeof buf, "%s", opts);
        for (char *t = strtok(buf, ","); t; t = strtok(NULL, ","))
            if (strcmp(t, keep[k]) == 0) {
                printf("%s%s", first ? "" : ",", t);
                first = 0;
            }
    }
    snprintf(buf, sizeof buf, "%s", opts);
    for (char *t = strtok(buf, ","); t; t = strtok(NULL, ","))
        if (strncmp(t, "size=", 5) == 0)
            printf("%s%s", first ? "" : ",", t), first = 0;
}

/* /proc/self/mounts: the line(s) for DIR/rel ("fsname $DIR/rel type opts") */
static void show_mounts(const char *label, const char *rel)
{
    char want[PATH_MAX + 8], line[1024];
    snprintf(want, sizeof want, "%s/%s", base, rel);
    FILE *f = fopen("/proc/self/mounts", "r");
    if (!f) {
        printf("%s: fopen -1 %s\n", label, errname(errno));
        return;
    }
    int found = 0;
    while (fgets(line, sizeof line, f)) {
        char dev[256], mp[PATH_MAX], type[64], opts[512];
        if (sscanf(line, "%255s %4095s %63s %511s", dev, mp, type, opts) != 4)
            continue;
        if (strcmp(mp, want) != 0)
            continue;
        printf("%s: %s $DIR/%s %s ", label, dev, rel, type);
        show_opts(opts);
        printf("\n");
        found++;
    }
    fclose(f);
    if (!found)
        printf("%s: (not in /proc/self/mounts)\n", label);
}

/* /proc/self/mountinfo: the entry for DIR/rel, and whether its parent is the mount that
 * holds DIR and its major:minor is the st_dev stat reports */
static void show_mountinfo(const char *label, const char *rel, int detail)
{
    char want[PATH_MAX + 8], line[2048];
    snprintf(want, sizeof want, "%s/%s", base, rel);
    FILE *f = fopen("/proc/self/mountinfo", "r");
    if (!f) {
        printf("%s: fopen -1 %s\n", label, errname(errno));
        return;
    }
    int found = 0, parent_ok = 0, dev_ok = 0;
    long best_id = -1;
    size_t best_len = 0;
    long my_parent = -2;
    char root[PATH_MAX], mopts[512], type[64], src[256], sopts[512];
    struct stat st, bst;
    MUST(stat(want, &st));
    MUST(stat(base, &bst));
    while (fgets(line, sizeof line, f)) {
        long id, parent;
        unsigned ma, mi;
        char r[PATH_MAX], mp[PATH_MAX], mo[512];
        int off = 0;
        if (sscanf(line, "%ld %ld %u:%u %4095s %4095s %511s %n", &id, &parent, &ma, &mi, r, mp,
                   mo, &off) < 7)
            continue;
        char *sep = strstr(line, " - ");
        if (!sep)
            continue;
        size_t l = strlen(mp);
        if (strcmp(mp, want) == 0) {
            found++;
            my_parent = parent;
            dev_ok = makedev(ma, mi) == st.st_dev;
            snprintf(root, sizeof root, "%s", r);
            snprintf(mopts, sizeof mopts, "%s", mo);
            if (sscanf(sep + 3, "%63s %255s %511s", type, src, sopts) != 3)
                type[0] = src[0] = sopts[0] = 0;
        } else if (strncmp(base, mp, l) == 0 && (base[l] == '/' || base[l] == 0 || l == 1) &&
                   l >= best_len && makedev(ma, mi) == bst.st_dev) {
            best_len = l; /* the last (topmost) mount of the longest matching prefix */
            best_id = id;
        }
    }
    fclose(f);
    parent_ok = my_parent == best_id;
    if (!found) {
        printf("%s: (not in /proc/self/mountinfo)\n", label);
        return;
    }
    if (detail) {
        printf("%s: count=%d root=%s mp=$DIR/%s opts=", label, found, root, rel);
        show_opts(mopts);
        printf(" type=%s source=%s super=", type, src);
        show_opts(sopts);
        printf("\n");
    } else { /* a bind of a directory of $DIR's file system: its root is a host path */
        size_t rl = strlen(root);
        printf("%s: count=%d root ends in /src: %s mp=$DIR/%s opts=", label, found,
               rl >= 4 && strcmp(root + rl - 4, "/src") == 0 ? "yes" : "no", rel);
        show_opts(mopts);
        printf("\n");
    }
    YN("  parent is the mount holding $DIR", parent_ok);
    YN("  major:minor is st_dev", dev_ok);
}

/* open and close again: 0 or -1 (no descriptor left open to keep a mount busy) */
static int oc(const char *p, int flags)
{
    int fd = open(p, flags, 0644);
    if (fd >= 0)
        close(fd);
    return fd < 0 ? -1 : 0;
}

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_dev == b->st_dev;
}

int main(void)
{
    struct stat st, dot, m;
    struct statfs sf;
    struct statvfs sv;
    char buf[64];
    MUST(getcwd(base, sizeof base) ? 0 : -1);
    MUST(stat(".", &dot));
    MUST(mkdir("m", 0755));
    put_file("m/under", "hidden by the mount");

    R("mount tmpfs m size=1M", mount("tmpfs", "m", "tmpfs", 0, "size=1M"));
    if (stat("m/under", &st) == 0) { /* nothing below means anything without the mount */
        printf("SETUP FAILED: no tmpfs on m\n");
        return 1;
    }
    listing("m after mount", "m");
    MUST(stat("m", &m));
    YN("m has another st_dev", m.st_dev != dot.st_dev);
    printf("m mode=%o nlink=%ld uid=%ld gid=%ld\n", m.st_mode & 07777, (long)m.st_nlink,
           (long)m.st_uid, (long)m.st_gid);
    put_file("m/f", "in tmpfs");
    MUST(mkdir("m/sub", 0755));
    MUST(stat("m/..", &st));
    YN("stat m/.. is $DIR", same_file(&st, &dot));
    MUST(stat("m/sub/../..", &st));
    YN("stat m/sub/../.. is $DIR", same_file(&st, &dot));
    int fdm;
    MUST(fdm = open("m", O_RDONLY | O_DIRECTORY));
    int up = openat(fdm, "..", O_RDONLY | O_DIRECTORY);
    OK("openat(m, ..)", up);
    MUST(fstat(up, &st));
    YN("  is $DIR", same_file(&st, &dot));
    close(up);
    MUST(fstat(fdm, &st));
    YN("fstat(fd of m) is the tmpfs root", same_file(&st, &m));
    MUST(chdir("m/sub"));
    MUST(chdir("../.."));
    MUST(stat(".", &st));
    YN("chdir m/sub then ../.. is $DIR", same_file(&st, &dot));
    R("statfs m", statfs("m", &sf));
    YN("  f_type == TMPFS_MAGIC", sf.f_type == TMPFS_MAGIC);
    YN("  f_blocks * f_bsize == 1 MiB", (unsigned long long)sf.f_blocks * sf.f_bsize == 1 << 20);
    R("fstatfs fd of m", fstatfs(fdm, &sf));
    YN("  f_type == TMPFS_MAGIC", sf.f_type == TMPFS_MAGIC);
    show_mounts("mounts", "m");
    show_mountinfo("mountinfo", "m", 1);

    /* across the mount boundary */
    put_file("outside", "o");
    R("rename m/f -> g", rename("m/f", "g"));
    R("rename outside -> m/outside", rename("outside", "m/outside"));
    R("link m/f -> g", link("m/f", "g"));
    R("link outside -> m/o2", link("outside", "m/o2"));
    R("rename m/f -> m/sub/f (same mount)", rename("m/f", "m/sub/f"));
    R("rename m/sub/f -> m/f", rename("m/sub/f", "m/f"));
    R("rmdir m (mount point)", rmdir("m"));
    R("rename m -> m2 (mount point)", rename("m", "m2"));

    /* busy */
    R("umount2 m (dir fd open)", umount2("m", 0));
    close(fdm);
    int p1[2], p2[2];
    MUST(pipe(p1));
    MUST(pipe(p2));
    fflush(stdout);
    pid_t c = fork();
    MUST(c);
    if (c == 0) {
        char x;
        close(p1[0]);
        close(p2[1]);
        if (chdir("m/sub") != 0)
            _exit(1);
        MUST(write(p1[1], "r", 1));
        if (read(p2[0], &x, 1) != 0) /* until the parent closes its end */
            _exit(2);
        _exit(0);
    }
    close(p1[1]);
    close(p2[0]);
    if (read(p1[0], buf, 1) != 1)
        printf("child could not chdir into m/sub\n");
    R("umount2 m (child cwd inside)", umount2("m", 0));
    close(p2[1]);
    close(p1[0]);
    wait_report("child", c);
    int fdf;
    MUST(fdf = open("m/f", O_RDONLY));
    R("umount2 m (file open)", umount2("m", 0));
    close(fdf);
    MUST(chdir("m"));
    R("umount2 m (own cwd inside)", umount2(".", 0));
    MUST(chdir(".."));

    /* read-only remount */
    R("remount m ro", mount(NULL, "m", NULL, MS_REMOUNT | MS_RDONLY, NULL));
    show_mounts("mounts", "m");
    R("statvfs m", statvfs("m", &sv));
    YN("  ST_RDONLY", sv.f_flag & ST_RDONLY);
    R("open m/f O_WRONLY", oc("m/f", O_WRONLY));
    R("open m/f O_RDWR", oc("m/f", O_RDWR));
    R("create m/new", oc("m/new", O_WRONLY | O_CREAT));
    R("mkdir m/d", mkdir("m/d", 0755));
    R("unlink m/f", unlink("m/f"));
    R("rename m/f m/f2", rename("m/f", "m/f2"));
    R("chmod m/f", chmod("m/f", 0600));
    R("truncate m/f", truncate("m/f", 0));
    R("symlink in m", symlink("f", "m/l"));
    R("access m/f W_OK", access("m/f", W_OK));
    R("access m/f R_OK", access("m/f", R_OK));
    memset(buf, 0, sizeof buf);
    MUST(get_file("m/f", buf, sizeof buf));
    printf("read m/f: \"%s\"\n", buf);
    R("remount m rw", mount(NULL, "m", NULL, MS_REMOUNT, NULL));
    show_mounts("mounts", "m");
    R("create m/new", oc("m/new", O_WRONLY | O_CREAT));
    int wfd;
    MUST(wfd = open("m/new", O_WRONLY));
    R("remount m ro (file open for writing)", mount(NULL, "m", NULL, MS_REMOUNT | MS_RDONLY, NULL));
    close(wfd);

    /* nosuid, nodev, noexec */
    MUST(mkdir("n", 0755));
    R("mount tmpfs n nosuid,nodev,noexec",
      mount("tmpfs", "n", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64k"));
    show_mounts("mounts", "n");
    R("statvfs n", statvfs("n", &sv));
    YN("  ST_NOSUID", sv.f_flag & ST_NOSUID);
    YN("  ST_NODEV", sv.f_flag & ST_NODEV);
    YN("  ST_RDONLY", sv.f_flag & ST_RDONLY);
    put_file("n/script", "#!/bin/sh\nexit 3\n");
    MUST(chmod("n/script", 0755));
    R("access n/script X_OK", access("n/script", X_OK));
    fflush(stdout);
    c = fork();
    MUST(c);
    if (c == 0) {
        char *argv[] = {"script", NULL};
        execve("n/script", argv, argv + 1);
        printf("execve n/script: -1 %s\n", errname(errno));
        _exit(0);
    }
    wait_report("exec child", c);
    R("mknod n/null (char 1:3)", mknod("n/null", S_IFCHR | 0666, makedev(1, 3)));
    R("open n/null (nodev)", oc("n/null", O_RDONLY));
    R("umount2 n", umount2("n", 0));

    /* bind mounts */
    MUST(mkdir("src", 0755));
    MUST(mkdir("dst", 0755));
    put_file("src/s1", "one");
    R("bind src -> dst", mount("src", "dst", NULL, MS_BIND, NULL));
    listing("dst", "dst");
    put_file("dst/s2", "two");
    listing("src after create in dst", "src");
    struct stat a, b;
    MUST(stat("src/s1", &a));
    MUST(stat("dst/s1", &b));
    YN("src/s1 and dst/s1 same file", same_file(&a, &b));
    MUST(stat("dst", &b));
    MUST(stat("src", &a));
    YN("dst is src", same_file(&a, &b));
    R("rename dst/s2 -> src/s3 (different mounts)", rename("dst/s2", "src/s3"));
    show_mountinfo("mountinfo dst", "dst", 0);
    R("remount bind dst ro", mount(NULL, "dst", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL));
    R("create dst/ro", oc("dst/ro", O_WRONLY | O_CREAT));
    R("create src/rw (still writable)", oc("src/rw", O_WRONLY | O_CREAT));
    listing("dst", "dst");
    R("umount2 dst", umount2("dst", 0));
    listing("dst after umount", "dst");
    listing("src after umount", "src");
    R("bind m/sub -> dst (subtree of a tmpfs)", mount("m/sub", "dst", NULL, MS_BIND, NULL));
    put_file("dst/viasub", "v");
    listing("m/sub", "m/sub");
    show_mountinfo("mountinfo dst", "dst", 1);

    /* umount uncovers the directory; a bind of a subtree keeps the tmpfs alive */
    R("umount2 m (a bind of m/sub is mounted elsewhere)", umount2("m", 0));
    listing("m after umount", "m");
    listing("dst (the tmpfs lives on)", "dst");
    R("umount2 dst", umount2("dst", 0));
    listing("dst after umount", "dst");
    MUST(stat("m", &st));
    YN("m has $DIR's st_dev again", st.st_dev == dot.st_dev);
    show_mounts("mounts after umount", "m");
    R("umount2 m again", umount2("m", 0));

    /* MNT_DETACH with an open file */
    R("mount tmpfs m", mount("tmpfs", "m", "tmpfs", 0, "size=1M"));
    put_file("m/h", "detached but open");
    int hfd;
    MUST(hfd = open("m/h", O_RDONLY));
    R("umount2 m (busy)", umount2("m", 0));
    R("umount2 m MNT_DETACH", umount2("m", MNT_DETACH));
    listing("m after detach", "m");
    memset(buf, 0, sizeof buf);
    R("read open file after detach", read(hfd, buf, sizeof buf - 1));
    printf("data: \"%s\"\n", buf);
    MUST(fstat(hfd, &st));
    YN("fstat: another st_dev than $DIR", st.st_dev != dot.st_dev);
    close(hfd);
    show_mounts("mounts after detach", "m");

    /* stacked mounts: the top one is seen, umount reveals the lower one */
    R("mount tmpfs m (1)", mount("tmpfs", "m", "tmpfs", 0, "size=1M"));
    put_file("m/one", "1");
    R("mount tmpfs m (2)", mount("tmpfs", "m", "tmpfs", 0, "size=2M"));
    listing("m (top)", "m");
    R("umount2 m", umount2("m", 0));
    listing("m (lower)", "m");
    R("umount2 m", umount2("m", 0));
    listing("m (dir)", "m");

    /* errors */
    R("umount2 of a plain dir", umount2("src", 0));
    R("umount2 missing", umount2("missing", 0));
    R("umount2 bad flags", umount2("m", MNT_EXPIRE | MNT_DETACH));
    R("mount on missing dir", mount("tmpfs", "missing", "tmpfs", 0, NULL));
    put_file("file", "x");
    R("mount tmpfs on a regular file", mount("tmpfs", "file", "tmpfs", 0, NULL));
    R("mount unknown fs type", mount("none", "m", "nosuchfs", 0, NULL));
    R("bind missing source", mount("missing", "dst", NULL, MS_BIND, NULL));
    R("remount of a plain dir", mount(NULL, "src", NULL, MS_REMOUNT | MS_RDONLY, NULL));
    R("mount tmpfs bad size", mount("tmpfs", "m", "tmpfs", 0, "size=lots"));
    listing("$DIR", ".");
    return 0;
}
