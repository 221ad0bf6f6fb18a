/* CLinuxFS shim: renameat2(2) through syscall(2) (see module.modulemap). Returns 0, or -1 with
 * errno set; ENOSYS where the kernel headers know no renameat2 (the caller then falls back). */
#ifndef M2V_CLINUXFS_SHIM_H
#define M2V_CLINUXFS_SHIM_H
#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>

/* linux/fs.h's value; the same on every architecture. */
#define M2V_RENAME_EXCHANGE (1u << 1)

/* Atomically exchanges the entries `old_name` (relative to `old_dirfd`) and `new_name` (relative
 * to `new_dirfd`); both must exist. EINVAL when the file system does not support the exchange,
 * ENOSYS on kernels before 3.15. */
static inline int m2v_rename_exchange(int old_dirfd, const char *old_name, int new_dirfd,
                                      const char *new_name) {
#ifdef SYS_renameat2
    return (int)syscall(SYS_renameat2, old_dirfd, old_name, new_dirfd, new_name, M2V_RENAME_EXCHANGE);
#else
    (void)old_dirfd; (void)old_name; (void)new_dirfd; (void)new_name;
    errno = ENOSYS;
    return -1;
#endif
}
#endif
