/*
 * netpolicy.h - the enclave's network policy: which host addresses and ports it may bind
 * (listen on) and connect or send to.  Shared by the CLI (which validates the command
 * line) and the core (which parses the same text again and enforces it).
 *
 * Text forms:
 *   mode:     "none" | "loopback" | "host"
 *   listen:   ADDR:PORT                 (--net-listen)
 *   connect:  ADDR[/PREFIX][:PORT]      (--net-connect)
 * ADDR is a dotted IPv4 address, a bracketed IPv6 address ("[::1]") or "*" (any address);
 * PORT is 0-65535 (0 in a listen rule: any port; no port in a connect rule: any port).
 */
#ifndef ALCOVE_COMMON_NETPOLICY_H
#define ALCOVE_COMMON_NETPOLICY_H

#include <stddef.h>
#include <stdint.h>

enum { NET_NONE = 0, NET_LOOPBACK = 1, NET_HOST = 2 };
enum { NET_RULE_LISTEN = 1, NET_RULE_CONNECT = 2 };

/* An address as the policy sees it: IPv4 addresses are IPv4-mapped IPv6 (::ffff:a.b.c.d). */
struct net_addr {
    uint8_t a[16];
    int port;       /* 0-65535 */
};

struct net_rule {
    int kind;       /* NET_RULE_LISTEN or NET_RULE_CONNECT */
    int any_addr;   /* "*" */
    int v4;         /* the rule was written as IPv4 (prefix counts from the IPv4 part) */
    uint8_t a[16];  /* mapped like struct net_addr */
    int prefix;     /* significant bits of a (0-128, already offset by 96 for IPv4) */
    int port;       /* -1: any port */
};

#define NET_MAX_RULES 32
struct net_policy {
    int mode;
    int n;
    struct net_rule r[NET_MAX_RULES];
};

/* The mode named s, or -1. */
int netpolicy_mode(const char *s);
/* Parse one rule of kind (text forms above): 0, or -1 when s is malformed. */
int netpolicy_rule(int kind, const char *s, struct net_rule *out);
/* Parse a rule given as "listen TEXT" or "connect TEXT" (how pal_boot carries them). */
int netpolicy_rule_tagged(const char *s, struct net_rule *out);

/* Loopback (127.0.0.0/8, ::1) and wildcard (0.0.0.0, ::) tests. */
int net_addr_loopback(const struct net_addr *a);
int net_addr_wildcard(const struct net_addr *a);
/* Does rule r allow addr?  (for its own kind) */
int netpolicy_match(const struct net_rule *r, const struct net_addr *addr);
/* Print an address ("1.2.3.4:80", "[::1]:80") or a rule as it was written; returns the
 * length like snprintf. */
int net_addr_str(const struct net_addr *a, char *buf, size_t size);
int netpolicy_rule_str(const struct net_rule *r, char *buf, size_t size);

#endif
