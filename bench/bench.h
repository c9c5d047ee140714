/* The benchmark workloads of nsp-bench and what they share.  Each workload
 * prints "key value" lines on stdout; bench/run.py runs it natively and
 * under the shim, alternating, and compares. */
#ifndef NSP_BENCH_H
#define NSP_BENCH_H

#include <stdint.h>

#define BENCH_SKIP 77 /* exit status: cannot run here (reason on stderr) */

int64_t bench_now(void);
int64_t bench_cpu(void); /* CPU time of the calling thread, ns */
long bench_rss_kb(void);
void bench_put(const char *key, double v);
/* Two uts namespaces to switch between, made with root or in a user
 * namespace of our own; exits BENCH_SKIP when neither is permitted.  Call
 * before creating threads (a user namespace needs a single thread). */
void bench_uts_pair(int *home, int *away);
/* Runs op(i) n times in batches after a warm-up; prints the median batch
 * as ns_per_op (and cpu_ns_per_op), where one op(i) counts as `units` operations. */
void bench_per_op(void (*op)(long i), long n, int units);

int bench_create(long n, char **argv);
int bench_setns(long n, char **argv);
int bench_floor(long n, char **argv);
int bench_unshare(long n, char **argv);
int bench_pool(long n, char **argv);
int bench_report(long n, char **argv);
int bench_churn(long n, char **argv);

#endif
