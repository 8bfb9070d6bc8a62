package admission

import (
	"sync"
	"sync/atomic"
	"time"
)

// workers runs evaluations on goroutines that outlive one request. A request's evaluation
// (decoding the object, the rules, the answer) needs a deep stack; a goroutine started for
// each request grows its stack from the minimum, copying it several times, every time. A
// worker keeps its grown stack for the requests after, and parks between them.
//
// A job goes to an idle worker when there is one and to a new worker otherwise, so a job
// never queues behind another, and a rule that never returns holds only its own worker
// (the handler answers at the deadline without it). Workers idle for workerIdle exit.
type workers struct {
	jobs chan func() // unbuffered: a send succeeds only when a worker is waiting
	idle time.Duration
	wg   sync.WaitGroup // live workers, for tests
	// started counts the workers started, for tests.
	started atomic.Int64
}

const workerIdle = 30 * time.Second

func newWorkers() *workers { return &workers{jobs: make(chan func()), idle: workerIdle} }

// do runs job on a worker.
func (p *workers) do(job func()) {
	select {
	case p.jobs <- job:
	default:
		p.wg.Add(1)
		p.started.Add(1)
		go p.work(job)
	}
}

func (p *workers) work(job func()) {
	defer p.wg.Done()
	t := time.NewTimer(p.idle)
	defer t.Stop()
	for {
		job()
		job = nil
		t.Reset(p.idle)
		select {
		case job = <-p.jobs:
		case <-t.C:
			return
		}
	}
}
