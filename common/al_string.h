/*
 * string.h - freestanding string and memory helpers shared by the core and host tools.
 * Prefixed al_ so host tools can link them beside libc.
 */
#ifndef ALCOVE_COMMON_STRING_H
#define ALCOVE_COMMON_STRING_H

#include <stddef.h>
#include <stdarg.h>

void *al_memcpy(void *dst, const void *src, size_t n);
void *al_memmove(void *dst, const void *src, size_t n);
void *al_memset(void *dst, int c, size_t n);
int al_memcmp(const void *a, const void *b, size_t n);
size_t al_strlen(const char *s);
size_t al_strnlen(const char *s, size_t max);
int al_strcmp(const char *a, const char *b);
int al_strncmp(const char *a, const char *b, size_t n);
char *al_strchr(const char *s, int c);
char *al_strrchr(const char *s, int c);
/* Copy at most size-1 bytes and NUL-terminate; returns strlen(src) (like strlcpy). */
size_t al_strlcpy(char *dst, const char *src, size_t size);

/* snprintf subset: %d %i %u %x %X %o %p %s %c %% with flags '-', '0', width, precision
 * for %s (also '*'), and length modifiers hh h l ll z.  Returns the length it would have
 * written, like snprintf. */
int al_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int al_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
