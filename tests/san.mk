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

# Under TSan the racing tests run: every core and load test, and of the
# signal and API suites those where threads race the shim (storms, reports
# while others write, the API called while threads come, switch and go).
# The others are left out, each for a reason of TSan's making, seen without
# the shim too: TSan runs a program's signal handlers itself, later (at
# its next intercepted call, so a handler can come after the code that
# raised it, and the storm whose handler calls exit() hangs), takes SIGSEGV
# with a signal stack of its own, and starts a thread of its own at the
# first pthread_create, which a leak baseline taken before it then counts.
TSAN_PICK = $(addprefix test_signals:,sigterm_from_outside_reports_and_kills_by_sigterm \
	fork_child_reports_its_own_death_under_its_pid own_handler_runs_and_the_exit_report_follows \
	report_on_request_then_the_exit_report \
	signal_while_the_exit_report_is_written_gives_one_whole_report \
	second_fatal_signal_while_reporting_gives_one_whole_report \
	storm_of_malloc_and_setns_never_hangs_or_loses_the_report) \
	$(addprefix test_api:,safe_while_other_threads_come_switch_and_go bad_arguments_and_errno \
	leak_ignored_by_creator leak_ignored_by_a_function_anywhere_in_the_creation_stack \
	leak_ignored_by_tid ignores_that_do_not_match_leave_the_leak \
	linked_and_preloaded_from_another_path_answer_as_one)

check-tsan:
	$(call san_check,$(TSAN_BUILD),$(SAN_TSAN),libtsan.so,\
		TSAN_OPTIONS=log_path=$(abspath $(TSAN_BUILD))/san-log/tsan:exitcode=86:report_thread_leaks=0 \
		NSP_PICK="$(strip $(TSAN_PICK))" NSP_PICK_WHY="not a racing test: see tests/san.mk",\
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
VG = valgrind -q --trace-children=yes --trace-children-skip=*/namspill-symbolize \
	--error-exitcode=97 --suppressions=$(abspath tests/valgrind.supp) \
	--log-file=$(abspath $(BUILD))/vg-log/vg.%p

check-valgrind: tests
	@rm -rf $(BUILD)/vg-log && mkdir -p $(BUILD)/vg-log
	@NSP_WRAP="$(VG)" tests/run $(or $(SUITES),20-core 30-unwind); rc=$$?; \
	 for f in $(BUILD)/vg-log/*; do \
		grep -E '^==[0-9]+== [^ ]' "$$f" | grep -qv '== Warning:' || continue; \
		echo "valgrind errors in $$f:"; head -n 60 "$$f"; rc=1; done; \
	 exit $$rc

.PHONY: check-valgrind

# asan_* and tsan_* test programs are instrumented in every build: the
# plain library preloaded into a sanitizer's program (test_harden.py).
$(BUILD)/tests/func/asan_%: SAN := -fsanitize=address
$(BUILD)/tests/func/tsan_%: SAN := -fsanitize=thread
