/*
 * new.c - `alcove new DIR`: a fresh instance directory.
 *
 * DIR/alcove.json   the config (every key: docs/config.md), valid as written
 * DIR/image/        the tree that becomes the enclave's /: the usrmerge layout of a Debian
 *                   system (bin -> usr/bin, ...) and the few files every Linux program reads
 *                   (/etc/passwd, group, hosts, nsswitch.conf, resolv.conf, ...)
 * DIR/README.md     the workflow in five commands
 * The volumes and the build output appear at `alcove build`.
 */
#include <errno.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "instance.h"

struct file {
    const char *path;
    unsigned mode;
    const char *text;
};

static const char *const dirs[] = {
    "image", "image/usr", "image/usr/bin", "image/usr/sbin", "image/usr/lib", "image/usr/lib64",
    "image/usr/local", "image/usr/local/bin", "image/usr/share", "image/etc", "image/root",
    "image/home", "image/tmp", "image/var", "image/var/tmp", "image/proc", "image/dev",
    "image/sys", "image/run", NULL,
};

/* usrmerge, as on the host (Debian 12): programs and libraries found under either name. */
static const char *const links[][2] = {
    {"usr/bin", "image/bin"}, {"usr/sbin", "image/sbin"}, {"usr/lib", "image/lib"},
    {"usr/lib64", "image/lib64"},
};

static const struct file files[] = {
    {"image/etc/passwd", 0644,
     "root:x:0:0:root:/root:/bin/sh\n"
     "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"},
    {"image/etc/group", 0644, "root:x:0:\nnogroup:x:65534:\n"},
    {"image/etc/hosts", 0644,
     "127.0.0.1\tlocalhost\n127.0.1.1\talcove\n::1\tlocalhost ip6-localhost ip6-loopback\n"},
    {"image/etc/hostname", 0644, "alcove\n"},
    {"image/etc/nsswitch.conf", 0644,
     "# Only local files: the enclave has no name service daemons.\n"
     "passwd:   files\ngroup:    files\nshadow:   files\nhosts:    files dns\n"
     "networks: files\nprotocols: files\nservices: files\n"},
    {"image/etc/resolv.conf", 0644,
     "# Placeholder: name servers for the enclave go here (it is part of the measured image).\n"},
    {"image/etc/shells", 0644, "/bin/sh\n"},
    {"README.md", 0644,
     "# An Alcove instance\n\n"
     "    alcove add /bin/busybox /usr/bin/sqlite3   # programs and their shared libraries\n"
     "    alcove add --tree /usr/lib/python3.11      # a whole directory tree\n"
     "    alcove config check                        # validate alcove.json\n"
     "    alcove build                               # image, volumes, measurement, identity\n"
     "    alcove run /bin/busybox echo hello         # only entry_points may start\n"
     "    alcove measure                             # the measurement and the signer\n\n"
     "- `alcove.json`: the config; every key with its type and default is in Alcove's\n"
     "  docs/config.md. Changing it changes the measurement: rebuild.\n"
     "- `image/`: becomes the enclave's read-only `/` (a verified image). Edit freely, then\n"
     "  rebuild: `alcove run` refuses an image that differs from the one signed.\n"
     "- `volumes/`: encrypted volumes (`mounts.volumes`) and their key `volumes/key`\n"
     "  (mode 0600; in the direct backend this secret is simulated). They keep data across\n"
     "  runs and are not part of the measurement.\n"
     "- `build/`: `image.img` and `identity.json` (the measurement, product id, security\n"
     "  version, debuggable flag and signer, signed with Ed25519). Without\n"
     "  `alcove build --sign-key FILE` a development key `dev-signing.key` is made here and\n"
     "  every build and run says so.\n"
     "- Checked before the program starts by the `alcove` launcher on the host, and again\n"
     "  by the LibOS core itself (docs/config.md, docs/threat-model.md).\n"},
    {"alcove.json", 0644, NULL},  /* cfg_default_json */
};

void usage_new(void)
{
    printf("usage: alcove new DIR\n\n"
           "Create an instance directory: alcove.json (a valid default config, see\n"
           "docs/config.md), image/ (the minimal tree a Linux program expects: /etc/passwd,\n"
           "/etc/group, /etc/hosts, /etc/nsswitch.conf, /etc/resolv.conf, /tmp, the usrmerge\n"
           "links /bin -> usr/bin ...) and README.md. DIR must not exist or be empty.\n"
           "Then: cd DIR; alcove add PROGRAM...; alcove build; alcove run PROGRAM.\n");
}

static int write_file(const char *path, unsigned mode, const char *text)
{
    FILE *f = fopen(path, "wx");
    if (!f)
        return -1;
    size_t n = strlen(text);
    int bad = fwrite(text, 1, n, f) != n;
    if (fclose(f) != 0 || bad || chmod(path, mode) < 0)
        return -1;
    return 0;
}

/* DIR must be absent or an empty directory. */
static int usable(const char *dir)
{
    struct stat st;
    if (lstat(dir, &st) < 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    struct dirent *e;
    int empty = 1;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            empty = 0;
    closedir(d);
    if (!empty) {
        errno = ENOTEMPTY;
        return -1;
    }
    return 0;
}

int cmd_new(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage_new();
        return 0;
    }
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "alcove new: want one DIR (alcove new --help)\n");
        return 2;
    }
    const char *dir = argv[1];
    if (usable(dir) < 0) {
        fprintf(stderr, "alcove new: %s: %s (the instance directory must be new or empty)\n",
                dir, errno == ENOTEMPTY ? "exists and is not empty" : strerror(errno));
        return 1;
    }
    if (mkdir_p(dir, 0755) < 0 || chdir(dir) < 0) {
        fprintf(stderr, "alcove new: cannot create %s: %s\n", dir, strerror(errno));
        return 1;
    }
    for (int i = 0; dirs[i]; i++)
        if (mkdir(dirs[i], 0755) < 0 && errno != EEXIST)
            goto fail;
    /* /tmp is a tmpfs at run time; the directory is there for tools that look before. */
    if (chmod("image/tmp", 01777) < 0 || chmod("image/var/tmp", 01777) < 0 ||
        chmod("image/root", 0700) < 0)
        goto fail;
    for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
        if (symlink(links[i][0], links[i][1]) < 0)
            goto fail;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        if (write_file(files[i].path, files[i].mode, files[i].text ? files[i].text
                                                                   : cfg_default_json) < 0)
            goto fail;
    printf("%s: new instance (alcove.json, image/, README.md)\n"
           "next: cd %s && alcove add PROGRAM... && alcove build && alcove run PROGRAM\n", dir, dir);
    return 0;
fail:
    fprintf(stderr, "alcove new: cannot populate %s: %s\n", dir, strerror(errno));
    return 1;
}
