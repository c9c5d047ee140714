/* Load: 1,000 threads race setns/unshare/pthread_exit while one of them
 * calls exit().  Usage: h_race SEED
 *
 * - NSTAY threads each do a switch drawn from SEED (none, setns to A or B,
 *   there and back, unshare uts, setns(fd, 0), syscall(SYS_setns), or
 *   create a child while in A), read their own namespaces from the kernel,
 *   and park: their state at exit is known.
 * - NEND threads do the same, then end (pthread_exit or return) at the
 *   moment exit() runs: each may or may not be in the report.
 * - NCHURN threads loop until the process dies: setns to A and back,
 *   unshare uts and go home, create and join threads that pthread_exit.
 *
 * Once every thread has settled, the exiting thread prints the ground truth
 * and calls exit(0) while the churn goes on.  Lines:
 *   home NET_INO UTS_INO A A_INO
 *   T KIND TID NET_INO UTS_INO NET_CALL NET_BY UTS_CALL UTS_BY PARENT
 * KIND is stay, end, child (of a stay thread), main, exiter or churn; CALL
 * is the last call that moved the thread (setns, unshare, or - for none)
 * and BY the thread that made it (the creator for an inherited one). */
#include <stdatomic.h>
#include <sys/stat.h>

#include "common.h"

#define NSTAY 700
#define NEND 200
#define NCHURN 100
#define NTHREADS (NSTAY + NEND + NCHURN) /* the exiter is one more */
#define NSLOTS (2 * NTHREADS + 2)

enum act { A_NONE, A_NET_A, A_NET_A_BACK, A_NET_B, A_UTS_UNSHARE, A_UTS_ZERO,
	   A_RAW_NET_B, A_CHILD_IN_A, A_COUNT };

struct truth {
	const char *kind;
	pid_t tid, parent;
	unsigned long net, uts;
	const char *net_call, *uts_call;
	pid_t net_by, uts_by;
};

static struct truth truth[NSLOTS];
static _Atomic int nslots;
static int net_a, net_b, uts_a, home_net, home_uts;
static pthread_barrier_t settled;
static pthread_attr_t small;
static _Atomic int go_end;

static unsigned rnd(unsigned *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static unsigned long ino_of(const char *name)
{
	char p[64];
	struct stat st;

	snprintf(p, sizeof(p), "/proc/thread-self/ns/%s", name);
	return stat(p, &st) == 0 ? (unsigned long)st.st_ino : 0;
}

static void must(int ok, const char *what)
{
	if (!ok) {
		perror(what);
		abort();
	}
}

static struct truth *settle(const char *kind, struct truth *t)
{
	int i = atomic_fetch_add(&nslots, 1);

	must(i < NSLOTS, "slots");
	t->kind = kind;
	t->tid = tid_now();
	t->net = ino_of("net");
	t->uts = ino_of("uts");
	truth[i] = *t;
	return &truth[i];
}

struct handoff {
	struct truth t;
	_Atomic int taken;
};

static void *child(void *p)
{
	struct handoff *h = p;
	struct truth t = h->t;

	atomic_store(&h->taken, 1);

	settle("child", &t);
	pthread_barrier_wait(&settled);
	return park();
}

/* What thread `me` does; fills in the calls it made. */
static void act(enum act a, struct truth *t)
{
	pid_t me = tid_now();
	pthread_t c;

	switch (a) {
	case A_NONE:
		break;
	case A_NET_A_BACK:
		must(setns(net_a, CLONE_NEWNET) == 0, "setns A");
		must(setns(home_net, CLONE_NEWNET) == 0, "setns home");
		t->net_call = "setns", t->net_by = me;
		break;
	case A_NET_A:
	case A_NET_B:
		must(setns(a == A_NET_A ? net_a : net_b, CLONE_NEWNET) == 0, "setns");
		t->net_call = "setns", t->net_by = me;
		break;
	case A_RAW_NET_B:
		must(syscall(SYS_setns, net_b, CLONE_NEWNET) == 0, "syscall setns");
		t->net_call = "setns", t->net_by = me;
		break;
	case A_UTS_UNSHARE:
		must(unshare(CLONE_NEWUTS) == 0, "unshare");
		t->uts_call = "unshare", t->uts_by = me;
		break;
	case A_UTS_ZERO:
		must(setns(uts_a, 0) == 0, "setns 0");
		t->uts_call = "setns", t->uts_by = me;
		break;
	case A_CHILD_IN_A: {
		struct handoff h = { { .kind = "child", .net_call = "setns", .net_by = me,
				       .uts_call = "-", .parent = me }, 0 };
		must(setns(net_a, CLONE_NEWNET) == 0, "setns A");
		must(pthread_create(&c, &small, child, &h) == 0, "child");
		must(setns(home_net, CLONE_NEWNET) == 0, "setns home");
		t->net_call = "setns", t->net_by = me;
		while (!atomic_load(&h.taken)) /* h lives on this stack */
			sched_yield();
		break;
	}
	default:
		break;
	}
}

struct plan {
	const char *kind;
	enum act act;
	unsigned seed;
};

static void *worker(void *p)
{
	struct plan *pl = p;
	struct truth t = { .net_call = "-", .uts_call = "-" };
	unsigned s = pl->seed;

	act(pl->act, &t);
	settle(pl->kind, &t);
	pthread_barrier_wait(&settled);
	if (strcmp(pl->kind, "end"))
		return park();
	while (!atomic_load(&go_end))
		sched_yield();
	for (unsigned n = rnd(&s) % 64; n; n--)
		sched_yield();
	if (rnd(&s) & 1)
		pthread_exit(NULL);
	return NULL;
}

static void *churn_child(void *p)
{
	unsigned s = (unsigned)(long)p | 1;

	if (rnd(&s) % 3 == 0 && setns(net_a, CLONE_NEWNET) == 0)
		setns(home_net, CLONE_NEWNET);
	if (rnd(&s) & 1)
		pthread_exit(NULL);
	return NULL;
}

static void *churn(void *p)
{
	unsigned s = (unsigned)(long)p | 1;
	struct truth t = { .net_call = "-", .uts_call = "-" };
	pthread_t c;

	settle("churn", &t);
	pthread_barrier_wait(&settled);
	for (;;) {
		switch (rnd(&s) % 4) {
		case 0:
			if (setns(net_a, CLONE_NEWNET) == 0)
				setns(home_net, CLONE_NEWNET);
			break;
		case 1:
			if (unshare(CLONE_NEWUTS) == 0)
				setns(home_uts, CLONE_NEWUTS);
			break;
		default:
			if (pthread_create(&c, &small, churn_child, (void *)(long)rnd(&s)) == 0)
				pthread_join(c, NULL);
		}
	}
	return NULL;
}

static void print_truth(void)
{
	int n = atomic_load(&nslots);
	struct stat a;

	must(fstat(net_a, &a) == 0, "fstat");
	printf("home %lu %lu A %lu\n", ino_of("net"), ino_of("uts"), (unsigned long)a.st_ino);
	for (int i = 0; i < n; i++) {
		struct truth *t = &truth[i];
		printf("T %s %d %lu %lu %s %d %s %d %d\n", t->kind, (int)t->tid, t->net, t->uts,
		       t->net_call, (int)t->net_by, t->uts_call, (int)t->uts_by, (int)t->parent);
	}
	fflush(stdout);
}

static void *exiter(void *unused)
{
	struct truth t = { .net_call = "-", .uts_call = "-" };

	(void)unused;
	settle("exiter", &t);
	pthread_barrier_wait(&settled);
	print_truth();
	atomic_store(&go_end, 1);
	exit(0);
}

int main(int argc, char **argv)
{
	static struct plan plan[NTHREADS];
	unsigned seed = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 1, s = seed * 2654435761u | 1;
	struct truth mt = { .net_call = "-", .uts_call = "-" };
	int parties = NTHREADS + 2; /* + exiter + main */
	pthread_t th;

	need_namespaces();
	home_net = open_ns("net");
	home_uts = open_ns("uts");
	net_a = make_ns(CLONE_NEWNET, "net");
	net_b = make_ns(CLONE_NEWNET, "net");
	uts_a = make_ns(CLONE_NEWUTS, "uts");
	must(pthread_attr_init(&small) == 0 && pthread_attr_setstacksize(&small, 128 << 10) == 0,
	     "attr");
	for (int i = 0; i < NTHREADS; i++) {
		unsigned r = rnd(&s);
		plan[i].kind = i < NSTAY ? "stay" : i < NSTAY + NEND ? "end" : "churn";
		/* Half do nothing, so the home namespaces keep the majority. */
		plan[i].act = r % 2 ? A_NONE : (enum act)(1 + (r >> 1) % (A_COUNT - 1));
		plan[i].seed = rnd(&s) | 1;
		parties += plan[i].act == A_CHILD_IN_A && i < NSTAY + NEND;
	}
	pthread_barrier_init(&settled, NULL, (unsigned)parties);
	for (int i = 0; i < NTHREADS; i++) {
		int churner = i >= NSTAY + NEND;
		must(pthread_create(&th, &small, churner ? churn : worker,
				    churner ? (void *)(long)plan[i].seed : (void *)&plan[i]) == 0,
		     "pthread_create");
	}
	must(pthread_create(&th, NULL, exiter, NULL) == 0, "exiter");
	settle("main", &mt);
	pthread_barrier_wait(&settled);
	return park() != NULL;
}
