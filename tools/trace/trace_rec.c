/* The tracer's records: live threads by tid, the switches they made, and
 * which causes flowed into threads they created.  The same model as
 * lib/registry.c, but kept in the tracer, so plain malloc and pointers. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace.h"


#define NBUCKETS 4096

static struct trec *threads[NBUCKETS];
static struct tproc *procs[NBUCKETS];
static uint64_t seq;

static unsigned bucket(pid_t id)
{
	return (unsigned)id * 2654435761u % NBUCKETS;
}

struct trec *trec_find(pid_t tid)
{
	for (struct trec *t = threads[bucket(tid)]; t; t = t->next)
		if (t->tid == tid)
			return t;
	return NULL;
}

struct trec *trec_new(pid_t tid, pid_t tgid)
{
	struct trec *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->tid = tid;
	t->tgid = tgid;
	t->refs = 1;
	t->next = threads[bucket(tid)];
	threads[bucket(tid)] = t;
	return t;
}

static void tev_release(struct tev *e)
{
	if (e && --e->refs == 0)
		free(e);
}

static void trec_release(struct trec *t)
{
	while (t && --t->refs == 0) {
		struct trec *up = t->parent;
		for (int k = 0; k < NSP_NKINDS; k++)
			tev_release(t->cause[k]);
		free(t->path);
		free(t);
		t = up;
	}
}

static void unhash(struct trec *t)
{
	for (struct trec **pp = &threads[bucket(t->tid)]; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			t->next = NULL;
			return;
		}
	}
}

void trec_gone(struct trec *t)
{
	unhash(t);
	trec_release(t);
}

void trec_inherit(struct trec *child, struct trec *parent)
{
	int flows = 0;

	child->parent_tid = parent->tid;
	for (int k = 0; k < NSP_NKINDS; k++) {
		/* The child may have run and switched on its own already. */
		if (child->cause[k] || !parent->cause[k])
			continue;
		child->cause[k] = parent->cause[k];
		child->cause[k]->refs++;
		flows = 1;
	}
	if (flows && !child->parent) {
		child->parent = parent;
		parent->refs++;
	}
}

static struct tstep *push(struct trec *t, int failed)
{
	struct tstep *st;

	if (!t->path && !(t->path = calloc(1, sizeof(*t->path))))
		return NULL;
	st = failed ? &t->path->failed[t->path->nfailed++ % NSP_FAILED_MAX] :
		      &t->path->hist[t->path->nhist++ % NSP_PATH_MAX];
	memset(st, 0, sizeof(*st));
	st->call = t->pending_call;
	st->kinds = t->pending_kinds;
	st->seq = ++seq;
	st->target_type = -1;
	st->stack = t->pending_stack;
	memcpy(st->from, t->pending_ino, sizeof(st->from));
	return st;
}

/* The pending call succeeded; now[k]: the thread's namespaces after it. */
static void record(struct trec *t, const uint64_t now[NSP_NKINDS])
{
	struct tev *e = calloc(1, sizeof(*e));
	struct tstep *st = push(t, 0);

	if (st) {
		memcpy(st->to, now, sizeof(st->to));
		for (int k = 0; k < NSP_NKINDS; k++)
			t->path->nkind[k] += (t->pending_kinds >> k) & 1;
	}
	if (!e)
		return;
	e->call = t->pending_call;
	e->kinds = t->pending_kinds;
	e->seq = st ? st->seq : ++seq;
	e->tid = t->tid;
	e->owner = t;
	e->stack = t->pending_stack;
	for (int k = 0; k < NSP_NKINDS; k++) {
		if (!(e->kinds & (1u << k)))
			continue;
		e->refs++;
		tev_release(t->cause[k]);
		t->cause[k] = e;
	}
	if (!e->refs)
		free(e);
}

/* The exec'ing thread keeps its record (its namespaces and their causes
 * survive exec) but its stacks name code that is gone, so they go. */
void trec_exec(pid_t tgid, pid_t former_tid)
{
	struct trec *t = trec_find(former_tid);

	if (t && former_tid != tgid) {
		struct trec *old = trec_find(tgid);
		if (old)
			trec_gone(old);
		unhash(t);
		t->tid = tgid;
		t->next = threads[bucket(tgid)];
		threads[bucket(tgid)] = t;
	}
	if (t) {
		t->stack.depth = 0;
		for (int k = 0; k < NSP_NKINDS; k++) {
			tev_release(t->cause[k]);
			t->cause[k] = NULL;
		}
		free(t->path);
		t->path = NULL;
	}
}

/* The entry a switch of this kind changes: pid_for_children and
 * time_for_children, not pid and time. */
static uint64_t ns_ino(pid_t tid, int kind)
{
	const char *name = NULL;
	char path[64];
	struct stat st;

	for (int type = 0; type < NAMSPILL_NS_COUNT; type++)
		if (nsp_kind_of_type(type) == kind)
			name = nsp_ns_names[type];
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)tid, name);
	return name && stat(path, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

void trec_pending(struct trec *t, int call, unsigned kinds, int fd)
{
	t->pending_call = call;
	t->pending_kinds = kinds;
	t->pending_fd = fd;
	for (int k = 0; k < NSP_NKINDS; k++)
		t->pending_ino[k] = kinds & (1u << k) ? ns_ino(t->tid, k) : 0;
}

static void read_now(const struct trec *t, uint64_t now[NSP_NKINDS])
{
	for (int k = 0; k < NSP_NKINDS; k++)
		now[k] = t->pending_kinds & (1u << k) ? ns_ino(t->tid, k) : 0;
}

/* A call settled without its result moved the thread or not.  Only the
 * thread itself changes its namespaces, and it has not run since the
 * call returned.  A setns into the namespace the thread is already in
 * looks failed: it changes nothing, so it explains nothing either (and
 * is not listed as failed: its result was not seen). */
void trec_settle(struct trec *t)
{
	uint64_t now[NSP_NKINDS];
	int moved = 0;

	if (!t->pending_call)
		return;
	read_now(t, now);
	for (int k = 0; k < NSP_NKINDS; k++)
		moved |= now[k] && now[k] != t->pending_ino[k];
	if (moved)
		record(t, now);
	t->pending_call = 0;
}

/* The namespace of the failed setns's fd, taken from the stopped thread:
 * its type and inode, or nothing if the fd is not a namespace. */
static void fd_target(const struct trec *t, struct tstep *st)
{
	char path[64];
	unsigned kinds;
	struct stat s;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)t->tid, t->pending_fd);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	if ((kinds = nsp_kinds_of_nsfd(fd)) && !fstat(fd, &s)) {
		st->target_type = nsp_type_of_kind(__builtin_ctz(kinds));
		st->target = (uint64_t)s.st_ino;
	}
	close(fd);
}

void trec_settle_result(struct trec *t, long rval, int is_error)
{
	uint64_t now[NSP_NKINDS];
	struct tstep *st;

	if (!t->pending_call)
		return;
	if (!is_error) {
		read_now(t, now);
		record(t, now);
	} else if ((st = push(t, 1))) {
		st->err = (int)-rval;
		memcpy(st->to, st->from, sizeof(st->to)); /* it stayed */
		if (st->call == NSP_CALL_SETNS && t->pending_fd >= 0)
			fd_target(t, st);
	}
	t->pending_call = 0;
}

struct tproc *tproc_find(pid_t tgid)
{
	for (struct tproc *p = procs[bucket(tgid)]; p; p = p->next)
		if (p->tgid == tgid)
			return p;
	return NULL;
}

struct tproc *tproc_get(pid_t tgid)
{
	struct tproc *p = tproc_find(tgid);

	if (p || !(p = calloc(1, sizeof(*p))))
		return p;
	p->tgid = tgid;
	p->traced = 1;
	p->next = procs[bucket(tgid)];
	procs[bucket(tgid)] = p;
	return p;
}

void tproc_gone(pid_t tgid)
{
	for (struct tproc **pp = &procs[bucket(tgid)]; *pp; pp = &(*pp)->next) {
		struct tproc *p = *pp;
		if (p->tgid == tgid) {
			*pp = p->next;
			trace_unwind_forget(p);
			free(p);
			return;
		}
	}
}
