# namspill-symbolize: names the frames of a report written in a signal
# handler (lib/rt/symext.c starts it).  Lives next to the library.

$(BUILD)/namspill-symbolize: $(BUILD)/obj/tools/symbolize/main.o $(BUILD)/libnsp.a
	$(CC) -o $@ $< $(BUILD)/libnsp.a $(LDFLAGS) -ldl -lpthread

all: $(BUILD)/namspill-symbolize
