/*
 * alcove.h - the host-side CLI: one file per subcommand, a table in main.c.
 */
#ifndef ALCOVE_CLI_H
#define ALCOVE_CLI_H

struct command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
    void (*usage)(void);
};

int cmd_run(int argc, char **argv);
void usage_run(void);

/* Path of a file shipped next to the alcove executable (e.g. "alcove-direct"). */
int sibling_path(const char *name, char *out, unsigned long size);

#endif
