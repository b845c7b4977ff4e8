/*
 * image_cli.h - private interface between the `alcove image` sub-commands (image.c, image_pack.c).
 */
#ifndef ALCOVE_IMAGE_CLI_H
#define ALCOVE_IMAGE_CLI_H

#include <stddef.h>
#include <stdint.h>

/* `alcove image pack DIR -o FILE ...`: argv[0] is "pack". Returns the process exit status
 * (0 ok, 1 a tool or I/O failure, 2 bad usage) after printing its messages. */
int image_pack(int argc, char **argv);

/* Parses "HEX" of exactly n bytes (2n hex digits, either case) into out: 0, or -1 if malformed. */
int image_parse_hex(const char *hex, uint8_t *out, size_t n);

#endif
