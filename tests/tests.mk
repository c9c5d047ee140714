# Every test and what it is built from, in one place.  `make tests` builds
# them; `make check` runs tests/run (each suite in tests/suites).
#
#   tests/unit/test_M.c    cmocka tests of lib/*/M.c, linked with the
#                          library's objects (libnsp-rt.a, no shim)
#   tests/prog/P.c         programs the functional tests run, with and
#                          without the preload (drivers: tests/func/*.py)
#   tests/prog/lib/L.c     small libraries those tests preload or dlopen
#   tests/api/A.c          programs using the public API, linked with
#                          -lnamspill as a user's test suite would be
#   tests/fuzz/fuzz_T.c    libFuzzer targets (tests/fuzz.mk)
#   tests/cli/*.bats       the namspill command (bats); sarif_check.py checks
#                          a SARIF file against GitHub's code scanning
#   tests/docs/doctest.py  the examples of README.md, docs/*.md and the man
#                          pages, run as written (suite 15-docs);
#                          test_doctest.py is its own test
#   tests/peers/S.sh       other projects' own test suites (make check-peers:
#                          tests/peers/run.py runs each natively and under
#                          namspill, and compares; test_run.py, its logic,
#                          runs in make check)
#
# Tools the tests use are found in the top Makefile (CLANG, GO, CRITERION);
# tests that need a missing one are skipped with the reason.

TEST_CFLAGS = -std=gnu11 -g -O1 -Wall -Wextra -Iinclude -Ilib -D_GNU_SOURCE -pthread -MMD -MP $(SAN)

# ---- unit tests

UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)

$(BUILD)/tests/unit/%: tests/unit/%.c $(BUILD)/libnsp-rt.a
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(BUILD)/libnsp-rt.a -lcmocka -ldl

# ---- test programs: the table
# Program (build/tests/prog/NAME) -> what it is built with beyond
# TEST_CFLAGS.  A name not listed is a plain C program of tests/prog/NAME.c.

PROG_FLAGS_omp_pool     = -fopenmp                        # an OpenMP pool
PROG_FLAGS_o2_inline    = -O2                             # inlined frames
PROG_FLAGS_nodebug_leak = -g0                             # .symtab, no DWARF
PROG_FLAGS_static_clean = -static -fno-omit-frame-pointer # no preload reaches it
PROG_FLAGS_static_leak  = -static -fno-omit-frame-pointer
PROG_FLAGS_static_restore = -static -fno-omit-frame-pointer
PROG_FLAGS_static_cloner = -static -fno-omit-frame-pointer
PROG_FLAGS_static_pool  = -static -fno-omit-frame-pointer
PROG_SAN_asan_leak      = -fsanitize=address              # the plain library in a
PROG_SAN_tsan_leak      = -fsanitize=thread               # sanitizer's program
PROG_SAN_static_clean   = # static programs cannot carry a sanitizer runtime
PROG_SAN_static_leak    =
PROG_SAN_static_restore =
PROG_SAN_static_cloner  =
PROG_SAN_static_pool    =
PROG_SAN_ps_liar        = # reads the library's data as a debugger would, redzones and all
# Built by clang, with the sanitizer runtime linked into the program
# (clang's default): only where clang is installed.
PROG_CLANG_clang_asan_leak  = -fsanitize=address
PROG_CLANG_clang_tsan_leak  = -fsanitize=thread
PROG_CLANG_clang_o2_inline  = -O2

PROG_C   = $(wildcard tests/prog/*.c)
PROG_BIN = $(patsubst tests/prog/%.c,$(BUILD)/tests/prog/%,$(PROG_C)) \
	   $(BUILD)/tests/prog/cxx_leak
ifeq ($(CLANG),)
PROG_BIN := $(filter-out $(BUILD)/tests/prog/clang_%,$(PROG_BIN))
endif
ifneq ($(GO),)
PROG_BIN += $(BUILD)/tests/prog/go_leak
endif

prog_san = $(if $(filter undefined,$(origin PROG_SAN_$(1))),$(SAN),$(PROG_SAN_$(1)))

$(BUILD)/tests/prog/%: tests/prog/%.c
	@mkdir -p $(dir $@)
	$(CC) $(filter-out $(SAN),$(TEST_CFLAGS)) $(call prog_san,$*) $(PROG_FLAGS_$*) -o $@ $<

$(BUILD)/tests/prog/clang_%: tests/prog/clang_%.c
	@mkdir -p $(dir $@)
	$(CLANG) -std=gnu11 -g -O1 -Wall -pthread -D_GNU_SOURCE -MMD -MP \
		$(PROG_CLANG_clang_$*) -o $@ $<

$(BUILD)/tests/prog/cxx_leak: tests/prog/cxx_leak.cpp
	@mkdir -p $(dir $@)
	$(CXX) -g -O1 -Wall -Wextra -pthread -MMD -MP $(SAN) -o $@ $<

$(BUILD)/tests/prog/go_leak: tests/prog/go_leak.go
	@mkdir -p $(dir $@)
	GOCACHE=$(abspath $(BUILD))/gocache GO111MODULE=off $(GO) build -o $@ $<

# Libraries preloaded or dlopen'ed next to the shim.
PROG_SO = $(patsubst tests/prog/lib/%.c,$(BUILD)/tests/prog/lib/%.so,$(wildcard tests/prog/lib/*.c))

$(BUILD)/tests/prog/lib/%.so: tests/prog/lib/%.c
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -fPIC -shared -o $@ $<

# h_leak linked with the library rather than preloaded: DT_NEEDED names the
# soname, found through an absolute RUNPATH (which the loader honours for
# setuid programs, where LD_PRELOAD of a non-system path is ignored).
$(BUILD)/tests/harden/libnamspill.so.0: $(BUILD)/libnamspill.so
	@mkdir -p $(dir $@)
	cp $< $@

$(BUILD)/tests/harden/h_leak_linked: tests/prog/h_leak.c $(BUILD)/tests/harden/libnamspill.so.0
	$(CC) $(TEST_CFLAGS) -o $@ $< $(BUILD)/tests/harden/libnamspill.so.0 \
		-Wl,-rpath,$(abspath $(BUILD)/tests/harden)

# ---- programs of the public API, linked as a user's test suite would be
# (weak: not linked, the preload supplies it; cxx: C++).

API_LINK = -I include -L $(BUILD) -lnamspill -Wl,-rpath,$(abspath $(BUILD))
API_BIN = $(patsubst tests/api/%.c,$(BUILD)/tests/api/%,$(wildcard tests/api/*.c)) \
	  $(BUILD)/tests/api/cxx

$(BUILD)/tests/api/%: tests/api/%.c $(BUILD)/libnamspill.so.0
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(if $(filter weak,$*),,$(API_LINK))

$(BUILD)/tests/api/cxx: tests/api/cxx.cpp $(BUILD)/libnamspill.so.0
	@mkdir -p $(dir $@)
	$(CXX) -std=c++11 -g -O1 -Wall -Wextra -pthread -MMD -MP $(SAN) -o $@ $< $(API_LINK)

tests: all $(UNIT_BIN) $(PROG_BIN) $(PROG_SO) $(API_BIN) $(BUILD)/tests/harden/h_leak_linked

# Missing test tools are installed first (as root; otherwise the exact
# apt-get line is printed), so a fresh clone needs nothing else.
check:
	@scripts/install-deps
	@$(MAKE) --no-print-directory tests
	tests/run

# Other projects' test suites, held to their native results under the
# preload and under namspill (tests/peers/run.py); about 10 minutes on 2
# cores.  A suite whose Debian package is missing, and cannot be installed
# here (not root), is skipped with its name.
check-peers: all
	@scripts/install-deps peers || echo "check-peers: suites not installed are skipped"
	python3 tests/peers/run.py --build $(BUILD)

.PHONY: tests check check-peers
