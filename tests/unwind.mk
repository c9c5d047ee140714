# The stack walker's tests share a frame the walker leaves to libunwind.
$(BUILD)/tests/func/unwind_cases $(BUILD)/tests/unit/test_walk: tests/func/odd_frame.h
