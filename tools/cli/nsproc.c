/* Namespaces named by the processes that live in them: "pid 1234
 * (containerd)" for a namespace nothing else names.  `namspill ps` looks
 * at every process of the host; the command's summary at the processes of
 * its tree (names.c). */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fmt.h"
#include "cli.h"

/* /proc/PID/ns/TYPE's inode, 0 if it cannot be read. */
uint64_t cli_proc_ns(pid_t pid, int type)
{
	char path[64], link[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, nsp_ns_names[type]);
	n = readlink(path, link, sizeof(link));
	return n > 0 ? nsp_ns_link_ino(link, n) : 0;
}

/* Every kind's namespace of pid into ns (by type), where it can be read:
 * the directory opened once, each link read from it (one lookup each, not
 * a walk of the whole path).  How many were read. */
int cli_proc_ns_all(pid_t pid, uint64_t ns[NAMSPILL_NS_COUNT])
{
	char path[32], link[64];
	int dir, got = 0;

	snprintf(path, sizeof(path), "/proc/%d/ns", (int)pid);
	if ((dir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return 0;
	for (int k = 0; k < NSP_NKINDS; k++) {
		int type = nsp_type_of_kind(k);
		ssize_t n = readlinkat(dir, nsp_ns_names[type], link, sizeof(link));
		uint64_t ino = n > 0 ? nsp_ns_link_ino(link, n) : 0;
		if (ino) {
			ns[type] = ino;
			got++;
		}
	}
	close(dir);
	return got;
}

/* A kernel thread lives in the first namespaces but names nothing people
 * know (PF_KTHREAD in the flags of /proc/PID/stat). */
static int kernel_thread(pid_t pid)
{
	char buf[512];
	ssize_t n = nsp_proc_read(pid, "stat", buf, sizeof(buf));
	uint64_t flags;

	return n > 0 && !nsp_stat_num(buf, (size_t)n, 9, &flags) && (flags & 0x00200000);
}

/* The first want not yet found for namespace ino of type, pid not the
 * one it is wanted for. */
static struct cli_nswant *wanted(struct cli_nswant *w, size_t n, int type, uint64_t ino,
				 pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (w[i].type == type && w[i].ino == ino && !w[i].pid && w[i].skip != pid)
			return &w[i];
	return NULL;
}

void cli_find_dwellers(struct cli_nswant *w, size_t n)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	size_t left = n;
	unsigned types = 0;

	for (size_t i = 0; i < n; i++)
		types |= 1u << w[i].type;
	/* Ascending pids: the oldest process names a namespace. */
	while (d && left && (e = readdir(d))) {
		char *end, comm[16];
		long pid = strtol(e->d_name, &end, 10);
		int kthread = -1;
		if (*end || pid <= 0)
			continue;
		for (int t = 0; t < NAMSPILL_NS_COUNT && left; t++) {
			struct cli_nswant *x;
			uint64_t ino;
			if (!(types & (1u << t)) || !(ino = cli_proc_ns((pid_t)pid, t)))
				continue;
			while ((x = wanted(w, n, t, ino, (pid_t)pid))) {
				if (kthread < 0)
					kthread = kernel_thread((pid_t)pid) ||
						  nsp_proc_comm((pid_t)pid, 0, comm);
				if (kthread)
					break;
				x->pid = (pid_t)pid;
				memcpy(x->comm, comm, sizeof(x->comm));
				left--;
			}
		}
	}
	if (d)
		closedir(d);
}

size_t cli_report_wants(const struct nsp_report *r, struct cli_nswant *w, size_t n, size_t cap)
{
	for (size_t i = 0; i < r->nspills && n + 2 <= cap; i++) {
		const struct nsp_spill *s = &r->spills[i];
		uint64_t inos[2] = { s->ns.dev == NAMSPILL_NS_PENDING ? 0 : s->ns.ino,
				     r->verdict.majority[s->type].ino };
		for (int k = 0; k < 2; k++) {
			int dup = !inos[k] || nsp_nsname_of(r->names, inos[k]);
			for (size_t j = 0; j < n && !dup; j++)
				dup = w[j].ino == inos[k] && w[j].skip == r->pid;
			if (!dup)
				w[n++] = (struct cli_nswant){ .type = s->type, .ino = inos[k],
							      .skip = r->pid };
		}
	}
	return n;
}

void cli_report_name(struct nsp_report *r, struct nsp_arena *a, const struct cli_nswant *w,
		     size_t n)
{
	struct nsp_nsnames *names = (struct nsp_nsnames *)r->names;

	if (!names)
		return;
	for (size_t i = 0; i < n; i++)
		if (w[i].pid && w[i].skip == r->pid)
			nsp_nsnames_add_proc(names, a, w[i].ino, w[i].pid, w[i].comm);
	nsp_nsnames_sort(names);
}
