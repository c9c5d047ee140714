# make install [PREFIX=/usr/local] [DESTDIR=...]; make uninstall.
#   BINDIR/namspill                    the command
#   LIBDIR/libnamspill.so.VERSION      the library, with the links .so.0
#                                      (soname) and .so (for -lnamspill)
#   LIBDIR/namspill/                   helpers the command and library find
#                                      there: namspill-trace, namspill-symbolize
#   INCLUDEDIR/namspill.h, LIBDIR/pkgconfig/namspill.pc
#   MANDIR/man1/namspill.1, MANDIR/man7/libnamspill.7

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR     ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
HELPERDIR  = $(LIBDIR)/namspill

NSP_VERSION := $(shell sed -n 's/^\#define NAMSPILL_VERSION "\(.*\)"/\1/p' include/namspill.h)
LIBFILE     = libnamspill.so.$(NSP_VERSION)

$(BUILD)/namspill.pc: dist/namspill.pc.in include/namspill.h dist/install.mk
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(NSP_VERSION)|' $< > $@

# The .pc file names PREFIX: rebuilt on every install, whatever PREFIX is.
install: all
	rm -f $(BUILD)/namspill.pc
	$(MAKE) --no-print-directory $(BUILD)/namspill.pc
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(HELPERDIR) \
		$(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7
	install -m 755 $(BUILD)/libnamspill.so $(DESTDIR)$(LIBDIR)/$(LIBFILE)
	ln -sf $(LIBFILE) $(DESTDIR)$(LIBDIR)/libnamspill.so.0
	ln -sf libnamspill.so.0 $(DESTDIR)$(LIBDIR)/libnamspill.so
	install -m 755 $(BUILD)/namspill $(DESTDIR)$(BINDIR)/namspill
	install -m 755 $(BUILD)/namspill-trace $(DESTDIR)$(HELPERDIR)/namspill-trace
	if [ -f $(BUILD)/namspill-symbolize ]; then \
		install -m 755 $(BUILD)/namspill-symbolize $(DESTDIR)$(HELPERDIR)/; fi
	install -m 644 include/namspill.h $(DESTDIR)$(INCLUDEDIR)/namspill.h
	install -m 644 $(BUILD)/namspill.pc $(DESTDIR)$(PKGCONFIGDIR)/namspill.pc
	install -m 644 man/namspill.1 $(DESTDIR)$(MANDIR)/man1/namspill.1
	install -m 644 man/libnamspill.7 $(DESTDIR)$(MANDIR)/man7/libnamspill.7
	$(LDCONFIG_RUN)

# The loader's cache, so a program linked with -lnamspill finds the
# library at run time: for an install into the system, as root, not into
# a staging tree (DESTDIR) nor by a user into a prefix of their own.
LDCONFIG_RUN = if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then \
		ldconfig $(LIBDIR) 2>/dev/null || ldconfig; fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/namspill $(DESTDIR)$(LIBDIR)/libnamspill.so \
		$(DESTDIR)$(LIBDIR)/libnamspill.so.0 $(DESTDIR)$(LIBDIR)/$(LIBFILE) \
		$(DESTDIR)$(HELPERDIR)/namspill-trace $(DESTDIR)$(HELPERDIR)/namspill-symbolize \
		$(DESTDIR)$(INCLUDEDIR)/namspill.h $(DESTDIR)$(PKGCONFIGDIR)/namspill.pc \
		$(DESTDIR)$(MANDIR)/man1/namspill.1 $(DESTDIR)$(MANDIR)/man7/libnamspill.7
	-rmdir $(DESTDIR)$(HELPERDIR) 2>/dev/null
	$(LDCONFIG_RUN)

.PHONY: install uninstall
