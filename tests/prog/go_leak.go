// A Go program (static, raw syscalls, os.Exit straight to exit_group):
// a goroutine locks its OS thread, enters a net namespace and never
// leaves; only the tracer can see it.
package main

import (
	"fmt"
	"os"
	"runtime"
	"syscall"
)

const (
	cloneNewnet = 0x40000000
	sysSetns    = 308 // amd64; the syscall package predates setns
)

func setns(fd int) {
	if _, _, e := syscall.RawSyscall(sysSetns, uintptr(fd), cloneNewnet, 0); e != 0 {
		panic(e)
	}
}

// newNetns makes a namespace on a locked thread that then goes home.
func newNetns() int {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	home, err := syscall.Open("/proc/thread-self/ns/net", syscall.O_RDONLY, 0)
	if err != nil {
		panic(err)
	}
	if err := syscall.Unshare(cloneNewnet); err != nil {
		fmt.Fprintln(os.Stderr, "skip: cannot create a net namespace:", err)
		os.Exit(77)
	}
	fd, err := syscall.Open("/proc/thread-self/ns/net", syscall.O_RDONLY, 0)
	if err != nil {
		panic(err)
	}
	setns(home)
	syscall.Close(home)
	return fd
}

//go:noinline
func leakHere(fd int) {
	setns(fd)
}

func main() {
	fd := newNetns()
	done := make(chan int)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread stays away
		leakHere(fd)
		done <- syscall.Gettid()
		select {}
	}()
	fmt.Printf("tid leaker %d\n", <-done)
	os.Exit(0)
}
