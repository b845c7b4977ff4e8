/*
 * config.c - alcove.json: the default file, the schema, loading with jansson and the
 * structural checks (unknown keys with a suggestion, wrong types by key path).
 *
 * The JSON syntax is jansson's business: its json_error_t gives line, column and what it
 * expected.  The schema is a table of keys per object; a walk over the parsed tree names every
 * problem by its key path (resource_limits.user_memory), and keeps going so one run of
 * `alcove config check` lists them all.  The meaning of the values (limits, paths, names) is
 * checked in config_check.c, which also fills struct cfg.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instance.h"

const char cfg_default_json[] =
    "{\n"
    "  \"product_id\": 0,\n"
    "  \"security_version\": 0,\n"
    "  \"debuggable\": true,\n"
    "  \"hostname\": \"alcove\",\n"
    "  \"log_level\": \"warn\",\n"
    "  \"resource_limits\": {\n"
    "    \"libos_memory\": \"256M\",\n"
    "    \"user_memory\": \"1G\",\n"
    "    \"max_processes\": 64,\n"
    "    \"max_threads\": 256\n"
    "  },\n"
    "  \"entry_points\": [\"/bin/\", \"/usr/bin/\"],\n"
    "  \"cwd\": \"/\",\n"
    "  \"env\": {\n"
    "    \"trusted\": {\n"
    "      \"PATH\": \"/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin\",\n"
    "      \"HOME\": \"/root\",\n"
    "      \"LANG\": \"C.UTF-8\"\n"
    "    },\n"
    "    \"passthrough\": [\"TERM\"]\n"
    "  },\n"
    "  \"mounts\": {\n"
    "    \"root\": { \"overlay\": \"none\", \"overlay_size\": \"64M\" },\n"
    "    \"volumes\": [],\n"
    "    \"tmpfs\": [],\n"
    "    \"hostfs\": []\n"
    "  }\n"
    "}\n";

/* ---- the schema ---------------------------------------------------------------------------- */

enum ktype { K_OBJ, K_STR, K_INT, K_BOOL, K_SIZE, K_STRLIST, K_OBJLIST, K_STRMAP };

struct key {
    const char *name;
    enum ktype type;
    const struct key *sub;      /* K_OBJ, K_OBJLIST: the keys of the object(s) */
};

static const struct key k_limits[] = {
    {"libos_memory", K_SIZE, NULL}, {"user_memory", K_SIZE, NULL},
    {"max_processes", K_INT, NULL}, {"max_threads", K_INT, NULL}, {NULL, 0, NULL},
};
static const struct key k_env[] = {
    {"trusted", K_STRMAP, NULL}, {"passthrough", K_STRLIST, NULL}, {NULL, 0, NULL},
};
static const struct key k_root[] = {
    {"overlay", K_STR, NULL}, {"overlay_size", K_SIZE, NULL}, {NULL, 0, NULL},
};
static const struct key k_volume[] = {
    {"name", K_STR, NULL}, {"path", K_STR, NULL}, {"size", K_SIZE, NULL},
    {"readonly", K_BOOL, NULL}, {NULL, 0, NULL},
};
static const struct key k_tmpfs[] = {
    {"path", K_STR, NULL}, {"size", K_SIZE, NULL}, {NULL, 0, NULL},
};
static const struct key k_hostfs[] = {
    {"host", K_STR, NULL}, {"path", K_STR, NULL}, {"mode", K_STR, NULL}, {NULL, 0, NULL},
};
static const struct key k_mounts[] = {
    {"root", K_OBJ, k_root}, {"volumes", K_OBJLIST, k_volume}, {"tmpfs", K_OBJLIST, k_tmpfs},
    {"hostfs", K_OBJLIST, k_hostfs}, {NULL, 0, NULL},
};
static const struct key k_top[] = {
    {"product_id", K_INT, NULL}, {"security_version", K_INT, NULL},
    {"debuggable", K_BOOL, NULL}, {"hostname", K_STR, NULL}, {"log_level", K_STR, NULL},
    {"resource_limits", K_OBJ, k_limits}, {"entry_points", K_STRLIST, NULL},
    {"cwd", K_STR, NULL}, {"env", K_OBJ, k_env}, {"mounts", K_OBJ, k_mounts},
    {NULL, 0, NULL},
};

size_t cfg_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t *row = malloc((lb + 1) * sizeof(*row));
    if (!row)
        return (size_t)-1;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    /* One row of the classic table at a time: row[j] is the distance a[0..i) -> b[0..j). */
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    size_t d = row[lb];
    free(row);
    return d;
}

static const char *type_word(enum ktype t)
{
    switch (t) {
    case K_OBJ: return "an object";
    case K_STR: return "a string";
    case K_INT: return "an integer";
    case K_BOOL: return "true or false";
    case K_SIZE: return "a size like \"512M\" (a number of bytes with K, M, G or T)";
    case K_STRLIST: return "an array of strings";
    case K_OBJLIST: return "an array of objects";
    case K_STRMAP: return "an object whose values are strings";
    }
    return "?";
}

static int problems;

void cfg_problem(const char *file, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: %s%s", file, path, *path ? ": " : "");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    problems++;
}

static int type_ok(json_t *v, const struct key *k)
{
    switch (k->type) {
    case K_OBJ: case K_STRMAP: return json_is_object(v);
    case K_STR: return json_is_string(v);
    case K_INT: return json_is_integer(v);
    case K_BOOL: return json_is_boolean(v);
    case K_SIZE: {
        uint64_t b;
        if (json_is_integer(v))
            return json_integer_value(v) >= 0;
        return json_is_string(v) && cfg_parse_size(json_string_value(v), &b) == 0;
    }
    case K_STRLIST: case K_OBJLIST:
        return json_is_array(v);
    }
    return 0;
}

static void walk(const char *file, json_t *obj, const struct key *keys, const char *path);

/* "path[i]" or "path.name" into sub (key paths are short; a longer one is cut). */
static void subpath(char *sub, size_t size, const char *path, const char *name, size_t i)
{
    int n = name ? snprintf(sub, size, "%s.%s", path, name) : snprintf(sub, size, "%s[%zu]", path, i);
    if (n < 0 || (size_t)n >= size)
        sub[size - 1] = '\0';
}

/* One value v of key k at path: its type, and what is inside it. */
static void check_value(const char *file, json_t *v, const struct key *k, const char *path)
{
    char sub[512];
    if (!type_ok(v, k)) {
        cfg_problem(file, path, "expected %s", type_word(k->type));
        return;
    }
    size_t i;
    json_t *e;
    const char *name;
    switch (k->type) {
    case K_OBJ:
        walk(file, v, k->sub, path);
        break;
    case K_STRLIST:
        json_array_foreach(v, i, e) {
            subpath(sub, sizeof(sub), path, NULL, i);
            if (!json_is_string(e))
                cfg_problem(file, sub, "expected a string");
        }
        break;
    case K_OBJLIST:
        json_array_foreach(v, i, e) {
            subpath(sub, sizeof(sub), path, NULL, i);
            if (!json_is_object(e))
                cfg_problem(file, sub, "expected an object");
            else
                walk(file, e, k->sub, sub);
        }
        break;
    case K_STRMAP:
        json_object_foreach(v, name, e) {
            subpath(sub, sizeof(sub), path, name, 0);
            if (!json_is_string(e))
                cfg_problem(file, sub, "expected a string");
        }
        break;
    default:
        break;
    }
}

/* Every key of obj must be in keys; an unknown one gets the nearest known name. */
static void walk(const char *file, json_t *obj, const struct key *keys, const char *path)
{
    const char *name;
    json_t *v;
    json_object_foreach(obj, name, v) {
        char sub[512];
        snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", name);
        const struct key *k = NULL, *near = NULL;
        size_t best = (size_t)-1;
        for (const struct key *c = keys; c->name; c++) {
            if (!strcmp(c->name, name)) {
                k = c;
                break;
            }
            size_t d = cfg_edit_distance(c->name, name);
            if (d < best)
                best = d, near = c;
        }
        if (k) {
            check_value(file, v, k, sub);
            continue;
        }
        /* A suggestion only when it is plausibly a typo: at most a third of the name off. */
        if (near && best <= 2 + strlen(name) / 3)
            cfg_problem(file, sub, "unknown key (did you mean \"%s\"?)", near->name);
        else {
            char list[512] = "";
            for (const struct key *c = keys; c->name; c++)
                snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
                         c == keys ? "" : ", ", c->name);
            cfg_problem(file, sub, "unknown key (valid keys here: %s)", list);
        }
    }
}

int cfg_load(const char *file, struct cfg *c)
{
    json_error_t e;
    memset(c, 0, sizeof(*c));
    /* JSON_REJECT_DUPLICATES: a second "user_memory" silently winning would hide a mistake. */
    json_t *root = json_load_file(file, JSON_REJECT_DUPLICATES, &e);
    if (!root) {
        if (e.line < 1)  /* cannot read the file at all */
            fprintf(stderr, "%s: %s\n", file, e.text);
        else
            fprintf(stderr, "%s:%d:%d: %s\n", file, e.line, e.column, e.text);
        return -1;
    }
    if (!json_is_object(root)) {
        fprintf(stderr, "%s: the config must be a JSON object ({ ... })\n", file);
        json_decref(root);
        return -1;
    }
    problems = 0;
    walk(file, root, k_top, "");
    if (problems == 0)
        cfg_fill(file, root, c);
    if (problems) {
        json_decref(root);
        memset(c, 0, sizeof(*c));
        return -1;
    }
    c->root = root;
    return 0;
}

char *cfg_canonical(const struct cfg *c)
{
    return json_dumps(c->root, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENSURE_ASCII);
}
