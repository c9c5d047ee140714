# Test programs.  Unit tests link lib/ statically with cmocka; functional
# test programs are plain C programs run with and without the preload.

TEST_CFLAGS = -std=gnu11 -g -O1 -Wall -Wextra -Iinclude -Ilib -D_GNU_SOURCE -pthread $(SAN)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
FUNC_SRC = $(wildcard tests/func/*.c)
# clang_*: built by clang, with the sanitizer runtime linked into the
# program (clang's default); none without clang (tests/fuzz.mk finds it).
ifeq ($(FUZZ_CC),)
FUNC_SRC := $(filter-out tests/func/clang_%,$(FUNC_SRC))
endif
FUNC_BIN = $(FUNC_SRC:tests/func/%.c=$(BUILD)/tests/func/%)
FUNC_CXX = $(wildcard tests/func/*.cpp)
FUNC_BIN += $(FUNC_CXX:tests/func/%.cpp=$(BUILD)/tests/func/%)

$(BUILD)/tests/unit/%: tests/unit/%.c $(BUILD)/libnsp-rt.a
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(BUILD)/libnsp-rt.a -lcmocka -ldl

# Programs named omp_* use OpenMP; o2_* are optimized (inlining);
# nodebug_* have no DWARF, only the symbol table.
$(BUILD)/tests/func/%: tests/func/%.c tests/func/common.h
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) $(if $(filter omp_%,$*),-fopenmp) $(if $(filter o2_%,$*),-O2) \
		$(if $(filter nodebug_%,$*),-g0) -o $@ $<

$(BUILD)/tests/func/clang_asan_%: tests/func/clang_asan_%.c tests/func/h_leak.c tests/func/common.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=gnu11 -g -O1 -Wall -pthread -D_GNU_SOURCE -fsanitize=address -o $@ $<

$(BUILD)/tests/func/clang_tsan_%: tests/func/clang_tsan_%.c tests/func/h_leak.c tests/func/common.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=gnu11 -g -O1 -Wall -pthread -D_GNU_SOURCE -fsanitize=thread -o $@ $<

$(BUILD)/tests/func/clang_o2_%: tests/func/clang_o2_%.c tests/func/o2_%.c tests/func/common.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=gnu11 -g -O2 -Wall -pthread -D_GNU_SOURCE -o $@ $<

$(BUILD)/tests/func/%: tests/func/%.cpp
	@mkdir -p $(dir $@)
	$(CXX) -g -O1 -Wall -Wextra -pthread $(SAN) -o $@ $<

tests: all $(UNIT_BIN) $(FUNC_BIN)

# Missing test tools are installed first (as root; otherwise the exact
# apt-get line is printed), so a fresh clone needs nothing else.
check:
	@scripts/install-deps
	@$(MAKE) --no-print-directory tests
	tests/run

.PHONY: tests check
$(BUILD)/tests/func/nodebug_leak: tests/func/leak_setns.c
