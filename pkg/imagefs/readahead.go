package imagefs

import (
	"io"
	"sync"
)

// readAhead reads r in a goroutine, a few chunks ahead of the consumer, so that
// decompression and digest hashing run in parallel with tar parsing and the analysers even
// for a single-layer image. Memory is bounded by chunks * chunkSize.
type readAhead struct {
	ch   chan []byte
	free chan []byte
	cur  []byte
	buf  []byte // the chunk cur points into
	err  error
	done chan struct{}
	once sync.Once
}

const (
	raChunks    = 4
	raChunkSize = 1 << 20
)

func newReadAhead(r io.Reader) *readAhead {
	ra := &readAhead{ch: make(chan []byte, raChunks), free: make(chan []byte, raChunks+1), done: make(chan struct{})}
	for i := 0; i < raChunks+1; i++ {
		ra.free <- make([]byte, raChunkSize)
	}
	go func() {
		defer close(ra.ch)
		for {
			var buf []byte
			select {
			case buf = <-ra.free:
			case <-ra.done:
				return
			}
			n, err := io.ReadFull(r, buf[:cap(buf)])
			if n > 0 {
				select {
				case ra.ch <- buf[:n]:
				case <-ra.done:
					return
				}
			}
			if err == io.ErrUnexpectedEOF {
				err = io.EOF
			}
			if err != nil {
				ra.err = err // published by the close of ch
				return
			}
		}
	}()
	return ra
}

func (ra *readAhead) Read(p []byte) (int, error) {
	for len(ra.cur) == 0 {
		if ra.buf != nil {
			ra.free <- ra.buf[:cap(ra.buf)] // never blocks: free holds every chunk
			ra.buf = nil
		}
		buf, ok := <-ra.ch
		if !ok {
			return 0, ra.err
		}
		ra.buf, ra.cur = buf, buf
	}
	n := copy(p, ra.cur)
	ra.cur = ra.cur[n:]
	return n, nil
}

// Close stops the goroutine; the underlying reader is closed by its owner afterwards.
func (ra *readAhead) Close() {
	ra.once.Do(func() { close(ra.done) })
	for range ra.ch {
	}
}
