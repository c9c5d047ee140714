# Benchmarks (bench/): nsp-bench runs one workload; bench/run.py runs each
# natively, under the shim and under the tracers, alternating, and writes
# $(BUILD)/bench/results.md and scaling.svg.  libempty.so, preloaded, is the
# floor of the process rows: what any preload costs a process.
#   make bench                  measure (BENCH_ARGS="--quick", "--cpu 1", ...)
#   make bench-publish          measure, then copy the table and the plot to
#                               bench/results/ and docs/performance.md

BENCH_SRC = $(filter-out bench/empty.c,$(wildcard bench/*.c))

$(BUILD)/bench/nsp-bench: $(BENCH_SRC) bench/bench.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -g -Wall -Wextra -pthread -o $@ $(BENCH_SRC) -ldl

$(BUILD)/bench/libempty.so: bench/empty.c
	@mkdir -p $(dir $@)
	$(CC) -shared -fPIC -o $@ $<

BENCH_BIN = $(BUILD)/bench/nsp-bench $(BUILD)/bench/libempty.so

tests: $(BENCH_BIN)

bench: all $(BENCH_BIN)
	nice bench/run.py --build $(BUILD) $(BENCH_ARGS)

bench-publish: all $(BENCH_BIN)
	nice bench/run.py --build $(BUILD) --publish $(BENCH_ARGS)

.PHONY: bench bench-publish
