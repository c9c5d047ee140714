# Fuzzing with clang's libFuzzer (tests/fuzz/fuzz_*.c), where clang is
# installed.  The lib/ sources are built again with the fuzzer's coverage
# and ASan+UBSan into $(BUILD)/fuzz.  `make check` runs each target over
# its committed corpus (tests/fuzz/corpus/NAME: seeds and every crash
# found, kept as regression inputs) plus a fixed number of new inputs
# (suite 60-fuzz); `make fuzz` runs each for FUZZ_SECONDS.

FUZZ_FLAGS = -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN = $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_LIB_OBJ = $(TOOL_SRC:%.c=$(BUILD)/fuzz/obj/%.o)
FUZZ_SECONDS ?= 60

ifneq ($(CLANG),)
$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CLANG) -std=gnu11 -Iinclude -Ilib -D_GNU_SOURCE $(FUZZ_FLAGS) \
		-fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(BUILD)/fuzz/libnsp_fuzz.a: $(FUZZ_LIB_OBJ)
	ar rcs $@ $^

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(BUILD)/fuzz/libnsp_fuzz.a
	$(CLANG) -std=gnu11 -Iinclude -Ilib -D_GNU_SOURCE $(FUZZ_FLAGS) -fsanitize=fuzzer \
		-o $@ $< $(BUILD)/fuzz/libnsp_fuzz.a -ldl -lpthread

# Not in sanitizer builds (check-asan, check-tsan): these carry their own.
ifeq ($(SAN),)
tests: $(FUZZ_BIN)
endif

fuzz: $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do \
		name=$${f##*/fuzz_}; out=$(BUILD)/fuzz/corpus-$$name; mkdir -p $$out; \
		echo "# $$f for $(FUZZ_SECONDS)s (new inputs in $$out)"; \
		nice $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=$(BUILD)/fuzz/crash-$$name- $$out tests/fuzz/corpus/$$name \
			2>&1 | grep -E "^(#[0-9]+.*DONE|stat::number_of_executed_units|==.*ERROR|SUMMARY)" \
			|| true; \
		[ -z "$$(ls $(BUILD)/fuzz/crash-$$name-* 2>/dev/null)" ] || { echo "crash: $$(ls $(BUILD)/fuzz/crash-$$name-*)"; exit 1; }; \
	done
else
fuzz:
	@echo "make fuzz needs clang (scripts/install-deps installs it)"; exit 1
endif

.PHONY: fuzz
