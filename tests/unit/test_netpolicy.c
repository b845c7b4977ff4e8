/*
 * test_netpolicy.c - unit tests for common/netpolicy.c: parsing --net, --net-listen and
 * --net-connect text, matching addresses against rules, printing rules for log lines.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "netpolicy.h"

static struct net_addr v4(int a, int b, int c, int d, int port)
{
    struct net_addr x;
    memset(&x, 0, sizeof x);
    x.a[10] = x.a[11] = 0xff;
    x.a[12] = (uint8_t)a, x.a[13] = (uint8_t)b, x.a[14] = (uint8_t)c, x.a[15] = (uint8_t)d;
    x.port = port;
    return x;
}

static void test_modes(void **st)
{
    (void)st;
    assert_int_equal(netpolicy_mode("none"), NET_NONE);
    assert_int_equal(netpolicy_mode("loopback"), NET_LOOPBACK);
    assert_int_equal(netpolicy_mode("host"), NET_HOST);
    assert_int_equal(netpolicy_mode("Host"), -1);
    assert_int_equal(netpolicy_mode(""), -1);
}

static void test_bad_rules(void **st)
{
    (void)st;
    struct net_rule r;
    static const char *const bad_listen[] = {"", "1.2.3.4", "1.2.3.4:", "1.2.3.4:65536",
                                             "1.2.3:80", "1.2.3.4.5:80", "256.1.1.1:80",
                                             "[::1:80", "[::1]", "[1:2:3:4:5:6:7:8:9]:1",
                                             "[1::2::3]:1", "10.0.0.0/8:80", "*", "x:80",
                                             "1.2.3.4:80x", "[:::]:1", "[12345::]:1"};
    for (size_t i = 0; i < sizeof bad_listen / sizeof *bad_listen; i++)
        assert_int_equal(netpolicy_rule(NET_RULE_LISTEN, bad_listen[i], &r), -1);
    static const char *const bad_connect[] = {"", "1.2.3.4/33", "[::1]/129", "1.2.3.4/",
                                              "1.2.3.4:99999", "1.2.3.4/8/8", "*/8"};
    for (size_t i = 0; i < sizeof bad_connect / sizeof *bad_connect; i++)
        assert_int_equal(netpolicy_rule(NET_RULE_CONNECT, bad_connect[i], &r), -1);
    assert_int_equal(netpolicy_rule_tagged("bind 1.2.3.4:80", &r), -1);
}

static void test_listen_match(void **st)
{
    (void)st;
    struct net_rule r;
    assert_int_equal(netpolicy_rule(NET_RULE_LISTEN, "0.0.0.0:8080", &r), 0);
    struct net_addr a = v4(0, 0, 0, 0, 8080);
    assert_true(netpolicy_match(&r, &a));
    a.port = 8081;
    assert_false(netpolicy_match(&r, &a));
    a = v4(127, 0, 0, 1, 8080);
    assert_false(netpolicy_match(&r, &a));
    assert_int_equal(netpolicy_rule(NET_RULE_LISTEN, "*:0", &r), 0); /* any address, any port */
    assert_true(netpolicy_match(&r, &a));
    assert_int_equal(netpolicy_rule_tagged("listen [::]:443", &r), 0);
    struct net_addr six;
    memset(&six, 0, sizeof six);
    six.port = 443;
    assert_true(netpolicy_match(&r, &six));
    a = v4(0, 0, 0, 0, 443); /* 0.0.0.0 is not :: */
    assert_false(netpolicy_match(&r, &a));
}

static void test_connect_prefix(void **st)
{
    (void)st;
    struct net_rule r;
    assert_int_equal(netpolicy_rule(NET_RULE_CONNECT, "10.1.0.0/16:443", &r), 0);
    struct net_addr a = v4(10, 1, 200, 3, 443);
    assert_true(netpolicy_match(&r, &a));
    a = v4(10, 2, 0, 1, 443);
    assert_false(netpolicy_match(&r, &a));
    a = v4(10, 1, 0, 1, 80);
    assert_false(netpolicy_match(&r, &a));
    assert_int_equal(netpolicy_rule(NET_RULE_CONNECT, "192.168.1.7", &r), 0); /* any port */
    a = v4(192, 168, 1, 7, 12345);
    assert_true(netpolicy_match(&r, &a));
    a = v4(192, 168, 1, 8, 12345);
    assert_false(netpolicy_match(&r, &a));
    assert_int_equal(netpolicy_rule(NET_RULE_CONNECT, "0.0.0.0/0", &r), 0); /* all IPv4 */
    assert_true(netpolicy_match(&r, &a));
    struct net_addr six;
    memset(&six, 0, sizeof six);
    six.a[0] = 0x20, six.a[1] = 0x01, six.a[15] = 1;
    assert_false(netpolicy_match(&r, &six));
    assert_int_equal(netpolicy_rule(NET_RULE_CONNECT, "[2001:db8::]/32:53", &r), 0);
    six.a[2] = 0x0d, six.a[3] = 0xb8, six.port = 53;
    assert_true(netpolicy_match(&r, &six));
    six.a[3] = 0xb9;
    assert_false(netpolicy_match(&r, &six));
}

static void test_loopback_wildcard(void **st)
{
    (void)st;
    struct net_addr a = v4(127, 3, 4, 5, 1);
    assert_true(net_addr_loopback(&a));
    a = v4(128, 0, 0, 1, 1);
    assert_false(net_addr_loopback(&a));
    a = v4(0, 0, 0, 0, 1);
    assert_true(net_addr_wildcard(&a));
    assert_false(net_addr_loopback(&a));
    struct net_addr six;
    memset(&six, 0, sizeof six);
    assert_true(net_addr_wildcard(&six));
    six.a[15] = 1;
    assert_true(net_addr_loopback(&six));
    assert_false(net_addr_wildcard(&six));
}

static void test_print(void **st)
{
    (void)st;
    struct net_rule r;
    char buf[96];
    assert_int_equal(netpolicy_rule(NET_RULE_CONNECT, "10.1.0.0/16:443", &r), 0);
    netpolicy_rule_str(&r, buf, sizeof buf);
    assert_string_equal(buf, "--net-connect 10.1.0.0/16:443");
    assert_int_equal(netpolicy_rule(NET_RULE_LISTEN, "[::1]:80", &r), 0);
    netpolicy_rule_str(&r, buf, sizeof buf);
    assert_string_equal(buf, "--net-listen [0:0:0:0:0:0:0:1]:80");
    struct net_addr a = v4(192, 0, 2, 1, 80);
    net_addr_str(&a, buf, sizeof buf);
    assert_string_equal(buf, "192.0.2.1:80");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_modes),          cmocka_unit_test(test_bad_rules),
        cmocka_unit_test(test_listen_match),   cmocka_unit_test(test_connect_prefix),
        cmocka_unit_test(test_loopback_wildcard), cmocka_unit_test(test_print),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
