/* h_leak built by clang with ThreadSanitizer, its runtime linked into the
 * program (see clang_asan_leak.c). */
#include "h_leak.c"
