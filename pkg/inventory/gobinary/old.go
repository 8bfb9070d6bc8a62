package gobinary

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
)

// Build information before Go 1.18 (debug/buildinfo's "pointer" format): after the 16-byte
// magic, ptrSize and flags, the header holds two addresses, of the string headers (data
// pointer, length) of runtime.buildVersion and runtime.modinfo. The linker puts .go.buildinfo
// first in the writable segment, those string headers after it, and the string bytes in
// .rodata before it. A stream cannot go back, so while it passes the ELF read-only segment
// the reader notes where candidate strings start: "go1" version strings and module strings
// (framed by 16-byte sentinels). Once the header is found, it reads forward to the string
// headers, maps their data pointers to file offsets through the ELF program headers, and
// takes the noted strings at those offsets.

const (
	tailKeep        = 64       // bytes kept between chunks: the magic, a version string
	maxVersionBytes = 48       // a Go version string ("go1.17.13", "devel +abc...")
	maxCandidates   = 10_000   // version candidates noted
	maxModStrings   = 16       // module strings noted (one per embedded Go binary)
	maxForward      = 64 << 20 // distance read past the header to reach the string headers
)

// modinfo's sentinels (cmd/go/internal/modload).
var (
	modStart = []byte{0x30, 0x77, 0xaf, 0x0c, 0x92, 0x74, 0x08, 0x02, 0x41, 0xe1, 0xc1, 0x07, 0xe6, 0xd6, 0x18, 0xe6}
	modEnd   = []byte{0xf9, 0x32, 0x43, 0x31, 0x86, 0x18, 0x20, 0x72, 0x00, 0x82, 0x42, 0x10, 0x41, 0x16, 0xd8, 0xf2}
)

type segment struct{ off, vaddr, size uint64 }

// oldScan notes candidate strings in the read-only segment of an ELF file.
type oldScan struct {
	bo       binary.ByteOrder
	segs     []segment
	roStart  int64 // file range of the read-only (not executable, not writable) segment
	roEnd    int64
	next     int64 // file offset up to which candidates were noted
	versions map[int64]string
	mods     map[int64]string
}

// newOldScan reads the ELF program headers from the first bytes of the file; nil when the
// file is not ELF or its program headers are not in head.
func newOldScan(head []byte) *oldScan {
	if len(head) < 52 || !bytes.HasPrefix(head, []byte("\x7fELF")) {
		return nil
	}
	var bo binary.ByteOrder
	switch head[5] {
	case 1:
		bo = binary.LittleEndian
	case 2:
		bo = binary.BigEndian
	default:
		return nil
	}
	is64 := head[4] == 2
	var phoff, entsize, num uint64
	if is64 {
		if len(head) < 64 {
			return nil
		}
		phoff, entsize, num = bo.Uint64(head[32:]), uint64(bo.Uint16(head[54:])), uint64(bo.Uint16(head[56:]))
	} else {
		phoff, entsize, num = uint64(bo.Uint32(head[28:])), uint64(bo.Uint16(head[42:])), uint64(bo.Uint16(head[44:]))
	}
	if num == 0 || num > 256 || entsize < 32 || phoff+num*entsize > uint64(len(head)) {
		return nil
	}
	sc := &oldScan{bo: bo, roStart: -1, versions: map[int64]string{}, mods: map[int64]string{}}
	for i := uint64(0); i < num; i++ {
		ph := head[phoff+i*entsize:]
		var typ, flags uint32
		var seg segment
		if is64 {
			if entsize < 56 {
				return nil
			}
			typ, flags = bo.Uint32(ph[0:]), bo.Uint32(ph[4:])
			seg = segment{off: bo.Uint64(ph[8:]), vaddr: bo.Uint64(ph[16:]), size: bo.Uint64(ph[32:])}
		} else {
			typ, flags = bo.Uint32(ph[0:]), bo.Uint32(ph[24:])
			seg = segment{off: uint64(bo.Uint32(ph[4:])), vaddr: uint64(bo.Uint32(ph[8:])), size: uint64(bo.Uint32(ph[16:]))}
		}
		if typ != 1 { // PT_LOAD
			continue
		}
		sc.segs = append(sc.segs, seg)
		if flags&3 == 0 && sc.roStart < 0 && seg.size < 1<<40 { // neither PF_X nor PF_W
			sc.roStart, sc.roEnd = int64(seg.off), int64(seg.off+seg.size)
		}
	}
	return sc
}

// collect notes the candidates in buf (which starts at file offset off) up to a tail the
// next chunk will hold again; it may read more of r to finish a module string, and returns
// the buffer, grown if so.
func (sc *oldScan) collect(buf []byte, off int64, r io.Reader, eof bool) ([]byte, error) {
	if sc.roStart < 0 {
		return buf, nil
	}
	// A module string read on to its end grows buf: the loop then notes what the
	// growth brought in too.
	for {
		end := off + int64(len(buf))
		if !eof {
			end -= tailKeep
		}
		from, to := max(sc.next, sc.roStart, off), min(end, sc.roEnd)
		if from >= to {
			sc.next = max(sc.next, to)
			return buf, nil
		}
		sc.next = to
		region := buf[from-off : to-off]
		for i := 0; ; {
			j := bytes.Index(region[i:], []byte("go1"))
			if j < 0 {
				break
			}
			at := i + j
			if len(sc.versions) < maxCandidates {
				p := int(from-off) + at
				sc.versions[from+int64(at)] = string(buf[p:min(p+maxVersionBytes, len(buf))])
			}
			i = at + 3
		}
		grew := false
		for i := 0; ; {
			j := bytes.Index(region[i:], modStart)
			if j < 0 {
				break
			}
			at := i + j
			p := int(from-off) + at
			for {
				if k := bytes.Index(buf[p+len(modStart):], modEnd); k >= 0 {
					if len(sc.mods) < maxModStrings {
						sc.mods[from+int64(at)] = string(buf[p : p+len(modStart)+k+len(modEnd)])
					}
					break
				}
				if eof || len(buf)-p > maxModInfo {
					break // not a module string after all
				}
				// Read on until the closing sentinel: the module string is in the
				// read-only segment, before the build-info header the caller still has
				// to find in buf.
				more := make([]byte, 256<<10)
				n, err := io.ReadFull(r, more)
				buf = append(buf, more[:n]...)
				grew = true
				if err != nil {
					eof = true
					if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
						return buf, err
					}
				}
			}
			i = at + len(modStart)
		}
		if !grew {
			return buf, nil
		}
	}
}

// fileOffset maps a virtual address to its file offset.
func (sc *oldScan) fileOffset(vaddr uint64) (int64, bool) {
	for _, s := range sc.segs {
		if vaddr >= s.vaddr && vaddr-s.vaddr < s.size {
			return int64(s.off + vaddr - s.vaddr), true
		}
	}
	return 0, false
}

// resolve decodes a pointer-format header at file offset base; data holds the bytes from
// there on that were already read, r the rest of the file.
func (sc *oldScan) resolve(data []byte, base int64, r io.Reader) (*debug.BuildInfo, error) {
	if sc == nil || sc.roStart < 0 {
		return nil, errors.New("Go binary with pre-1.18 build information outside ELF (not read)")
	}
	ptrSize := int(data[14])
	if ptrSize != 4 && ptrSize != 8 {
		return nil, fmt.Errorf("Go build information with pointer size %d", ptrSize)
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if data[15]&1 != 0 {
		bo = binary.BigEndian
	}
	word := func(b []byte) uint64 {
		if ptrSize == 4 {
			return uint64(bo.Uint32(b))
		}
		return bo.Uint64(b)
	}
	if len(data) < 16+2*ptrSize {
		return nil, errors.New("truncated Go build information")
	}
	verHdr, modHdr := word(data[16:]), word(data[16+ptrSize:])
	// Read forward to a string header and return its data pointer and length.
	buffered := append([]byte(nil), data...)
	header := func(vaddr uint64) (uint64, uint64, error) {
		o, ok := sc.fileOffset(vaddr)
		if !ok || o < base || o-base > maxForward {
			return 0, 0, fmt.Errorf("Go build information points to %#x, outside the data that follows it", vaddr)
		}
		need := int(o-base) + 2*ptrSize
		if need > len(buffered) {
			more := make([]byte, need-len(buffered))
			n, err := io.ReadFull(r, more)
			buffered = append(buffered, more[:n]...)
			if err != nil {
				return 0, 0, errors.New("truncated Go build information")
			}
		}
		h := buffered[o-base:]
		return word(h), word(h[ptrSize:]), nil
	}
	// Read the nearer header first: both are read forward.
	first, second := verHdr, modHdr
	if second < first {
		first, second = second, first
	}
	type str struct{ ptr, n uint64 }
	got := map[uint64]str{}
	for _, v := range []uint64{first, second} {
		p, n, err := header(v)
		if err != nil {
			return nil, err
		}
		got[v] = str{p, n}
	}
	vs, ms := got[verHdr], got[modHdr]
	vo, ok := sc.fileOffset(vs.ptr)
	vers, found := sc.versions[vo]
	if !ok || !found || vs.n == 0 || vs.n > uint64(len(vers)) {
		return nil, errors.New("pre-1.18 Go build information: the version string was not found")
	}
	vers = vers[:vs.n]
	mod := ""
	if ms.n > 0 {
		mo, ok := sc.fileOffset(ms.ptr)
		m, found := sc.mods[mo]
		if !ok || !found || uint64(len(m)) != ms.n {
			return nil, errors.New("pre-1.18 Go build information: the module string was not found")
		}
		mod = m
	}
	return parseModInfo(mod, vers)
}
