/* The verdict: per namespace type, the namespace most threads are in. */
#ifndef NSP_VERDICT_H
#define NSP_VERDICT_H

#include "namspill.h"
#include "base/base.h"

/* How home was settled where the most threads did not settle it: a tie
 * (the first three rules, in order), or records that outweigh the count. */
enum nsp_tie {
	NSP_TIE_NONE,    /* the most threads' namespace */
	NSP_TIE_UNMOVED, /* the side where no thread has a recorded switch */
	NSP_TIE_MAIN,    /* the main thread's side */
	NSP_TIE_INODE,   /* the lower inode: neither rule decided */
	NSP_HOME_MAIN,   /* not a tie: the main thread never switched, and
			  * every thread of the larger side was moved there */
};

struct nsp_verdict {
	struct namspill_nsid majority[NAMSPILL_NS_COUNT];
	size_t count[NAMSPILL_NS_COUNT]; /* threads in the majority namespace */
	unsigned char tie[NAMSPILL_NS_COUNT]; /* enum nsp_tie */
};

/* What the records say of a thread: the namespace types (bit per type) it
 * has a recorded switch of, its own setns/unshare or its creator's that it
 * was born with.  Asked only of the threads of a tie, and, where the main
 * thread is outside the majority, of the main thread and the majority's
 * threads until one has no recorded switch. */
struct nsp_moved {
	unsigned (*types)(const struct nsp_moved *m, const struct namspill_task *t);
	const void *ctx;
	/* Whether a recorded switch of type took thread t into namespace ns
	 * (1 also when that cannot be told: its earlier switches not kept, or
	 * no path kept at all); NULL: cannot be told for any thread. */
	int (*entered)(const struct nsp_moved *m, const struct namspill_task *t, int type,
		       const struct namspill_nsid *ns);
};

/* Bytes of scratch nsp_majority() needs for n threads. */
size_t nsp_majority_work(size_t n);
/* moved: NULL where no records are known (ties then go to the main
 * thread's side). */
void nsp_majority(const struct namspill_task *t, size_t n, pid_t main_tid,
		  const struct nsp_moved *moved, struct nsp_verdict *v, void *work);
int nsp_spilled(const struct namspill_task *t, const struct nsp_verdict *v, int type);
/* Whether each of the k threads t[idx[j]] does not count in the vote:
 * left[j] = 1 for those.  It may fill in their names (comm). */
typedef void nsp_ask_fn(void *ctx, struct namspill_task *t, const size_t *idx, size_t k,
			unsigned char *left);
/* Bytes of scratch nsp_leave_out() needs for n threads. */
size_t nsp_leave_out_work(size_t n);
/* Leaves out of t[0..n), judged v, the threads ask says do not count in
 * the vote, asking only as far as the answer can change the verdict;
 * the others stay in order.  Returns the new count: n if none is left
 * out, or if all would be. */
size_t nsp_leave_out(struct namspill_task *t, size_t n, const struct nsp_verdict *v,
		     nsp_ask_fn *ask, void *ctx, void *work);
/* "unmoved", "main_thread", "lower_inode", "main_unmoved"; NULL for none. */
const char *nsp_tie_name(int tie);

#endif
