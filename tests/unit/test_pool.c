/* Lock-free pool: reuse, generation checks, concurrent get/put. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <pthread.h>
#include <string.h>
#include <cmocka.h>

#include "base/pool.h"

struct item {
	struct nsp_obj obj;
	uint64_t payload;
};

static void get_put_reuses(void **state)
{
	NSP_POOL_CHUNKS_OF(p);
	static struct nsp_pool p = NSP_POOL_INIT(struct item, p);
	uint32_t a, b, c;
	(void)state;
	a = nsp_pool_get(&p);
	b = nsp_pool_get(&p);
	assert_int_not_equal(a, 0);
	assert_int_not_equal(a, b);
	nsp_pool_put(&p, a);
	c = nsp_pool_get(&p);
	assert_int_equal(c, a); /* the freed slot comes back first */
	assert_int_equal(nsp_pool_high(&p), 2);
}

static void copy_validates_generation(void **state)
{
	NSP_POOL_CHUNKS_OF(p);
	static struct nsp_pool p = NSP_POOL_INIT(struct item, p);
	struct item copy;
	uint32_t i = nsp_pool_get(&p), gen;
	struct item *it = nsp_pool_at(&p, i);
	(void)state;
	it->payload = 42;
	gen = atomic_load(&it->obj.gen);
	assert_true(gen & 1);
	assert_int_equal(nsp_pool_copy(&p, i, gen, &copy), 0);
	assert_int_equal(copy.payload, 42);
	nsp_pool_put(&p, i);
	assert_int_equal(nsp_pool_copy(&p, i, gen, &copy), -ESTALE); /* freed */
	assert_int_equal(nsp_pool_get(&p), i);
	assert_int_equal(nsp_pool_copy(&p, i, gen, &copy), -ESTALE); /* reused: other gen */
	assert_int_equal(nsp_pool_copy(&p, i, 0, &copy), 0);    /* any gen */
	assert_int_equal(nsp_pool_copy(&p, 0, 0, &copy), -ESTALE);
	assert_int_equal(nsp_pool_copy(&p, 999, 0, &copy), -ESTALE);
}

NSP_POOL_CHUNKS_OF(shared);
static struct nsp_pool shared = NSP_POOL_INIT(struct item, shared);

static void *churn(void *arg)
{
	uint32_t held[64];
	(void)arg;
	for (int round = 0; round < 2000; round++) {
		for (int k = 0; k < 64; k++) {
			held[k] = nsp_pool_get(&shared);
			((struct item *)nsp_pool_at(&shared, held[k]))->payload = held[k];
		}
		for (int k = 0; k < 64; k++) {
			struct item *it = nsp_pool_at(&shared, held[k]);
			if (it->payload != held[k])
				return (void *)1; /* two owners of one slot */
			nsp_pool_put(&shared, held[k]);
		}
	}
	return NULL;
}

static void concurrent_churn_stays_bounded(void **state)
{
	pthread_t t[4];
	void *bad;
	(void)state;
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, churn, NULL);
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], &bad);
		assert_null(bad);
	}
	/* 4 threads x 64 held at most: never more objects than that */
	assert_true(nsp_pool_high(&shared) <= 256);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(get_put_reuses),
		cmocka_unit_test(copy_validates_generation),
		cmocka_unit_test(concurrent_churn_stays_bounded),
	};
	return cmocka_run_group_tests_name("pool", tests, NULL, NULL);
}
