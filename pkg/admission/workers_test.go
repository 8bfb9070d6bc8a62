package admission

import (
	"testing"
	"time"
)

// A worker that finished a job takes the next one; a job never waits behind a busy worker;
// idle workers exit.
func TestWorkers(t *testing.T) {
	p := newWorkers()
	p.idle = 500 * time.Millisecond
	for i := 0; i < 20; i++ {
		done := make(chan struct{})
		p.do(func() { close(done) })
		<-done
		time.Sleep(5 * time.Millisecond) // the worker parks again (on a loaded machine it may not have)
	}
	if n := p.started.Load(); n >= 10 {
		t.Errorf("20 jobs one after another started %d workers: finished workers are not reused", n)
	}
	block := make(chan struct{})
	p.do(func() { <-block })
	ran := make(chan struct{})
	p.do(func() { close(ran) })
	select {
	case <-ran:
	case <-time.After(5 * time.Second):
		t.Fatal("a job waited behind a blocked one")
	}
	close(block)
	exited := make(chan struct{})
	go func() { p.wg.Wait(); close(exited) }()
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Fatal("idle workers did not exit")
	}
}
