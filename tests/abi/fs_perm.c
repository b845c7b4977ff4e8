/* Permission checks for an unprivileged user: files and directories made by root with
 * various modes, then a forked child that drops to uid/gid 1000 (setgroups, setgid, setuid)
 * tries access(), open for read/write, mkdir, unlink in a sticky directory, search through a
 * 0700 directory, chmod/chown of files it does not own; new files take the creator's ids
 * (and a setgid directory's group). */
#include "abi.h"
#include <dirent.h>
#include <grp.h>

static void mk(const char *p, mode_t mode)
{
    put_file(p, "content");
    MUST(chmod(p, mode));
}

static void mkd(const char *p, mode_t mode)
{
    MUST(mkdir(p, 0700));
    MUST(chmod(p, mode));
}

static void ids(const char *label, const char *p)
{
    struct stat st;
    if (lstat(p, &st) != 0)
        printf("%s: stat -1 %s\n", label, errname(errno));
    else
        printf("%s: uid=%ld gid=%ld mode=%o\n", label, (long)st.st_uid, (long)st.st_gid,
               st.st_mode & 07777);
}

static void child(void)
{
    gid_t g = 1000;
    if (setgroups(1, &g) != 0 || setgid(1000) != 0 || setuid(1000) != 0) {
        printf("cannot drop privileges: %s\n", errname(errno));
        exit(1);
    }
    printf("uid=%ld euid=%ld gid=%ld egid=%ld\n", (long)getuid(), (long)geteuid(),
           (long)getgid(), (long)getegid());
    R("access r644 R_OK", access("r644", R_OK));
    R("access r644 W_OK", access("r644", W_OK));
    R("access r644 X_OK", access("r644", X_OK));
    R("access p600 R_OK", access("p600", R_OK));
    R("access p600 F_OK", access("p600", F_OK));
    R("access w666 W_OK", access("w666", W_OK));
    R("access x755 X_OK", access("x755", X_OK));
    R("faccessat r644 W_OK AT_EACCESS", faccessat(AT_FDCWD, "r644", W_OK, AT_EACCESS));
    OK("open r644 O_RDONLY", open("r644", O_RDONLY));
    R("open r644 O_WRONLY", open("r644", O_WRONLY));
    R("open r644 O_RDWR", open("r644", O_RDWR));
    OK("open w666 O_WRONLY", open("w666", O_WRONLY));
    R("open p600 O_RDONLY", open("p600", O_RDONLY));
    R("open g640 O_RDONLY (group 1000)", open("g640", O_RDONLY) >= 0 ? 0 : -1);
    R("open o604 O_RDONLY (other bits)", open("o604", O_RDONLY) >= 0 ? 0 : -1);
    R("open g604 O_RDONLY (group bits win)", open("g604", O_RDONLY));
    R("truncate r644", truncate("r644", 0));
    R("create in . (0755 root)", open("newf", O_WRONLY | O_CREAT, 0644));
    R("mkdir in . (0755 root)", mkdir("newd", 0755));
    R("unlink r644 in . (0755 root)", unlink("r644"));
    R("rename r644 -> d777/r", rename("r644", "d777/r"));
    R("mkdir d777/sub", mkdir("d777/sub", 0755));
    ids("d777/sub", "d777/sub");
    int fd = open("d777/file", O_WRONLY | O_CREAT | O_EXCL, 0666);
    OK("create d777/file", fd);
    ids("d777/file", "d777/file");
    R("mkdir sgid/sub", mkdir("sgid/sub", 0755));
    ids("sgid/sub", "sgid/sub");
    OK("create sgid/file", open("sgid/file", O_WRONLY | O_CREAT | O_EXCL, 0644));
    ids("sgid/file", "sgid/file");
    R("unlink sticky/rootf (other's file)", unlink("sticky/rootf"));
    R("rename sticky/rootf", rename("sticky/rootf", "sticky/mine"));
    R("unlink sticky/userf (own file)", unlink("sticky/userf"));
    R("unlink d777/rootf (no sticky)", unlink("d777/rootf"));
    R("stat x700/f (no search)", access("x700/f", F_OK));
    R("open x700/f", open("x700/f", O_RDONLY));
    R("access x700 F_OK", access("x700", F_OK));
    R("open x700 O_DIRECTORY", open("x700", O_RDONLY | O_DIRECTORY));
    R("chdir x700", chdir("x700"));
    R("stat x711/f (search only)", access("x711/f", F_OK));
    R("open x711 O_DIRECTORY (no read)", open("x711", O_RDONLY | O_DIRECTORY));
    R("chdir x711", chdir("x711"));
    R("chdir back", chdir(".."));
    R("stat r744/f (read, no search)", access("r744/f", F_OK));
    OK("opendir r744 (read, no search)", open("r744", O_RDONLY | O_DIRECTORY));
    R("chmod r644 (not owner)", chmod("r644", 0666));
    R("chmod own (owner)", chmod("own", 0600));
    ids("own", "own");
    R("chown own to root (owner)", chown("own", 0, -1));
    R("chown own gid 0 (not a member)", chown("own", -1, 0));
    R("chown own gid 1000 (member)", chown("own", -1, 1000));
    R("utimensat r644 now (not owner, no write)", utimensat(AT_FDCWD, "r644", NULL, 0));
    R("utimensat w666 now (writable)", utimensat(AT_FDCWD, "w666", NULL, 0));
    struct timespec ts[2] = {{1000, 0}, {1000, 0}};
    R("utimensat w666 explicit (not owner)", utimensat(AT_FDCWD, "w666", ts, 0));
    R("setuid(0) back", setuid(0));
    exit(0);
}

int main(void)
{
    MUST(chmod(".", 0755));
    mk("r644", 0644);
    mk("w666", 0666);
    mk("p600", 0600);
    mk("x755", 0755);
    mk("g640", 0640);
    MUST(chown("g640", 0, 1000));
    mk("o604", 0604);
    mk("g604", 0604);
    MUST(chown("g604", 0, 1000));
    mk("own", 0644);
    MUST(chown("own", 1000, 1000));
    mk("m000", 0000);
    mkd("d777", 0777);
    mk("d777/rootf", 0644);
    mkd("sticky", 01777);
    mk("sticky/rootf", 0666);
    mk("sticky/userf", 0644);
    MUST(chown("sticky/userf", 1000, 1000));
    mkd("x700", 0700);
    mk("x700/f", 0644);
    mkd("x711", 0711);
    mk("x711/f", 0644);
    mkd("r744", 0744);
    mk("r744/f", 0644);
    mkd("sgid", 02777);
    MUST(chown("sgid", 0, 50));
    MUST(chmod("sgid", 02777)); /* chown clears nothing on dirs, but be explicit */
    ids("sgid", "sgid");

    /* root: DAC override, but X_OK needs some x bit */
    R("root access m000 R_OK", access("m000", R_OK));
    R("root access m000 W_OK", access("m000", W_OK));
    R("root access m000 X_OK", access("m000", X_OK));
    R("root access x755 X_OK", access("x755", X_OK));
    OK("root open m000 O_RDWR", open("m000", O_RDWR));
    OK("root stat x700/f", access("x700/f", F_OK));

    fflush(stdout);
    pid_t c = fork();
    MUST(c);
    if (c == 0)
        child();
    wait_report("child", c);
    /* what the child left behind */
    ids("r644 after", "r644");
    ids("own after", "own");
    R("sticky/userf gone", access("sticky/userf", F_OK));
    R("sticky/rootf kept", access("sticky/rootf", F_OK));
    R("d777/rootf gone", access("d777/rootf", F_OK));
    return 0;
}
