/*
 * instance.h - the instance workflow of the CLI: `alcove new`, `config check`, `add`,
 * `build`, `measure` and `run` inside an instance directory.
 *
 * An instance directory holds alcove.json (the config, docs/config.md), image/ (the tree that
 * becomes the enclave's /), volumes/ (encrypted volumes and their key) and build/ (the packed
 * image, the signed identity).  Files: new.c, config.c, config_check.c, add.c, add_elf.c,
 * build.c, measure.c, instance.c.
 */
#ifndef ALCOVE_CLI_INSTANCE_H
#define ALCOVE_CLI_INSTANCE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct cfg;

/* Commands (main.c's table). Each returns the process exit status. */
int cmd_new(int argc, char **argv);
void usage_new(void);
int cmd_config(int argc, char **argv);
void usage_config(void);
int cmd_add(int argc, char **argv);
void usage_add(void);
int cmd_build(int argc, char **argv);
void usage_build(void);
int cmd_measure(int argc, char **argv);
void usage_measure(void);

/* `alcove run` inside an instance (run.c calls it when --instance is given, or when neither
 * --root nor --image is and the working directory is an instance). argv[0] is "run".
 * Checks the signed identity, then runs cmd_run with options derived from the config. */
int instance_run(int argc, char **argv);

/* The common path of `alcove run` and `alcove start` in the instance inst (absolute): checks
 * the signed identity against the files, picks the program (argv[0], or the first entry
 * point; cmd "start": none, the enclave's init serves `alcove exec`), and runs cmd_run with
 * the options the config gives.  Returns the exit status. */
int instance_launch(const char *cmd, const char *inst, int argc, char **argv);

/* The checks instance_launch makes before starting (identity signature, every component
 * recomputed, image/ unchanged): 0, or -1 after messages naming cmd. */
int instance_check(const char *cmd, const char *inst);

/* The program prog (a path, or a name on the config's PATH) as a path inside the enclave in
 * out, if it is an entry point of inst's config c; looked up in inst/image/, or in the
 * verified build/image.img (signed root image_root) when there is no image/ (an unpacked
 * package).  0, or -1 after a message naming cmd. */
int instance_pick(const char *cmd, const struct cfg *c, const char *inst,
                  const uint8_t image_root[32], const char *prog, char *out, size_t size);

/* build.c: the volumes of c (and the overlay volume) missing under inst/volumes/, and their
 * key volumes/key if missing.  0, or -1 after a message naming cmd. */
int instance_make_volumes(const char *cmd, const char *inst, const struct cfg *c);

/* ---- package.c: `alcove package`, and `alcove run --package FILE` ----------------------- */
int cmd_package(int argc, char **argv);
void usage_package(void);
/* Unpacks the package file into its cache directory (keyed by the measurement it carries),
 * creates its volumes on first use, and writes the directory's absolute path to out; sets
 * ALCOVE_CORE to the packaged core.  0, or -1 after a message. */
int package_unpack(const char *file, char *out, size_t size);

/* ---- lifecycle.c: `alcove start`, `alcove exec`, `alcove stop` -------------------------- */
int cmd_start(int argc, char **argv);
void usage_start(void);
int cmd_exec(int argc, char **argv);
void usage_exec(void);
int cmd_stop(int argc, char **argv);
void usage_stop(void);
/* cmd_run in start mode (lifecycle.c sets it): the control socket's fd passed to the core as
 * --control-fd, and the function that runs the core in the background instead of waiting. */
extern int run_control_fd;
/* cmd_run of an instance (instance_launch sets them): the exact signed bytes of the identity,
 * its signature in hex and the canonical config, passed to the core as --identity SIGNED
 * SIGHEX --config CANONICAL for the core's own check. */
extern const char *run_identity, *run_identity_sig, *run_config;
int lifecycle_launch(const char *core, char **cargv);

/* Exit statuses of the lifecycle commands (docs/cli.md). */
#define EXIT_NOT_RUNNING 3      /* exec, stop: no enclave of this instance is running */
#define EXIT_RUNNING 4          /* start: one is running already */

/* ---- the config (config.c, config_check.c) ---------------------------------------------- */

#define CFG_MAX 32       /* entries of each list (entry points, mounts, env) */

struct cfg_volume {
    const char *name;    /* file volumes/NAME.vol in the instance */
    const char *path;    /* where it is mounted in the enclave */
    uint64_t size;
    int readonly;
};
struct cfg_tmpfs {
    const char *path;
    uint64_t size;       /* 0: the core's default */
};
struct cfg_hostfs {
    const char *host, *path;
    int rw;
};

/* A validated config.  Strings point into root (alive while root is). */
struct cfg {
    json_t *root;
    uint64_t libos_memory, user_memory;
    long max_processes, max_threads;
    const char *entry_points[CFG_MAX];
    int n_entry;
    const char *cwd;
    const char *env_key[CFG_MAX], *env_val[CFG_MAX];
    int n_env;
    const char *passthrough[CFG_MAX];
    int n_pass;
    const char *overlay;            /* "none", "tmpfs" or "volume" */
    uint64_t overlay_size;          /* of volumes/overlay.vol */
    struct cfg_volume volumes[CFG_MAX];
    int n_vol;
    struct cfg_tmpfs tmpfs[CFG_MAX];
    int n_tmpfs;
    struct cfg_hostfs hostfs[CFG_MAX];
    int n_hostfs;
    const char *hostname;
    const char *log_level;
    int debuggable;
    long product_id, security_version;
};

/* Loads and validates file into *c: 0, or -1 after printing every problem to stderr as
 * "file:line:column: ..." (JSON syntax) or "file: key.path: ..." (schema).  On success the
 * caller owns c->root (json_decref). */
int __attribute__((warn_unused_result)) cfg_load(const char *file, struct cfg *c);

/* The canonical form of a loaded config (sorted keys, compact, UTF-8): malloc'd, or NULL.
 * This is what the measurement covers: whitespace and key order do not change it. */
char *cfg_canonical(const struct cfg *c);

/* The default alcove.json `alcove new` writes (a NUL-terminated string). */
extern const char cfg_default_json[];

/* Internal to config.c/config_check.c: print one problem "file: path: message" and count
 * it; fill *c from a structurally valid root (defaults for absent keys) and check values. */
void cfg_problem(const char *file, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void cfg_fill(const char *file, json_t *root, struct cfg *c);
/* A size: "N", "NK", "NM", "NG", "NT" (powers of 1024): 0, or -1 if malformed. */
int cfg_parse_size(const char *s, uint64_t *out);

/* Levenshtein distance between a and b (for "did you mean"). */
size_t cfg_edit_distance(const char *a, const char *b);

/* ---- the instance directory (instance.c) ------------------------------------------------ */

/* Finds the instance: opt if given, else the working directory; must hold alcove.json.
 * Writes its absolute path to out: 0, or -1 after a message naming cmd. */
int __attribute__((warn_unused_result)) instance_dir(const char *cmd, const char *opt, char *out,
                                                     size_t size);

/* Runs this alcove executable with argv (argv[0] ignored) and waits: its exit status, or -1.
 * stdout_to, if not NULL, is a file the child's stdout goes to. */
int run_self(char *const argv[], const char *stdout_to);

/* Resolves the enclave path guest inside the host directory img as if img were / (symlinks,
 * absolute ones included, stay inside): the host path of what it names in out, 0; -1 if it
 * does not exist or escapes. */
int image_resolve(const char *img, const char *guest, char *out, size_t size);

/* For cmd_run: 1 if this `alcove run` command line is for an instance (--instance DIR, or
 * neither --root nor --image and alcove.json in the working directory). */
int instance_wanted(int argc, char **argv);

/* mkdir -p of path (mode for every created level): 0, or -1 with errno. */
int mkdir_p(const char *path, unsigned mode);

/* ---- the measurement and the identity (measure.c) --------------------------------------- */

/* The parts of an enclave's identity, recomputed from files. */
struct components {
    uint8_t core[32];          /* sha256 of alcove-direct's bytes (the launcher's check) */
    uint8_t core_image[32];    /* its loaded segments (common/identity.h): what is measured */
    uint8_t config[32];        /* sha256 of the canonical config */
    uint8_t image_root[32];    /* the image's verity root hash */
    uint8_t image_file[32];    /* sha256 of the whole image file (a fast tamper check) */
    uint8_t measurement[32];
};

/* Path of the core binary the runs use (ALCOVE_CORE or alcove-direct next to alcove). */
int core_path(char *out, size_t size);

/* Computes every component from the core binary, the config c and the image file:
 * 0, or -1 after a message naming cmd. */
int __attribute__((warn_unused_result)) compute_components(const char *cmd, const char *core,
                                                           const struct cfg *c,
                                                           const char *image,
                                                           struct components *out);

/* Writes inst/build/identity.json: the components, product id, security version,
 * debuggable flag and the signer's public key, signed with the Ed25519 secret key sk
 * (64 bytes, libsodium's layout; dev: it is a generated development key). 0, or -1 after a message. */
int __attribute__((warn_unused_result)) identity_write(const char *inst, const struct cfg *c,
                                                       const struct components *k,
                                                       const uint8_t sk[64], int dev);

/* The signed facts of an identity besides the digests. */
struct identity_info {
    long product_id, security_version;
    int debuggable, development_key;
};

/* Reads and checks inst/build/identity.json: the format, then the signature against the
 * signer key it names.  Fills *k (measurement and components as signed) and signer.
 * 0, or -1 after a message naming cmd. */
int __attribute__((warn_unused_result)) identity_read(const char *cmd, const char *inst,
                                                      struct components *k, uint8_t signer[32],
                                                      struct identity_info *info);

/* identity_read without refusing a bad signature: also the exact signed bytes (*signed_out,
 * malloc'd, if not NULL), the signature in hex (sig_hex, if not NULL) and whether it
 * verifies (*sig_ok).  For the launcher, which hands them to the core.  0, or -1 after a
 * message if the document cannot be read. */
int __attribute__((warn_unused_result)) identity_load(const char *cmd, const char *inst,
                                                      struct components *k, uint8_t signer[32],
                                                      struct identity_info *info,
                                                      char **signed_out, char sig_hex[129],
                                                      int *sig_ok);

/* treehash.c: a digest of image/'s names, types, modes, sizes, mtimes and link targets
 * (not of contents): 0, or -1 if the tree cannot be read. */
int tree_digest(const char *img, uint8_t out[32]);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void hex_encode(const uint8_t *in, size_t n, char *out);

#endif
