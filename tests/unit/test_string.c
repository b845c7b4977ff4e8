/*
 * test_string.c - unit tests for common/string.c: the al_* memory/string helpers and
 * al_snprintf (declared in common/al_string.h).
 *
 * glibc's snprintf is the oracle for every conversion al_string.h says al_snprintf supports
 * ("%d %i %u %x %X %o %p %s %c %% with flags '-', '0', width, precision for %s (also '*'),
 * and length modifiers hh h l ll z").
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <sys/types.h>
#include <cmocka.h>

#include "al_string.h"

/* ---- memory helpers ------------------------------------------------------------------- */

static unsigned long rflags(void)
{
    unsigned long f;
    __asm__ volatile("pushfq; popq %0" : "=r"(f));
    return f;
}
#define DF (1ul << 10)

static void test_memcpy(void **state)
{
    (void)state;
    unsigned char src[300], dst[310];
    for (int i = 0; i < 300; i++)
        src[i] = (unsigned char)(i * 7 + 1);
    for (size_t n = 0; n <= 300; n += (n < 20 ? 1 : 37)) {
        for (int i = 0; i < 310; i++)
            dst[i] = 0xee;
        assert_ptr_equal(al_memcpy(dst + 3, src, n), dst + 3);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(dst[3 + i], src[i]);
        assert_int_equal(dst[0], 0xee);
        assert_int_equal(dst[2], 0xee);
        assert_int_equal(dst[3 + n], 0xee);
    }
    assert_int_equal(rflags() & DF, 0);
}

static void test_memmove(void **state)
{
    (void)state;
    char b[64];
    /* dst above src, overlapping: must copy backwards */
    al_memcpy(b, "0123456789abcdef", 17);
    assert_ptr_equal(al_memmove(b + 4, b, 10), b + 4);
    assert_string_equal(b, "01230123456789ef");
    assert_int_equal(rflags() & DF, 0);  /* direction flag restored */
    /* dst below src, overlapping */
    al_memcpy(b, "0123456789abcdef", 17);
    al_memmove(b, b + 4, 10);
    assert_string_equal(b, "456789abcdabcdef");
    /* overlap by one byte each way */
    al_memcpy(b, "abcdef", 7);
    al_memmove(b + 1, b, 5);
    assert_string_equal(b, "aabcde");
    al_memcpy(b, "abcdef", 7);
    al_memmove(b, b + 1, 5);
    assert_string_equal(b, "bcdeff");
    /* n = 0 and dst == src are no-ops */
    al_memcpy(b, "xyz", 4);
    al_memmove(b + 1, b, 0);
    al_memmove(b, b, 3);
    assert_string_equal(b, "xyz");
    /* non-overlapping */
    al_memcpy(b, "hello", 6);
    al_memmove(b + 32, b, 6);
    assert_string_equal(b + 32, "hello");
    /* after a backwards copy, a forward copy still goes forwards */
    al_memcpy(b, "0123456789", 11);
    al_memmove(b + 1, b, 5);
    al_memcpy(b + 20, "forward", 8);
    assert_string_equal(b + 20, "forward");
    assert_int_equal(rflags() & DF, 0);
}

static void test_memset(void **state)
{
    (void)state;
    unsigned char b[40];
    for (int i = 0; i < 40; i++)
        b[i] = 1;
    assert_ptr_equal(al_memset(b + 2, 0xab, 30), b + 2);
    assert_int_equal(b[1], 1);
    assert_int_equal(b[2], 0xab);
    assert_int_equal(b[31], 0xab);
    assert_int_equal(b[32], 1);
    al_memset(b, 0x1ff, 4);  /* converted to unsigned char */
    assert_int_equal(b[0], 0xff);
    assert_int_equal(b[3], 0xff);
    al_memset(b, -1, 1);
    assert_int_equal(b[0], 0xff);
    al_memset(b, 'x', 0);
    assert_int_equal(b[0], 0xff);
}

static void test_memcmp(void **state)
{
    (void)state;
    assert_int_equal(al_memcmp("abc", "abc", 3), 0);
    assert_int_equal(al_memcmp("abc", "abd", 0), 0);
    assert_true(al_memcmp("abc", "abd", 3) < 0);
    assert_true(al_memcmp("abd", "abc", 3) > 0);
    /* bytes compare as unsigned */
    assert_true(al_memcmp("\x80", "\x7f", 1) > 0);
    assert_true(al_memcmp("\x01", "\xff", 1) < 0);
    /* NUL bytes are not terminators */
    assert_true(al_memcmp("a\0b", "a\0c", 3) < 0);
}

static void test_strlen(void **state)
{
    (void)state;
    assert_int_equal(al_strlen(""), 0);
    assert_int_equal(al_strlen("a"), 1);
    assert_int_equal(al_strlen("hello world"), 11);
    assert_int_equal(al_strlen("ab\0cd"), 2);
    assert_int_equal(al_strnlen("hello", 10), 5);
    assert_int_equal(al_strnlen("hello", 5), 5);
    assert_int_equal(al_strnlen("hello", 3), 3);
    assert_int_equal(al_strnlen("hello", 0), 0);
    assert_int_equal(al_strnlen("", 4), 0);
    /* strnlen must not read beyond max */
    char nonul[4] = {'a', 'b', 'c', 'd'};
    assert_int_equal(al_strnlen(nonul, 4), 4);
}

static int sign(int x)
{
    return (x > 0) - (x < 0);
}

static void test_strcmp(void **state)
{
    (void)state;
    assert_int_equal(al_strcmp("", ""), 0);
    assert_int_equal(al_strcmp("abc", "abc"), 0);
    assert_int_equal(sign(al_strcmp("abc", "abd")), -1);
    assert_int_equal(sign(al_strcmp("abd", "abc")), 1);
    assert_int_equal(sign(al_strcmp("ab", "abc")), -1);
    assert_int_equal(sign(al_strcmp("abc", "ab")), 1);
    assert_int_equal(sign(al_strcmp("", "a")), -1);
    assert_int_equal(sign(al_strcmp("\xff", "a")), 1);  /* unsigned comparison */
    assert_int_equal(al_strncmp("abcdef", "abcxyz", 3), 0);
    assert_int_equal(sign(al_strncmp("abcdef", "abcxyz", 4)), -1);
    assert_int_equal(al_strncmp("abc", "xyz", 0), 0);
    assert_int_equal(al_strncmp("abc", "abc", 100), 0);
    assert_int_equal(sign(al_strncmp("ab", "abc", 3)), -1);
    assert_int_equal(sign(al_strncmp("abc", "ab", 3)), 1);
    assert_int_equal(sign(al_strncmp("\x80", "\x7f", 1)), 1);
}

static void test_strchr(void **state)
{
    (void)state;
    const char *s = "hello/world/x";
    assert_ptr_equal(al_strchr(s, 'h'), s);
    assert_ptr_equal(al_strchr(s, '/'), s + 5);
    assert_ptr_equal(al_strchr(s, 'x'), s + 12);
    assert_null(al_strchr(s, 'q'));
    assert_ptr_equal(al_strchr(s, '\0'), s + 13);
    assert_ptr_equal(al_strchr(s, 'o' + 256), s + 4);  /* converted to char */
    assert_null(al_strchr("", 'a'));
    assert_ptr_equal(al_strrchr(s, '/'), s + 11);
    assert_ptr_equal(al_strrchr(s, 'h'), s);
    assert_ptr_equal(al_strrchr(s, 'o'), s + 7);
    assert_null(al_strrchr(s, 'q'));
    assert_ptr_equal(al_strrchr(s, '\0'), s + 13);
    assert_null(al_strrchr("", 'a'));
    const char *hi = "a\xe9z";
    assert_ptr_equal(al_strchr(hi, 0xe9), hi + 1);
}

static void test_strlcpy(void **state)
{
    (void)state;
    char b[8];
    al_memset(b, 'Z', sizeof(b));
    assert_int_equal(al_strlcpy(b, "abc", sizeof(b)), 3);
    assert_string_equal(b, "abc");
    assert_int_equal(b[4], 'Z');
    al_memset(b, 'Z', sizeof(b));
    assert_int_equal(al_strlcpy(b, "abcdefghijk", sizeof(b)), 11);
    assert_string_equal(b, "abcdefg");
    al_memset(b, 'Z', sizeof(b));
    assert_int_equal(al_strlcpy(b, "abcdefg", sizeof(b)), 7); /* exact fit */
    assert_string_equal(b, "abcdefg");
    al_memset(b, 'Z', sizeof(b));
    assert_int_equal(al_strlcpy(b, "abc", 1), 3);
    assert_int_equal(b[0], '\0');
    assert_int_equal(b[1], 'Z');
    al_memset(b, 'Z', sizeof(b));
    assert_int_equal(al_strlcpy(b, "abc", 0), 3);
    assert_int_equal(b[0], 'Z');
    assert_int_equal(al_strlcpy(b, "", sizeof(b)), 0);
    assert_string_equal(b, "");
}

/* ---- al_snprintf vs glibc -------------------------------------------------------------- */

/* Unchecked wrappers: no format attribute, so gcc neither warns about deliberately odd
 * formats nor about the deliberate truncation below. */
static int fmt_nocheck(char *b, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = al_vsnprintf(b, n, fmt, ap);
    va_end(ap);
    return r;
}

static int glibc_fmt(char *b, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(b, n, fmt, ap);
    va_end(ap);
    return r;
}

/* Format with both and compare text and return value; also through a 5-byte buffer.
 * AL is al_snprintf (format-checked by gcc) or fmt_nocheck. */
#define CMP_WITH(AL, ...)                                                             \
    do {                                                                              \
        char a_[512], g_[512];                                                        \
        al_memset(a_, 'Q', sizeof(a_));                                               \
        int ra_ = AL(a_, sizeof(a_), __VA_ARGS__);                                    \
        int rg_ = glibc_fmt(g_, sizeof(g_), __VA_ARGS__);                             \
        if (ra_ != rg_ || al_strcmp(a_, g_) != 0)                                     \
            fail_msg("format %s: al_snprintf gave \"%s\" (%d), glibc \"%s\" (%d)", \
                     #__VA_ARGS__, a_, ra_, g_, rg_);                                 \
        char as_[6], gs_[6];                                                          \
        al_memset(as_, 'Q', sizeof(as_));                                             \
        ra_ = AL(as_, 5, __VA_ARGS__);                                                \
        rg_ = glibc_fmt(gs_, 5, __VA_ARGS__);                                         \
        if (ra_ != rg_ || al_strcmp(as_, gs_) != 0 || as_[5] != 'Q')                  \
            fail_msg("format %s truncated to 5: al \"%s\" (%d), glibc \"%s\" (%d)",   \
                     #__VA_ARGS__, as_, ra_, gs_, rg_);                               \
    } while (0)
#define CMP(...) CMP_WITH(al_snprintf, __VA_ARGS__)
#define CMPN(...) CMP_WITH(fmt_nocheck, __VA_ARGS__)

static void test_fmt_plain(void **state)
{
    (void)state;
    CMP("%s", "");
    CMP("hello");
    CMPN("");
    CMP("100%%");
    CMP("%%%%%%");
    CMP("a%cb", 'X');
    CMP("%c%c%c", 'a', 'b', 'c');
}

static void test_fmt_signed(void **state)
{
    (void)state;
    CMP("%d", 0);
    CMP("%d", 42);
    CMP("%d", -42);
    CMP("%i", 123456);
    CMP("%d", INT_MAX);
    CMP("%d", INT_MIN);
    CMP("%ld", LONG_MAX);
    CMP("%ld", LONG_MIN);
    CMP("%lld", LLONG_MAX);
    CMP("%lld", LLONG_MIN);
    CMP("%li", -1L);
    CMP("%zd", (ssize_t)-5);
    CMP("[%d|%d|%d]", 1, -2, 3);
}

static void test_fmt_unsigned(void **state)
{
    (void)state;
    CMP("%u", 0u);
    CMP("%u", 4000000000u);
    CMP("%u", (unsigned)-1);
    CMP("%x", 0xdeadbeefu);
    CMP("%X", 0xdeadbeefu);
    CMP("%x", 0u);
    CMP("%o", 8u);
    CMP("%o", 0777u);
    CMP("%o", 0u);
    CMP("%lu", ULONG_MAX);
    CMP("%lx", ULONG_MAX);
    CMP("%lo", ULONG_MAX);
    CMP("%llu", ULLONG_MAX);
    CMP("%llX", 0x0123456789abcdefULL);
    CMP("%zu", (size_t)SIZE_MAX);
    CMP("%zx", (size_t)0x1000);
}

static void test_fmt_width(void **state)
{
    (void)state;
    CMP("[%5d]", 42);
    CMP("[%5d]", -42);
    CMP("[%-5d]", 42);
    CMP("[%-5d]", -42);
    CMP("[%05d]", 42);
    CMP("[%05d]", -42);
    CMPN("[%-05d]", 42); /* '-' overrides '0' */
    CMP("[%1d]", 12345);
    CMP("[%08x]", 0xbeefu);
    CMP("[%016lx]", 0x1234UL);
    CMP("[%-8X]", 0xabcu);
    CMP("[%6o]", 8u);
    CMP("[%20lld]", LLONG_MIN);
    CMP("[%*d]", 6, 42);
    CMP("[%-*d]", 6, 42);
    CMP("[%0*d]", 6, -42);
    CMP("[%*d]", 0, 42);
}

static void test_fmt_string(void **state)
{
    (void)state;
    const char *null = NULL;
    CMP("[%s]", "abc");
    CMP("[%10s]", "abc");
    CMP("[%-10s]", "abc");
    CMP("[%2s]", "abcdef");
    CMP("[%.2s]", "abcdef");
    CMP("[%.0s]", "abcdef");
    CMP("[%.10s]", "abc");
    CMP("[%5.2s]", "abcdef");
    CMP("[%-5.2s]", "abcdef");
    CMP("[%.*s]", 3, "abcdef");
    CMP("[%.*s]", -1, "abcdef"); /* negative precision: as if omitted */
    CMP("[%*s]", 8, "abc");
    CMP("[%s]", null);
    /* precision bounds the read: the string need not be NUL-terminated */
    char raw[3] = {'x', 'y', 'z'};
    CMP("[%.3s]", raw);
}

static void test_fmt_pointer(void **state)
{
    (void)state;
    CMP("%p", (void *)0x1234);
    CMP("%p", (void *)0x7fffdeadbeefULL);
    CMP("%p", (void *)~0ull);
    CMP("[%-18p]", (void *)0x1234);
}

static void test_fmt_truncation(void **state)
{
    (void)state;
    char b[16];
    al_memset(b, 'Q', sizeof(b));
    assert_int_equal(al_snprintf(b, 6, "hello world"), 11);
    assert_string_equal(b, "hello");
    assert_int_equal(b[6], 'Q');
    al_memset(b, 'Q', sizeof(b));
    assert_int_equal(al_snprintf(b, 1, "hello"), 5);
    assert_int_equal(b[0], '\0');
    assert_int_equal(b[1], 'Q');
    al_memset(b, 'Q', sizeof(b));
    assert_int_equal(al_snprintf(b, 0, "hello %d", 42), 8);
    assert_int_equal(b[0], 'Q');
    assert_int_equal(al_snprintf(NULL, 0, "%s=%d", "x", 12345), 7);
    al_memset(b, 'Q', sizeof(b));
    assert_int_equal(al_snprintf(b, 6, "%5d", 123), 5); /* exact fit */
    assert_string_equal(b, "  123");
    al_memset(b, 'Q', sizeof(b));
    assert_int_equal(al_snprintf(b, 4, "%d", -12345), 6);
    assert_string_equal(b, "-12");
    assert_int_equal(b[4], 'Q');
}

/* A format that ends in a lone '%' must stop cleanly (no read past the NUL). */

static void test_fmt_trailing_percent(void **state)
{
    (void)state;
    char fmt[8] = {'a', 'b', '%', '\0', 'X', 'X', 'X', '\0'};
    char b[16];
    int r = fmt_nocheck(b, sizeof(b), fmt);
    assert_int_equal(r, 2);
    assert_string_equal(b, "ab");
    char fmt2[8] = {'%', '-', '0', '5', '\0', '%', 'd', '\0'};
    r = fmt_nocheck(b, sizeof(b), fmt2, 7);
    assert_string_equal(b, "");
    assert_int_equal(r, 0);
}

static void test_fmt_vsnprintf(void **state)
{
    (void)state;
    char b[64];
    int r = fmt_nocheck(b, sizeof(b), "%s:%d:%x:%c", "f", 7, 255u, '!');
    assert_int_equal(r, 8);
    assert_string_equal(b, "f:7:ff:!");
}

/* --- Conversions string.h promises that do not match C / glibc (expected to fail) --- */

static void test_fmt_length_hh_h(void **state)
{
    (void)state;
    /* C: the argument is converted to (signed/unsigned) char or short before printing */
    CMP("%hhd", 300);
    CMP("%hhu", 511);
    CMP("%hhx", 0x1ff);
    CMP("%hd", 70000);
    CMP("%hu", -1);
    CMP("%hx", 0x12345);
}

static void test_fmt_negative_star_width(void **state)
{
    (void)state;
    /* C: a negative '*' width is a '-' flag with a positive width */
    CMP("[%*d]", -6, 42);
    CMP("[%*s]", -6, "ab");
}

static void test_fmt_char_width(void **state)
{
    (void)state;
    CMP("[%3c]", 'a');
    CMP("[%-3c]", 'a');
}

static void test_fmt_pointer_width(void **state)
{
    (void)state;
    /* the padding goes before "0x", not between "0x" and the digits */
    CMP("[%18p]", (void *)0x1234);
    CMP("[%10p]", (void *)0xabcdef);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memcpy),
        cmocka_unit_test(test_memmove),
        cmocka_unit_test(test_memset),
        cmocka_unit_test(test_memcmp),
        cmocka_unit_test(test_strlen),
        cmocka_unit_test(test_strcmp),
        cmocka_unit_test(test_strchr),
        cmocka_unit_test(test_strlcpy),
        cmocka_unit_test(test_fmt_plain),
        cmocka_unit_test(test_fmt_signed),
        cmocka_unit_test(test_fmt_unsigned),
        cmocka_unit_test(test_fmt_width),
        cmocka_unit_test(test_fmt_string),
        cmocka_unit_test(test_fmt_pointer),
        cmocka_unit_test(test_fmt_truncation),
        cmocka_unit_test(test_fmt_trailing_percent),
        cmocka_unit_test(test_fmt_vsnprintf),
        cmocka_unit_test(test_fmt_length_hh_h),
        cmocka_unit_test(test_fmt_negative_star_width),
        cmocka_unit_test(test_fmt_char_width),
        cmocka_unit_test(test_fmt_pointer_width),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
