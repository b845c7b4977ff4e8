/*
 * main.c - boot of the direct backend: the core executable is started by `alcove run` with
 * the enclave's description on its command line, relocates itself, opens the host
 * directories the enclave may see, arms Syscall User Dispatch and hands over to the LibOS.
 */
#include "host.h"
#include "pal.h"
#include "al_string.h"
#include "coremeasure.h"

#define AT_NULL 0
#define AT_HWCAP 16
#define AT_HWCAP2 26
#define AT_SYSINFO_EHDR 33

#define O_RDONLY 0
#define O_RDWR 2
#define O_DIRECTORY 0200000
#define O_PATH 010000000
#define O_CLOEXEC 02000000

#define PR_SET_SYSCALL_USER_DISPATCH 59
#define PR_SYS_DISPATCH_ON 1

#define HEAP_SIZE (1ull << 30)

extern const char __ehdr_start[] __attribute__((visibility("hidden")));
extern const char etext[] __attribute__((visibility("hidden")));
extern const char _end[] __attribute__((visibility("hidden")));

uint64_t pal_direct_text_start, pal_direct_text_end;
int pal_direct_has_fsgsbase;

static struct pal_boot boot;
static char net_text[PAL_MAX_NET_RULES][96]; /* "listen ..." / "connect ..." */
static char *prog_env[1024];

/* Memory the program must never map over or hand to a syscall. */
static struct {
    uint64_t start, end;
} reserved[48]; /* the boot's ranges and the trampoline chunks (rewrite.c) */
static int nreserved;

int pal_direct_reserve(uint64_t addr, uint64_t len)
{
    if (nreserved >= (int)(sizeof(reserved) / sizeof(reserved[0])))
        return -1;
    reserved[nreserved].start = addr & ~4095ull;
    reserved[nreserved].end = (addr + len + 4095) & ~4095ull;
    __atomic_store_n(&nreserved, nreserved + 1, __ATOMIC_RELEASE);
    return 0;
}

int pal_range_reserved(uint64_t addr, uint64_t len)
{
    uint64_t end = addr + len;
    if (end < addr)
        return 1;
    int n = __atomic_load_n(&nreserved, __ATOMIC_ACQUIRE);
    for (int i = 0; i < n; i++)
        if (addr < reserved[i].end && end > reserved[i].start)
            return 1;
    return 0;
}

int pal_direct_in_core(uint64_t rip)
{
    return rip >= pal_direct_text_start && rip < pal_direct_text_end;
}

static void put(const char *s)
{
    pal_log_write(s, al_strlen(s));
}

void pal_direct_die(const char *msg)
{
    put("alcove: ");
    put(msg);
    put("\n");
    pal_exit(125);
}

/* Apply our own R_X86_64_RELATIVE relocations.  Runs before anything reads a pointer from
 * initialised data, so it may only use its arguments and locals. */
static void relocate(uint64_t base, const uint64_t *dyn)
{
    const uint64_t *rela = 0;
    uint64_t relasz = 0;
    for (; dyn[0] != 0; dyn += 2) {
        if (dyn[0] == 7) /* DT_RELA */
            rela = (const uint64_t *)(base + dyn[1]);
        else if (dyn[0] == 8) /* DT_RELASZ */
            relasz = dyn[1];
    }
    for (uint64_t i = 0; rela && i < relasz / 24; i++) {
        const uint64_t *r = rela + 3 * i;
        if ((r[1] & 0xffffffff) == 8) /* R_X86_64_RELATIVE */
            *(uint64_t *)(base + r[0]) = base + r[2];
    }
}

/* The core image digest (common/coremeasure.h) of the core as mapped: the load base plus the
 * link-time address, inside the image the kernel mapped ([__ehdr_start, _end)). */
static const uint8_t *core_at(void *ctx, uint64_t vaddr, uint64_t len)
{
    uint64_t base = (uint64_t)ctx, size = (uint64_t)_end - (uint64_t)__ehdr_start;
    if (vaddr > size || len > size - vaddr)
        return 0;
    return (const uint8_t *)(base + vaddr);
}

/* Computed before anything but relocate() has written to the core's segments, and only
 * for an enclave with a signed identity (the LibOS compares it with the signed one). */
static void measure_core(int argc, char **argv)
{
    int want = 0;
    for (int i = 1; i < argc && al_strcmp(argv[i], "--") != 0; i++)
        if (al_strcmp(argv[i], "--identity") == 0)
            want = 1;
    if (!want)
        return;
    libos_cpu_setup(); /* the SHA extensions, if any: OPENSSL_ia32cap_P is in .bss */
    const char *why;
    if (al_core_image_digest(core_at, (void *)__ehdr_start, boot.core_image, &why) < 0) {
        char msg[256];
        al_snprintf(msg, sizeof(msg), "cannot measure the loaded core: %s", why);
        pal_direct_die(msg);
    }
    boot.has_core_image = 1;
}

static pal_handle_t open_host_dir(const char *path)
{
    long fd = HSYS4(__NR_openat, -100, path, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
    if (fd < 0) {
        char msg[512];
        al_snprintf(msg, sizeof(msg), "cannot open directory %s (error %ld)", path, -fd);
        pal_direct_die(msg);
    }
    return fd;
}

static int parse_num(const char *s)
{
    int v = 0;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (*s++ - '0');
    return v;
}

/* --mount HOST:GUEST[:ro|:rw] (the CLI has validated the syntax already). */
static void add_mount(char *spec)
{
    char *guest = al_strchr(spec, ':');
    if (!guest || boot.nmounts >= PAL_MAX_MOUNTS)
        pal_direct_die("bad --mount specification");
    *guest++ = '\0';
    uint32_t flags = 0;
    char *mode = al_strchr(guest, ':');
    if (mode) {
        *mode++ = '\0';
        if (al_strcmp(mode, "rw") == 0)
            flags = PAL_MOUNT_RW;
        else if (al_strcmp(mode, "ro") != 0)
            pal_direct_die("bad --mount mode (expected ro or rw)");
    }
    struct pal_mount *m = &boot.mounts[boot.nmounts++];
    m->guest_path = guest;
    m->root = open_host_dir(spec);
    m->flags = flags;
    m->fstype = "hostfs";
    m->upper = PAL_HANDLE_NONE;
}

/* --tmpfs GUEST:BYTES (the CLI has validated GUEST and turned the size into bytes; 0 is
 * the core's default). */
static void add_tmpfs(char *spec)
{
    char *size = al_strrchr(spec, ':');
    if (!size || spec[0] != '/' || boot.nmounts >= PAL_MAX_MOUNTS)
        pal_direct_die("bad --tmpfs specification");
    *size++ = '\0';
    uint64_t v = 0;
    for (; *size >= '0' && *size <= '9'; size++) {
        if (v > (~0ull - 9) / 10)
            pal_direct_die("bad --tmpfs size");
        v = v * 10 + (uint64_t)(*size - '0');
    }
    if (*size)
        pal_direct_die("bad --tmpfs size");
    struct pal_mount *m = &boot.mounts[boot.nmounts++];
    m->guest_path = spec;
    m->root = PAL_HANDLE_NONE;
    m->flags = PAL_MOUNT_RW;
    m->fstype = "tmpfs";
    m->size = v;
    m->upper = PAL_HANDLE_NONE;
}

/* A host file the enclave reads (the image) or reads and writes (a volume). */
static pal_handle_t open_host_file(const char *path, int rw)
{
    long fd = HSYS4(__NR_openat, -100, path, (rw ? O_RDWR : O_RDONLY) | O_CLOEXEC, 0);
    if (fd < 0) {
        char msg[512];
        al_snprintf(msg, sizeof(msg), "cannot open %s (error %ld)", path, -fd);
        pal_direct_die(msg);
    }
    return fd;
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

/* 64 hex digits into 32 bytes (the CLI has validated them). */
static void parse_hash(const char *hex, uint8_t out[32])
{
    for (int k = 0; k < 32; k++) {
        int hi = hexval(hex[2 * k]), lo = hi < 0 ? -1 : hexval(hex[2 * k + 1]);
        if (hi < 0 || lo < 0)
            pal_direct_die("internal: bad root hash");
        out[k] = (uint8_t)(hi << 4 | lo);
    }
    if (hex[64])
        pal_direct_die("internal: bad root hash");
}

/* --identity SIGNED SIGHEX: the exact signed bytes of the identity document and its
 * 64-byte Ed25519 signature in hex; --config CANONICAL (the LibOS checks both). */
static void parse_sig(const char *hex, uint8_t out[64])
{
    for (int k = 0; k < 64; k++) {
        int hi = hexval(hex[2 * k]), lo = hi < 0 ? -1 : hexval(hex[2 * k + 1]);
        if (hi < 0 || lo < 0)
            pal_direct_die("internal: bad identity signature (want 128 hex digits)");
        out[k] = (uint8_t)(hi << 4 | lo);
    }
    if (hex[128])
        pal_direct_die("internal: bad identity signature (want 128 hex digits)");
}

/* --key-file K: exactly 32 bytes (checked by the CLI; checked again here). */
static void read_key(const char *path)
{
    long fd = HSYS4(__NR_openat, -100, path, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0)
        pal_direct_die("cannot open the key file");
    uint8_t extra;
    long n = HSYS3(__NR_read, fd, boot.volume_key, 32);
    long m = HSYS3(__NR_read, fd, &extra, 1);
    HSYS1(__NR_close, fd);
    if (n != 32 || m != 0)
        pal_direct_die("the key file must hold exactly 32 bytes");
    boot.has_volume_key = 1;
}

/* --volume PATH GUEST rw|ro */
static void add_volume(char *path, char *guest, const char *mode)
{
    if (boot.nmounts >= PAL_MAX_MOUNTS)
        pal_direct_die("too many mounts");
    int rw = al_strcmp(mode, "rw") == 0;
    struct pal_mount *m = &boot.mounts[boot.nmounts++];
    m->guest_path = guest;
    m->root = open_host_file(path, rw);
    m->flags = rw ? PAL_MOUNT_RW : 0;
    m->fstype = "alcovefs";
    m->source = path;
    m->upper = PAL_HANDLE_NONE;
}

static void boot_on_thread_stack(struct pal_boot *b);

__attribute__((used)) void pal_direct_start(uint64_t *sp, const uint64_t *dynamic, uint64_t base)
{
    relocate(base, dynamic);
    measure_core((int)sp[0], (char **)(sp + 1));
    pal_direct_text_start = (uint64_t)__ehdr_start;
    pal_direct_text_end = (uint64_t)etext;
    pal_direct_reserve((uint64_t)__ehdr_start, (uint64_t)_end - (uint64_t)__ehdr_start);

    int argc = (int)sp[0];
    char **argv = (char **)(sp + 1);
    char **envp = argv + argc + 1;
    char **e = envp;
    while (*e)
        e++;
    for (uint64_t *aux = (uint64_t *)(e + 1); aux[0] != AT_NULL; aux += 2) {
        if (aux[0] == AT_HWCAP)
            boot.hwcap = aux[1];
        else if (aux[0] == AT_HWCAP2)
            boot.hwcap2 = aux[1];
        else if (aux[0] == AT_SYSINFO_EHDR)
            boot.vdso_base = aux[1];
    }
    pal_direct_has_fsgsbase = (boot.hwcap2 & 2) != 0;
    /* The kernel-provided stack stays ours: keep the program away from it. */
    pal_direct_reserve(((uint64_t)sp & ~4095ull) - 65536, 65536 + 65536);

    /* The LibOS applies the program's umask itself; the host must not apply another. */
    HSYS1(__NR_umask, 0);
    /* Each process of the enclave keeps host handles of inherited files: allow many. */
    uint64_t nofile[2];
    if (HSYS4(__NR_prlimit64, 0, 7 /* RLIMIT_NOFILE */, 0, nofile) == 0) {
        nofile[0] = nofile[1];
        HSYS4(__NR_prlimit64, 0, 7, nofile, 0);
    }

    boot.abi_version = PAL_ABI_VERSION;
    boot.backend = "direct";
    boot.cwd = "/";
    boot.log_level = 1;
    int nenv = 0, i;
    const char *root = 0, *image = 0, *image_hash = 0, *overlay = 0;
    boot.state_dir = PAL_HANDLE_NONE;
    boot.control = PAL_HANDLE_NONE;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (al_strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (i + 1 >= argc)
            pal_direct_die("internal: option without value");
        if (al_strcmp(a, "--root") == 0)
            root = argv[++i];
        else if (al_strcmp(a, "--mount") == 0)
            add_mount(argv[++i]);
        else if (al_strcmp(a, "--tmpfs") == 0)
            add_tmpfs(argv[++i]);
        else if (al_strcmp(a, "--image") == 0) {
            if (i + 2 >= argc)
                pal_direct_die("internal: --image wants PATH HASH");
            image = argv[++i];
            image_hash = argv[++i];
        } else if (al_strcmp(a, "--volume") == 0) {
            if (i + 3 >= argc)
                pal_direct_die("internal: --volume wants PATH GUEST MODE");
            add_volume(argv[i + 1], argv[i + 2], argv[i + 3]);
            i += 3;
        } else if (al_strcmp(a, "--overlay") == 0)
            overlay = argv[++i];
        else if (al_strcmp(a, "--key-file") == 0)
            read_key(argv[++i]);
        else if (al_strcmp(a, "--state-dir") == 0)
            boot.state_dir = open_host_dir(argv[++i]);
        else if (al_strcmp(a, "--env") == 0) {
            if (nenv < (int)(sizeof(prog_env) / sizeof(prog_env[0])) - 1)
                prog_env[nenv++] = argv[++i];
            else
                pal_direct_die("too many --env variables");
        } else if (al_strcmp(a, "--cwd") == 0)
            boot.cwd = argv[++i];
        else if (al_strcmp(a, "--hostname") == 0)
            boot.hostname = argv[++i];
        else if (al_strcmp(a, "--net") == 0)
            boot.net_mode = argv[++i];
        else if (al_strcmp(a, "--net-listen") == 0 || al_strcmp(a, "--net-connect") == 0) {
            /* The core parses "listen TEXT" / "connect TEXT" (common/netpolicy.h). */
            if (boot.n_net_rules >= PAL_MAX_NET_RULES)
                pal_direct_die("too many network rules");
            const char *t = argv[++i];
            int listen = al_strcmp(a, "--net-listen") == 0;
            size_t len = al_strlen(t) + 9;
            if (len > sizeof(net_text[0]))
                pal_direct_die("network rule too long");
            al_snprintf(net_text[boot.n_net_rules], sizeof(net_text[0]), "%s %s",
                        listen ? "listen" : "connect", t);
            boot.net_rules[boot.n_net_rules] = net_text[boot.n_net_rules];
            boot.n_net_rules++;
        } else if (al_strcmp(a, "--log") == 0)
            boot.log_level = parse_num(argv[++i]);
        else if (al_strcmp(a, "--rewrite") == 0)
            pal_direct_rewrite_on = parse_num(argv[++i]) != 0;
        else if (al_strcmp(a, "--max-procs") == 0)
            boot.max_procs = parse_num(argv[++i]);
        else if (al_strcmp(a, "--max-threads") == 0)
            boot.max_threads = parse_num(argv[++i]);
        else if (al_strcmp(a, "--identity") == 0) {
            if (i + 2 >= argc)
                pal_direct_die("internal: --identity wants SIGNED SIGHEX");
            boot.identity = argv[++i];
            boot.identity_len = al_strlen(boot.identity);
            parse_sig(argv[++i], boot.identity_sig);
        } else if (al_strcmp(a, "--config") == 0) {
            boot.config = argv[++i];
            boot.config_len = al_strlen(boot.config);
        } else if (al_strcmp(a, "--control-fd") == 0)
            boot.control = parse_num(argv[++i]); /* `alcove start`: a listening socket */
        else
            pal_direct_die("internal: unknown option for the core");
    }
    pal_direct_log_level = boot.log_level;
    pal_direct_fast_init();
    if (!pal_direct_fast_ok)
        pal_direct_rewrite_on = 0; /* no XSAVE: every call keeps the trap path */
    if ((!root && !image) || (i >= argc) != (boot.control != PAL_HANDLE_NONE))
        pal_direct_die("internal: the core needs --root or --image, and a program (or, with "
                       "--control-fd, none)");
    prog_env[nenv] = 0;

    /* The root is mount 0; the order of the others is the command line's. */
    if (boot.nmounts >= PAL_MAX_MOUNTS)
        pal_direct_die("too many mounts");
    for (int m = boot.nmounts; m > 0; m--)
        boot.mounts[m] = boot.mounts[m - 1];
    boot.nmounts++;
    struct pal_mount *rm = &boot.mounts[0];
    al_memset(rm, 0, sizeof(*rm));
    rm->guest_path = "/";
    rm->upper = PAL_HANDLE_NONE;
    if (image) {
        rm->root = open_host_file(image, 0);
        rm->fstype = "erofs";
        rm->source = image;
        parse_hash(image_hash, rm->root_hash);
    } else {
        rm->root = open_host_dir(root);
        rm->fstype = "hostfs";
        rm->source = root;
    }
    if (overlay) {
        rm->lower_fstype = rm->fstype;
        rm->fstype = "overlay";
        rm->flags = PAL_MOUNT_RW;
        if (al_strcmp(overlay, "tmpfs") != 0) {
            rm->upper = open_host_file(overlay, 1);
            rm->source = overlay;
        }
    }

    boot.argc = argc - i;
    boot.argv = argv + i;
    boot.envp = prog_env;
    boot.stdio[0] = 0;
    boot.stdio[1] = 1;
    boot.stdio[2] = 2;
    boot.user_limit = 0x7ffffffff000ull;

    /* Host facts for sysinfo/sched_getaffinity. */
    uint64_t cpus[16] = {0};
    long n = HSYS3(__NR_sched_getaffinity, 0, sizeof(cpus), cpus);
    boot.ncpus = 0;
    for (long w = 0; n > 0 && w < n / 8; w++)
        boot.ncpus += __builtin_popcountll(cpus[w]);
    if (boot.ncpus <= 0)
        boot.ncpus = 1;
    struct {
        long uptime;
        unsigned long loads[3], totalram, freeram, sharedram, bufferram, totalswap, freeswap;
        unsigned short procs, pad;
        unsigned long totalhigh, freehigh;
        unsigned mem_unit;
        char _f[8];
    } si;
    if (HSYS1(__NR_sysinfo, &si) == 0)
        boot.mem_total = si.totalram * (si.mem_unit ? si.mem_unit : 1);

    /* The LibOS heap: one reservation, committed on use. */
    /* Shared, so every process of the enclave (host fork children) sees the same state. */
    long heap = HSYS6(__NR_mmap, 0, HEAP_SIZE, 3, 0x21 | 0x4000 /* SHARED|ANON|NORESERVE */, -1, 0);
    if (heap < 0)
        pal_direct_die("cannot reserve the LibOS heap");
    boot.heap = (void *)heap;
    boot.heap_size = HEAP_SIZE;
    pal_direct_reserve(heap, HEAP_SIZE);
    /* tmpfs file data: one pool every process of the enclave inherits (mem.c). */
    if (pal_direct_mem_init() < 0)
        pal_direct_die("cannot create the memory pool for tmpfs (memfd_create failed)");

    if (pal_direct_slots_init() < 0)
        pal_direct_die("cannot reserve the thread stacks");
    /* From here on the core runs on the main thread's slot stack (see thread.c). */
    pal_direct_switch_stack(pal_direct_main_thread(), boot_on_thread_stack, &boot);
}

static void boot_on_thread_stack(struct pal_boot *b)
{
    pal_direct_signals_init();

    /* Every syscall outside the core's text now traps into the LibOS. */
    long r = HSYS5(__NR_prctl, PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON,
                   pal_direct_text_start, pal_direct_text_end - pal_direct_text_start, 0);
    if (r < 0)
        pal_direct_die("this host lacks Syscall User Dispatch, which the direct backend needs "
                       "(Linux >= 5.11 built with CONFIG_GENERIC_ENTRY; "
                       "prctl(PR_SET_SYSCALL_USER_DISPATCH) failed)");

    int code = libos_main(b);
    pal_exit(code);
}
