/* The floor of the process benchmarks: a preloaded library that does nothing. */
void nsp_bench_empty(void) {}
