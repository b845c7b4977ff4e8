/*
 * policy.c - the network policy of the enclave (--net, --net-listen, --net-connect).
 *
 * Checked at every bind, listen (an unbound socket would bind the wildcard address),
 * connect and sendto with an address.  A denied call fails with EACCES and one log line
 * that names the address and the rule set that refused it.
 *
 * Modes: "host" allows everything; "loopback" (the default) allows 127.0.0.0/8 and ::1,
 * and turns a bind to the wildcard address (0.0.0.0, ::) into a bind to loopback, so a
 * server that listens "everywhere" is reachable from this host only (getsockname still
 * shows the wildcard, see inet.c); "none" allows nothing.  --net-listen and --net-connect
 * rules add to any mode; a listen rule may name the wildcard address to really bind it.
 */
#include "libos.h"
#include "netpolicy.h"
#include "net.h"
#include "netpriv.h"

struct net_state {
    struct net_policy pol;
};

int net_policy_init(const struct pal_boot *boot)
{
    struct net_state *ns = kzalloc(sizeof(*ns));
    if (!ns)
        return -ENOMEM;
    ns->pol.mode = NET_LOOPBACK;
    if (boot->net_mode && (ns->pol.mode = netpolicy_mode(boot->net_mode)) < 0) {
        kprintf("bad network mode '%s'", boot->net_mode);
        kfree(ns);
        return -EINVAL;
    }
    for (int i = 0; i < boot->n_net_rules && i < PAL_MAX_NET_RULES; i++) {
        if (ns->pol.n >= NET_MAX_RULES ||
            netpolicy_rule_tagged(boot->net_rules[i], &ns->pol.r[ns->pol.n]) < 0) {
            kprintf("bad network rule '%s'", boot->net_rules[i]);
            kfree(ns);
            return -EINVAL;
        }
        ns->pol.n++;
    }
    kernel->net = ns;
    return 0;
}

int net_mode(void)
{
    return kernel->net ? kernel->net->pol.mode : NET_LOOPBACK;
}

static const char *mode_name(int m)
{
    return m == NET_NONE ? "none" : m == NET_HOST ? "host" : "loopback";
}

/* True if a rule of kind allows a. */
static int rule_allows(int kind, const struct net_addr *a)
{
    struct net_state *ns = kernel->net;
    for (int i = 0; ns && i < ns->pol.n; i++)
        if (ns->pol.r[i].kind == kind && netpolicy_match(&ns->pol.r[i], a))
            return 1;
    return 0;
}

/* The one log line of a refusal. */
static void denied(const char *what, const struct net_addr *a, const char *rules)
{
    char t[80];
    net_addr_str(a, t, sizeof(t));
    kprintf("net: %s %s denied by the network policy (--net %s, no %s rule matches)", what, t,
            mode_name(net_mode()), rules);
}

int net_check_bind(const struct net_addr *a, int *to_loopback)
{
    *to_loopback = 0;
    int mode = net_mode();
    if (mode == NET_HOST || rule_allows(NET_RULE_LISTEN, a))
        return 0;
    if (mode == NET_LOOPBACK) {
        if (net_addr_loopback(a))
            return 0;
        if (net_addr_wildcard(a)) {
            *to_loopback = 1;
            return 0;
        }
    }
    denied("bind to", a, "--net-listen");
    return -EACCES;
}

int net_check_connect(const struct net_addr *a, const char *what)
{
    int mode = net_mode();
    if (mode == NET_HOST || rule_allows(NET_RULE_CONNECT, a))
        return 0;
    if (mode == NET_LOOPBACK && net_addr_loopback(a))
        return 0;
    denied(what, a, "--net-connect");
    return -EACCES;
}
