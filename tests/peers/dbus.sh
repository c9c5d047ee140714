#!/bin/sh
# D-Bus's installed tests (Debian: dbus-tests, run by gnome-desktop-testing's
# runner, one at a time): a bus daemon started per test, descriptor passing,
# fork, activation; each test's TAP follows a line "== dbus/NAME.test".
#   tests/peers/dbus.sh [NAME...]   (default: the list)
. "$(dirname "$0")/common.sh"
need /usr/share/installed-tests/dbus/test-fdpass.test dbus-tests
need /usr/bin/gnome-desktop-testing-runner gnome-desktop-testing
# All 58: each program twice, the second time (_with_config) with the
# installed bus configurations, under which the bus and its helpers run as
# other users.
[ $# -gt 0 ] || set -- $(cd /usr/share/installed-tests/dbus && ls -- *.test | sed 's/\.test$//')
exec "$(dirname "$0")/installed.sh" dbus "$@"
