package imagefs

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync/atomic"
)

// Limits bound the work one image can cause. The zero value of a field means its default.
type Limits struct {
	// MaxLayerBytes caps the uncompressed bytes of one layer (default 16 GiB).
	MaxLayerBytes int64
	// MaxTotalBytes caps the uncompressed bytes of all layers (default 64 GiB).
	MaxTotalBytes int64
	// MaxRatio caps uncompressed/compressed bytes of a layer once it has produced more than
	// 256 MiB (default 1000): a decompression bomb, not a real layer.
	MaxRatio int64
	// MaxEntries caps the tar entries of all layers together (default 2,000,000).
	MaxEntries int64
	// MaxDepth caps the number of components of an entry name (default 256).
	MaxDepth int
	// MaxNameBytes caps the length of an entry name or link target (default 4096).
	MaxNameBytes int
	// MaxFileBytes caps the content of one file handed to analysers (default 64 MiB); larger
	// files are listed in FS.Skipped.
	MaxFileBytes int64
	// Workers is how many layers are decompressed at once (default GOMAXPROCS).
	Workers int
}

func (l Limits) withDefaults() Limits {
	def := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.MaxLayerBytes, 16<<30)
	def(&l.MaxTotalBytes, 64<<30)
	def(&l.MaxRatio, 1000)
	def(&l.MaxEntries, 2_000_000)
	def(&l.MaxFileBytes, 64<<20)
	if l.MaxDepth <= 0 {
		l.MaxDepth = 256
	}
	if l.MaxNameBytes <= 0 {
		l.MaxNameBytes = 4096
	}
	if l.Workers <= 0 {
		l.Workers = runtime.GOMAXPROCS(0)
	}
	return l
}

// Analyzer reads the contents of the files it wants while a layer streams past.
// Implementations must be safe for concurrent use: layers are read in parallel.
type Analyzer interface {
	// Name identifies the analyser's results.
	Name() string
	// Wants says, from the header alone, whether the analyser needs the content of the
	// regular file at p (absolute, clean).
	Wants(p string, e *Entry) bool
	// Analyze reads the content (exactly e.Size bytes at most). A nil value with a nil
	// error records nothing. An error is listed in FS.Problems; the scan goes on.
	Analyze(p string, e *Entry, r io.Reader) (any, error)
}

// Streamer is implemented by analysers that read a file's content as a stream without
// holding it: they get files of any size, where the others stop at Limits.MaxFileBytes.
type Streamer interface {
	Streams() bool
}

func streams(a Analyzer) bool {
	s, ok := a.(Streamer)
	return ok && s.Streams()
}

// HistoryKeeper is implemented by analysers whose results for a path must be kept when a
// later layer replaces or deletes the file (package databases, to find the layer that
// introduced each package).
type HistoryKeeper interface {
	KeepHistory() bool
}

// Layer is one layer to read.
type Layer struct {
	// ID names the layer in problems and results: its digest, or a name.
	ID string
	// Digest is the expected "sha256:<hex>" of the bytes Open returns; empty to skip the check.
	Digest string
	// Size is the expected byte count of those bytes; negative when unknown.
	Size int64
	// Open returns the layer as stored: gzip, zstd or plain tar (detected from the content).
	Open func() (io.ReadCloser, error)
}

// Builder reads layers into a merged filesystem.
type Builder struct {
	lim       Limits
	analyzers []Analyzer
	history   map[string]bool
	fs        *FS
	total     atomic.Int64
	entries   atomic.Int64
	waste     map[string]*pathStat
	hist      map[string][]Result
}

type pathStat struct {
	copies   int
	cum, min int64
}

// NewBuilder returns a builder with the given limits and analysers.
func NewBuilder(lim Limits, analyzers ...Analyzer) *Builder {
	b := &Builder{lim: lim.withDefaults(), analyzers: analyzers, history: map[string]bool{}, fs: newFS(),
		waste: map[string]*pathStat{}, hist: map[string][]Result{}}
	for _, a := range analyzers {
		if h, ok := a.(HistoryKeeper); ok && h.KeepHistory() {
			b.history[a.Name()] = true
		}
	}
	return b
}

// rawEntry is one parsed tar entry waiting to be merged.
type rawEntry struct {
	name     string // tar name as written, for problems
	e        Entry
	hard     bool
	whiteout int8 // 0 none, 1 file whiteout, 2 opaque directory
	results  []Result
}

type parsed struct {
	entries  []rawEntry
	problems []Problem
	skipped  []Problem
	info     LayerInfo
}

// Build reads every layer, bottom first, and returns the merged filesystem. Problems with
// single entries or layers are recorded in the result, which is never nil; the error is
// only the context's.
func (b *Builder) Build(ctx context.Context, layers []Layer) (*FS, error) {
	n := len(layers)
	results := make([]chan *parsed, n)
	for i := range results {
		results[i] = make(chan *parsed, 1)
	}
	sem := make(chan struct{}, b.lim.Workers)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		for i := range layers {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				for j := i; j < n; j++ {
					results[j] <- &parsed{info: LayerInfo{ID: layers[j].ID, Err: ctx.Err()}}
				}
				return
			}
			go func(i int) { results[i] <- b.parseLayer(ctx, i, layers[i]) }(i)
		}
	}()
	for i := 0; i < n; i++ {
		p := <-results[i]
		b.merge(i, p)
		<-sem
		if err := ctx.Err(); err != nil {
			for j := i + 1; j < n; j++ {
				<-results[j]
			}
			return b.finish(), err
		}
	}
	return b.finish(), nil
}

func (b *Builder) finish() *FS {
	f := b.fs
	var dup []WastedPath
	for p, s := range b.waste {
		f.Waste.WastedBytes += s.cum
		f.Waste.MinimumBytes -= s.cum - s.min
		dup = append(dup, WastedPath{Path: p, Copies: s.copies, Bytes: s.cum})
	}
	f.Waste.MinimumBytes += f.Waste.DiscoveredBytes
	slices.SortFunc(dup, func(a, b WastedPath) int {
		if a.Bytes != b.Bytes {
			if a.Bytes > b.Bytes {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Path, b.Path)
	})
	if len(dup) > 20 {
		dup = dup[:20]
	}
	f.Waste.Paths = dup
	f.history = b.hist
	return f
}

// History returns the results analyser name produced for earlier versions of the file at
// p that later layers replaced or deleted, bottom first. Only analysers that keep history
// have any.
func (f *FS) History(p, name string) []Result {
	var out []Result
	for _, r := range f.history[p] {
		if r.Analyzer == name {
			out = append(out, r)
		}
	}
	return out
}

// errCap is a limit that stops a layer.
type errCap struct{ msg string }

func (e *errCap) Error() string { return e.msg }

// capReader counts uncompressed bytes against the layer and total caps, and the ratio
// against the compressed bytes read so far.
type capReader struct {
	r          io.Reader
	n          int64
	b          *Builder
	compressed *countReader
}

func (c *capReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.b.lim.MaxLayerBytes {
		return n, &errCap{fmt.Sprintf("uncompressed size exceeds the per-layer limit of %d bytes (decompression bomb?)", c.b.lim.MaxLayerBytes)}
	}
	if t := c.b.total.Add(int64(n)); t > c.b.lim.MaxTotalBytes {
		return n, &errCap{fmt.Sprintf("uncompressed size of all layers exceeds the limit of %d bytes", c.b.lim.MaxTotalBytes)}
	}
	if c.n > 256<<20 && c.compressed != nil && c.compressed.n.Load() > 0 && c.n/c.compressed.n.Load() > c.b.lim.MaxRatio {
		return n, &errCap{fmt.Sprintf("decompression ratio over %d:1 (decompression bomb)", c.b.lim.MaxRatio)}
	}
	return n, err
}

func (b *Builder) parseLayer(ctx context.Context, idx int, l Layer) (out *parsed) {
	out = &parsed{info: LayerInfo{ID: l.ID}}
	defer func() {
		if r := recover(); r != nil {
			out.info.Err = fmt.Errorf("internal error reading the layer: %v\n%s", r, debug.Stack())
		}
	}()
	rc, err := l.Open()
	if err != nil {
		out.info.Err = fmt.Errorf("open: %w", err)
		return out
	}
	defer rc.Close()
	vr := newVerifyReader(rc, l.Digest, l.Size)
	dr, err := decompress(vr)
	if err != nil {
		out.info.Err = err
		return out
	}
	defer dr.Close()
	ra := newReadAhead(dr)
	defer ra.Close() // before dr.Close: the goroutine stops reading first
	cr := &capReader{r: ra, b: b, compressed: vr.count}
	tr := tar.NewReader(cr)
	var fileBuf bytes.Buffer
	for {
		if err := ctx.Err(); err != nil {
			out.info.Err = err
			return out
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			out.info.Err = fmt.Errorf("corrupt or truncated tar after %d entries: %w", out.info.Entries, err)
			out.info.Bytes = cr.n
			// A blob that does not match its digest explains a broken stream best: read the
			// rest of the stored bytes (bounded by the declared size) to check it.
			if l.Digest != "" {
				ra.Close() // the read-ahead goroutine must be done with vr
				if _, cerr := io.Copy(io.Discard, vr); cerr == nil {
					if derr := vr.check(); derr != nil {
						out.info.Err = fmt.Errorf("%w (the tar stream broke after %d entries: %v)", derr, out.info.Entries, err)
					}
				}
			}
			return out
		}
		out.info.Entries++
		if b.entries.Add(1) > b.lim.MaxEntries {
			out.info.Err = &errCap{fmt.Sprintf("more than %d entries in the image (limit)", b.lim.MaxEntries)}
			return out
		}
		re, prob := b.header(hdr)
		if prob != "" {
			out.problems = append(out.problems, Problem{Layer: l.ID, Entry: hdr.Name, Msg: prob})
			continue
		}
		if re == nil {
			continue
		}
		re.e.Layer = idx
		if re.e.Type == TypeReg && !re.hard && re.whiteout == 0 {
			out.info.FileBytes += re.e.Size
			b.analyze(l.ID, idx, re, tr, &fileBuf, out)
		}
		out.entries = append(out.entries, *re)
	}
	// Drain what follows the end-of-archive marker so the digest covers the whole blob.
	if _, err := io.Copy(io.Discard, cr); err != nil {
		out.info.Err = fmt.Errorf("reading past the end of the archive: %w", err)
	}
	out.info.Bytes = cr.n
	if err := vr.check(); err != nil && out.info.Err == nil {
		out.info.Err = err
	}
	if err := dr.Close(); err != nil && out.info.Err == nil {
		out.info.Err = err
	}
	return out
}

// header turns a tar header into a raw entry; it returns a problem message for refused
// entries and nil, "" for headers that hold nothing (global PAX headers, the root).
func (b *Builder) header(h *tar.Header) (*rawEntry, string) {
	name := h.Name
	if len(name) > b.lim.MaxNameBytes {
		return nil, fmt.Sprintf("name longer than %d bytes", b.lim.MaxNameBytes)
	}
	if len(h.Linkname) > b.lim.MaxNameBytes {
		return nil, fmt.Sprintf("link target longer than %d bytes", b.lim.MaxNameBytes)
	}
	if strings.IndexByte(name, 0) >= 0 || strings.IndexByte(h.Linkname, 0) >= 0 {
		return nil, "NUL byte in name"
	}
	if h.Typeflag == tar.TypeXGlobalHeader {
		return nil, ""
	}
	if strings.HasPrefix(name, "/") {
		return nil, "absolute name (refused: entries must be relative to the image root)"
	}
	comps := 0
	for _, c := range strings.Split(name, "/") {
		if c == ".." {
			return nil, "name escapes the image root (\"..\" component)"
		}
		if c != "" && c != "." {
			comps++
		}
	}
	if comps > b.lim.MaxDepth {
		return nil, fmt.Sprintf("deeper than %d components", b.lim.MaxDepth)
	}
	p := path.Clean("/" + name)
	if p == "/" {
		return nil, ""
	}
	re := &rawEntry{name: name, e: Entry{
		Path: p, Mode: uint32(h.Mode & 07777), UID: h.Uid, GID: h.Gid, Uname: h.Uname, Gname: h.Gname,
		ModTime: h.ModTime.Unix(),
	}}
	base := path.Base(p)
	if strings.HasPrefix(base, ".wh.") {
		if base == ".wh..wh..opq" {
			re.whiteout = 2
			re.e.Path = path.Dir(p)
		} else {
			re.whiteout = 1
			re.e.Path = path.Join(path.Dir(p), base[len(".wh."):])
			if path.Base(re.e.Path) == ".." || path.Base(re.e.Path) == "." {
				return nil, "whiteout of an invalid name"
			}
		}
		return re, ""
	}
	if h.Typeflag == tar.TypeLink {
		if h.Linkname == "" {
			return nil, "hard link without a target"
		}
		if strings.HasPrefix(h.Linkname, "/") || slices.Contains(strings.Split(h.Linkname, "/"), "..") {
			return nil, fmt.Sprintf("hard link target %q escapes the image root", h.Linkname)
		}
		re.hard = true
		re.e.Type = TypeReg
		re.e.Hard = true
		re.e.Link = path.Clean("/" + h.Linkname)
		return re, ""
	}
	t, ok := typeOf(h.Typeflag)
	if !ok {
		return nil, fmt.Sprintf("unsupported entry type %q", h.Typeflag)
	}
	re.e.Type = t
	switch t {
	case TypeReg:
		if h.Size < 0 {
			return nil, "negative size"
		}
		re.e.Size = h.Size
	case TypeSymlink:
		re.e.Link = h.Linkname
	}
	return re, ""
}

// analyze hands the content of a regular file to the analysers that want it.
func (b *Builder) analyze(layerID string, idx int, re *rawEntry, tr io.Reader, buf *bytes.Buffer, out *parsed) {
	var want []Analyzer
	for _, a := range b.analyzers {
		if a.Wants(re.e.Path, &re.e) {
			want = append(want, a)
		}
	}
	if len(want) == 0 {
		return
	}
	if re.e.Size > b.lim.MaxFileBytes {
		// Too large to hold: only one streaming analyser can read it, straight from the tar.
		var streamer Analyzer
		var names []string
		for _, a := range want {
			if streamer == nil && streams(a) {
				streamer = a
			} else {
				names = append(names, a.Name())
			}
		}
		if len(names) > 0 {
			out.skipped = append(out.skipped, Problem{Layer: layerID, Entry: re.name,
				Msg: fmt.Sprintf("content not analysed by %s: %d bytes, over the per-file limit of %d", strings.Join(names, ", "), re.e.Size, b.lim.MaxFileBytes)})
		}
		if streamer == nil {
			return
		}
		want = []Analyzer{streamer}
	}
	run := func(a Analyzer, r io.Reader) {
		defer func() {
			if x := recover(); x != nil {
				out.problems = append(out.problems, Problem{Layer: layerID, Entry: re.name, Msg: fmt.Sprintf("%s analyser failed: %v", a.Name(), x)})
			}
		}()
		v, err := a.Analyze(re.e.Path, &re.e, r)
		if err != nil {
			out.problems = append(out.problems, Problem{Layer: layerID, Entry: re.name, Msg: fmt.Sprintf("%s: %v", a.Name(), err)})
			return
		}
		if v != nil {
			re.results = append(re.results, Result{Analyzer: a.Name(), Layer: idx, Path: re.e.Path, Value: v})
		}
	}
	lr := io.LimitReader(tr, re.e.Size)
	if len(want) == 1 {
		run(want[0], lr)
		return
	}
	buf.Reset()
	if _, err := buf.ReadFrom(lr); err != nil {
		out.problems = append(out.problems, Problem{Layer: layerID, Entry: re.name, Msg: "reading content: " + err.Error()})
		return
	}
	for _, a := range want {
		run(a, bytes.NewReader(buf.Bytes()))
	}
	if buf.Cap() > 1<<20 {
		*buf = bytes.Buffer{}
	}
}

// merge applies one parsed layer to the tree.
func (b *Builder) merge(idx int, p *parsed) {
	f := b.fs
	f.Layers = append(f.Layers, p.info)
	f.Problems = append(f.Problems, p.problems...)
	f.Skipped = append(f.Skipped, p.skipped...)
	if p.info.Err != nil {
		f.Incomplete = true
		f.Problems = append(f.Problems, Problem{Layer: p.info.ID, Msg: p.info.Err.Error()})
	}
	for i := range p.entries {
		re := &p.entries[i]
		if err := b.apply(idx, re); err != nil {
			f.Problems = append(f.Problems, Problem{Layer: p.info.ID, Entry: re.name, Msg: err.Error()})
		}
	}
}

// parentOf resolves (creating implicit directories) the parent directory of p.
func (b *Builder) parentOf(idx int, p string) (*node, string, error) {
	f := b.fs
	cur, curPath := f.root, "/"
	comps := split(path.Dir(p))
	for _, c := range comps {
		next, ok := cur.kids[c]
		if !ok {
			next = &node{Entry: Entry{Path: path.Join(curPath, c), Type: TypeDir, Mode: 0755, Layer: idx, Implicit: true}, kids: map[string]*node{}}
			cur.kids[c] = next
			f.entries++
		}
		if next.Type == TypeSymlink {
			hops := 0
			n, np, err := f.walk(cur, curPath, []string{c}, true, &hops)
			if err != nil {
				return nil, "", fmt.Errorf("parent %s: %w", path.Join(curPath, c), err)
			}
			next, curPath = n, np
		} else {
			curPath = path.Join(curPath, c)
		}
		if next.Type != TypeDir {
			return nil, "", fmt.Errorf("parent %s is not a directory", curPath)
		}
		cur = next
	}
	return cur, curPath, nil
}

func (b *Builder) apply(idx int, re *rawEntry) error {
	f := b.fs
	if re.whiteout == 2 {
		dir, dirPath, err := b.parentOf(idx, re.e.Path+"/x")
		if err != nil {
			return err
		}
		b.opaque(idx, dir, dirPath)
		return nil
	}
	parent, parentPath, err := b.parentOf(idx, re.e.Path)
	if err != nil {
		return err
	}
	name := path.Base(re.e.Path)
	full := path.Join(parentPath, name)
	old := parent.kids[name]
	if re.whiteout == 1 {
		if old != nil && old.Layer < idx {
			b.deleteEntry(parent, name, old)
		}
		return nil
	}
	e := re.e
	e.Path = full
	results := re.results
	if re.hard {
		hops := 0
		tgt, _, err := f.walk(f.root, "/", split(e.Link), false, &hops)
		if err != nil {
			return fmt.Errorf("hard link to %s: %w", e.Link, err)
		}
		if tgt.Type == TypeDir {
			return fmt.Errorf("hard link to directory %s", e.Link)
		}
		if tgt == old {
			return nil // a link to itself changes nothing
		}
		e.Type, e.Mode, e.UID, e.GID, e.Size = tgt.Type, tgt.Mode, tgt.UID, tgt.GID, tgt.Size
		e.Uname, e.Gname, e.ModTime = tgt.Uname, tgt.Gname, tgt.ModTime
		if tgt.Type == TypeSymlink {
			e.Link = tgt.Link
			e.Hard = false
		}
		for _, r := range tgt.results {
			r.Path = full
			results = append(results, r)
		}
	}
	for i := range results {
		results[i].Path = full
	}
	if old != nil {
		if old.Type == TypeDir && e.Type == TypeDir {
			kids := old.kids
			old.Entry = e
			old.kids = kids
			return nil
		}
		b.remove(parent, name, old)
	}
	n := &node{Entry: e, results: results}
	if e.Type == TypeDir {
		n.kids = map[string]*node{}
	}
	parent.kids[name] = n
	f.entries++
	if e.Type == TypeReg && !e.Hard {
		prev := int64(-1)
		if old != nil && old.Type == TypeReg {
			prev = old.Size
		}
		b.occur(full, prev, e.Size)
	}
	return nil
}

// occur records one more occurrence of path p of size bytes (a copy of the file, or the
// bytes a deletion removed); prev is the size of the occurrence already in the tree, or -1.
// Only paths that occur more than once get a map entry (dive's efficiency figures).
func (b *Builder) occur(p string, prev, size int64) {
	b.fs.Waste.DiscoveredBytes += size
	s := b.waste[p]
	if s == nil {
		if prev < 0 {
			return
		}
		s = &pathStat{copies: 1, cum: prev, min: prev}
		b.waste[p] = s
	}
	s.copies++
	s.cum += size
	s.min = min(s.min, size)
}

// remove deletes child name of parent and its subtree, keeping the history of the
// analyser results that ask for it. It returns the bytes of regular files removed.
func (b *Builder) remove(parent *node, name string, old *node) int64 {
	var removed int64
	var visit func(n *node)
	visit = func(n *node) {
		b.fs.entries--
		if n.Type == TypeReg {
			removed += n.Size
		}
		for _, r := range n.results {
			if b.history[r.Analyzer] {
				b.hist[r.Path] = append(b.hist[r.Path], r)
			}
		}
		for _, k := range n.kids {
			visit(k)
		}
	}
	visit(old)
	delete(parent.kids, name)
	return removed
}

// deleteEntry is a whiteout of old: it removes it and counts the deletion as a copy.
func (b *Builder) deleteEntry(parent *node, name string, old *node) {
	prev := int64(0)
	if old.Type == TypeReg {
		prev = old.Size
	}
	removed := b.remove(parent, name, old)
	b.occur(old.Path, prev, removed)
}

// opaque removes everything below dir that lower layers set.
func (b *Builder) opaque(idx int, dir *node, dirPath string) {
	for name, k := range dir.kids {
		if k.Layer < idx {
			b.deleteEntry(dir, name, k)
		} else if k.Type == TypeDir {
			b.opaque(idx, k, path.Join(dirPath, name))
		}
	}
}

// ErrIncomplete is wrapped by errors about images whose filesystem could not be read whole.
var ErrIncomplete = errors.New("image filesystem incomplete")

func newBuf() *bytes.Buffer { return new(bytes.Buffer) }
