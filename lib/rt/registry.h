/* What each thread did: per-thread records of namespace switches and
 * thread creation, in lock-free pools. */
#ifndef NSP_REGISTRY_H
#define NSP_REGISTRY_H

#include "base/pool.h"
#include "report/report.h"
#include "rt/rt.h"

/* One successful setns/unshare, or one that failed (err set). */
struct nsp_event {
	struct nsp_obj obj;
	_Atomic uint32_t refs; /* slots in thread records that point here */
	uint16_t call;
	uint16_t kinds; /* bit k: kind k changed (failed: the flags named it) */
	uint64_t seq;
	pid_t tid;
	int32_t err;    /* failed: its errno; 0: it succeeded */
	nsp_ref owner; /* record of the thread that made the call */
	/* Failed calls only, read then (failures are rare): the type and
	 * namespace of a setns fd (type -1: not a namespace), and the
	 * thread's namespace of at_kind, where the call left it. */
	int16_t target_type, at_kind;
	uint64_t target, at;
	struct nsp_stack stack;
};

/* A thread's last switches (NSP_HISTORY of them) are kept apart from the
 * events, in small objects its record owns alone: the site of the call
 * (a few frames) and, with the history_ns option, the namespaces it led
 * to.  So a thread that switches often keeps its path for a few hundred
 * bytes, and a thread that never switches pays only the slots. */
#define NSP_HISTORY 8
#define NSP_HIST_TO 2 /* namespaces kept per switch: of its first kinds */

struct nsp_hist {
	struct nsp_obj obj;
	uint16_t call, kinds;
	uint32_t depth;
	uint64_t seq;
	uint64_t to[NSP_HIST_TO];
	uintptr_t ip[NSP_SITE_DEPTH];
};

/* A thread's path: its last NSP_HISTORY switches (slot n % NSP_HISTORY is
 * the n-th), how many of each kind it ever made, and its last failed
 * calls.  Made at the thread's first switch or failed call, so a thread
 * that never makes one costs a slot; its record owns it, and only the
 * thread writes it. */
struct nsp_path {
	struct nsp_obj obj;
	_Atomic uint32_t nhist, nfailed;
	uint32_t nkind[NSP_NKINDS];
	_Atomic nsp_ref hist[NSP_HISTORY];
	_Atomic nsp_ref failed[NSP_FAILED_MAX];
};

/* SPARE: taken ahead by a creating thread for its next creation, no
 * thread's yet. */
enum nsp_tstate { NSP_T_NEW, NSP_T_ALIVE, NSP_T_ENDED, NSP_T_SPARE };

/* The first 64 bytes are all a thread reads and writes of its record from
 * its start to its end, and all a record that held nothing is let go
 * with: one cache line to move from the creating CPU to the thread's.
 * Records are a whole number of lines, so the pool puts each at the
 * start of one. */
struct nsp_thread {
	struct nsp_obj obj;
	_Atomic uint32_t refs; /* 1 while running, +1 per child keeping it */
	_Atomic int state;
	nsp_ref me;       /* this record's own reference */
	pid_t tid;
	/* Set before a cause or the path is first set, so a record that
	 * never held either is let go without reading them: a free record
	 * has every cause and its path 0. */
	_Atomic unsigned held;
	void *(*start)(void *);
	void *arg;
	uint64_t seq;     /* creation sequence */
	unsigned home;    /* kinds it was born in where the process started */
	unsigned char borrowed; /* runs on another thread's TLS (raw clone) */
	unsigned char main;     /* the process's main thread */
	unsigned short unused;
	/* The rest is written at the creation (by the creator), at a switch
	 * or failed call, and at a record made after the thread's end (by
	 * the thread); reports read it, and releases of records that held
	 * something. */
	pid_t parent_tid; /* 0: unknown (not created through our wrapper) */
	nsp_ref parent;   /* creator's record, kept only when a cause flows */
	/* Made for a thread after its end (a thread-specific data destructor
	 * that switched or created a thread): the record it ended with, not
	 * held (a report reads it if it is still there). */
	nsp_ref before;
	struct nsp_stack stack; /* creation stack */
	_Atomic nsp_ref cause[NSP_NKINDS]; /* last switch of each kind */
	_Atomic nsp_ref path; /* its nsp_path, made at its first switch (0: none) */
	char pad_to_line[24];
};

extern struct nsp_pool nsp_threads;
extern struct nsp_pool nsp_events;
extern struct nsp_pool nsp_hists;
extern struct nsp_pool nsp_paths;

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
/* The tids of the live threads with a record (not only those the shim
 * saw begin), up to cap, into out: how many, cap + 1 if there were more.
 * Threads may end, or begin, meanwhile. */
size_t nsp_thread_tids(pid_t *out, size_t cap);
/* A switch with the stack read from frame on: __builtin_frame_address(0)
 * of the wrapper the program called, so the walk starts at the caller.
 * fd: setns's (-1: unshare), read only with the history_ns option. */
void nsp_record_switch_at(int call, unsigned kinds, int fd, const void *frame);
/* A call that failed with err: flags as the program passed them. */
void nsp_record_failure_at(int call, unsigned long flags, int fd, int err, const void *frame);
/* A thread about to be created, its creation stack read from frame on. */
struct nsp_thread *nsp_thread_prepare_at(void *(*start)(void *), void *arg, const void *frame);
/* After the thread was made: the creator takes the record for its next
 * creation now, while the new thread starts on another CPU. */
void nsp_thread_created(void);
void nsp_thread_abandon(struct nsp_thread *t);
void nsp_thread_begin(struct nsp_thread *t);
void nsp_thread_end(void);
void nsp_registry_atfork_child(void);
/* When the process is armed: how a new thread learns its tid. */
void nsp_registry_arm(void);

#endif
