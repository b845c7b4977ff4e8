/*
 * user.c - checked access to program memory.
 *
 * Two checks guard every access: the range must lie in the program's half of the address
 * space and must not touch memory the core or backend reserved for itself (access_ok), and
 * the copy itself runs in usercopy.S so an unmapped page yields -EFAULT instead of a crash.
 */
#include "libos.h"

long raw_copy(void *dst, const void *src, size_t n);
long raw_clear(void *dst, size_t n);
long raw_strncpy(char *dst, const char *src, size_t max);
extern char usercopy_start[], usercopy_end[], usercopy_fault[];

int access_ok(uint64_t addr, size_t len)
{
    if (len == 0)
        return 1;
    if (addr + len < addr || addr + len > boot_info->user_limit)
        return 0;
    return !pal_range_reserved(addr, len);
}

long copy_from_user(void *dst, uint64_t usrc, size_t n)
{
    if (!access_ok(usrc, n))
        return -EFAULT;
    return raw_copy(dst, (const void *)usrc, n);
}

long copy_to_user(uint64_t udst, const void *src, size_t n)
{
    if (!access_ok(udst, n))
        return -EFAULT;
    return raw_copy((void *)udst, src, n);
}

long clear_user(uint64_t udst, size_t n)
{
    if (!access_ok(udst, n))
        return -EFAULT;
    return raw_clear((void *)udst, n);
}

long strncpy_from_user(char *dst, uint64_t usrc, size_t max)
{
    /* Check page by page: a string may end before a forbidden or unmapped range. */
    size_t done = 0;
    while (done < max) {
        uint64_t a = usrc + done;
        size_t chunk = PAGE_SIZE - (a & (PAGE_SIZE - 1));
        if (chunk > max - done)
            chunk = max - done;
        if (!access_ok(a, chunk))
            return -EFAULT;
        long r = raw_strncpy(dst + done, (const char *)a, chunk);
        if (r < 0)
            return r;
        if ((size_t)r < chunk)
            return (long)(done + (size_t)r);
        done += chunk;
    }
    return -ENAMETOOLONG;
}

uint64_t usercopy_fixup(uint64_t rip)
{
    if (rip >= (uint64_t)usercopy_start && rip < (uint64_t)usercopy_end)
        return (uint64_t)usercopy_fault;
    return 0;
}
