/* landlock_*: the ABI version query and the calls' answers (the enclave answers as a kernel without Landlock). */
#include "abi.h"

int main(void)
{
    R("abi version", syscall(444, NULL, 0, 1 /* LANDLOCK_CREATE_RULESET_VERSION */));
    R("create NULL attr", syscall(444, NULL, 0, 0));
    R("add_rule bad fd", syscall(445, -1, 1, NULL, 0));
    R("restrict_self bad fd", syscall(446, -1, 0));
    return 0;
}
