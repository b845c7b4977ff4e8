/*
 * measure.c - the enclave measurement, the signed identity document, `alcove measure`.
 *
 * measurement (common/coremeasure.h, "alcove-measurement-v2") = SHA-256 over
 *     the core image digest: the PT_LOAD segments of alcove-direct as the kernel maps them
 *                            (relative relocation slots holding their addends), which the
 *                            core recomputes from its own memory at start;
 *     the canonical config   (jansson, sorted keys, compact, ASCII);
 *     the image root hash    (dm-verity): every block the enclave reads is checked against it.
 * Each part is labelled and length-prefixed, so no two different inputs share an encoding.
 *
 * build/identity.json holds the measurement, product_id, security_version, debuggable, the
 * signer's Ed25519 public key, the per-part digests (to name what changed; core_sha256 and
 * image_file_sha256 are whole-file digests for the launcher's fast diagnosis) and a
 * signature (crypto_sign_detached) over the canonical form of everything else in the
 * document.  `alcove run` hands those signed bytes, the signature and the canonical config
 * to the core, which checks them itself (libos/kernel/identity.c).
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
#include "elf.h"
#include "coremeasure.h"
#include "sha256.h"
#include "image_cli.h"
#include "instance.h"

#define IDENTITY_FORMAT "alcove-identity-v2"

void hex_encode(const uint8_t *in, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", in[i]);
}

int core_path(char *out, size_t size)
{
    const char *e = getenv("ALCOVE_CORE");
    if (e && *e) {
        snprintf(out, size, "%s", e);
        return 0;
    }
    return sibling_path("alcove-direct", out, size);
}

static void part(crypto_hash_sha256_state *st, const char *label, uint64_t len)
{
    uint8_t le[8];
    for (int i = 0; i < 8; i++)
        le[i] = (uint8_t)(len >> (8 * i));
    crypto_hash_sha256_update(st, (const uint8_t *)label, strlen(label) + 1);
    crypto_hash_sha256_update(st, le, 8);
}

/* Streams file into m (after its label and length) and into its own digest. */
static int hash_file(const char *cmd, const char *what, const char *file,
                     crypto_hash_sha256_state *m, uint8_t own[32])
{
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        fprintf(stderr, "alcove %s: cannot read the %s %s: %s\n", cmd, what, file, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (m)
        part(m, "core", (uint64_t)st.st_size);
    crypto_hash_sha256_state o;
    crypto_hash_sha256_init(&o);
    static uint8_t buf[1 << 16];
    uint64_t done = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "alcove %s: reading %s: %s\n", cmd, file, strerror(errno));
            close(fd);
            return -1;
        }
        if (n == 0)
            break;
        if (m)
            crypto_hash_sha256_update(m, buf, (size_t)n);
        crypto_hash_sha256_update(&o, buf, (size_t)n);
        done += (uint64_t)n;
    }
    close(fd);
    /* The length went into the encoding first: a file that changed under us must not pass. */
    if (done != (uint64_t)st.st_size) {
        fprintf(stderr, "alcove %s: %s changed while being read\n", cmd, file);
        return -1;
    }
    crypto_hash_sha256_final(&o, own);
    return 0;
}

/* The whole-file digest of the image, remembered in IMAGE.check with the file's identity
 * (device, inode, size, mtime, ctime): any write to the file changes its ctime, so a run after
 * an unchanged build reads a few bytes instead of the whole image.  This check is a fast
 * diagnosis for the user, not the enclave's protection: the core checks every block it reads
 * against the signed root hash whatever this file says. */
static int image_digest(const char *cmd, const char *image, uint8_t out[32])
{
    char stamp[4200], want[256] = "", line[256] = "", hex[65];
    struct stat st;
    snprintf(stamp, sizeof(stamp), "%s.check", image);
    if (stat(image, &st) == 0)
        snprintf(want, sizeof(want), "%llu %llu %llu %lld.%09ld %lld.%09ld ",
                 (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
                 (unsigned long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
                 (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
    FILE *f = fopen(stamp, "r");
    if (f) {
        if (!fgets(line, sizeof(line), f))
            line[0] = '\0';
        fclose(f);
    }
    size_t wl = strlen(want);
    line[strcspn(line, "\n")] = '\0';
    if (wl && !strncmp(line, want, wl) && image_parse_hex(line + wl, out, 32) == 0)
        return 0;
    if (hash_file(cmd, "image", image, NULL, out) < 0)
        return -1;
    if (wl && (f = fopen(stamp, "w"))) {   /* best effort: without it the next run hashes again */
        hex_encode(out, 32, hex);
        fprintf(f, "%s%s\n", want, hex);
        fclose(f);
    }
    return 0;
}

/* The core file in memory, for the core image digest: the range at vaddr inside one
 * PT_LOAD's file bytes (or the headers at offset 0), else NULL. */
struct core_file {
    const uint8_t *buf;
    size_t size;
};

static const uint8_t *core_file_at(void *ctx, uint64_t vaddr, uint64_t len)
{
    const struct core_file *f = ctx;
    const elf64_ehdr *eh = (const elf64_ehdr *)f->buf;
    if (f->size < sizeof(*eh) || eh->e_phentsize != sizeof(elf64_phdr) ||
        eh->e_phoff > f->size || (uint64_t)eh->e_phnum * sizeof(elf64_phdr) > f->size - eh->e_phoff)
        return vaddr == 0 && len <= f->size ? f->buf : NULL;
    const elf64_phdr *ph = (const elf64_phdr *)(f->buf + eh->e_phoff);
    for (int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type != ELF_PT_LOAD || vaddr < ph[i].p_vaddr)
            continue;
        uint64_t in = vaddr - ph[i].p_vaddr;
        if (in > ph[i].p_filesz || len > ph[i].p_filesz - in)
            continue;
        uint64_t off = ph[i].p_offset + in;
        if (off < ph[i].p_offset || off > f->size || len > f->size - off)
            return NULL;
        return f->buf + off;
    }
    return NULL;
}

/* The SHA-256 of the core file (file) and its core image digest (image: what the core will
 * compute from its memory), from one read. */
static int core_digests(const char *cmd, const char *core, uint8_t file[32], uint8_t image[32])
{
    FILE *fp = fopen(core, "rb");
    uint8_t *buf = NULL;
    size_t size = 0, cap = 0, n;
    if (!fp) {
        fprintf(stderr, "alcove %s: cannot read the core binary %s: %s\n", cmd, core,
                strerror(errno));
        return -1;
    }
    do {
        if (size == cap && !(buf = realloc(buf, cap = cap ? 2 * cap : 1 << 20))) {
            fclose(fp);
            fprintf(stderr, "alcove %s: out of memory\n", cmd);
            return -1;
        }
        n = fread(buf + size, 1, cap - size, fp);
        size += n;
    } while (n > 0);
    fclose(fp);
    struct core_file f = {buf, size};
    const char *why;
    al_sha256_2(file, buf, size, NULL, 0);
    int r = al_core_image_digest(core_file_at, &f, image, &why);
    free(buf);
    if (r < 0)
        fprintf(stderr, "alcove %s: %s is not a core binary Alcove can measure: %s\n", cmd, core,
                why);
    return r;
}

int compute_components(const char *cmd, const char *core, const struct cfg *c, const char *image,
                       struct components *k)
{
    char err[512];
    if (core_digests(cmd, core, k->core, k->core_image) < 0)
        return -1;
    char *canon = cfg_canonical(c);
    if (!canon) {
        fprintf(stderr, "alcove %s: out of memory\n", cmd);
        return -1;
    }
    crypto_hash_sha256((uint8_t *)k->config, (const uint8_t *)canon, strlen(canon));
    if (image_root_hash(image, k->image_root, err, sizeof(err)) < 0) {
        fprintf(stderr, "alcove %s: %s\n", cmd, err);
        free(canon);
        return -1;
    }
    al_measurement(k->measurement, k->core_image, canon, strlen(canon), k->image_root);
    free(canon);
    return image_digest(cmd, image, k->image_file);
}

static json_t *hexj(const uint8_t *b, size_t n)
{
    char h[129];
    hex_encode(b, n, h);
    return json_string(h);
}

int identity_write(const char *inst, const struct cfg *c, const struct components *k,
                   const uint8_t sk[64], int dev)
{
    json_t *doc = json_object(), *parts = json_object();
    json_object_set_new(doc, "format", json_string(IDENTITY_FORMAT));
    json_object_set_new(doc, "measurement", hexj(k->measurement, 32));
    json_object_set_new(doc, "product_id", json_integer(c->product_id));
    json_object_set_new(doc, "security_version", json_integer(c->security_version));
    json_object_set_new(doc, "debuggable", json_boolean(c->debuggable));
    json_object_set_new(doc, "signer", hexj(sk + 32, 32));   /* libsodium: sk = seed || pk */
    json_object_set_new(doc, "development_key", json_boolean(dev));
    json_object_set_new(parts, "core_sha256", hexj(k->core, 32));
    json_object_set_new(parts, "core_image_sha256", hexj(k->core_image, 32));
    json_object_set_new(parts, "config_sha256", hexj(k->config, 32));
    json_object_set_new(parts, "image_root_hash", hexj(k->image_root, 32));
    json_object_set_new(parts, "image_file_sha256", hexj(k->image_file, 32));
    json_object_set_new(doc, "components", parts);
    char *signed_part = json_dumps(doc, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENSURE_ASCII);
    uint8_t sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, NULL, (const uint8_t *)signed_part, strlen(signed_part), sk);
    free(signed_part);
    json_object_set_new(doc, "signature", hexj(sig, sizeof(sig)));
    char path[4200], tmp[4300];
    snprintf(path, sizeof(path), "%s/build/identity.json", inst);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int r = json_dump_file(doc, tmp, JSON_SORT_KEYS | JSON_INDENT(2));
    json_decref(doc);
    if (r < 0 || rename(tmp, path) < 0) {
        fprintf(stderr, "alcove build: cannot write %s: %s\n", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* The hex string at key of obj into out (n bytes): 0, or -1. */
static int get_hex(json_t *obj, const char *key, uint8_t *out, size_t n)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s && strlen(s) == 2 * n ? image_parse_hex(s, out, n) : -1;
}

int identity_read(const char *cmd, const char *inst, struct components *k, uint8_t signer[32],
                  struct identity_info *info)
{
    int sig_ok;
    if (identity_load(cmd, inst, k, signer, info, NULL, NULL, &sig_ok) < 0)
        return -1;
    if (!sig_ok) {
        fprintf(stderr, "alcove %s: %s/build/identity.json: the signature does not verify (the "
                        "identity was altered after signing; rebuild)\n", cmd, inst);
        return -1;
    }
    return 0;
}

int identity_load(const char *cmd, const char *inst, struct components *k, uint8_t signer[32],
                  struct identity_info *info, char **signed_out, char sig_hex[129], int *sig_ok)
{
    char path[4200];
    json_error_t e;
    snprintf(path, sizeof(path), "%s/build/identity.json", inst);
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &e);
    if (!doc) {
        if (access(path, F_OK) < 0)
            fprintf(stderr, "alcove %s: %s: no signed identity (run `alcove build` first)\n", cmd,
                    path);
        else
            fprintf(stderr, "alcove %s: %s:%d:%d: %s\n", cmd, path, e.line, e.column, e.text);
        return -1;
    }
    uint8_t sig[crypto_sign_BYTES];
    json_t *parts = json_object_get(doc, "components");
    const char *fmt = json_string_value(json_object_get(doc, "format"));
    int bad = !fmt || strcmp(fmt, IDENTITY_FORMAT) || !json_is_object(parts) ||
              get_hex(doc, "measurement", k->measurement, 32) < 0 ||
              get_hex(doc, "signer", signer, 32) < 0 ||
              get_hex(doc, "signature", sig, sizeof(sig)) < 0 ||
              get_hex(parts, "core_sha256", k->core, 32) < 0 ||
              get_hex(parts, "core_image_sha256", k->core_image, 32) < 0 ||
              get_hex(parts, "config_sha256", k->config, 32) < 0 ||
              get_hex(parts, "image_root_hash", k->image_root, 32) < 0 ||
              get_hex(parts, "image_file_sha256", k->image_file, 32) < 0 ||
              !json_is_integer(json_object_get(doc, "product_id")) ||
              !json_is_integer(json_object_get(doc, "security_version")) ||
              !json_is_boolean(json_object_get(doc, "debuggable")) ||
              !json_is_boolean(json_object_get(doc, "development_key"));
    if (bad) {
        fprintf(stderr, "alcove %s: %s is not an %s document (rebuild with `alcove build`)\n", cmd,
                path, IDENTITY_FORMAT);
        json_decref(doc);
        return -1;
    }
    info->product_id = (long)json_integer_value(json_object_get(doc, "product_id"));
    info->security_version = (long)json_integer_value(json_object_get(doc, "security_version"));
    info->debuggable = json_is_true(json_object_get(doc, "debuggable"));
    info->development_key = json_is_true(json_object_get(doc, "development_key"));
    json_object_del(doc, "signature");
    char *signed_part = json_dumps(doc, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(doc);
    if (!signed_part) {
        fprintf(stderr, "alcove %s: out of memory\n", cmd);
        return -1;
    }
    *sig_ok = crypto_sign_verify_detached(sig, (const uint8_t *)signed_part,
                                          strlen(signed_part), signer) == 0;
    if (sig_hex)
        hex_encode(sig, sizeof(sig), sig_hex);
    if (signed_out)
        *signed_out = signed_part;
    else
        free(signed_part);
    return 0;
}

void usage_measure(void)
{
    printf("usage: alcove measure [--instance DIR]\n\n"
           "Print the measurement and the signer of the built instance (build/identity.json,\n"
           "signature checked): measurement, signer public key, product id, security version,\n"
           "debuggable. The measurement is SHA-256 over the core as loaded (its PT_LOAD\n"
           "segments), the canonical config and the image root hash (docs/config.md,\n"
           "\"Measurement\").\n");
}

int cmd_measure(int argc, char **argv)
{
    const char *opt = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage_measure();
            return 0;
        } else if (!strcmp(argv[i], "--instance") && i + 1 < argc) {
            opt = argv[++i];
        } else {
            fprintf(stderr, "alcove measure: unexpected %s\n", argv[i]);
            return 2;
        }
    }
    char inst[4096], hex[65], shex[65];
    struct components k;
    uint8_t signer[32];
    struct identity_info info;
    if (instance_dir("measure", opt, inst, sizeof(inst)) < 0)
        return 2;
    if (identity_read("measure", inst, &k, signer, &info) < 0)
        return 1;
    hex_encode(k.measurement, 32, hex);
    hex_encode(signer, 32, shex);
    printf("measurement: %s\nsigner: %s%s\nproduct_id: %ld\nsecurity_version: %ld\n"
           "debuggable: %s\n", hex, shex, info.development_key ? " (development key)" : "",
           info.product_id, info.security_version, info.debuggable ? "true" : "false");
    if (info.development_key)
        fprintf(stderr, "alcove measure: warning: signed with a development key\n");
    return 0;
}
