/* The processes below us, from the parent pids in /proc/PID/stat.  We are
 * a child subreaper (run.c), so a process whose parent died is still
 * below us and still reached. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli.h"

struct node {
	pid_t pid, ppid;
	int below;
};

static pid_t ppid_of(pid_t pid)
{
	char buf[512];
	ssize_t n = nsp_proc_read(pid, "stat", buf, sizeof(buf));
	uint64_t ppid;

	if (n <= 0 || nsp_stat_num(buf, (size_t)n, 4, &ppid) || ppid > INT32_MAX)
		return 0;
	return (pid_t)ppid;
}

static struct node *snapshot(size_t *n)
{
	struct node *v = NULL;
	size_t cap = 0;
	struct dirent *d;
	DIR *dir = opendir("/proc");

	*n = 0;
	while (dir && (d = readdir(dir))) {
		pid_t pid = (pid_t)atoi(d->d_name);
		if (pid <= 0)
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 256;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				abort();
		}
		v[*n].pid = pid;
		v[*n].ppid = ppid_of(pid);
		v[*n].below = 0;
		(*n)++;
	}
	if (dir)
		closedir(dir);
	return v;
}

/* The signal to the process the snapshot saw, not to one that got its
 * pid since: held by a pidfd, it must still have the parent it had then
 * (or us, which adopts orphans of the tree). */
static int send(const struct node *p, pid_t self, int sig)
{
	int fd = (int)syscall(SYS_pidfd_open, p->pid, 0), r;
	pid_t ppid;

	if (fd < 0)
		return errno == ENOSYS ? kill(p->pid, sig) : -1;
	ppid = ppid_of(p->pid);
	r = ppid == p->ppid || ppid == self ? (int)syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0)
					    : -1;
	close(fd);
	return r;
}

/* Marks the processes below self, by generations until none is added:
 * depth passes at most. */
static void mark_below(struct node *v, size_t n, pid_t self)
{
	int grew = 1;

	while (grew) {
		grew = 0;
		for (size_t i = 0; i < n; i++) {
			if (v[i].below)
				continue;
			for (size_t j = 0; j < n && !v[i].below; j++)
				v[i].below = v[i].ppid == self ||
					     (v[j].below && v[j].pid == v[i].ppid);
			grew |= v[i].below;
		}
	}
}

int cli_signal_tree(int sig, pid_t skip)
{
	size_t n, sent = 0;
	struct node *v = snapshot(&n);
	pid_t self = getpid();

	mark_below(v, n, self);
	for (size_t i = 0; i < n; i++)
		if (v[i].below && v[i].pid != skip && send(&v[i], self, sig) == 0)
			sent++;
	free(v);
	return (int)sent;
}

/* Appends the children of every thread of pid (0: namspill) to *v, as
 * /proc/PID/task/TID/children has them; -1 if the kernel has no such
 * file (CONFIG_PROC_CHILDREN). */
static int children_of(pid_t pid, pid_t **v, size_t *n, size_t *cap)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	int found = 0;

	snprintf(path, sizeof(path), pid ? "/proc/%d/task" : "/proc/self/task", (int)pid);
	if (!(dir = opendir(path)))
		return 0; /* gone meanwhile */
	while ((d = readdir(dir))) {
		char file[400], buf[4096], *p, *end;
		ssize_t len;
		int fd;
		if (d->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s/children", path, d->d_name);
		if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0) {
			if (errno == ENOENT && !found)
				found = -1;
			continue;
		}
		found = 1;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[len > 0 ? len : 0] = 0;
		for (p = buf; *p; p = end) {
			long c = strtol(p, &end, 10);
			if (end == p)
				break;
			if (*n == *cap) {
				*cap = *cap ? 2 * *cap : 64;
				if (!(*v = realloc(*v, *cap * sizeof(**v))))
					abort();
			}
			(*v)[(*n)++] = (pid_t)c;
		}
	}
	closedir(dir);
	return found < 0 ? -1 : 0;
}

pid_t *cli_tree_pids(size_t *count)
{
	size_t n = 0, cap = 0, k = 0;
	pid_t *v = NULL, *out;

	/* From namspill down, generation by generation: only the tree's
	 * processes are read, not every process of the machine. */
	if (children_of(0, &v, &n, &cap) == 0) {
		for (size_t i = 0; i < n; i++)
			children_of(v[i], &v, &n, &cap);
		*count = n;
		return v ? v : cli_alloc(sizeof(*v));
	}
	free(v);
	{
		struct node *all = snapshot(&n);
		out = cli_alloc((n ? n : 1) * sizeof(*out));
		mark_below(all, n, getpid());
		for (size_t i = 0; i < n; i++)
			if (all[i].below)
				out[k++] = all[i].pid;
		free(all);
	}
	*count = k;
	return out;
}

int cli_alive(pid_t pid)
{
	return kill(pid, 0) == 0 || errno == EPERM;
}
