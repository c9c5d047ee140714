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

#endif
