/* h_leak built by clang with AddressSanitizer, whose runtime clang links
 * into the program: there is no libasan.so whose frames the shim could
 * drop by library, only the exported interceptors. */
#include "h_leak.c"
