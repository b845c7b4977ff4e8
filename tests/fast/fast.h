/*
 * fast.h - helpers of the syscall fast-path tests (tests/fast/run.sh).
 *
 * SITE(name, nr) defines `long name(long a, long b, long c)`: a function whose body is the
 * shape the direct backend rewrites (mov $nr,%eax; syscall), with a global label name_site
 * on the mov, so a test can look at its own bytes there.  Under Alcove with rewriting on,
 * the first call traps and patches the site, later calls take the fast entry.
 */
#ifndef FAST_TEST_H
#define FAST_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define SITE(name, nr)                                                                       \
    __asm__(".text\n.globl " #name "\n.type " #name ",@function\n" #name ":\n"               \
            ".globl " #name "_site\n" #name "_site:\n"                                      \
            "mov $" #nr ", %eax\n"                                                           \
            "syscall\n"                                                                      \
            "ret\n");                                                                        \
    long name(long a, long b, long c);                                                       \
    extern const unsigned char name##_site[];

/* 1 if the site's first byte is no longer the mov (the backend rewrote it). */
#define PATCHED(name) (name##_site[0] != 0xb8)

#define CHECK(cond, ...)                                                                     \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                      \
            printf(__VA_ARGS__);                                                             \
            printf("\n");                                                                    \
            fflush(stdout);                                                                  \
            exit(1);                                                                         \
        }                                                                                    \
    } while (0)

#endif
