/* lib/base: building blocks that are safe anywhere.
 *
 * Every function here is async-signal-safe and allocation-free: no malloc,
 * no stdio, no locks, no thread-local state, no global state of its own.
 * They are pure functions over the caller's memory, or raw system calls
 * into the caller's buffers.  The runtime uses them inside the program
 * (signal handlers and fork children included), the tools outside it.
 * Errors are 0 or a count on success, a negative errno on failure. */
#ifndef NSP_BASE_H
#define NSP_BASE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define NSP_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* For a zero-initialised table of a page or more, which start-up never
 * touches: kept after the small state (the linker places .lbss after
 * .bss), so that what every process touches at start-up shares a page or
 * two, not one page each between tables. */
#define NSP_BIG_BSS __attribute__((section(".lbss")))

/* For code every process runs (start-up, a plain exit): kept together
 * (the linker places .text.hot.* ahead of the rest of .text), so that it
 * is read in with one page fault, not one for each 64 KiB it spans. */
#define NSP_STARTUP __attribute__((section(".text.hot.namspill")))

/* For what threads write all the time (a pool's free list, a counter of
 * thread starts): a cache line of its own, with nothing after it.  Next
 * to the flags every wrapper reads (started, armed, passive), each write
 * on one CPU made those a cache miss on the others (perf: the load of the
 * started flag was most of nsp_init's samples in a loop of threads made
 * and joined; the timings of that loop did not tell the change apart). */
#define NSP_CACHE_LINE 64
#define NSP_OWN_LINE(type, name) struct { _Alignas(NSP_CACHE_LINE) type v; } name

#endif
