/* h_leak built with AddressSanitizer (tests/san.mk), run with the runtime
 * first in LD_PRELOAD and the plain library after it, as a user runs an
 * instrumented test suite under namspill. */
#include "h_leak.c"
