/*
 * sysv.h - internal to libos/ipc/: the parts System V shared memory, semaphores and
 * message queues have in common (sysv.c), and their program ABI (the x86-64 layouts of
 * <asm/ipcbuf.h>, <asm/shmbuf.h>, <asm/sembuf.h>, <asm/msgbuf.h>).
 *
 * Every object lives in the shared heap and is named by an id that means the same object
 * in every process of the enclave (kernel->sysvipc).  As in Linux, id = seq * 32768 + idx:
 * idx is the slot in its type's table, seq counts allocations so a stale id does not reach
 * a new object in the same slot.  Everything is under the core lock.
 */
#ifndef ALCOVE_IPC_SYSV_H
#define ALCOVE_IPC_SYSV_H

#include "libos.h"
#include "proc/proc.h"

#define IPC_PRIVATE 0
#define IPC_CREAT 01000
#define IPC_EXCL 02000
#define IPC_NOWAIT 04000
#define IPC_RMID 0
#define IPC_SET 1
#define IPC_STAT 2
#define IPC_INFO 3
#define IPCMNI 32768
#define IPC_SEQ_SHIFT 15
#define IPC_SEQ_MAX 65535
/* Linux's limits (include/uapi/linux/{shm,sem,msg}.h), the defaults of a 64-bit kernel. */
#define SYSV_SHMMAX (0xffffffffffffffffull - (1ull << 24))
#define SYSV_SHMMIN 1
#define SYSV_SHMMNI 4096
#define SYSV_SEMMSL 32000
#define SYSV_SEMMNI 32000
#define SYSV_SEMMNS (SYSV_SEMMNI * SYSV_SEMMSL)
#define SYSV_SEMOPM 500
#define SYSV_SEMVMX 32767
#define SYSV_SEMAEM SYSV_SEMVMX
#define SYSV_MSGMNI 32000
#define SYSV_MSGMAX 8192
#define SYSV_MSGMNB 16384
#define S_IRUGO 0444
#define S_IWUGO 0222
#define S_IXUGO 0111

/* struct ipc64_perm */
struct abi_ipc64_perm {
    int32_t key;
    uint32_t uid, gid, cuid, cgid, mode;
    uint16_t seq, pad2;
    uint64_t unused1, unused2;
};

/* What every object starts with (Linux's kern_ipc_perm). */
struct ipc_obj {
    int key;
    uint32_t uid, gid, cuid, cgid, mode;
    uint16_t seq;
    int id;
};

enum { IPC_SHM, IPC_SEM, IPC_MSG, IPC_NTYPES };

/* One type's table. */
struct ipc_ids {
    int in_use;
    int last_idx;          /* the cyclic allocator's last slot, -1 at first */
    uint16_t seq;
    struct ipc_obj *slot[IPCMNI];
};

struct sysv_state {
    struct ipc_ids ids[IPC_NTYPES];
    uint64_t shm_tot;      /* pages of every segment */
    uint64_t used_sems;
    uint64_t msg_hdrs, msg_bytes;
};

/* The enclave's tables, made at the first use: NULL only when the heap is exhausted. */
struct sysv_state *sysv(void);
/* The object of type t with this id (seq checked), or NULL (the caller says -EINVAL). */
struct ipc_obj *ipc_lookup(int t, int id);
/* The object in slot idx (SHM_STAT and friends), or NULL. */
struct ipc_obj *ipc_at(int t, int idx);
/* The object with this key (never IPC_PRIVATE), or NULL. */
struct ipc_obj *ipc_find_key(int t, int key);
/* Enter o in table t with limit slots at most: fills id/seq/owner, or -ENOSPC. */
WUR int ipc_add(int t, struct ipc_obj *o, int key, int mode, int limit);
/* Take o out of its table (the id stops working at once). */
void ipc_remove(int t, struct ipc_obj *o);
/* Highest slot in use, -1 when none (IPC_INFO's result, clamped to 0 by the caller). */
int ipc_max_idx(int t);
/* ipcperms(): 0 when the caller may access o as asked (S_IRUGO/S_IWUGO/S_IXUGO bits), else
 * -EACCES; root may do anything. */
WUR int ipc_perms(const struct ipc_obj *o, int flag);
/* IPC_SET / IPC_RMID: the caller owns or created o, or is root: 0 or -EPERM. */
WUR int ipc_owner(const struct ipc_obj *o);
/* IPC_SET's new uid, gid and permission bits from the program's ipc64_perm: 0 or -EINVAL. */
WUR int ipc_set_perm(struct ipc_obj *o, const struct abi_ipc64_perm *in);
void ipc_perm_out(const struct ipc_obj *o, struct abi_ipc64_perm *out);
/* Seconds of CLOCK_REALTIME (the objects' times). */
int64_t ipc_now(void);

/* Per-type hooks (sysv_shm.c, sysv_sem.c, sysv_msg.c). */
void shm_fork(struct process *c, const struct process *p);
void shm_detach_all(struct process *p);
void sem_exit(struct process *p);
long shm_proc_text(char **out);
long sem_proc_text(char **out);
long msg_proc_text(char **out);

#endif
