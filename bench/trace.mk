# Tracer-mode overhead (bench/trace-bench.sh), part of `make bench`.

$(BUILD)/bench/trace_setns: bench/trace_setns.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -o $@ $<

bench-trace: all $(BUILD)/bench/trace_setns
	@bench/trace-bench.sh $(BUILD)

bench: bench-trace

.PHONY: bench bench-trace
