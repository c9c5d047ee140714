/* The supervisor's seccomp filter, installed by the command's process
 * just before it execs, and its listener handed to namspill.
 *
 * Stops (SECCOMP_RET_USER_NOTIF), on x86_64 and on the i386 and x32
 * entries (which a 64-bit process may use too, with numbers of its own;
 * x32's are seen even where the kernel has no x32 entry): execve,
 * execveat, exit_group, setns and unshare, and clone into new namespaces
 * (only so the supervisor knows the tree's processes may now live
 * elsewhere); on x86_64 setns and unshare made with the watch key in the
 * sixth argument register go through (the shim records those itself),
 * getpid with the key is the watch call, and a seccomp filter a process
 * installs (seccomp or prctl) stops so the supervisor can say what ours
 * takes from it: a listener of its own, calls for its tracer.
 * Everything else is allowed at once.
 *
 * Without CAP_SYS_ADMIN a filter needs no_new_privs first, under which
 * set-user-ID programs run without their privileges: the supervisor says
 * so when such a program is started (watch.c). */
#include <errno.h>
#include <sched.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "watch.h"

#ifndef SECCOMP_FILTER_FLAG_SPEC_ALLOW
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW (1UL << 2)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

#define ARG0_LO offsetof(struct seccomp_data, args)
#define ARG1_LO (offsetof(struct seccomp_data, args) + sizeof(uint64_t))
#define ARG5_LO (offsetof(struct seccomp_data, args) + 5 * sizeof(uint64_t))
#define ARG5_HI (ARG5_LO + sizeof(uint32_t))

#define LD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define JEQ(k, t, f) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
#define JSET(k, t, f) BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, (k), (t), (f))

/* Every CLONE_NEW* flag clone takes (not CLONE_NEWTIME, whose bit is part
 * of clone's exit signal there: clone3 and unshare only). */
#define CLONE_NEW_ANY                                                                  \
	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | \
	 CLONE_NEWPID | CLONE_NEWNET)

static int install(uint64_t key, unsigned flags)
{
	uint32_t lo = (uint32_t)key, hi = (uint32_t)(key >> 32);
	/* Jump offsets count the instructions skipped; the key is compared
	 * whole, both halves. */
	struct sock_filter f[] = {
		/* 0 */ LD(offsetof(struct seccomp_data, arch)),
		/* 1 */ JEQ(AUDIT_ARCH_X86_64, 1, 0),
		/* 2 */ BPF_JUMP(BPF_JMP | BPF_JA, 31, 0, 0), /* to 34 */
		/* 3 */ LD(offsetof(struct seccomp_data, nr)),
		/* 4 */ JSET(X32_BIT, 41, 0),         /* 46: the x32 calls */
		/* 5 */ JEQ(__NR_execve, 26, 0),      /* 32: stop */
		/* 6 */ JEQ(__NR_execveat, 25, 0),
		/* 7 */ JEQ(__NR_exit_group, 24, 0),
		/* 8 */ JEQ(__NR_setns, 6, 0),        /* 15 */
		/* 9 */ JEQ(__NR_unshare, 5, 0),
		/* 10 */ JEQ(__NR_getpid, 9, 0),      /* 20 */
		/* 11 */ JEQ(__NR_clone, 12, 0),      /* 24 */
		/* 12 */ JEQ(__NR_seccomp, 13, 0),    /* 26 */
		/* 13 */ JEQ(__NR_prctl, 14, 0),      /* 28 */
		/* 14 */ RET(SECCOMP_RET_ALLOW),
		/* 15 */ LD(ARG5_LO),                 /* setns, unshare: keyed? */
		/* 16 */ JEQ(lo, 0, 15),              /* 32: stop */
		/* 17 */ LD(ARG5_HI),
		/* 18 */ JEQ(hi, 0, 13),              /* 32: stop */
		/* 19 */ RET(SECCOMP_RET_ALLOW),      /* the shim's own call */
		/* 20 */ LD(ARG5_LO),                 /* getpid: the watch call? */
		/* 21 */ JEQ(lo, 0, 11),              /* 33: allow */
		/* 22 */ LD(ARG5_HI),
		/* 23 */ JEQ(hi, 8, 9),               /* 32: stop, 33: allow */
		/* 24 */ LD(ARG0_LO),                 /* clone: into new namespaces? */
		/* 25 */ JSET(CLONE_NEW_ANY, 6, 7),   /* 32: stop, 33: allow */
		/* 26 */ LD(ARG0_LO),                 /* seccomp: a filter of its own? */
		/* 27 */ JEQ(SECCOMP_SET_MODE_FILTER, 4, 5), /* 32: stop, 33: allow */
		/* 28 */ LD(ARG0_LO),                 /* prctl: the same, the old way? */
		/* 29 */ JEQ(PR_SET_SECCOMP, 0, 3),   /* 33: allow */
		/* 30 */ LD(ARG1_LO),
		/* 31 */ JEQ(SECCOMP_MODE_FILTER, 0, 1), /* 32: stop, 33: allow */
		/* 32 */ RET(SECCOMP_RET_USER_NOTIF),
		/* 33 */ RET(SECCOMP_RET_ALLOW),
		/* 34 */ JEQ(AUDIT_ARCH_I386, 0, 10), /* 45: allow */
		/* 35 */ LD(offsetof(struct seccomp_data, nr)),
		/* 36 */ JEQ(I386_EXECVE, 7, 0),      /* 44: stop */
		/* 37 */ JEQ(I386_EXECVEAT, 6, 0),
		/* 38 */ JEQ(I386_EXIT_GROUP, 5, 0),
		/* 39 */ JEQ(I386_SETNS, 4, 0),
		/* 40 */ JEQ(I386_UNSHARE, 3, 0),
		/* 41 */ JEQ(I386_CLONE, 0, 3),       /* 45: allow */
		/* 42 */ LD(ARG0_LO),
		/* 43 */ JSET(CLONE_NEW_ANY, 0, 1),   /* 44: stop, 45: allow */
		/* 44 */ RET(SECCOMP_RET_USER_NOTIF),
		/* 45 */ RET(SECCOMP_RET_ALLOW),
		/* The x32 entry (a bit in the number, arch x86_64): no shim
		 * there, so every switch stops. */
		/* 46 */ BPF_STMT(BPF_ALU | BPF_AND | BPF_K, ~(uint32_t)X32_BIT),
		/* 47 */ JEQ(X32_EXECVE, 7, 0),       /* 55: stop */
		/* 48 */ JEQ(X32_EXECVEAT, 6, 0),
		/* 49 */ JEQ(__NR_exit_group, 5, 0),
		/* 50 */ JEQ(__NR_setns, 4, 0),
		/* 51 */ JEQ(__NR_unshare, 3, 0),
		/* 52 */ JEQ(__NR_clone, 0, 3),       /* 56: allow */
		/* 53 */ LD(ARG0_LO),
		/* 54 */ JSET(CLONE_NEW_ANY, 0, 1),   /* 55: stop, 56: allow */
		/* 55 */ RET(SECCOMP_RET_USER_NOTIF),
		/* 56 */ RET(SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };
	long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);

	return fd < 0 ? -errno : (int)fd;
}

/* One descriptor over a unix socket. */
static int send_fd(int sock, int fd)
{
	char byte = 0, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	memset(ctl, 0, sizeof(ctl));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &m, 0) == 1 ? 0 : -errno;
}

int watch_recv_fd(int sock)
{
	char byte, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c;
	int fd;
	ssize_t n;

	do
		n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	c = n == 1 ? CMSG_FIRSTHDR(&m) : NULL;
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

int watch_child_setup(int sock, uint64_t key)
{
	/* SPEC_ALLOW: a kernel whose speculation mitigations follow seccomp
	 * (spec_store_bypass_disable=seccomp, spectre_v2_user=seccomp, the
	 * default before Linux 5.16) would otherwise turn them on for every
	 * process of the tree: slower, and not as the program runs without
	 * namspill.  A filter of the program's own still turns them on. */
	unsigned flags = SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV |
			 SECCOMP_FILTER_FLAG_SPEC_ALLOW;
	int fd, e;

	fd = install(key, flags);
	if (fd == -EINVAL) /* before Linux 5.19: a signal may restart a stop */
		fd = install(key, flags &= ~SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
	if (fd == -EACCES) {
		/* No CAP_SYS_ADMIN: only with no_new_privs (see above). */
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
			return -errno;
		fd = install(key, flags);
	}
	if (fd < 0)
		return fd;
	e = send_fd(sock, fd);
	/* The tree must not hold the listener: a process that does and ends
	 * would wait for itself. */
	close(fd);
	return e;
}
