/* Built with -static: no preload reaches it.  Starts argv[1..] as a child
 * born in a new network namespace (clone with CLONE_NEWNET, the raw
 * system call, as a container runtime or Go's SysProcAttr.Cloneflags
 * does), prints the child's pid and waits for it.  "static_cloner
 * thread" (or "thread3", by clone3): see thread_away; "static_cloner
 * idle": four threads that never
 * switch, left running as main returns. */
#include "common.h"
#include <signal.h>
#include <linux/sched.h>
#include <stdint.h>
#include <sys/wait.h>

/* "thread": a thread instead, born in a new uts namespace by glibc's
 * clone() (the clone system call, CLONE_THREAD with CLONE_NEWUTS), that
 * stays there while main returns. */
static char stack[64 << 10] __attribute__((aligned(16)));

static int born_away(void *unused)
{
	(void)unused;
	for (;;)
		pause();
	return 0;
}

/* The same made by clone3, whose flags a seccomp filter cannot read.  The
 * new thread comes back from the system call on the new stack, with no
 * frame to return to: there it waits in pause() for good. */
static long clone3_away(struct clone_args *ca)
{
	long r;

	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n"
			 "2:\tmov %[pause], %%eax\n\t"
			 "syscall\n\t"
			 "jmp 2b\n"
			 "1:"
			 : "=a"(r)
			 : "0"((long)SYS_clone3), "D"(ca), "S"(sizeof(*ca)), [pause] "i"(SYS_pause)
			 : "rcx", "r11", "memory");
	return r;
}

static int thread_away(int by_clone3)
{
	int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
		    CLONE_SYSVSEM | CLONE_NEWUTS;
	struct clone_args ca;
	long r;

	if (by_clone3) {
		memset(&ca, 0, sizeof(ca));
		ca.flags = (uint64_t)flags;
		ca.stack = (uint64_t)(uintptr_t)stack;
		ca.stack_size = sizeof(stack);
		r = clone3_away(&ca);
		errno = r < 0 ? (int)-r : 0;
	} else {
		r = clone(born_away, stack + sizeof(stack), flags, NULL);
	}
	if (r < 0) {
		if (errno == EPERM)
			return 77; /* no CAP_SYS_ADMIN */
		perror("clone(CLONE_THREAD | CLONE_NEWUTS)");
		return 1;
	}
	usleep(50000); /* born and parked */
	return 0;
}

int main(int argc, char **argv)
{
	long pid;
	int status;

	if (argc < 2)
		return 2;
	if (!strcmp(argv[1], "thread") || !strcmp(argv[1], "thread3"))
		return thread_away(!strcmp(argv[1], "thread3"));
	if (!strcmp(argv[1], "idle")) { /* threads that never switch */
		pthread_t t;
		for (int i = 0; i < 4; i++)
			if (pthread_create(&t, NULL, park_thread, NULL))
				abort();
		return 0;
	}
	pid = syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0) {
		perror("clone(CLONE_NEWNET)");
		return 1;
	}
	if (pid == 0) {
		execv(argv[1], argv + 1);
		_exit(127);
	}
	printf("%ld\n", pid);
	fflush(stdout);
	waitpid((pid_t)pid, &status, 0);
	return 0;
}
