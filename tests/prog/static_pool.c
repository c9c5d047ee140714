/* many_spills.c built -static, so only the supervisor's records explain
 * it: "static_pool 4 1" has every worker enter a uts namespace and stay,
 * main never switching. */
#include "many_spills.c"
