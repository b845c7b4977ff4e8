/*
 * image_cli.h - private interface between the `alcove image` sub-commands (image.c, image_pack.c).
 */
#ifndef ALCOVE_IMAGE_CLI_H
#define ALCOVE_IMAGE_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* `alcove image pack DIR -o FILE ...`: argv[0] is "pack". Returns the process exit status
 * (0 ok, 1 a tool or I/O failure, 2 bad usage) after printing its messages. */
int image_pack(int argc, char **argv);

/* Parses "HEX" of exactly n bytes (2n hex digits, either case) into out: 0, or -1 if malformed. */
int image_parse_hex(const char *hex, uint8_t *out, size_t n);

/* ---- running erofs-utils and cryptsetup (image_tool.c) ---- */

/* Bytes of a tool's output kept by image_run_tool (the tail); out must hold this many. */
#define IMAGE_TOOL_OUT (64 * 1024)

/* The pid of the tool image_run_tool is waiting for (0 when none), for signal handlers. */
extern volatile pid_t image_tool_pid;
/* While image_run_tool waits, called about 5 times a second if set (progress display). */
extern void (*image_tool_tick)(void);

/* Finds an executable on $PATH, then in /usr/sbin and /sbin (veritysetup lives there; a normal
 * user's PATH often lacks them): 0 with its path in out, or -1. */
int image_find_tool(const char *name, char *out, size_t size);

/* Runs argv[0] (an absolute path) with stdin from /dev/null and stdout+stderr captured into out
 * (IMAGE_TOOL_OUT bytes, NUL-terminated; the tail is kept: error messages come last). envkv, if
 * not NULL, is "K=V" to set or a bare "K" to remove from the child's environment. Returns the
 * exit status, 128+N for signal N, or -1 if it could not be started (reason in out). */
int image_run_tool(char *const argv[], const char *envkv, char *out);

/* Prints a tool's captured output to stderr between marker lines, keeping of each line only
 * what follows its last ESC[K (mkfs.erofs redraws progress lines even with --quiet). */
void image_show_output(const char *tool, const char *out);

#endif
