package gctune

import (
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

func TestPercent(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		live uint64
		want int
	}{
		{0, 800},         // nothing live yet: the most headroom allowed
		{4 * mib, 800},   // 64 MiB over 4 MiB live would be 1600%: capped
		{16 * mib, 400},  // 64 MiB over 16 MiB
		{64 * mib, 100},  // 64 MiB over 64 MiB
		{256 * mib, 50},  // below the floor: the floor
		{1000 * mib, 50}, //
		{80 * mib, 80},   //
		{8*mib + 1, 799}, // rounds down
	} {
		if got := Percent(c.live, 64*mib, 50, 800); got != c.want {
			t.Errorf("Percent(%d MiB live) = %d, want %d", c.live/mib, got, c.want)
		}
	}
}

func gogc() uint64 {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// TestStart checks the tuner on the real collector: with 32 MiB live and 8 MiB of
// headroom, GOGC comes down to the floor after a collection.
func TestStart(t *testing.T) {
	Start(8<<20, 30, 800)
	live := make([]byte, 32<<20)
	for i := range live {
		live[i] = byte(i)
	}
	deadline := time.Now().Add(10 * time.Second)
	for gogc() != 30 {
		if time.Now().After(deadline) {
			t.Fatalf("GOGC is %d after collections with 32 MiB live, want 30", gogc())
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	runtime.KeepAlive(live)
	live = nil
	for gogc() != 800 {
		if time.Now().After(deadline) {
			t.Fatalf("GOGC is %d after the live heap was freed, want 800", gogc())
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}
