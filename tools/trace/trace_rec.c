/* The tracer's records: live threads by tid, the switches they made, and
 * which causes flowed into threads they created.  The same model as
 * lib/registry.c, but kept in the tracer, so plain malloc and pointers. */
#include <stdlib.h>
#include <string.h>

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
