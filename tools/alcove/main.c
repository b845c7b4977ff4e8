/*
 * main.c - `alcove` command dispatcher.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alcove.h"
#include "instance.h"

static const struct command commands[] = {
    {"new", "create an instance directory (config, image tree, README)", cmd_new, usage_new},
    {"add", "copy programs with their shared libraries, or trees, into the image", cmd_add,
     usage_add},
    {"config", "check an instance config (alcove.json)", cmd_config, usage_config},
    {"build", "pack, create volumes, measure and sign an instance", cmd_build, usage_build},
    {"measure", "print the measurement and signer of a built instance", cmd_measure,
     usage_measure},
    {"run", "run a program inside an enclave", cmd_run, usage_run},
    {"package", "write a deployable tarball of a built instance (no signing key)", cmd_package,
     usage_package},
    {"start", "start a long-lived enclave of an instance", cmd_start, usage_start},
    {"exec", "run a command as a new process of the started enclave", cmd_exec, usage_exec},
    {"stop", "end the started enclave", cmd_stop, usage_stop},
    {"image", "pack, verify and list read-only verified images", cmd_image, usage_image},
    {"volume", "create, check, inspect, export and import encrypted volumes", cmd_volume, usage_volume},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: alcove <command> [options]\n\ncommands:\n");
    for (unsigned i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n`alcove <command> --help` describes a command.\n");
}

int sibling_path(const char *name, char *out, unsigned long size)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n < 0)
        return -1;
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = '\0';
    if ((unsigned long)snprintf(out, size, "%s/%s", self, name) >= size)
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (unsigned i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "alcove: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
