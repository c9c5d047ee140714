/* Helpers for functional test programs.  Exit status 77 means "skip":
 * the program prints the reason on stderr. */
#ifndef TEST_COMMON_H
#define TEST_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SKIP 77

static inline pid_t tid_now(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* Namespaces need CAP_SYS_ADMIN: root has it; otherwise a user namespace
 * of our own gives it, but only while the process is single-threaded. */
static inline void need_namespaces(void)
{
	if (geteuid() == 0)
		return;
	if (unshare(CLONE_NEWUSER) != 0) {
		fprintf(stderr, "skip: needs root or unprivileged user namespaces (%s)\n",
			strerror(errno));
		exit(SKIP);
	}
}

static inline int open_ns(const char *name)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/thread-self/ns/%s", name);
	return open(p, O_RDONLY | O_CLOEXEC);
}

/* A fresh namespace of the given type, made on a helper thread that goes
 * home afterwards; returns an fd for it. */
struct mkns_arg { int flag; const char *name; int fd; };

static inline void *mkns_thread(void *p)
{
	struct mkns_arg *a = p;
	int home = open_ns(a->name);
	a->fd = -1;
	if (home >= 0 && unshare(a->flag) == 0) {
		a->fd = open_ns(a->name);
		if (setns(home, a->flag) != 0)
			abort();
	}
	close(home);
	return NULL;
}

static inline int make_ns(int flag, const char *name)
{
	struct mkns_arg a = { flag, name, -1 };
	pthread_t t;
	pthread_create(&t, NULL, mkns_thread, &a);
	pthread_join(t, NULL);
	if (a.fd < 0) {
		fprintf(stderr, "skip: cannot create a %s namespace\n", name);
		exit(SKIP);
	}
	return a.fd;
}

/* Parks the calling thread for good (a pool thread waiting for work). */
static inline void *park(void)
{
	for (;;)
		pause();
	return NULL;
}

static inline void *park_thread(void *unused)
{
	(void)unused;
	return park();
}

/* Threads meet here once they have done their part. */
static pthread_barrier_t ready;

/* Starts a thread running each function given, with no argument and
 * never joined; `ready` then counts them and the caller, who passes it
 * with them once they have done their part. */
#define start_threads(...)                                                         \
	start_each((void *(*const[])(void *)){ __VA_ARGS__ },                      \
		   sizeof((void *(*const[])(void *)){ __VA_ARGS__ }) / sizeof(void *))

static inline void start_each(void *(*const *fn)(void *), size_t n)
{
	pthread_t t;

	pthread_barrier_init(&ready, NULL, (unsigned)n + 1);
	for (size_t i = 0; i < n; i++)
		if (pthread_create(&t, NULL, fn[i], NULL))
			abort();
}

/* A thread that does nothing wrong and stays, so the majority is clear. */
static inline void *bystander(void *unused)
{
	(void)unused;
	pthread_barrier_wait(&ready);
	return park();
}

/* Lines "tid NAME N" tell the checker which thread did what. */
static inline void say_tid(const char *name)
{
	printf("tid %s %d\n", name, (int)tid_now());
	fflush(stdout);
}

/* A worker that leaves itself in a uts namespace of its own and stays:
 * "tid leaker N". */
static inline void *uts_leaker(void *unused)
{
	(void)unused;
	if (unshare(CLONE_NEWUTS) != 0)
		abort();
	say_tid("leaker");
	pthread_barrier_wait(&ready);
	return park();
}

/* "LABEL: 0=/dev/pts/0 1=pipe ...": this process's descriptors, the one
 * listing them left out; pipe:[inode] differs run to run, so only the
 * kind is shown.  Flushed, so a fork or exit after it prints it once. */
static inline void print_fds(const char *label)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	printf("%s:", label);
	while (d && (e = readdir(d))) {
		char path[300], to[256];
		ssize_t n;
		if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		n = readlink(path, to, sizeof(to) - 1);
		to[n > 0 ? n : 0] = 0;
		if (strchr(to, ':') && to[0] != '/')
			*strchr(to, ':') = 0;
		printf(" %s=%s", e->d_name, to);
	}
	printf("\n");
	fflush(stdout);
	if (d)
		closedir(d);
}

#endif
