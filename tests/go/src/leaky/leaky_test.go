// A Go test that leaves a thread in a network namespace of its own: the
// goroutine locks its thread, makes the namespace with netns.New (which
// switches to it) and unlocks without going back, so the thread returns
// to the pool inside it.
package leaky

import (
	"runtime"
	"testing"

	"github.com/vishvananda/netns"
)

func enterNew(t *testing.T) {
	runtime.LockOSThread()
	ns, err := netns.New()
	if err != nil {
		t.Skip("cannot make a network namespace:", err)
	}
	ns.Close()
	runtime.UnlockOSThread() // BUG: the thread was never taken home
}

func TestLeaky(t *testing.T) {
	done := make(chan bool)
	go func() { enterNew(t); done <- true }()
	<-done
}
