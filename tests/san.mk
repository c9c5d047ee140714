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
# ThreadSanitizer ends a process that had a report with status 66, which
# is namspill's own: exitcode=86 keeps them apart.  Its "thread leak"
# reports (joinable threads never joined) are off: the test programs leave
# threads parked or running at exit on purpose, and the library starts no
# threads with pthread_create.

ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
SAN_ASAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined
SAN_TSAN = -fsanitize=thread
# The load suite scaled down: sanitizers cost 2-15x (20 rounds take about
# 2 minutes under TSan here).
SAN_LOAD = NSP_LOAD_ROUNDS=20 NSP_LOAD_THREADS=100000

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

# Under TSan the racing tests run: every unit, core and load test, and of
# the signal and API suites those marked @racing (tests/func/harness.py
# says why the others are left out there).
check-tsan:
	$(call san_check,$(TSAN_BUILD),$(SAN_TSAN),libtsan.so,\
		TSAN_OPTIONS=log_path=$(abspath $(TSAN_BUILD))/san-log/tsan:exitcode=86:report_thread_leaks=0,\
		$(or $(SUITES),10-unit 20-core 30-signals 40-api 72-load))

.PHONY: check-asan check-tsan

# Valgrind memcheck over the functional tests of the core and of the stack
# walker (suites 20-core, 30-unwind):
# each test program runs under valgrind with the preloaded library; any
# error makes valgrind exit 97 and leaves a log in $(BUILD)/vg-log; its
# warnings about syscalls it does not know (pidfd_open, NS_GET_NSTYPE) are
# not errors.  Suppressions (tests/valgrind.supp) cover only libraries'
# deliberate acts.  The frame-naming program the library starts for its
# reports (namspill-symbolize: no preload, our code on libdw) is run
# natively: under memcheck it tripled the time of every test, and
# check-asan covers it (there it runs instrumented, LeakSanitizer on).
# ldconfig (which Python's ctypes.util.find_library runs) is not ours
# either.  The log directory is writable by all (sticky), and there is no
# gdb server, so a test program that drops to another user (setuid) is
# checked too.
VG = valgrind -q --vgdb=no --trace-children=yes \
	--trace-children-skip=*/namspill-symbolize,*/ldconfig,*/ldconfig.real \
	--error-exitcode=97 --suppressions=$(abspath tests/valgrind.supp) \
	--log-file=$(abspath $(BUILD))/vg-log/vg.%p

check-valgrind: tests
	@rm -rf $(BUILD)/vg-log && mkdir -p -m 1777 $(BUILD)/vg-log && chmod 1777 $(BUILD)/vg-log
	@NSP_WRAP="$(VG)" tests/run $(or $(SUITES),20-core 30-unwind); rc=$$?; \
	 for f in $(BUILD)/vg-log/*; do \
		grep -E '^==[0-9]+== [^ ]' "$$f" | grep -qv '== Warning:' || continue; \
		echo "valgrind errors in $$f:"; head -n 60 "$$f"; rc=1; done; \
	 exit $$rc

.PHONY: check-valgrind
