/* restore_fails, statically linked: no preload reaches it, so namspill
 * sees its calls from outside (the supervisor, the tracer). */
#include "restore_fails.c"
