/* Starting the command traced: the child installs a seccomp filter that
 * asks the tracer only about setns, unshare and exit_group, waits until
 * the tracer has seized it, then execs.  Nothing else ever stops. */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/proc.h"
#include "trace.h"

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
#error "namspill-trace: no seccomp architecture for this target"
#endif

/* Syscalls of another ABI (i386 on x86_64) are let through unseen. */
static int install_filter(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 0, 4),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_setns, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_unshare, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit_group, 3, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | STOP_SETNS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | STOP_UNSHARE),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | STOP_EXIT),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	/* Without no_new_privs when we may (root): setuid programs in the
	 * tree keep working as they would untraced. */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0)
		return 0;
	if (errno != EACCES || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) ? -1 : 0;
}

static void child(char **argv, int go, int err)
{
	char c;
	int e;

	if (install_filter()) {
		e = errno;
		if (write(err, &e, sizeof(e)) != sizeof(e))
			e = 0;
		_exit(NSP_TRACE_DENIED);
	}
	close(err); /* tells the tracer the filter is in place */
	while (read(go, &c, 1) < 0 && errno == EINTR)
		; /* until the tracer has seized us and closed its end */
	close(go);
	execvp(argv[0], argv);
	e = errno;
	fprintf(stderr, "namspill-trace: cannot run %s: %s\n", argv[0], strerror(e));
	_exit(e == ENOENT ? NSP_TRACE_NOTFOUND : NSP_TRACE_NOEXEC);
}

static void refuse(const char *what, int e)
{
	fprintf(stderr,
		"namspill-trace: cannot trace: %s: %s\n"
		"namspill-trace: tracer mode needs ptrace and seccomp (a container may lack "
		"CAP_SYS_PTRACE, or kernel.yama.ptrace_scope forbids it)\n",
		what, strerror(e));
}

/* A program must not run with other privileges than it would untraced
 * without a loud word: without CAP_SYS_PTRACE the kernel execs a setuid
 * program under our ptrace with the caller's ids, and without
 * CAP_SYS_ADMIN the filter needs no_new_privs, which does the same to the
 * whole tree, for good. */
static void warn_unprivileged(void)
{
	if (nsp_proc_has_cap(CAP_SYS_PTRACE) == 1 && nsp_proc_has_cap(CAP_SYS_ADMIN) == 1)
		return;
	fputs("namspill-trace: WARNING: not privileged: setuid, setgid and file-capability "
	      "programs in the traced tree run WITHOUT their privileges (the kernel drops them "
	      "under ptrace and no_new_privs); trace as root to keep them\n", stderr);
}

pid_t trace_spawn(char **argv, int *why)
{
	int go[2], err[2], e = 0;
	long opts = PTRACE_O_TRACESECCOMP | PTRACE_O_TRACECLONE |
		    PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC |
		    PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD;
	pid_t pid;

	*why = NSP_TRACE_FAILED;
	warn_unprivileged();
	if (pipe2(go, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
		perror("namspill-trace: pipe");
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		perror("namspill-trace: fork");
		return -1;
	}
	if (pid == 0) {
		close(go[1]);
		close(err[0]);
		child(argv, go[0], err[1]);
	}
	close(go[0]);
	close(err[1]);
	if (read(err[0], &e, sizeof(e)) == sizeof(e)) {
		waitpid(pid, NULL, 0);
		refuse("seccomp filter", e);
		*why = NSP_TRACE_DENIED;
		pid = -1;
	} else if (ptrace(PTRACE_SEIZE, pid, 0, opts)) {
		e = errno;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		refuse("ptrace(PTRACE_SEIZE)", e);
		*why = NSP_TRACE_DENIED;
		pid = -1;
	}
	close(err[0]);
	close(go[1]);
	return pid;
}
