// The same work done right: the thread goes home before it is unlocked.
package tidy

import (
	"runtime"
	"testing"

	"github.com/vishvananda/netns"
)

func TestTidy(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	home, err := netns.Get()
	if err != nil {
		t.Fatal(err)
	}
	defer home.Close()
	ns, err := netns.New()
	if err != nil {
		t.Skip("cannot make a network namespace:", err)
	}
	defer ns.Close()
	if err := netns.Set(home); err != nil {
		t.Fatal(err)
	}
}
