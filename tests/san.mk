# Sanitizer runs: everything (library, tracer, test programs) is built again
# in a build directory of its own with SAN set, and the suites run against
# it.  An instrumented library preloaded into a program needs the
# sanitizer's runtime first in LD_PRELOAD (the runtime must be initialised
# before anything it intercepts is called, and it checks that it comes
# first); the harness puts NSP_PRELOAD_FIRST there.  Sanitizer reports go
# to files under the build directory, so an error in any process run by any
# test fails the target even where the test itself did not look.
# LeakSanitizer is off: its stop-the-world step ptrace-attaches to every
# thread, which fails under namspill-trace, and here its tracer task
# crashed and left the program hung.  Leaks are what the valgrind run
# (check-valgrind) and the pool high-water test of the load suite look at.
#   make check-asan   every suite, AddressSanitizer + UndefinedBehaviorSanitizer
#   make check-tsan   the racing suites, ThreadSanitizer
# SUITES=... (names in tests/suites) runs only those.

ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
SAN_ASAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined
SAN_TSAN = -fsanitize=thread
# The load suite scaled down: sanitizers cost 2-15x.
SAN_LOAD = NSP_LOAD_ROUNDS=5 NSP_LOAD_THREADS=100000

# Static test programs cannot carry a sanitizer runtime (SAN comes from the
# environment, so this assignment wins).
$(BUILD)/tests/func/static_%: SAN :=

# $(1): build dir, $(2): SAN flags, $(3): runtime, $(4): *SAN_OPTIONS, $(5): suites
define san_check
	@SAN="$(2)" $(MAKE) --no-print-directory BUILD=$(1) tests
	@rm -rf $(1)/san-log && mkdir -p $(1)/san-log
	@$(SAN_LOAD) BUILD=$(1) NSP_PRELOAD_FIRST=$$($(CC) -print-file-name=$(3)) \
		$(4) tests/run $(5); rc=$$?; \
	 if ls $(1)/san-log | grep -q .; then \
		echo "sanitizer reports in $(1)/san-log:"; head -n 40 $(1)/san-log/*; rc=1; fi; \
	 exit $$rc
endef

check-asan:
	$(call san_check,$(ASAN_BUILD),$(SAN_ASAN),libasan.so,\
		ASAN_OPTIONS=log_path=$(abspath $(ASAN_BUILD))/san-log/asan:detect_leaks=0 \
		UBSAN_OPTIONS=log_path=$(abspath $(ASAN_BUILD))/san-log/ubsan:print_stacktrace=1,$(SUITES))

check-tsan:
	$(call san_check,$(TSAN_BUILD),$(SAN_TSAN),libtsan.so,\
		TSAN_OPTIONS=log_path=$(abspath $(TSAN_BUILD))/san-log/tsan,$(or $(SUITES),10-unit 20-core 72-load))

.PHONY: check-asan check-tsan

# Valgrind memcheck over the functional tests of the core (suite 20-core):
# each test program runs under valgrind with the preloaded library; any
# error makes valgrind exit 97 and leaves a log in $(BUILD)/vg-log; its
# warnings about syscalls it does not know (pidfd_open, NS_GET_NSTYPE) are
# not errors.  Suppressions (tests/valgrind.supp) cover only libraries'
# deliberate acts.
VG = valgrind -q --trace-children=yes --error-exitcode=97 --suppressions=$(abspath tests/valgrind.supp) \
	--log-file=$(abspath $(BUILD))/vg-log/vg.%p

check-valgrind: tests
	@rm -rf $(BUILD)/vg-log && mkdir -p $(BUILD)/vg-log
	@NSP_WRAP="$(VG)" tests/run 20-core; rc=$$?; \
	 for f in $(BUILD)/vg-log/*; do \
		grep -E '^==[0-9]+== [^ ]' "$$f" | grep -qv '== Warning:' || continue; \
		echo "valgrind errors in $$f:"; head -n 60 "$$f"; rc=1; done; \
	 exit $$rc

.PHONY: check-valgrind

# asan_* test programs are instrumented in every build: the plain library
# preloaded into an ASan program (tests/func/test_harden.py).
$(BUILD)/tests/func/asan_%: SAN := -fsanitize=address
