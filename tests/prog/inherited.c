/* Thread A enters a net namespace, creates B there, and goes home; B
 * creates C and both stay.  A ends before the report, so its record must
 * outlive it.  B and C are spilled by A's call, via one and two hops. */
#include "common.h"

static int nsfd;

static void *grandchild(void *p)
{
	(void)p;
	say_tid("C");
	pthread_barrier_wait(&ready);
	return park();
}

__attribute__((noinline)) static void spawn_grandchild(void)
{
	pthread_t t;
	pthread_create(&t, NULL, grandchild, NULL);
}

static void *child(void *p)
{
	(void)p;
	say_tid("B");
	spawn_grandchild();
	pthread_barrier_wait(&ready);
	return park();
}

__attribute__((noinline)) static void spawn_child(void)
{
	pthread_t t;
	pthread_create(&t, NULL, child, NULL);
}

__attribute__((noinline)) static void enter_sandbox(void)
{
	if (setns(nsfd, CLONE_NEWNET) != 0)
		abort();
}

static void *creator(void *p)
{
	int home = open_ns("net");
	(void)p;
	say_tid("A");
	enter_sandbox();
	spawn_child();
	if (setns(home, CLONE_NEWNET) != 0)
		abort();
	return NULL;
}

int main(void)
{
	pthread_t a, t[3];

	need_namespaces();
	nsfd = make_ns(CLONE_NEWNET, "net");
	pthread_barrier_init(&ready, NULL, 6);
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, bystander, NULL);
	pthread_create(&a, NULL, creator, NULL);
	pthread_join(a, NULL);
	pthread_barrier_wait(&ready);
	return 0;
}
