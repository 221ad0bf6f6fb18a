/* CLinux shim: Linux calls Swift's Glibc module does not show (see module.modulemap). */
#ifndef M2V_CLINUX_SHIM_H
#define M2V_CLINUX_SHIM_H
#include <errno.h>
#include <unistd.h>
#include <sys/prctl.h>
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

/* CPUs in the calling process's affinity mask (sched_getaffinity(2), up to 1,024 CPUs), or 0
 * when the call fails (the caller then falls back to the online count). */
static inline int m2v_affinity_cpu_count(void) {
    unsigned long mask[1024 / (8 * sizeof(unsigned long))] = {0};
    long n = syscall(SYS_sched_getaffinity, 0, sizeof mask, mask);
    if (n <= 0) return 0;
    int count = 0;
    for (unsigned i = 0; i < sizeof mask / sizeof mask[0]; i++) count += __builtin_popcountl(mask[i]);
    return count;
}

/* Names the calling thread (at most 15 bytes are kept), as top(1) and gdb show it. */
static inline void m2v_set_thread_name(const char *name) {
    (void)prctl(PR_SET_NAME, (unsigned long)name, 0UL, 0UL, 0UL);
}
#endif
