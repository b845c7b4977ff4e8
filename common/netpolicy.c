/*
 * netpolicy.c - parsing and matching of the network policy (netpolicy.h).  Pure code: no
 * libc, so the CLI and the core share one reading of the command line.
 */
#include "netpolicy.h"
#include "al_string.h"

static const uint8_t v4_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

int netpolicy_mode(const char *s)
{
    if (!al_strcmp(s, "none"))
        return NET_NONE;
    if (!al_strcmp(s, "loopback"))
        return NET_LOOPBACK;
    if (!al_strcmp(s, "host"))
        return NET_HOST;
    return -1;
}

/* A decimal number of at most max, spanning exactly [s, e): its value or -1. */
static long parse_dec(const char *s, const char *e, long max)
{
    long v = 0;
    if (s >= e || e - s > 6)
        return -1;
    for (; s < e; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (*s - '0');
    }
    return v > max ? -1 : v;
}

/* Dotted IPv4 in [s, e) into out[0..4): 0 or -1. */
static int parse_v4(const char *s, const char *e, uint8_t out[4])
{
    for (int i = 0; i < 4; i++) {
        const char *d = s;
        while (d < e && *d != '.')
            d++;
        long v = parse_dec(s, d, 255);
        if (v < 0 || (i < 3 && d == e) || (i == 3 && d != e))
            return -1;
        out[i] = (uint8_t)v;
        s = d + 1;
    }
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* IPv6 text (groups of hex, one "::", no embedded IPv4) in [s, e): 0 or -1. */
static int parse_v6(const char *s, const char *e, uint8_t out[16])
{
    uint16_t g[8];
    int n = 0, gap = -1;
    if (e - s >= 2 && s[0] == ':' && s[1] == ':') {
        gap = 0;
        s += 2;
    }
    while (s < e) {
        int v = 0, digits = 0;
        while (s < e && hexval(*s) >= 0 && digits < 5) {
            v = v * 16 + hexval(*s++);
            digits++;
        }
        if (!digits || digits > 4 || n >= 8)
            return -1;
        g[n++] = (uint16_t)v;
        if (s == e)
            break;
        if (*s != ':')
            return -1;
        s++;
        if (s < e && *s == ':') {
            if (gap >= 0)
                return -1;
            gap = n;
            s++;
        } else if (s == e) {
            return -1; /* a trailing single ':' */
        }
    }
    if (gap < 0 ? n != 8 : n > 7)
        return -1;
    al_memset(out, 0, 16);
    int tail = gap < 0 ? 0 : n - gap;
    for (int i = 0; i < n; i++) {
        int pos = (gap >= 0 && i >= gap) ? 8 - tail + (i - gap) : i;
        out[2 * pos] = (uint8_t)(g[i] >> 8);
        out[2 * pos + 1] = (uint8_t)g[i];
    }
    return 0;
}

/* ADDR at the start of s (up to end): fills r's address; returns where it ended or NULL. */
static const char *parse_addr(const char *s, const char *end, struct net_rule *r)
{
    if (s < end && *s == '*') {
        r->any_addr = 1;
        return s + 1;
    }
    if (s < end && *s == '[') {
        const char *c = s + 1;
        while (c < end && *c != ']')
            c++;
        if (c == end || parse_v6(s + 1, c, r->a) < 0)
            return NULL;
        return c + 1;
    }
    const char *c = s;
    while (c < end && ((*c >= '0' && *c <= '9') || *c == '.'))
        c++;
    al_memcpy(r->a, v4_prefix, 12);
    if (parse_v4(s, c, r->a + 12) < 0)
        return NULL;
    r->v4 = 1;
    return c;
}

int netpolicy_rule(int kind, const char *s, struct net_rule *out)
{
    struct net_rule r;
    al_memset(&r, 0, sizeof(r));
    r.kind = kind;
    r.port = -1;
    const char *end = s + al_strlen(s);
    const char *p = parse_addr(s, end, &r);
    if (!p)
        return -1;
    r.prefix = r.any_addr ? 0 : 128;
    if (kind == NET_RULE_CONNECT && p < end && *p == '/' && !r.any_addr) {
        const char *q = p + 1;
        while (q < end && *q != ':')
            q++;
        long bits = parse_dec(p + 1, q, r.v4 ? 32 : 128);
        if (bits < 0)
            return -1;
        r.prefix = (int)bits + (r.v4 ? 96 : 0);
        p = q;
    }
    if (p < end) {
        if (*p != ':')
            return -1;
        long port = parse_dec(p + 1, end, 65535);
        if (port < 0)
            return -1;
        r.port = (kind == NET_RULE_LISTEN && port == 0) ? -1 : (int)port;
    } else if (kind == NET_RULE_LISTEN) {
        return -1; /* a listen rule names its port */
    }
    *out = r;
    return 0;
}

int netpolicy_rule_tagged(const char *s, struct net_rule *out)
{
    if (!al_strncmp(s, "listen ", 7))
        return netpolicy_rule(NET_RULE_LISTEN, s + 7, out);
    if (!al_strncmp(s, "connect ", 8))
        return netpolicy_rule(NET_RULE_CONNECT, s + 8, out);
    return -1;
}

int net_addr_loopback(const struct net_addr *a)
{
    static const uint8_t lo6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    if (!al_memcmp(a->a, v4_prefix, 12))
        return a->a[12] == 127;
    return !al_memcmp(a->a, lo6, 16);
}

int net_addr_wildcard(const struct net_addr *a)
{
    static const uint8_t zero[16];
    if (!al_memcmp(a->a, v4_prefix, 12))
        return !al_memcmp(a->a + 12, zero, 4);
    return !al_memcmp(a->a, zero, 16);
}

int netpolicy_match(const struct net_rule *r, const struct net_addr *addr)
{
    if (r->port >= 0 && r->port != addr->port)
        return 0;
    if (r->any_addr)
        return 1;
    int bits = r->prefix;
    for (int i = 0; bits > 0; i++, bits -= 8) {
        uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
        if ((r->a[i] ^ addr->a[i]) & mask)
            return 0;
    }
    return 1;
}

/* The address part of a (mapped IPv4 dotted, else bracketed groups) into buf. */
static int addr_text(const uint8_t a[16], char *buf, size_t size)
{
    if (!al_memcmp(a, v4_prefix, 12))
        return al_snprintf(buf, size, "%u.%u.%u.%u", a[12], a[13], a[14], a[15]);
    return al_snprintf(buf, size, "[%x:%x:%x:%x:%x:%x:%x:%x]", a[0] << 8 | a[1], a[2] << 8 | a[3],
                       a[4] << 8 | a[5], a[6] << 8 | a[7], a[8] << 8 | a[9], a[10] << 8 | a[11],
                       a[12] << 8 | a[13], a[14] << 8 | a[15]);
}

int net_addr_str(const struct net_addr *a, char *buf, size_t size)
{
    char t[64];
    addr_text(a->a, t, sizeof(t));
    return al_snprintf(buf, size, "%s:%d", t, a->port);
}

int netpolicy_rule_str(const struct net_rule *r, char *buf, size_t size)
{
    char t[64], pre[8] = "", port[8] = "";
    if (r->any_addr)
        al_strlcpy(t, "*", sizeof(t));
    else
        addr_text(r->a, t, sizeof(t));
    if (!r->any_addr && r->prefix != 128)
        al_snprintf(pre, sizeof(pre), "/%d", r->v4 ? r->prefix - 96 : r->prefix);
    if (r->port >= 0)
        al_snprintf(port, sizeof(port), ":%d", r->port);
    else if (r->kind == NET_RULE_LISTEN)
        al_strlcpy(port, ":0", sizeof(port));
    return al_snprintf(buf, size, "--net-%s %s%s%s", r->kind == NET_RULE_LISTEN ? "listen" : "connect",
                       t, pre, port);
}
