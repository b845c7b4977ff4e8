/*
 * build.c - `alcove build`: config check, image, volumes, measurement, signed identity.
 *
 * The steps reuse the other commands of this executable as child processes (`alcove image
 * pack`, `alcove volume keygen|create`), so they behave and fail exactly as documented there.
 * Nothing in build/ is trusted later without a check: `alcove run` verifies the identity's
 * signature and recomputes every part of the measurement.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "alcove.h"
#include "instance.h"

void usage_build(void)
{
    printf("usage: alcove build [--instance DIR] [--sign-key FILE]\n\n"
           "In the instance (the working directory or DIR):\n"
           "  1. validate alcove.json (as `alcove config check`) and the entry points\n"
           "     against image/;\n"
           "  2. pack image/ into build/image.img (`alcove image pack --all-root`);\n"
           "  3. create the volumes of mounts.volumes (and the overlay volume) that are\n"
           "     missing, under volumes/, with the key volumes/key (mode 0600);\n"
           "  4. compute the measurement (SHA-256 over the core as loaded, the canonical\n"
           "     config and the image root hash) and write build/identity.json, signed with\n"
           "     Ed25519.\n\n"
           "--sign-key FILE   the signing key: a 32-byte seed (e.g. `alcove volume keygen\n"
           "                  FILE` makes one) or a 64-byte libsodium secret key. Without it\n"
           "                  a development key dev-signing.key is made in the instance (and\n"
           "                  reused), and every build and run says so.\n"
           "The same inputs always give the same measurement.\n");
}

/* The Ed25519 secret key: from FILE (32-byte seed or 64-byte key) or the instance's dev key,
 * created if missing. 0, or -1 after a message. */
static int signing_key(const char *inst, const char *file, uint8_t sk[64], int *dev)
{
    char path[4200];
    uint8_t buf[65], pk[32];
    *dev = !file;
    if (!file) {
        snprintf(path, sizeof(path), "%s/dev-signing.key", inst);
        file = path;
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0) {
            randombytes_buf(buf, 32);
            int bad = write(fd, buf, 32) != 32;
            sodium_memzero(buf, sizeof(buf));
            if (close(fd) < 0 || bad) {
                fprintf(stderr, "alcove build: cannot write %s: %s\n", path, strerror(errno));
                unlink(path);
                return -1;
            }
            printf("made a development signing key %s\n", path);
        } else if (errno != EEXIST) {
            fprintf(stderr, "alcove build: cannot create %s: %s\n", path, strerror(errno));
            return -1;
        }
    }
    FILE *f = fopen(file, "rb");
    if (!f) {
        fprintf(stderr, "alcove build: cannot open the signing key %s: %s\n", file, strerror(errno));
        return -1;
    }
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    int r = 0;
    if (n == 32) {
        crypto_sign_seed_keypair(pk, sk, buf);
    } else if (n == 64) {
        /* A libsodium secret key is seed || public key: check that they belong together. */
        crypto_sign_seed_keypair(pk, sk, buf);
        if (sodium_memcmp(pk, buf + 32, 32) != 0) {
            fprintf(stderr, "alcove build: %s: not an Ed25519 secret key (its public half does "
                            "not match its seed)\n", file);
            r = -1;
        }
    } else {
        fprintf(stderr, "alcove build: %s: a signing key is 32 bytes (a seed) or 64 bytes (a "
                        "libsodium secret key), not %zu%s\n", file, n, n > 64 ? "+" : "");
        r = -1;
    }
    sodium_memzero(buf, sizeof(buf));
    return r;
}

/* Every entry point must exist in image/: a program, or a directory for "DIR/". */
static int check_entries(const char *inst, const struct cfg *c)
{
    char img[4200], host[8192];
    int bad = 0;
    snprintf(img, sizeof(img), "%s/image", inst);
    for (int i = 0; i < c->n_entry; i++) {
        const char *e = c->entry_points[i];
        int want_dir = e[strlen(e) - 1] == '/';
        struct stat st;
        if (image_resolve(img, e, host, sizeof(host)) < 0 || stat(host, &st) < 0 ||
            (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))) {
            fprintf(stderr, "alcove build: entry_points[%d]: %s is not %s in image/ (alcove add "
                            "puts programs there)\n", i, e, want_dir ? "a directory" : "a file");
            bad = 1;
        }
    }
    return bad ? -1 : 0;
}

/* volumes/NAME.vol of size bytes, unless it exists. */
static int make_volume(const char *inst, const char *name, uint64_t size)
{
    char file[4200], key[4200], sz[32];
    snprintf(file, sizeof(file), "%s/volumes/%s.vol", inst, name);
    snprintf(key, sizeof(key), "%s/volumes/key", inst);
    if (access(file, F_OK) == 0)
        return 0;
    snprintf(sz, sizeof(sz), "%llu", (unsigned long long)size);
    char *argv[] = {"alcove", "volume", "create", file, "--size", sz, "--key-file", key, NULL};
    if (run_self(argv, NULL) != 0) {
        fprintf(stderr, "alcove build: cannot create the volume %s\n", file);
        return -1;
    }
    return 0;
}

int instance_make_volumes(const char *cmd, const char *inst, const struct cfg *c)
{
    char vdir[4200], key[4300];
    snprintf(vdir, sizeof(vdir), "%s/volumes", inst);
    snprintf(key, sizeof(key), "%s/key", vdir);
    if (!(c->n_vol > 0 || !strcmp(c->overlay, "volume")))
        return 0;
    if (mkdir_p(vdir, 0700) < 0) {
        fprintf(stderr, "alcove %s: cannot create %s: %s\n", cmd, vdir, strerror(errno));
        return -1;
    }
    char *kg[] = {"alcove", "volume", "keygen", key, NULL};
    if (access(key, F_OK) < 0 && run_self(kg, "/dev/null") != 0) {
        fprintf(stderr, "alcove %s: cannot make the volume key %s\n", cmd, key);
        return -1;
    }
    for (int i = 0; i < c->n_vol; i++)
        if (make_volume(inst, c->volumes[i].name, c->volumes[i].size) < 0)
            return -1;
    if (!strcmp(c->overlay, "volume") && make_volume(inst, "overlay", c->overlay_size) < 0)
        return -1;
    return 0;
}

int cmd_build(int argc, char **argv)
{
    const char *opt = NULL, *sign = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage_build();
            return 0;
        } else if (!strcmp(argv[i], "--instance") && i + 1 < argc) {
            opt = argv[++i];
        } else if (!strcmp(argv[i], "--sign-key") && i + 1 < argc) {
            sign = argv[++i];
        } else {
            fprintf(stderr, "alcove build: unexpected %s (alcove build --help)\n", argv[i]);
            return 2;
        }
    }
    char inst[4096], file[4200], img[4200], out[4200], core[4096];
    struct cfg c;
    if (instance_dir("build", opt, inst, sizeof(inst)) < 0)
        return 2;
    snprintf(file, sizeof(file), "%s/alcove.json", inst);
    if (cfg_load(file, &c) < 0)
        return 1;
    int rc = 1;
    uint8_t sk[64];
    int dev;
    snprintf(img, sizeof(img), "%s/image", inst);
    snprintf(out, sizeof(out), "%s/build", inst);
    if (check_entries(inst, &c) < 0 || signing_key(inst, sign, sk, &dev) < 0)
        goto done;
    if (mkdir_p(out, 0755) < 0) {
        fprintf(stderr, "alcove build: cannot create %s: %s\n", out, strerror(errno));
        goto done;
    }
    /* 2. the image */
    char image[4300], log[4300];
    snprintf(image, sizeof(image), "%s/image.img", out);
    snprintf(log, sizeof(log), "%s/pack.log", out);
    char *pack[] = {"alcove", "image", "pack", img, "-o", image, "--force", "--all-root", NULL};
    if (run_self(pack, log) != 0) {
        fprintf(stderr, "alcove build: packing image/ failed (above; its output: %s)\n", log);
        goto done;
    }
    /* The shape of image/ as packed: run uses image/ to resolve entry points, and tells an
     * edit of image/ since this build from tampering (treehash.c). */
    uint8_t td[32];
    char tdhex[65], tdfile[4300];
    snprintf(tdfile, sizeof(tdfile), "%s/tree.check", out);
    FILE *tf = NULL;
    if (tree_digest(img, td) < 0 || !(tf = fopen(tdfile, "w"))) {
        fprintf(stderr, "alcove build: cannot record %s: %s\n", tdfile, strerror(errno));
        goto done;
    }
    hex_encode(td, 32, tdhex);
    fprintf(tf, "%s\n", tdhex);
    if (fclose(tf) != 0)
        goto done;
    /* 3. the volumes and their key */
    if (instance_make_volumes("build", inst, &c) < 0)
        goto done;
    /* 4. the measurement and the identity */
    struct components k;
    if (core_path(core, sizeof(core)) < 0 || compute_components("build", core, &c, image, &k) < 0
        || identity_write(inst, &c, &k, sk, dev) < 0)
        goto done;
    char hex[65], shex[65];
    hex_encode(k.measurement, 32, hex);
    hex_encode(sk + 32, 32, shex);
    printf("image: %s\nmeasurement: %s\nsigner: %s\nidentity: %s/identity.json\n", image, hex,
           shex, out);
    if (dev)
        fprintf(stderr, "alcove build: warning: signed with a development key (%s/dev-signing.key;"
                        " --sign-key FILE for a real one)\n", inst);
    rc = 0;
done:
    sodium_memzero(sk, sizeof(sk));
    json_decref(c.root);
    return rc;
}
