// Package input reads event streams for the detect engine: JSON lines (Kubernetes audit
// logs), CloudTrail files ({"Records":[...]}), gzip-compressed or not, from files,
// directories, stdin or a growing file, with every record bounded in size.
package input

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// DefaultMaxRecord bounds one event (one line or one array element).
const DefaultMaxRecord = 8 << 20

// RecordError is a record that could not be read; the stream goes on after it.
type RecordError struct {
	Line int // 1-based line, or record index in a Records array
	Err  error
}

func (e *RecordError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// Split reads records from r and calls fn with each one and its line (or, inside a
// Records array, its 1-based index). A record over max bytes is reported to bad and
// skipped. fn's error stops the split and is returned; read errors are returned too.
func Split(r io.Reader, max int, fn func(rec []byte, line int) error, bad func(*RecordError)) error {
	if max <= 0 {
		max = DefaultMaxRecord
	}
	br := bufio.NewReaderSize(r, 256<<10)
	if gz, err := isGzip(br); err != nil {
		return err
	} else if gz {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 256<<10)
	}
	s := &splitter{br: br, max: max, fn: fn, bad: bad}
	return s.run()
}

func isGzip(br *bufio.Reader) (bool, error) {
	b, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return false, err
	}
	return len(b) == 2 && b[0] == 0x1f && b[1] == 0x8b, nil
}

type splitter struct {
	br   *bufio.Reader
	max  int
	fn   func([]byte, int) error
	bad  func(*RecordError)
	line int
	buf  []byte
}

// atRecords reports whether the stream continues with {"Records":[ (a CloudTrail file)
// and consumes that prefix when it does. It peeks one byte more at a time, so that on a
// growing file it never waits for bytes it does not need to decide.
func (s *splitter) atRecords() bool {
	want := []byte(`{"Records":[`)
	w, i := 0, 0
	for i < 4096 {
		b, err := s.br.Peek(i + 1)
		if err != nil || len(b) <= i {
			return false
		}
		c := b[i]
		i++
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			if w == 0 || w == 1 || w >= 10 { // around the braces, key and colon
				continue
			}
			return false
		}
		if c != want[w] {
			return false
		}
		w++
		if w == len(want) {
			b, _ := s.br.Peek(i)
			s.line += bytes.Count(b, []byte{'\n'})
			s.br.Discard(i)
			return true
		}
	}
	return false
}

func (s *splitter) run() error {
	check := true // at the start, and after a Records file
	for {
		if check && s.atRecords() {
			if err := s.records(); err != nil {
				return err
			}
			continue
		}
		check = false
		done, err := s.oneLine()
		if err != nil || done {
			return err
		}
	}
}

// oneLine reads one line and hands it on; done at EOF.
func (s *splitter) oneLine() (bool, error) {
	s.buf = s.buf[:0]
	tooLong := false
	var red *reducer
	for {
		chunk, err := s.br.ReadSlice('\n')
		if !tooLong {
			if len(s.buf)+len(chunk) > s.max {
				// Too long to keep whole: reduce it, as it streams by, to its top-level
				// members of at most MaxMember bytes (an audit event's metadata without
				// its request and response objects).
				tooLong = true
				red = &reducer{max: s.max, memberMax: min(MaxMember, s.max/4)}
				red.feed(s.buf)
				red.feed(chunk)
				s.buf = s.buf[:0]
			} else {
				s.buf = append(s.buf, chunk...)
			}
		} else {
			red.feed(chunk)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return false, err
		}
		eof := errors.Is(err, io.EOF)
		if len(chunk) == 0 && len(s.buf) == 0 && eof && !tooLong {
			return true, nil
		}
		s.line++
		if tooLong {
			rec, ok := red.result()
			if !ok {
				s.bad(&RecordError{Line: s.line, Err: fmt.Errorf("record longer than %d bytes, skipped", s.max)})
				return eof, nil
			}
			s.bad(&RecordError{Line: s.line, Err: fmt.Errorf("record of %d bytes is over the %d limit: evaluated without its members over %d bytes (%s)",
				red.total, s.max, red.memberMax, strings.Join(red.dropped, ", "))})
			if err := s.fn(rec, s.line); err != nil {
				return false, err
			}
			return eof, nil
		}
		rec := bytes.TrimSpace(s.buf)
		if len(rec) > 0 {
			if err := s.fn(rec, s.line); err != nil {
				return false, err
			}
		}
		return eof, nil
	}
}

// MaxMember bounds a top-level member kept when an oversized record is reduced (a quarter
// of the record limit when that is smaller).
const MaxMember = 64 << 10

// reducer rebuilds a JSON object from a stream of bytes, keeping its top-level members of
// at most memberMax bytes and dropping the others, in bounded memory.
type reducer struct {
	max, memberMax     int
	out                []byte
	total              int
	depth              int
	inStr, esc, broken bool
	started, done      bool
	memberStart        int
	dropping           bool
	keyStart           int
	key                []byte
	keyDone            bool
	dropped            []string
}

func (r *reducer) feed(b []byte) {
	r.total += len(b)
	for _, c := range b {
		if r.broken || r.done {
			return
		}
		if !r.started {
			switch c {
			case ' ', '\t', '\r', '\n':
				continue
			case '{':
				r.started, r.depth = true, 1
				r.out = append(r.out, '{')
				r.memberStart = len(r.out)
				continue
			}
			r.broken = true
			return
		}
		if r.inStr {
			switch {
			case r.esc:
				r.esc = false
			case c == '\\':
				r.esc = true
			case c == '"':
				r.inStr = false
				if r.depth == 1 && !r.keyDone {
					r.keyDone = true
				}
			default:
				if r.depth == 1 && !r.keyDone && len(r.key) < 64 {
					r.key = append(r.key, c)
				}
			}
			r.put(c)
			continue
		}
		switch c {
		case '"':
			r.inStr = true
		case '{', '[':
			r.depth++
		case '}', ']':
			r.depth--
		}
		if r.depth == 1 && c == ',' {
			r.endMember()
			if r.out[len(r.out)-1] != '{' {
				r.out = append(r.out, ',')
			}
			r.memberStart = len(r.out)
			continue
		}
		if r.depth == 0 {
			r.endMember()
			r.out = bytes.TrimSuffix(r.out, []byte{','})
			r.out = append(r.out, '}')
			r.done = true
			return
		}
		if r.depth < 0 {
			r.broken = true
			return
		}
		r.put(c)
	}
}

func (r *reducer) put(c byte) {
	if r.dropping {
		return
	}
	r.out = append(r.out, c)
	if len(r.out)-r.memberStart > r.memberMax {
		r.dropping = true
		r.out = r.out[:r.memberStart]
	}
	if len(r.out) > r.max {
		r.broken = true
	}
}

// endMember closes the current member, taking it out again when it was dropped.
func (r *reducer) endMember() {
	if r.dropping {
		r.out = r.out[:r.memberStart]
		r.out = bytes.TrimSuffix(r.out, []byte{','})
		if len(r.dropped) < 8 {
			r.dropped = append(r.dropped, string(r.key))
		}
	}
	r.dropping, r.key, r.keyDone = false, r.key[:0], false
}

func (r *reducer) result() ([]byte, bool) {
	return r.out, r.done && !r.broken && len(r.dropped) > 0 && len(r.out) > 2
}

// records streams the elements of a Records array, then the rest of the wrapper object.
func (s *splitter) records() error {
	index := 0
	for {
		c, err := s.nextNonWS()
		if err != nil {
			return fmt.Errorf("line %d: truncated Records array: %w", s.line, err)
		}
		switch c {
		case ']':
			return s.closeWrapper()
		case ',':
			continue
		}
		s.br.UnreadByte()
		index++
		rec, tooLong, err := s.value()
		if err != nil {
			return fmt.Errorf("record %d: %w", index, err)
		}
		if tooLong {
			s.bad(&RecordError{Line: index, Err: fmt.Errorf("record longer than %d bytes, skipped", s.max)})
			continue
		}
		if err := s.fn(rec, index); err != nil {
			return err
		}
	}
}

func (s *splitter) nextNonWS() (byte, error) {
	for {
		c, err := s.br.ReadByte()
		if err != nil {
			return 0, err
		}
		switch c {
		case '\n':
			s.line++
		case ' ', '\t', '\r':
		default:
			return c, nil
		}
	}
}

// value reads one JSON value, tracking strings and nesting, into s.buf (bounded). It scans
// the reader's buffer in place rather than byte by byte.
func (s *splitter) value() ([]byte, bool, error) {
	if _, err := s.nextNonWS(); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, false, io.ErrUnexpectedEOF
		}
		return nil, false, err
	}
	s.br.UnreadByte()
	s.buf = s.buf[:0]
	depth, inStr, esc, tooLong, n := 0, false, false, false, 0
	for {
		if s.br.Buffered() == 0 {
			if _, err := s.br.Peek(1); err != nil {
				if errors.Is(err, io.EOF) {
					return nil, false, io.ErrUnexpectedEOF
				}
				return nil, false, err
			}
		}
		win, _ := s.br.Peek(s.br.Buffered())
		end, scalarEnd := -1, false
		for i, c := range win {
			if inStr {
				switch {
				case esc:
					esc = false
				case c == '\\':
					esc = true
				case c == '"':
					inStr = false
				case c == '\n':
					s.line++
				}
				continue
			}
			if depth == 0 && n+i > 0 && (c == ',' || c == ':' || c == '}' || c == ']' || c == ' ' || c == '\n' || c == '\t' || c == '\r') {
				end, scalarEnd = i, true // the end of a scalar element, not consumed
				break
			}
			switch c {
			case '"':
				inStr = true
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth < 0 {
					return nil, false, errors.New("unbalanced brackets")
				}
			case '\n':
				s.line++
			}
			if depth == 0 && (c == '}' || c == ']') {
				end = i + 1
				break
			}
		}
		take := len(win)
		if end >= 0 {
			take = end
		}
		if !tooLong {
			if len(s.buf)+take > s.max {
				tooLong = true
				s.buf = s.buf[:0]
			} else {
				s.buf = append(s.buf, win[:take]...)
			}
		}
		s.br.Discard(take)
		n += take
		if end >= 0 {
			_ = scalarEnd
			return s.buf, tooLong, nil
		}
	}
}

// closeWrapper skips the other members of a {"Records":[...], ...} object to its end.
func (s *splitter) closeWrapper() error {
	for {
		c, err := s.nextNonWS()
		if err != nil {
			return fmt.Errorf("line %d: truncated CloudTrail file: %w", s.line, err)
		}
		switch c {
		case '}':
			return nil
		case ',':
			// a further member: "key": value
			if _, _, err := s.value(); err != nil { // key
				return err
			}
			if c, err := s.nextNonWS(); err != nil || c != ':' {
				return fmt.Errorf("line %d: malformed CloudTrail file", s.line)
			}
			if _, _, err := s.value(); err != nil {
				return err
			}
		default:
			return fmt.Errorf("line %d: malformed CloudTrail file: unexpected %q", s.line, c)
		}
	}
}

// Files expands paths: files as given, directories walked (sorted, regular files only,
// symbolic links not followed). "-" stays "-" (stdin).
func Files(paths []string) ([]string, []error) {
	var out []string
	var errs []error
	for _, p := range paths {
		if p == "-" {
			out = append(out, p)
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, err)
				return nil
			}
			if d.Type().IsRegular() {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			errs = append(errs, err)
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, errs
}

// Follow returns a reader over a file that, at its end, waits for more data instead of
// returning io.EOF, until ctx is done. A file that shrinks (truncated or replaced by
// rotation) is read again from its start.
func Follow(ctx context.Context, path string, poll time.Duration) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	return &follower{ctx: ctx, path: path, f: f, poll: poll}, nil
}

type follower struct {
	ctx  context.Context
	path string
	f    *os.File
	off  int64
	poll time.Duration
}

func (fl *follower) Read(p []byte) (int, error) {
	for {
		n, err := fl.f.Read(p)
		fl.off += int64(n)
		if n > 0 {
			return n, nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return 0, err
		}
		select {
		case <-fl.ctx.Done():
			return 0, io.EOF
		case <-time.After(fl.poll):
		}
		st, err := os.Stat(fl.path)
		if err != nil {
			continue // rotated away; wait for the new file
		}
		cur, _ := fl.f.Stat()
		if !os.SameFile(st, cur) || st.Size() < fl.off {
			nf, err := os.Open(fl.path)
			if err != nil {
				continue
			}
			fl.f.Close()
			fl.f, fl.off = nf, 0
		}
	}
}

func (fl *follower) Close() error { return fl.f.Close() }
