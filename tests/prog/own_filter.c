/* A program that installs a seccomp filter of its own, as sandboxes and
 * tracers do.  own_filter MODE:
 *   listener  seccomp(2) with a user-notification listener of its own;
 *             prints "listener ok" or "listener: ERROR"
 *   trace     prctl(2), a filter that hands getppid to a tracer
 *             (SECCOMP_RET_TRACE); prints "trace filter ok"
 *   plain     seccomp(2), a filter that only makes one call fail
 *             (SECCOMP_RET_ERRNO); prints "plain filter ok"
 *   probe     what libseccomp does to learn whether listeners exist: the
 *             listener flag with no filter; prints "probe: ERROR" */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>

#include "common.h"

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "plain";
	unsigned ret = !strcmp(mode, "listener") ? SECCOMP_RET_USER_NOTIF :
		       !strcmp(mode, "trace")    ? SECCOMP_RET_TRACE :
						   SECCOMP_RET_ERRNO | EPERM;
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, ret),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };
	long r;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		fprintf(stderr, "skip: no_new_privs: %s\n", strerror(errno));
		return SKIP;
	}
	if (!strcmp(mode, "probe")) {
		r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, NULL);
		printf("probe: %s\n", r < 0 ? strerror(errno) : "installed?");
		return 0;
	}
	if (!strcmp(mode, "trace"))
		r = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
	else
		r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			    !strcmp(mode, "listener") ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0, &prog);
	if (!strcmp(mode, "listener"))
		printf(r >= 0 ? "listener ok\n" : "listener: %s\n", strerror(errno));
	else if (r == 0)
		printf("%s filter ok\n", mode);
	else
		printf("%s filter: %s\n", mode, strerror(errno));
	return 0;
}
