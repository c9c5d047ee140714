/* What each thread did: per-thread records of namespace switches and
 * thread creation, in lock-free pools. */
#ifndef NSP_REGISTRY_H
#define NSP_REGISTRY_H

#include "base/pool.h"
#include "report/report.h"
#include "rt/rt.h"

/* One successful setns/unshare. */
struct nsp_event {
	struct nsp_obj obj;
	_Atomic uint32_t refs; /* slots in thread records that point here */
	uint16_t call;
	uint16_t kinds; /* bit k: kind k changed */
	uint64_t seq;
	pid_t tid;
	nsp_ref owner; /* record of the thread that made the call */
	struct nsp_stack stack;
};

enum nsp_tstate { NSP_T_NEW, NSP_T_ALIVE, NSP_T_ENDED };

struct nsp_thread {
	struct nsp_obj obj;
	_Atomic uint32_t refs; /* 1 while running, +1 per child keeping it */
	_Atomic int state;
	nsp_ref me;       /* this record's own reference */
	pid_t tid;
	int borrowed;     /* runs on another thread's TLS (raw clone) */
	pid_t parent_tid; /* 0: unknown (not created through our wrapper) */
	nsp_ref parent;   /* creator's record, kept only when a cause flows */
	uint64_t seq;     /* creation sequence */
	_Atomic nsp_ref cause[NSP_NKINDS]; /* last switch of each kind */
	void *(*start)(void *);
	void *arg;
	struct nsp_stack stack; /* creation stack */
};

extern struct nsp_pool nsp_threads;
extern struct nsp_pool nsp_events;

extern _Atomic int nsp_shared_tls; /* a clone() shares its creator's TLS */
extern _Atomic int nsp_reporting;  /* reports in progress: release nothing */

struct nsp_thread *nsp_self(void);
/* The kinds this thread has a recorded switch for (its own or inherited
 * from its creator), without making a record: 0 if it has none. */
unsigned nsp_self_kinds(void);
/* The next live thread from record *pos on with no recorded switch of
 * these kinds (its own or its creator's), as far as we know still where
 * the process started: its tid, 0 when there is none left. */
pid_t nsp_thread_unmoved(unsigned kinds, uint32_t *pos);
/* A switch with the stack read from frame on: __builtin_frame_address(0)
 * of the wrapper the program called, so the walk starts at the caller. */
void nsp_record_switch_at(int call, unsigned kinds, const void *frame);
/* A thread about to be created, its creation stack read from frame on. */
struct nsp_thread *nsp_thread_prepare_at(void *(*start)(void *), void *arg, const void *frame);
void nsp_thread_abandon(struct nsp_thread *t);
void nsp_thread_begin(struct nsp_thread *t);
void nsp_thread_end(void);
void nsp_registry_atfork_child(void);
/* When the process is armed: how a new thread learns its tid. */
void nsp_registry_arm(void);

#endif
