/* A seccomp filter that kills the process at process_vm_readv, the call
 * the stack walker reads frame pointer chains with, and a thread that
 * switches from code with no CFI (jit_frame.h).  argv[1]:
 *   thread   the worker installs the filter on itself alone (no TSYNC:
 *            the main thread's status shows no filter), then switches
 *   later    the worker switches once (its chain read), then installs the
 *            filter on every thread, then switches again
 * Either way the program must live on: "switched" once it did, then the
 * worker stays in its uts namespace, a spill. */
#include "common.h"
#include "jit_frame.h"
#include <stddef.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>

static int nsfd;

static void filter(unsigned flags)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_process_vm_readv, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog)) {
		fprintf(stderr, "skip: cannot install a seccomp filter (%s)\n", strerror(errno));
		exit(SKIP);
	}
}

static void switch_uts(void *unused)
{
	(void)unused;
	if (setns(nsfd, CLONE_NEWUTS) != 0)
		abort();
}

static void *worker(void *later)
{
	if (later) {
		jit_frame(switch_uts, NULL);
		filter(SECCOMP_FILTER_FLAG_TSYNC);
	} else {
		filter(0);
	}
	jit_frame(switch_uts, NULL);
	say_tid("leaker");
	pthread_barrier_wait(&ready);
	return park();
}

int main(int argc, char **argv)
{
	pthread_t t;

	if (argc < 2)
		return 2;
	need_namespaces();
	nsfd = make_ns(CLONE_NEWUTS, "uts");
	pthread_barrier_init(&ready, NULL, 3);
	pthread_create(&t, NULL, bystander, NULL);
	pthread_create(&t, NULL, worker, strcmp(argv[1], "later") ? NULL : argv[1]);
	pthread_barrier_wait(&ready);
	printf("switched\n");
	return 0;
}
