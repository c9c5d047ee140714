/* h_leak built with ThreadSanitizer (tests/san.mk); see asan_leak.c. */
#include "h_leak.c"
