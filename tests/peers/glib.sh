#!/bin/sh
# GLib's installed tests that spawn, pass descriptors, handle signals and
# run threads (Debian: libglib2.0-tests, run by gnome-desktop-testing's
# runner, one at a time); each test's TAP follows a line "== glib/NAME.test".
#   tests/peers/glib.sh [NAME...]   (default: the list)
# Left out: the other 263 (files, settings, resources, D-Bus APIs, ...),
# which say little about processes, descriptors or signals.
. "$(dirname "$0")/common.sh"
need /usr/libexec/installed-tests/glib/gsubprocess libglib2.0-tests
need /usr/bin/gnome-desktop-testing-runner gnome-desktop-testing
[ $# -gt 0 ] || set -- spawn-singlethread spawn-multithreaded spawn-path-search spawn-test \
	gsubprocess unix unix-fd unix-streams thread threadtests thread-pool mainloop cond \
	once asyncqueue credentials socket io-channel gdbus-peer task cancellable contexts \
	signal-handler gdbus-proxy-threads
exec "$(dirname "$0")/installed.sh" glib "$@"
