// A Go program (static, raw syscalls, os.Exit straight to exit_group):
// a goroutine locks its OS thread, enters a net namespace and never
// leaves; only the tracer can see it.  "go_leak idle": goroutines busy
// on several threads, none of which switches.
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

func idle() {
	done := make(chan int)
	for i := 0; i < 8; i++ {
		go func() {
			runtime.LockOSThread() // a thread each
			done <- syscall.Gettid()
			select {}
		}()
	}
	for i := 0; i < 8; i++ {
		<-done
	}
	fmt.Println("idle")
	os.Exit(0)
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "idle" {
		idle()
	}
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
