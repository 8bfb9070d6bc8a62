// Package gctune keeps the garbage collector's headroom bounded in bytes rather than in
// proportion to the live heap.
//
// eksguard's runs allocate many short-lived objects (parsed documents) while little stays
// live, so a high GOGC saves collections. Scans that keep an index of the input (the
// snapshot cluster-wide rules read) hold live data that grows with the input, and a high
// GOGC multiplies it: with GOGC=800, 50 MiB of snapshot would let the heap grow to 450 MiB
// before a collection. The tuner lets the heap grow by at most a fixed amount above the
// live heap (GOGC = 100 * headroom / live, within bounds), set again after every
// collection.
package gctune

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// Percent is the GOGC that lets a heap of live bytes grow by headroom bytes, within
// [minPercent, maxPercent].
func Percent(live, headroom uint64, minPercent, maxPercent int) int {
	if live == 0 {
		return maxPercent
	}
	p := headroom * 100 / live
	if p > uint64(maxPercent) {
		return maxPercent
	}
	if p < uint64(minPercent) {
		return minPercent
	}
	return int(p)
}

var once sync.Once

// Start sets GOGC to Percent(live heap, headroom, minPercent, maxPercent) now and after
// every garbage collection, for the rest of the process. Only the first call counts.
func Start(headroom uint64, minPercent, maxPercent int) {
	once.Do(func() {
		t := &tuner{headroom: headroom, min: minPercent, max: maxPercent,
			sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
		debug.SetGCPercent(maxPercent)
		t.arm()
	})
}

type tuner struct {
	headroom uint64
	min, max int
	sample   []metrics.Sample
	last     int
}

// sentinel is allocated for each cycle and left unreachable: its cleanup runs once the
// next collection has found it dead. It holds a pointer so that it is never one of the
// tiny allocations that share a block (whose cleanups may never run).
type sentinel struct{ _ *int }

func (t *tuner) arm() {
	runtime.AddCleanup(&sentinel{}, func(t *tuner) { t.tune(); t.arm() }, t)
}

func (t *tuner) tune() {
	metrics.Read(t.sample)
	if t.sample[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	p := Percent(t.sample[0].Value.Uint64(), t.headroom, t.min, t.max)
	if p != t.last {
		debug.SetGCPercent(p)
		t.last = p
	}
}
