/*
 * config_check.c - the meaning of alcove.json's values (config.c has checked the keys and
 * types), the defaults of absent keys, and `alcove config check [FILE]`.
 *
 * Every impossible value is named by its key path: a limit out of range, a relative path, a
 * volume name that is not a file name, a variable that is both trusted and passed through.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instance.h"
#include "vol.h"

int cfg_parse_size(const char *s, uint64_t *out)
{
    char *end;
    if (!s || !*s || *s < '0' || *s > '9')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    unsigned shift = 0;
    switch (*end) {
    case '\0': break;
    case 'k': case 'K': shift = 10; break;
    case 'm': case 'M': shift = 20; break;
    case 'g': case 'G': shift = 30; break;
    case 't': case 'T': shift = 40; break;
    default: return -1;
    }
    if (*end && end[1] && strcmp(end + 1, "iB") && strcmp(end + 1, "B"))
        return -1;
    if (v > (UINT64_MAX >> shift) >> 2)
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

/* The value at key of obj (may be absent: NULL). */
static json_t *at(json_t *obj, const char *key)
{
    return obj ? json_object_get(obj, key) : NULL;
}

static uint64_t size_of(json_t *v, uint64_t def)
{
    uint64_t b = def;
    if (json_is_integer(v))
        b = (uint64_t)json_integer_value(v);
    else if (json_is_string(v))
        (void)cfg_parse_size(json_string_value(v), &b);
    return b;
}

static const char *str_of(json_t *v, const char *def)
{
    return json_is_string(v) ? json_string_value(v) : def;
}

/* An absolute, normalized-enough path inside the enclave: starts with '/', no "..". */
static int good_guest_path(const char *p)
{
    if (p[0] != '/' || strstr(p, "/../") || !strcmp(p + strlen(p) - (strlen(p) >= 3 ? 3 : 0), "/..")
        || strchr(p, ':'))
        return 0;
    return 1;
}

static int good_name(const char *s, int env)
{
    if (!*s || strlen(s) > 64)
        return 0;
    for (const char *p = s; *p; p++) {
        int ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' ||
                 (*p >= '0' && *p <= '9' && p != s) || (!env && (*p == '-' || *p == '.'));
        if (!ok)
            return 0;
    }
    return !env || !(s[0] >= '0' && s[0] <= '9');
}

static void limits(const char *f, json_t *root, struct cfg *c)
{
    json_t *l = at(root, "resource_limits");
    c->libos_memory = size_of(at(l, "libos_memory"), 256ull << 20);
    c->user_memory = size_of(at(l, "user_memory"), 1ull << 30);
    json_t *v;
    c->max_processes = (v = at(l, "max_processes")) ? (long)json_integer_value(v) : 64;
    c->max_threads = (v = at(l, "max_threads")) ? (long)json_integer_value(v) : 256;
    if (c->libos_memory < (16ull << 20) || c->libos_memory > (64ull << 30))
        cfg_problem(f, "resource_limits.libos_memory", "%llu bytes is impossible (between 16M "
                    "and 64G)", (unsigned long long)c->libos_memory);
    if (c->user_memory < (1ull << 20) || c->user_memory > (1ull << 40))
        cfg_problem(f, "resource_limits.user_memory", "%llu bytes is impossible (between 1M "
                    "and 1T)", (unsigned long long)c->user_memory);
    if (c->max_processes < 1 || c->max_processes > 65536)
        cfg_problem(f, "resource_limits.max_processes", "%ld is impossible (1 to 65536)",
                    c->max_processes);
    if (c->max_threads < 1 || c->max_threads > 999999)
        cfg_problem(f, "resource_limits.max_threads", "%ld is impossible (1 to 999999)",
                    c->max_threads);
    else if (c->max_threads < c->max_processes)
        cfg_problem(f, "resource_limits.max_threads", "%ld is less than max_processes (%ld): "
                    "every process has a thread", c->max_threads, c->max_processes);
}

static void entry_env(const char *f, json_t *root, struct cfg *c)
{
    json_t *v, *e;
    size_t i;
    char p[256];
    const char *name;
    if ((v = at(root, "entry_points"))) {
        if (json_array_size(v) == 0)
            cfg_problem(f, "entry_points", "empty: nothing could start (list programs, or "
                        "directories ending in /)");
        json_array_foreach(v, i, e) {
            snprintf(p, sizeof(p), "entry_points[%zu]", i);
            if (!good_guest_path(json_string_value(e)))
                cfg_problem(f, p, "\"%s\" is not an absolute path in the enclave",
                            json_string_value(e));
            else if (c->n_entry < CFG_MAX)
                c->entry_points[c->n_entry++] = json_string_value(e);
            else
                cfg_problem(f, p, "more than %d entry points", CFG_MAX);
        }
    } else {
        c->entry_points[c->n_entry++] = "/bin/";
        c->entry_points[c->n_entry++] = "/usr/bin/";
    }
    c->cwd = str_of(at(root, "cwd"), "/");
    if (!good_guest_path(c->cwd))
        cfg_problem(f, "cwd", "\"%s\" is not an absolute path in the enclave", c->cwd);
    json_t *env = at(root, "env");
    json_object_foreach(at(env, "trusted"), name, e) {
        snprintf(p, sizeof(p), "env.trusted.%s", name);
        if (!good_name(name, 1))
            cfg_problem(f, p, "not a variable name (letters, digits, _)");
        else if (c->n_env >= CFG_MAX)
            cfg_problem(f, p, "more than %d variables", CFG_MAX);
        else {
            c->env_key[c->n_env] = name;
            c->env_val[c->n_env++] = json_string_value(e);
        }
    }
    json_array_foreach(at(env, "passthrough"), i, e) {
        snprintf(p, sizeof(p), "env.passthrough[%zu]", i);
        const char *s = json_string_value(e);
        if (!good_name(s, 1))
            cfg_problem(f, p, "\"%s\" is not a variable name", s);
        else if (json_object_get(at(env, "trusted"), s))
            cfg_problem(f, p, "\"%s\" is also in env.trusted: a variable is either trusted or "
                        "from the host", s);
        else if (c->n_pass >= CFG_MAX)
            cfg_problem(f, p, "more than %d variables", CFG_MAX);
        else
            c->passthrough[c->n_pass++] = s;
    }
}

/* A second mount at the same place is a mistake, not an override. */
static void unique_path(const char *f, const char *p, const char *guest, const char **seen, int *n)
{
    for (int k = 0; k < *n; k++)
        if (!strcmp(seen[k], guest)) {
            cfg_problem(f, p, "\"%s\" is already mounted by another entry", guest);
            return;
        }
    if (*n < 3 * CFG_MAX)
        seen[(*n)++] = guest;
}

static void mounts(const char *f, json_t *root, struct cfg *c)
{
    json_t *m = at(root, "mounts"), *e;
    size_t i;
    char p[256];
    const char *seen[3 * CFG_MAX];
    int nseen = 0;
    c->overlay = str_of(at(at(m, "root"), "overlay"), "none");
    c->overlay_size = size_of(at(at(m, "root"), "overlay_size"), 64ull << 20);
    if (strcmp(c->overlay, "none") && strcmp(c->overlay, "tmpfs") && strcmp(c->overlay, "volume"))
        cfg_problem(f, "mounts.root.overlay", "expected \"none\", \"tmpfs\" or \"volume\", not "
                    "\"%s\"", c->overlay);
    if (!strcmp(c->overlay, "volume") && c->overlay_size < VOL_MIN_SIZE)
        cfg_problem(f, "mounts.root.overlay_size", "too small (at least %uK)", VOL_MIN_SIZE / 1024);
    json_array_foreach(at(m, "volumes"), i, e) {
        snprintf(p, sizeof(p), "mounts.volumes[%zu]", i);
        if (c->n_vol >= CFG_MAX) {
            cfg_problem(f, p, "more than %d volumes", CFG_MAX);
            break;
        }
        struct cfg_volume *v = &c->volumes[c->n_vol++];
        v->name = str_of(at(e, "name"), NULL);
        v->path = str_of(at(e, "path"), NULL);
        v->size = size_of(at(e, "size"), 64ull << 20);
        v->readonly = json_is_true(at(e, "readonly"));
        if (!v->name || !good_name(v->name, 0) || !strcmp(v->name, "overlay"))
            cfg_problem(f, p, "needs \"name\": a file name (letters, digits, - _ .; not "
                        "\"overlay\")");
        else
            for (int k = 0; k < c->n_vol - 1; k++)
                if (!strcmp(c->volumes[k].name, v->name))
                    cfg_problem(f, p, "the name \"%s\" is used twice", v->name);
        if (!v->path || !good_guest_path(v->path) || !strcmp(v->path, "/"))
            cfg_problem(f, p, "needs \"path\": an absolute path in the enclave, not /");
        else
            unique_path(f, p, v->path, seen, &nseen);
        if (v->size < VOL_MIN_SIZE)
            cfg_problem(f, p, "size: too small (at least %uK)", VOL_MIN_SIZE / 1024);
    }
    json_array_foreach(at(m, "tmpfs"), i, e) {
        snprintf(p, sizeof(p), "mounts.tmpfs[%zu]", i);
        if (c->n_tmpfs >= CFG_MAX) {
            cfg_problem(f, p, "more than %d tmpfs", CFG_MAX);
            break;
        }
        struct cfg_tmpfs *t = &c->tmpfs[c->n_tmpfs++];
        t->path = str_of(at(e, "path"), NULL);
        t->size = size_of(at(e, "size"), 0);
        if (!t->path || !good_guest_path(t->path) || !strcmp(t->path, "/"))
            cfg_problem(f, p, "needs \"path\": an absolute path in the enclave, not /");
        else
            unique_path(f, p, t->path, seen, &nseen);
        if (t->size && t->size > c->user_memory)
            cfg_problem(f, p, "size: larger than resource_limits.user_memory");
    }
    json_array_foreach(at(m, "hostfs"), i, e) {
        snprintf(p, sizeof(p), "mounts.hostfs[%zu]", i);
        if (c->n_hostfs >= CFG_MAX) {
            cfg_problem(f, p, "more than %d hostfs mounts", CFG_MAX);
            break;
        }
        struct cfg_hostfs *h = &c->hostfs[c->n_hostfs++];
        h->host = str_of(at(e, "host"), NULL);
        h->path = str_of(at(e, "path"), NULL);
        const char *mode = str_of(at(e, "mode"), "ro");
        h->rw = !strcmp(mode, "rw");
        if (!h->host || h->host[0] != '/' || strchr(h->host, ':'))
            cfg_problem(f, p, "needs \"host\": an absolute host directory (no ':')");
        if (!h->path || !good_guest_path(h->path) || !strcmp(h->path, "/"))
            cfg_problem(f, p, "needs \"path\": an absolute path in the enclave, not /");
        else
            unique_path(f, p, h->path, seen, &nseen);
        if (strcmp(mode, "ro") && strcmp(mode, "rw"))
            cfg_problem(f, p, "mode: expected \"ro\" or \"rw\", not \"%s\"", mode);
    }
}

void cfg_fill(const char *f, json_t *root, struct cfg *c)
{
    json_t *v;
    c->product_id = (v = at(root, "product_id")) ? (long)json_integer_value(v) : 0;
    c->security_version = (v = at(root, "security_version")) ? (long)json_integer_value(v) : 0;
    c->debuggable = (v = at(root, "debuggable")) ? json_is_true(v) : 1;
    c->hostname = str_of(at(root, "hostname"), "alcove");
    c->log_level = str_of(at(root, "log_level"), "warn");
    /* SGX's ISVPRODID and ISVSVN are 16-bit: keep the identity portable to it. */
    if (c->product_id < 0 || c->product_id > 65535)
        cfg_problem(f, "product_id", "%ld is impossible (0 to 65535)", c->product_id);
    if (c->security_version < 0 || c->security_version > 65535)
        cfg_problem(f, "security_version", "%ld is impossible (0 to 65535)", c->security_version);
    if (!*c->hostname || strlen(c->hostname) > 64 || strchr(c->hostname, '/'))
        cfg_problem(f, "hostname", "expected 1 to 64 characters without '/'");
    if (strcmp(c->log_level, "quiet") && strcmp(c->log_level, "warn") &&
        strcmp(c->log_level, "info") && strcmp(c->log_level, "trace"))
        cfg_problem(f, "log_level", "expected \"quiet\", \"warn\", \"info\" or \"trace\", not "
                    "\"%s\"", c->log_level);
    limits(f, root, c);
    entry_env(f, root, c);
    mounts(f, root, c);
}

void usage_config(void)
{
    printf("usage: alcove config check [FILE] [--instance DIR]\n\n"
           "Validate an instance config (default: alcove.json of the instance in the working\n"
           "directory or DIR). Prints `ok` and exits 0, or one line per problem and exits 1:\n"
           "  FILE:LINE:COLUMN: ...    JSON syntax (what was expected there)\n"
           "  FILE: key.path: ...      an unknown key (with the nearest valid one), a wrong\n"
           "                           type or an impossible value\n"
           "Every key, its type and default: docs/config.md.\n");
}

int cmd_config(int argc, char **argv)
{
    const char *file = NULL, *inst = NULL;
    if (argc < 2 || strcmp(argv[1], "check")) {
        if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
            usage_config();
            return 0;
        }
        fprintf(stderr, "alcove config: want `alcove config check [FILE]`\n");
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage_config();
            return 0;
        } else if (!strcmp(argv[i], "--instance") && i + 1 < argc)
            inst = argv[++i];
        else if (argv[i][0] == '-') {
            fprintf(stderr, "alcove config check: unknown option %s\n", argv[i]);
            return 2;
        } else if (!file)
            file = argv[i];
        else {
            fprintf(stderr, "alcove config check: one FILE at most\n");
            return 2;
        }
    }
    char dir[4096], path[4200];
    if (!file) {
        if (instance_dir("config check", inst, dir, sizeof(dir)) < 0)
            return 2;
        snprintf(path, sizeof(path), "%s/alcove.json", dir);
        file = path;
    }
    struct cfg c;
    if (cfg_load(file, &c) < 0)
        return 1;
    json_decref(c.root);
    printf("%s: ok\n", file);
    return 0;
}
