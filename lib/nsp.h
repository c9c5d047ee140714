/* Internal interface shared by shim/ and lib/.  Nothing here is public. */
#ifndef NSP_H
#define NSP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "namspill.h"

#define NSP_HIDDEN __attribute__((visibility("hidden")))
#define NSP_TLS __attribute__((tls_model("initial-exec")))
/* Code a sanitizer runtime reaches before it has set up the thread it
 * runs on: its sigaction and sigaltstack go to ours while it starts, and
 * its pthread_create interceptor hands ours its own start function, so
 * our trampoline runs first on the new thread.  ThreadSanitizer's
 * per-function hooks would run there without a thread state and crash;
 * code marked so has none. */
#define NSP_RUNTIME_SAFE __attribute__((no_sanitize("thread")))

#define NSP_MAX_DEPTH 64 /* frames kept per stack */
#define NSP_NKINDS 8     /* namespace kinds a CLONE_NEW* flag can name */

enum nsp_call { NSP_CALL_NONE, NSP_CALL_SETNS, NSP_CALL_UNSHARE };

/* ---- pool.c: lock-free fixed-size object pool (mmap-backed, never malloc) */

/* Every pooled object starts with this header.  gen is odd while the object
 * is in use; a reader that copies an object checks gen before and after. */
struct nsp_obj {
	_Atomic uint32_t next;
	_Atomic uint32_t gen;
};

#define NSP_POOL_CHUNK_SHIFT 8
#define NSP_POOL_CHUNKS 4096 /* 1M objects */

struct nsp_pool {
	uint32_t size;
	_Atomic uint64_t head; /* (tag << 32) | index of first free object */
	_Atomic uint32_t bump; /* objects ever carved out */
	_Atomic(void *) chunk[NSP_POOL_CHUNKS];
};

#define NSP_POOL_INIT(type) { .size = sizeof(type) }

uint32_t nsp_pool_get(struct nsp_pool *p);
void nsp_pool_put(struct nsp_pool *p, uint32_t idx);
void *nsp_pool_at(const struct nsp_pool *p, uint32_t idx);
uint32_t nsp_pool_high(const struct nsp_pool *p);
size_t nsp_pool_bytes(const struct nsp_pool *p);
/* Copy a live object; 0 on success, -1 if it is free or changed meanwhile. */
int nsp_pool_copy(const struct nsp_pool *p, uint32_t idx, uint32_t gen, void *dst);

/* A reference that survives reuse of the slot: (gen << 32) | index. */
typedef uint64_t nsp_ref;
#define NSP_REF(idx, gen) (((uint64_t)(gen) << 32) | (idx))
#define NSP_REF_IDX(r) ((uint32_t)(r))
#define NSP_REF_GEN(r) ((uint32_t)((r) >> 32))

/* ---- registry.c: what each thread did */

struct nsp_stack {
	uint32_t depth;
	uintptr_t ip[NSP_MAX_DEPTH];
};

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
nsp_ref nsp_ref_of(const struct nsp_thread *t);
void nsp_record_switch(int call, unsigned kinds);
/* The same with the stack read from frame on: __builtin_frame_address(0)
 * of the wrapper the program called, so the walk starts at the caller. */
void nsp_record_switch_at(int call, unsigned kinds, const void *frame);
struct nsp_thread *nsp_thread_prepare(void *(*start)(void *), void *arg);
/* The same with the creation stack read from frame on (as nsp_record_switch_at). */
struct nsp_thread *nsp_thread_prepare_at(void *(*start)(void *), void *arg, const void *frame);
void nsp_thread_abandon(struct nsp_thread *t);
void nsp_thread_begin(struct nsp_thread *t);
void nsp_thread_end(void);
void nsp_registry_atfork_child(void);
uint64_t nsp_next_seq(void);

/* ---- nstype.c: namespace types and CLONE_NEW* flags */

extern const char *const nsp_ns_names[NAMSPILL_NS_COUNT];
unsigned nsp_kinds_of_flags(unsigned long flags);
int nsp_kind_of_type(int type);
unsigned long nsp_flag_of_kind(int kind);
const char *nsp_flag_name(int kind);
unsigned nsp_kinds_of_nsfd(int fd);

/* ---- options.c */

#define NSP_MAX_PATH 512

struct nsp_options {
	char log_path[NSP_MAX_PATH]; /* "" = stderr, only when spills */
	int json;
	int exitcode;
	int stack_depth;
	int verbosity;
	int help;
	uint64_t signals;  /* bit sig-1: report when sig would kill the process */
	int report_signal; /* 0: no on-demand reports */
	char symbolizer[NSP_MAX_PATH]; /* "" = look next to the library */
	char suppressions[NSP_MAX_PATH]; /* "" = none */
	int start_marker;
};

extern struct nsp_options nsp_opt;

typedef void (*nsp_warn_fn)(const char *msg, const char *key, const char *val);
void nsp_options_defaults(struct nsp_options *o);
/* Parse NAMSPILL_OPTIONS syntax; calls warn once per bad key or value. */
void nsp_options_parse(struct nsp_options *o, const char *s, nsp_warn_fn warn);
void nsp_options_print(int fd, const struct nsp_options *o);
/* Every set entry as a NAMSPILL_OPTIONS string that parses back to o;
 * -1 if it does not fit or a value holds both kinds of quote. */
int nsp_options_format(const struct nsp_options *o, char *buf, size_t cap);

/* ---- signame.c: names and default actions of signals */

#define NSP_SIG_MAX 64
#define NSP_SIGNAME_MAX 16
#define NSP_SIGBIT(sig) (1ull << ((sig) - 1))

int nsp_sig_fatal_by_default(int sig);
const char *nsp_sig_name(int sig, char buf[NSP_SIGNAME_MAX]);
/* "SIGTERM", "term", "15", "RTMIN+2": the number, or -1. */
int nsp_sig_parse(const char *s, size_t n);

/* ---- sigstate.c: signal dispositions we took over, as the program sees
 * them.  We install our handler only where the program's disposition is
 * the default; its own handlers and SIG_IGN are never touched. */

#include <signal.h>

/* The real libc functions, filled in by the shim before nsp_init(). */
struct nsp_libc {
	int (*sigaction)(int, const struct sigaction *, struct sigaction *);
	int (*sigaltstack)(const stack_t *, stack_t *);
	long (*syscall)(long, ...); /* raw: our own wrapper would record */
};
extern struct nsp_libc nsp_libc;

void nsp_sig_install(void); /* at start-up, after the options */
int nsp_sig_managed(int sig);
/* sigaction() as the program would see it without us. */
int nsp_sig_action(int sig, const struct sigaction *act, struct sigaction *old);
/* Gives a signal back to the default disposition for real (to die by it). */
void nsp_sig_release(int sig);
void nsp_sig_block_fatal(sigset_t *old); /* around the exit report */

/* ---- sigreport.c: the handler */

void nsp_sig_handler(int sig, siginfo_t *si, void *uc);

/* ---- altstack.c: a signal stack of ours for threads that have none, so
 * a thread that ran out of stack still gets its crash reported. */

void nsp_altstack_init(void);
void nsp_altstack_thread_begin(void);
void nsp_altstack_thread_end(void);
/* sigaltstack() as the program would see it without us. */
int nsp_altstack_call(const stack_t *ss, stack_t *old);
/* Is there room for a report on the signal stack this handler runs on? */
int nsp_altstack_room(void);

/* ---- unwind.c */

void nsp_unwind_init(void);
/* Raw return addresses of the caller's stack, our own frames removed. */
uint32_t nsp_capture(uintptr_t *ip, uint32_t max);
/* The same from a frame pointer of ours on (see nsp_record_switch_at). */
uint32_t nsp_capture_at(const void *frame, uintptr_t *ip, uint32_t max);
/* Drops frames inside [lo, hi) in place; returns how many remain. */
size_t nsp_drop_own(uintptr_t *ip, size_t n, uintptr_t lo, uintptr_t hi);
int nsp_own_range(uintptr_t *lo, uintptr_t *hi);

/* ---- cfi.c: frame rules from .eh_frame (x86_64) */

enum nsp_rule_kind {
	NSP_RULE_NORMAL = 1, /* caller found from the CFA as below */
	NSP_RULE_END,        /* outermost frame: the return address is undefined */
	NSP_RULE_SIGNAL,     /* signal trampoline: the caller's registers are in the ucontext */
	NSP_RULE_OTHER,      /* needs more than rsp, rbp and memory: ask libunwind */
};

struct nsp_rule {
	int kind;
	int cfa_rbp;    /* CFA = rbp + cfa_off, else rsp + cfa_off */
	int rbp_saved;  /* the caller's rbp is at CFA + rbp_off, else unchanged */
	int64_t cfa_off, rbp_off;
	int64_t ra_off; /* the return address is at CFA + ra_off */
};

/* The rule of the frame stopped at pc: 0, or -1 when pc has no CFI. */
int nsp_cfi_rule(uintptr_t pc, struct nsp_rule *r);

/* ---- walk.c: the stack walker and its table of rules */

#define NSP_WALK_NOCACHE (~0ull) /* a generation: use no cached rule */
#define NSP_WALK_MAY_MISS 1      /* may work out rules not in the table */

/* The generation of cached rules valid now, or NSP_WALK_NOCACHE while
 * code is being unloaded. */
uint64_t nsp_walk_gen(void);
/* Around dlclose: done 0 before, 1 after. */
void nsp_walk_unloading(int done);
/* Return addresses of the calling thread, its own frame first, or from
 * frame (a frame pointer of ours) on: the count, or -1 if a frame needs
 * libunwind (or a rule is missing without MAY_MISS). */
int nsp_walk(uintptr_t *out, int max, uint64_t gen, int flags, const void *frame);
/* Frames in [lo, hi) are walked through but not given out. */
void nsp_walk_skip(uintptr_t lo, uintptr_t hi);

/* ---- arena.c: mmap-backed bump allocator, usable in signal context */

struct nsp_arena {
	char *base;
	size_t used, cap;
};

int nsp_arena_init(struct nsp_arena *a, size_t cap);
void *nsp_arena_alloc(struct nsp_arena *a, size_t n);
void *nsp_arena_rest(struct nsp_arena *a, size_t *avail);
void nsp_arena_keep(struct nsp_arena *a, size_t n);
void nsp_arena_fini(struct nsp_arena *a);

/* ---- helpers.c: helper threads for the report's long /proc reads */

#define NSP_MAX_PARTS 4

/* A system call that leaves errno alone: a negative errno on failure. */
/* clone(flags) onto stack, running fn(arg) there; the new task ends when
 * fn returns.  tid: CLONE_PARENT_SETTID / CLONE_CHILD_CLEARTID word. */
long nsp_clone_run(unsigned long flags, char *stack, size_t size, void (*fn)(void *), void *arg,
		   _Atomic pid_t *tid);
void nsp_helpers_init(void); /* at start-up */
/* May a task share our memory without being a thread (CLONE_VM alone)?
 * Not under valgrind nor in sanitizer builds. */
int nsp_may_share_memory(void);
long nsp_raw_syscall(long nr, long a, long b, long c, long d);
/* A seccomp filter is installed (or /proc/self/status is unreadable):
 * no clone() the program did not ask for, its filter might kill for it. */
int nsp_seccomp_filtered(void);
/* How many parts to cut `items` into, at least per_part items each: one
 * per CPU we may run on, up to NSP_MAX_PARTS. */
int nsp_parts(size_t items, size_t per_part);
/* fn(arg, part, parts) for every part, parts 1.. on helper threads that
 * must touch no thread-local state (errno included); returns when all
 * are done.  Helper stacks come from the arena. */
void nsp_run_parts(struct nsp_arena *a, int parts, void (*fn)(void *arg, int part, int parts),
		   void *arg);

/* ---- out.c: buffered writer to an fd, no malloc and no stdio */

struct nsp_out {
	int fd;
	int err; /* first errno seen, 0 if all written */
	size_t len;
	char buf[4096];
};

void nsp_out_init(struct nsp_out *o, int fd);
void nsp_out_str(struct nsp_out *o, const char *s);
void nsp_out_mem(struct nsp_out *o, const char *s, size_t n);
void nsp_out_u64(struct nsp_out *o, uint64_t v);
void nsp_out_i64(struct nsp_out *o, int64_t v);
void nsp_out_hex(struct nsp_out *o, uint64_t v);
void nsp_out_json_str(struct nsp_out *o, const char *s); /* quoted, or null */
void nsp_out_json_mem(struct nsp_out *o, const char *s, size_t n);
void nsp_out_json_strv(struct nsp_out *o, const char *buf, size_t len);
int nsp_out_flush(struct nsp_out *o);
int nsp_write_all(int fd, const char *s, size_t n);
void nsp_out_check_std(void); /* at start: which of fds 1, 2 are closed */
void nsp_msg(const char *a, const char *b, const char *c);

/* ---- proc.c: the one /proc reader */

/* Threads of pid with their namespaces, into arena; threads that vanish
 * while being read are left out.  Returns count or a negative errno. */
long nsp_proc_tasks(pid_t pid, struct nsp_arena *a, struct namspill_task **out);
/* The same without the names (comm left empty): one read less per thread. */
long nsp_proc_namespaces(pid_t pid, struct nsp_arena *a, struct namspill_task **out);
int nsp_proc_comm(pid_t pid, pid_t tid, char comm[16]);
/* Holds /proc open from start-up; nsp_proc_open() then works from any
 * mount namespace.  rel is relative to /proc ("self/maps"). */
void nsp_proc_anchor(void);
int nsp_proc_open(const char *rel, int flags);
int nsp_proc_start_time(pid_t pid, pid_t tid, uint64_t *ticks);
/* "Threads:" of /proc/PID/status, which the kernel keeps (so it costs the
 * same with ten threads or ten thousand, unlike stat); 0 if unknown. */
size_t nsp_proc_thread_count(pid_t pid);
ssize_t nsp_proc_read(pid_t pid, const char *name, char *buf, size_t cap);
/* Thread ids named by the getdents64 records in buf[0..n), at most cap;
 * other names and malformed records are skipped.  Pure, for fuzzing. */
size_t nsp_dents_tids(const char *buf, size_t n, pid_t *out, size_t cap);

/* Reads /proc/PID/NAME (pid 0: this process) whole into the arena with
 * plain syscalls; returns its length or a negative errno. */
long nsp_proc_slurp(pid_t pid, const char *name, struct nsp_arena *a, char **out);

/* ---- proctext.c: /proc text (maps, status) */

struct nsp_map {
	struct nsp_map *next;
	uintptr_t lo, hi, base; /* base: load address of the file (offset 0) */
	const char *path;       /* NULL: anonymous, [stack], [vdso], ... */
	int exec;
};

/* Every well-formed line of buf[0..n), in order, allocated in a. */
struct nsp_map *nsp_maps_parse(const char *buf, size_t n, struct nsp_arena *a);
/* One mapping, its base taken from prev when that maps the same path. */
struct nsp_map *nsp_map_new(struct nsp_arena *a, uintptr_t lo, uintptr_t hi, uintptr_t off,
			    int exec, const char *path, size_t plen, const struct nsp_map *prev);
/* proc.c: the mappings of files of pid (0: this process), in address
 * order; asked of the kernel one by one where it can (PROCMAP_QUERY), else
 * parsed from the text (which lists anonymous ones too).  NULL if there
 * are none or maps cannot be read. */
struct nsp_map *nsp_proc_maps(pid_t pid, struct nsp_arena *a);
/* The number after "key:" in /proc/PID/status text, base 10 or 16;
 * 0, or -1 if missing or not a number. */
int nsp_status_num(const char *buf, size_t n, const char *key, int base, uint64_t *out);
/* Field FIELD (as numbered in proc(5), 3 or more) of /proc/PID/stat text
 * when it is a decimal number; 0, or -1. */
int nsp_stat_num(const char *buf, size_t n, int field, uint64_t *out);

/* ---- verdict.c: pure majority logic */

struct nsp_verdict {
	struct namspill_nsid majority[NAMSPILL_NS_COUNT];
	size_t count[NAMSPILL_NS_COUNT]; /* threads in the majority namespace */
};

/* Bytes of scratch nsp_majority() needs for n threads. */
size_t nsp_majority_work(size_t n);
void nsp_majority(const struct namspill_task *t, size_t n, pid_t main_tid,
		  struct nsp_verdict *v, void *work);
int nsp_spilled(const struct namspill_task *t, const struct nsp_verdict *v, int type);

/* ---- report.c: collect what a report says */

struct nsp_cause {
	int call;
	unsigned kinds;
	pid_t tid;
	uint64_t seq;
	struct nsp_stack stack;
};

struct nsp_hop {
	pid_t tid, parent_tid;
	struct nsp_stack stack;
};

struct nsp_spill {
	pid_t tid;
	char comm[16];
	int type;
	struct namspill_nsid ns;
	int suppressed; /* matched a suppression: counted, does not fail */
	const struct nsp_cause *cause; /* NULL: no recorded call explains it */
	size_t nhops;
	const struct nsp_hop *hops; /* inherited_via, the spilled thread first */
	const struct nsp_hop *creation; /* how the thread was created, if known */
};

struct nsp_report {
	pid_t pid;
	char comm[16];
	const char *trigger; /* "exit", "signal", "request" */
	int signo;
	int proc_err; /* negative errno: /proc unreadable, no verdict */
	size_t nthreads;
	struct nsp_verdict verdict;
	size_t nspills;
	struct nsp_spill *spills;
	size_t nsuppressed;
	const char *argv; /* /proc/PID/cmdline: NUL-separated, argv_len bytes */
	size_t argv_len;
};

/* The recorded call r, copied through the scratch event e (it may be
 * reused meanwhile); 0, or -1 if it is gone. */
int nsp_cause_copy(nsp_ref r, struct nsp_event *e, struct nsp_cause *c);
int nsp_report_scan(struct nsp_report *r, struct nsp_arena *a, pid_t pid,
		    const char *trigger, int signo);
int nsp_report_collect(struct nsp_report *r, struct nsp_arena *a,
		       const char *trigger, int signo);

/* Copies of the thread records, by tid: the record of a live tid is the
 * running one, the newest if several claim it (tids are reused). */
struct nsp_recmap {
	struct nsp_thread *rec; /* copies */
	size_t n, cap;
	uint32_t *slot; /* open addressing by tid: index + 1 */
	size_t starting; /* created, not yet bound to their tid */
};

int nsp_recmap_build(struct nsp_recmap *m, struct nsp_arena *a);
const struct nsp_thread *nsp_recmap_find(const struct nsp_recmap *m, pid_t tid);

/* ---- symbolize.c */

struct nsp_frame {
	uintptr_t ip;
	const char *function, *module, *file;
	uintptr_t offset; /* ip - module base */
	int line;
	int inlined; /* inlined into the next frame (same ip) */
};

#define NSP_MAX_INLINE 8

struct nsp_sym;
/* full: also names and file:line via libdw (not in signal context). */
struct nsp_sym *nsp_sym_open(struct nsp_arena *a, int full);
/* The same for another process (the tracer); pid must stay stopped. */
struct nsp_sym *nsp_sym_open_pid(struct nsp_arena *a, pid_t pid, int full);
/* Frames at ip, functions inlined there first; returns how many (>= 1). */
int nsp_sym_frames(struct nsp_sym *s, uintptr_t ip, struct nsp_frame *f, int max);
/* The innermost of them. */
void nsp_sym_frame(struct nsp_sym *s, uintptr_t ip, struct nsp_frame *f);
/* Name of the function at a code address that is not a return address. */
void nsp_sym_entry(struct nsp_sym *s, uintptr_t addr, struct nsp_frame *f);
void nsp_sym_close(struct nsp_sym *s);

/* ---- anchor.c: files kept open from start-up, at high fd numbers */

struct nsp_anchor {
	int fd;
	uint64_t dev, ino;
};

void nsp_anchor_open(struct nsp_anchor *a, const char *path, int flags);
/* The fd if it is still the file opened, else -1. */
int nsp_anchor_fd(const struct nsp_anchor *a);

/* ---- symproto.c: frames named by another process (namspill-symbolize) */

struct nsp_symentry {
	uintptr_t ip;
	int n;
	struct nsp_frame *f;
};

struct nsp_symtab {
	size_t n;
	struct nsp_symentry *e; /* ascending ip */
};

void nsp_proto_head(struct nsp_out *o, uintptr_t ip, int n);
void nsp_proto_frame(struct nsp_out *o, const struct nsp_frame *f);
uintptr_t nsp_proto_hex(const char **p, const char *end, int *ok);
/* Parses an answer in place; buf has one spare byte after len. */
int nsp_proto_parse(char *buf, size_t len, struct nsp_arena *a, struct nsp_symtab *t);
int nsp_symtab_frames(const struct nsp_symtab *t, uintptr_t ip, struct nsp_frame *f, int max);
void nsp_sym_set_table(struct nsp_sym *s, const struct nsp_symtab *t);

/* ---- symext.c: asks namspill-symbolize, from a signal handler */

void nsp_symext_init(void);
struct nsp_symext_early;
/* Before a report is collected: for a process with many threads, starts
 * the helper on every address the records hold; NULL if not started. */
struct nsp_symext_early *nsp_symext_early(struct nsp_arena *a);
void nsp_symext_cancel(struct nsp_symext_early *e); /* NULL: nothing */
const char *nsp_symext_outcome(const struct nsp_symext_early *e); /* NULL if none */
/* Like nsp_sym_open(a, 1) for the addresses in r, safe in a signal
 * handler; NULL if the helper could not be asked or did not answer.
 * Takes the early helper's answer when it was asked them all; ends it
 * in any case. */
struct nsp_sym *nsp_symext_open(struct nsp_arena *a, const struct nsp_report *r,
				struct nsp_symext_early *early);
const char *nsp_symext_helper(void); /* its path, for messages */

/* ---- report_json.c, report_text.c */

void nsp_write_json(struct nsp_out *o, const struct nsp_report *r, struct nsp_sym *s);
void nsp_write_text(struct nsp_out *o, const struct nsp_report *r, struct nsp_sym *s);
void nsp_text_where(struct nsp_out *o, const struct nsp_frame *f); /* " in F file:line" */
void nsp_text_stack(struct nsp_out *o, const struct nsp_stack *st, struct nsp_sym *s);
void nsp_text_cause(struct nsp_out *o, const struct nsp_cause *c, struct nsp_sym *s);
void nsp_text_ns(struct nsp_out *o, const struct nsp_verdict *v, size_t nthreads, int type,
		 const struct namspill_nsid *here);

/* ---- emit.c: where reports go */

/* verbosity=2: the pools' high-water marks, one line on stderr. */
void nsp_emit_pool_stats(void);

/* Writes the report of this process per the options; returns the number
 * of spills not suppressed, or -1 if no verdict could be taken.  "signal"
 * and "request" reports are written from a signal handler: frames are then
 * named by the namspill-symbolize program, and requests go to files of
 * their own. */
int nsp_emit(const char *trigger, int signo);
/* One report to fd as text or JSON; 0 or a negative errno. */
int nsp_write_report(int fd, const struct nsp_report *r, struct nsp_sym *s, int json);

/* One final report per process, from exit or a fatal signal. */
enum nsp_claim { NSP_CLAIMED, NSP_DONE, NSP_BUSY, NSP_BUSY_HERE };
enum nsp_claim nsp_final_claim(void);
void nsp_final_done(void);
/* Waits (bounded) while another thread writes the final report; sig is
 * the fatal signal the caller will die of, 0 if none. */
void nsp_final_wait(int sig);
void nsp_emit_init(void); /* at start-up, after the options */
/* Writes a collected report per the options (log file or stderr). */
void nsp_emit_report(const struct nsp_report *r, struct nsp_sym *s);
/* Once per process: report at exit; returns the status to exit with. */
int nsp_exit_report(int status);
/* With start_marker and log_path: PATH.<pid>.start says this process runs
 * with the shim (forked: in a fork child, before any exec); the final
 * report removes it. */
void nsp_mark_start(int forked);
/* Renames it PATH.<pid>.threads at the first thread the process starts. */
void nsp_mark_threads(void);

/* ---- The in-process API (include/namspill.h): api.c, threads.c,
 * ignore.c, leaks_text.c */

#define NSP_API_ARENA ((size_t)256 << 20)

/* A thread for good: the kernel reuses a tid only after its thread is
 * gone, and the start time (clock ticks) or our creation sequence then
 * differ.  seq is 0 when the thread has no record (yet). */
struct nsp_tident {
	pid_t tid;
	uint64_t start;
	uint64_t seq;
};

struct namspill_threads {
	size_t n;
	struct nsp_tident t[]; /* sorted by tid */
};

int nsp_tident_same(const struct nsp_tident *a, const struct nsp_tident *b);
void nsp_tident_sort(struct nsp_tident *t, size_t n);
/* Whether cur is in baseline (sorted). */
int nsp_tident_known(const struct namspill_threads *baseline, const struct nsp_tident *cur);

/* The names a leaked thread can be ignored by. */
struct nsp_leak_names {
	pid_t tid;
	const char *top;             /* start routine, NULL if unknown */
	const char *const *creator;  /* functions at the call of pthread_create */
	size_t ncreator;             /* (more than one where it was inlined) */
	const char *const *stack;    /* every function of the creation stack */
	size_t nstack;
};

enum nsp_ignored { NSP_IGN_NONE, NSP_IGN_TID, NSP_IGN_TOP, NSP_IGN_CREATOR, NSP_IGN_STACK };

int nsp_ignore_wants_names(const struct namspill_ignore *ig);
int nsp_ignore_tid(const struct namspill_ignore *ig, pid_t tid);
enum nsp_ignored nsp_ignore_match(const struct namspill_ignore *ig,
				  const struct nsp_leak_names *t);

struct nsp_leak {
	struct namspill_task task;
	const struct nsp_thread *rec; /* NULL: not created through our wrapper */
};

struct nsp_leaks {
	pid_t pid;
	size_t nthreads, nignored, n;
	struct nsp_verdict verdict;
	struct nsp_leak *v;
};

void nsp_write_leaks(struct nsp_out *o, const struct nsp_leaks *l, struct nsp_sym *s);

/* ---- suppress.c: suppression rules, pure (buffers in, no I/O) */

enum { NSP_SUPP_SPILL = 1, NSP_SUPP_MODULE = 2 };

#define NSP_SUPP_MAX 1024

struct nsp_supp_rule {
	uint32_t off; /* pattern at text + off, NUL-terminated */
	uint16_t len;
	uint8_t kind;
};

struct nsp_supp {
	size_t n, used;
	struct nsp_supp_rule rule[NSP_SUPP_MAX];
	char text[(size_t)64 << 10];
};

/* Whole-string match of name against pat (pn bytes): '*' and '?'. */
int nsp_glob(const char *pat, size_t pn, const char *name);
/* Called once per bad line: why, then the item quoted (not NUL-terminated). */
typedef void (*nsp_supp_err_fn)(void *ctx, size_t line, const char *why,
				const char *item, size_t item_len);
/* Adds the rules of a suppression file's text (len bytes) to set, which
 * starts zeroed; returns the number of bad lines. */
int nsp_supp_parse(struct nsp_supp *set, const char *buf, size_t len, nsp_supp_err_fn err,
		   void *ctx);
/* Does any rule of this kind match name (a module also by base name)? */
int nsp_supp_match(const struct nsp_supp *set, int kind, const char *name);

/* ---- report_suppress.c: the suppressions option applied to reports */

/* Adds the rules of a suppression file to set (plain syscalls, no malloc);
 * each bad line gets one message on stderr naming file and line.  0, or a
 * negative errno (-EFBIG: over 1 MiB) if it cannot be read. */
int nsp_supp_read(struct nsp_supp *set, const char *path);
/* The same for the file of the suppressions option, into the rules the
 * reports use; says on stderr if it cannot be read. */
int nsp_supp_load(const char *path);
/* Marks the suppressed spills of r (names from s); returns how many are
 * left, the count that fails a run. */
size_t nsp_report_suppress(struct nsp_report *r, struct nsp_sym *s);
int nsp_supp_active(void); /* a suppressions file with rules was loaded */

/* ---- init.c */

extern _Atomic int nsp_passive; /* another copy of the library is in charge */
const char *nsp_version(void);
void nsp_init(void);
void nsp_init_ready(void); /* libc is initialised: environ can be read */

/* ---- sanrt.c: frames of a sanitizer runtime's interceptors */

void nsp_sanrt_init(void);
/* Drops the runtime's frames on top of a stack; returns how many remain. */
size_t nsp_sanrt_drop_top(uintptr_t *ip, size_t n);

#endif
