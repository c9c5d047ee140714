/* Runs argv[1...] where ptrace() fails with EPERM, as in a container
 * whose seccomp profile forbids it: the tracer must refuse clearly. */
#include "common.h"
#include "deny.h"

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	if (deny_syscall(SYS_ptrace)) {
		fprintf(stderr, "skip: cannot install a seccomp filter (%s)\n", strerror(errno));
		return SKIP;
	}
	execv(argv[1], argv + 1);
	perror("execv");
	return 127;
}
