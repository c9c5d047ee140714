#!/usr/bin/env bats
# make install into a DESTDIR, then build and run a program against it
# with pkg-config, and run it under the installed namspill.

load helper

setup_file() {
	D=$(mktemp -d "${TMPDIR:-/tmp}/nsp-install.XXXXXX")
	export D
	make -C "$ROOT" --no-print-directory -s install BUILD="${NSP_BUILD:-build}" \
		PREFIX=/usr/local DESTDIR="$D" >"$D.log" 2>&1 || { cat "$D.log"; return 1; }
}

teardown_file() {
	rm -rf "$D" "$D.log"
}

@test "install puts every file in place, the library under its soname" {
	for f in bin/namspill lib/libnamspill.so.0.1.0 lib/namspill/namspill-trace \
		lib/namspill/namspill-symbolize \
		include/namspill.h lib/pkgconfig/namspill.pc \
		share/man/man1/namspill.1 share/man/man7/libnamspill.7; do
		[ -f "$D/usr/local/$f" ] || { echo "missing $f"; false; }
	done
	[ "$(readlink "$D/usr/local/lib/libnamspill.so.0")" = libnamspill.so.0.1.0 ]
	[ "$(readlink "$D/usr/local/lib/libnamspill.so")" = libnamspill.so.0 ]
	objdump -p "$D/usr/local/lib/libnamspill.so.0.1.0" | grep -q 'SONAME *libnamspill.so.0'
	grep -q '^libdir=/usr/local/lib$' "$D/usr/local/lib/pkgconfig/namspill.pc"
}

@test "the man pages render without warnings" {
	command -v groff >/dev/null || skip "groff not installed"
	unset LD_PRELOAD # not ours to check (make check-asan sets it)
	run groff -man -ww -z "$D/usr/local/share/man/man1/namspill.1"
	[ -z "$output" ]
	run groff -man -ww -z "$D/usr/local/share/man/man7/libnamspill.7"
	[ -z "$output" ]
}

@test "a program built with pkg-config links the installed library and runs under the installed namspill" {
	command -v pkg-config >/dev/null || skip "pkg-config not installed"
	cat > "$T/leaky.c" <<'C'
#define _GNU_SOURCE
#include <fcntl.h>
#include <namspill.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <unistd.h>

static pthread_barrier_t b;

static void *park(void *leak)
{
	if (leak && unshare(CLONE_NEWUTS) != 0)
		perror("unshare");
	pthread_barrier_wait(&b);
	pause();
	return NULL;
}

int main(void)
{
	pthread_t t[3];

	pthread_barrier_init(&b, NULL, 4);
	for (long i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, park, i == 0 ? (void *)1 : NULL);
	pthread_barrier_wait(&b);
	printf("built against namspill %s\n", namspill_version());
	return 0;
}
C
	export PKG_CONFIG_PATH=$D/usr/local/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$D
	cc -g -o "$T/leaky" "$T/leaky.c" $(pkg-config --cflags --libs namspill) -pthread
	readelf -d "$T/leaky" | grep -q 'NEEDED.*libnamspill.so.0'
	# Linked, the library is active by itself ...
	LD_LIBRARY_PATH=$D/usr/local/lib run --separate-stderr "$T/leaky"
	[ "$output" = "built against namspill 0.1.0" ]
	[ "$status" -eq 66 ]
	[[ "$stderr" == *"SUMMARY: namspill: 1 thread of 4 left in a foreign namespace (uts)"* ]]
	# ... and the installed command finds its library and judges the run.
	LD_LIBRARY_PATH=$D/usr/local/lib run --separate-stderr "$D/usr/local/bin/namspill" -- "$T/leaky"
	[ "$status" -eq 66 ]
	[[ "$stderr" == *"1 thread in 1 process left in uts by park (leaky.c:"* ]]
	run "$D/usr/local/bin/namspill" --no-watch -- "$PROG/static_clean"
	[ "$status" -eq 0 ]
	[[ "$output" == *"running it under the tracer"* ]]
}

@test "uninstall removes what install put there" {
	make -C "$ROOT" --no-print-directory -s uninstall BUILD="${NSP_BUILD:-build}" \
		PREFIX=/usr/local DESTDIR="$D"
	[ -z "$(find "$D" -type f -o -type l)" ]
}

@test "installed into the system by root, a program linked with -lnamspill runs as built (ldconfig)" {
	[ "$(id -u)" = 0 ] || skip "installing into the system needs root"
	command -v ldconfig >/dev/null || skip "ldconfig not installed"
	# Into /usr/local itself, the prefix the build was made for: another
	# prefix would relink the command (its library directory is built in)
	# from objects this target may have built with flags make cannot see.
	[ "$(cat "$ROOT/${NSP_BUILD:-build}/libdir.stamp" 2>/dev/null)" = /usr/local/lib ] ||
		skip "the build was made for another prefix"
	for f in /usr/local/bin/namspill /usr/local/lib/libnamspill.so.0 /usr/local/include/namspill.h; do
		[ ! -e "$f" ] || skip "$f is there already (not ours to replace)"
	done
	make -C "$ROOT" --no-print-directory -s install BUILD="${NSP_BUILD:-build}"
	printf '#include <namspill.h>\n#include <stdio.h>\nint main(void) { puts(namspill_version()); return 0; }\n' > "$T/v.c"
	# No LD_LIBRARY_PATH, no rpath: the loader's cache has it.
	# (the linker's warnings about an instrumented library stay out of it)
	run sh -c 'cc -o "$1/v" "$1/v.c" -lnamspill 2>"$1/cc.log" && env -u LD_LIBRARY_PATH "$1/v"' sh "$T"
	make -C "$ROOT" --no-print-directory -s uninstall BUILD="${NSP_BUILD:-build}"
	[ "$status" -eq 0 ] || { cat "$T/cc.log"; false; }
	[ "$output" = "0.1.0" ]
	# Gone again from the cache once uninstalled.
	if ldconfig -p | grep -q 'libnamspill\.so'; then false; fi
	[ ! -e /usr/local/include/namspill.h ]
}
