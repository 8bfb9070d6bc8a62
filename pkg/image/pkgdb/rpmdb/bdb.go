package rpmdb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

// Berkeley DB hash databases (db_page.h of Berkeley DB 5.3): page 0 is the hash metadata,
// each bucket is a chain of hash pages holding key/data pairs, and values too large for a
// hash page (rpm headers, nearly always) are chains of overflow pages. The file is in the
// byte order of the host that wrote it; the metadata's magic number tells which. Keys are
// header numbers; the key 0 holds a counter, not a header, and is a 4-byte value.

const (
	bdbHashMagic  = 0x061561
	bdbBtreeMagic = 0x053162

	bdbPageHeader = 26 // lsn, pgno, prev, next, entries, hf_offset, level, type

	pHashUnsorted = 2
	pOverflow     = 7
	pHashMeta     = 8
	pHash         = 13

	hKeyData = 1
	hOffPage = 3
)

// BDBBlobs yields the values of a Berkeley DB hash database that hold header blobs.
func BDBBlobs(b []byte, fn func(blob []byte) error) error {
	if len(b) < 512 {
		return errors.New("Berkeley DB file shorter than its 512-byte metadata page")
	}
	var bo binary.ByteOrder = binary.LittleEndian
	switch {
	case binary.LittleEndian.Uint32(b[12:16]) == bdbHashMagic:
	case binary.BigEndian.Uint32(b[12:16]) == bdbHashMagic:
		bo = binary.BigEndian
	case binary.LittleEndian.Uint32(b[12:16]) == bdbBtreeMagic, binary.BigEndian.Uint32(b[12:16]) == bdbBtreeMagic:
		return errors.New("Berkeley DB b-tree database: rpm's Packages is a hash database")
	default:
		return errors.New("not a Berkeley DB hash database")
	}
	if b[25] != pHashMeta {
		return fmt.Errorf("Berkeley DB metadata page has type %d", b[25])
	}
	if b[24] != 0 {
		return errors.New("Berkeley DB database is encrypted")
	}
	ps := bo.Uint32(b[20:24])
	if ps < 512 || ps > 65536 || ps&(ps-1) != 0 {
		return fmt.Errorf("Berkeley DB page size %d is invalid", ps)
	}
	pages := uint32(len(b) / int(ps))
	if last := bo.Uint32(b[32:36]); last+1 < pages {
		pages = last + 1
	}
	maxBucket := bo.Uint32(b[72:76])
	if maxBucket >= pages {
		return fmt.Errorf("Berkeley DB hash has %d buckets in %d pages", uint64(maxBucket)+1, pages)
	}
	var spares [32]uint32
	for i := range spares {
		spares[i] = bo.Uint32(b[96+4*i:])
	}
	d := &bdb{b: b, bo: bo, ps: int(ps), pages: pages, seen: make([]bool, pages)}
	d.seen[0] = true
	for bucket := uint32(0); bucket <= maxBucket; bucket++ {
		// BS_TO_PAGE: the bucket plus the spare pages before its doubling.
		lg := bits.Len32(bucket) // ceil(log2(bucket+1))
		pg := bucket + spares[lg]
		for pg != 0 {
			p, err := d.page(pg)
			if err != nil {
				return fmt.Errorf("bucket %d: %w", bucket, err)
			}
			if t := p[25]; t != pHash && t != pHashUnsorted {
				return fmt.Errorf("bucket %d: page %d has type %d, not a hash page", bucket, pg, t)
			}
			if err := d.hashPage(pg, p, fn); err != nil {
				return err
			}
			pg = bo.Uint32(p[16:20])
		}
	}
	return nil
}

type bdb struct {
	b     []byte
	bo    binary.ByteOrder
	ps    int
	pages uint32
	seen  []bool
}

func (d *bdb) page(n uint32) ([]byte, error) {
	if n >= d.pages {
		return nil, fmt.Errorf("page %d is outside the %d pages of the file", n, d.pages)
	}
	if d.seen[n] {
		return nil, fmt.Errorf("page %d is reached twice (a loop)", n)
	}
	d.seen[n] = true
	return d.b[int(n)*d.ps : int(n+1)*d.ps], nil
}

// hashPage yields the data items of a hash page's key/data pairs.
func (d *bdb) hashPage(pg uint32, p []byte, fn func([]byte) error) error {
	entries := int(d.bo.Uint16(p[20:22]))
	if bdbPageHeader+2*entries > d.ps {
		return fmt.Errorf("page %d: %d entries do not fit in the page", pg, entries)
	}
	for i := 1; i < entries; i += 2 {
		off := int(d.bo.Uint16(p[bdbPageHeader+2*i:]))
		// Items are packed from the end of the page down: an item ends where the previous
		// one starts.
		end := int(d.bo.Uint16(p[bdbPageHeader+2*(i-1):]))
		if off < bdbPageHeader+2*entries || off >= end || end > d.ps {
			return fmt.Errorf("page %d: item %d at offset %d is outside the page", pg, i, off)
		}
		item := p[off:end]
		switch item[0] {
		case hOffPage:
			if len(item) < 12 {
				return fmt.Errorf("page %d: item %d is cut off", pg, i)
			}
			blob, err := d.overflow(d.bo.Uint32(item[4:8]), d.bo.Uint32(item[8:12]))
			if err != nil {
				return fmt.Errorf("page %d item %d: %w", pg, i, err)
			}
			if err := fn(blob); err != nil {
				return err
			}
		case hKeyData:
			// A value small enough to stay on the hash page: the key 0 counter (4 bytes),
			// or a header under about a quarter of the page.
			if v := item[1:]; len(v) > 8 {
				if err := fn(v); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// overflow reads a value of n bytes from the overflow chain starting at page pg.
func (d *bdb) overflow(pg, n uint32) ([]byte, error) {
	if n > MaxBlobBytes {
		return nil, fmt.Errorf("value of %d bytes is over the %d MiB limit", n, MaxBlobBytes>>20)
	}
	if uint64(n) > uint64(d.pages)*uint64(d.ps) {
		return nil, fmt.Errorf("value of %d bytes is larger than the file", n)
	}
	// Grow as pages are read: a claimed length costs nothing until pages back it, and
	// each page is read once.
	out := make([]byte, 0, min(n, 64<<10))
	for uint32(len(out)) < n {
		if pg == 0 {
			return nil, fmt.Errorf("overflow chain ends after %d of %d bytes", len(out), n)
		}
		p, err := d.page(pg)
		if err != nil {
			return nil, fmt.Errorf("overflow chain: %w", err)
		}
		if p[25] != pOverflow {
			return nil, fmt.Errorf("overflow chain: page %d has type %d", pg, p[25])
		}
		used := int(d.bo.Uint16(p[22:24]))
		if bdbPageHeader+used > d.ps {
			return nil, fmt.Errorf("overflow page %d claims %d bytes", pg, used)
		}
		used = min(used, int(n)-len(out))
		out = append(out, p[bdbPageHeader:bdbPageHeader+used]...)
		pg = d.bo.Uint32(p[16:20])
	}
	return out, nil
}
