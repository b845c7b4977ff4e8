/*
 * heap.c - the LibOS heap: power-of-two size classes carved from one region the PAL gives.
 *
 * Simple on purpose: a header word before each block records its class, freed blocks go on
 * per-class free lists, and new blocks come from a bump pointer.  Blocks of 1 MiB and more
 * get whole classes of their own; the region is reserved up front and committed by the host
 * on first touch.  The region is shared by every process of the enclave (mapped at the same
 * address in all of them), so the allocator's own state lives in it too (struct kernel).
 */
#include "libos.h"

#define MIN_SHIFT 5   /* 32 bytes */
#define MAX_SHIFT 30  /* 1 GiB */
#define HDR 16

struct freeblk {
    struct freeblk *next;
};

struct kernel *kernel;

#define freelist ((struct freeblk **)kernel->freelist)

static void lock(void)
{
    while (__atomic_exchange_n(&kernel->heap_lock, 1, __ATOMIC_ACQUIRE))
        __asm__ volatile("pause");
}
static void unlock(void)
{
    __atomic_store_n(&kernel->heap_lock, 0, __ATOMIC_RELEASE);
}

struct kernel *heap_init(void *base, size_t size)
{
    kernel = base;
    al_memset(kernel, 0, sizeof(*kernel));
    kernel->heap_cur = (char *)base + PAGE_UP(sizeof(*kernel));
    kernel->heap_end = (char *)base + size;
    kernel->next_id = 1;
    return kernel;
}

void *kmalloc(size_t n)
{
    int shift = MIN_SHIFT;
    while (shift <= MAX_SHIFT && ((size_t)1 << shift) < n + HDR)
        shift++;
    if (shift > MAX_SHIFT)
        return NULL;
    lock();
    struct freeblk *b = freelist[shift];
    char *p;
    if (b) {
        freelist[shift] = b->next;
        p = (char *)b;
    } else {
        size_t sz = (size_t)1 << shift;
        if ((size_t)(kernel->heap_end - kernel->heap_cur) < sz) {
            unlock();
            return NULL;
        }
        p = kernel->heap_cur;
        kernel->heap_cur += sz;
    }
    unlock();
    *(uint64_t *)p = (uint64_t)shift;
    return p + HDR;
}

void *kzalloc(size_t n)
{
    void *p = kmalloc(n);
    if (p)
        al_memset(p, 0, n);
    return p;
}

void kfree(void *ptr)
{
    if (!ptr)
        return;
    char *p = (char *)ptr - HDR;
    uint64_t shift = *(uint64_t *)p;
    if (shift < MIN_SHIFT || shift > MAX_SHIFT)
        panic("heap corruption: bad block header at %p", ptr);
    lock();
    ((struct freeblk *)p)->next = freelist[shift];
    freelist[shift] = (struct freeblk *)p;
    unlock();
}

char *kstrdup(const char *s)
{
    size_t n = al_strlen(s) + 1;
    char *p = kmalloc(n);
    if (p)
        al_memcpy(p, s, n);
    return p;
}
