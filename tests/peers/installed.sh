#!/bin/sh
# installed.sh SUITE NAME...: runs the installed tests SUITE/NAME.test
# (/usr/share/installed-tests) with gnome-desktop-testing-runner, one at
# a time, then prints each test's own output after "== SUITE/NAME.test".
suite=$1
shift
logs=$(mktemp -d) || exit 2
trap 'rm -rf "$logs"' EXIT
for t; do
	set -- "$@" "$suite/$t.test"
	shift
done
gnome-desktop-testing-runner --parallel=1 --log-directory="$logs" "$@"
rc=$?
for t; do
	echo "== $t"
	cat "$logs/$(echo "$t" | tr / _).txt" 2>/dev/null
done
exit $rc
