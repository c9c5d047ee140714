/* The tracer's records: live threads by tid, the switches they made, and
 * which causes flowed into threads they created.  The same model as
 * lib/registry.c, but kept in the tracer, so plain malloc and pointers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

void trec_record(struct trec *t, int call, unsigned kinds, const struct nsp_stack *st)
{
	struct tev *e = calloc(1, sizeof(*e));

	if (!e)
		return;
	e->call = call;
	e->kinds = kinds;
	e->seq = ++seq;
	e->tid = t->tid;
	e->owner = t;
	e->stack = *st;
	for (int k = 0; k < NSP_NKINDS; k++) {
		if (!(kinds & (1u << k)))
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

void trec_pending(struct trec *t, int call, unsigned kinds)
{
	t->pending_call = call;
	t->pending_kinds = kinds;
	for (int k = 0; k < NSP_NKINDS; k++)
		t->pending_ino[k] = kinds & (1u << k) ? ns_ino(t->tid, k) : 0;
}

/* A call succeeded if it moved the thread.  Only the thread itself
 * changes its namespaces, and it has not run since the call returned.
 * A setns into the namespace the thread is already in looks failed: it
 * changes nothing, so it explains nothing either. */
void trec_settle(struct trec *t)
{
	int moved = 0;

	if (!t->pending_call)
		return;
	for (int k = 0; k < NSP_NKINDS; k++) {
		uint64_t now;
		if (!(t->pending_kinds & (1u << k)))
			continue;
		now = ns_ino(t->tid, k);
		moved |= now && now != t->pending_ino[k];
	}
	if (moved)
		trec_record(t, t->pending_call, t->pending_kinds, &t->pending_stack);
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
