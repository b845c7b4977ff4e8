/*
 * log.c - the core's diagnostics, written through the PAL's log sink.
 */
#include "libos.h"

int log_level = LOG_WARN;

void kvprintf(const char *fmt, va_list ap)
{
    char buf[1024];
    int n = al_snprintf(buf, sizeof(buf), "alcove: ");
    int m = al_vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
    size_t len = (size_t)n + (size_t)m;
    if (len > sizeof(buf) - 2)
        len = sizeof(buf) - 2;
    if (len && buf[len - 1] != '\n')
        buf[len++] = '\n';
    pal_log_write(buf, len);
}

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
}

void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kprintf("internal error, stopping the enclave:");
    kvprintf(fmt, ap);
    va_end(ap);
    pal_exit(70);
}

/* gcc may emit calls to these for struct copies and large initialisers. */
void *memcpy(void *d, const void *s, size_t n)
{
    return al_memcpy(d, s, n);
}
void *memmove(void *d, const void *s, size_t n)
{
    return al_memmove(d, s, n);
}
void *memset(void *d, int c, size_t n)
{
    return al_memset(d, c, n);
}
int memcmp(const void *a, const void *b, size_t n)
{
    return al_memcmp(a, b, n);
}
