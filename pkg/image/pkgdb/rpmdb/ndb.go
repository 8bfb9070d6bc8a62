package rpmdb

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The ndb package database of rpm (lib/backend/ndb/rpmpkg.c), little-endian: a 32-byte
// header (magic "RpmP", version 0, generation, number of slot pages), slot pages of 16-byte
// slots (magic "Slot", package index, block offset, block count; index 0 is free) filling
// the rest of the first pages, then blobs in 16-byte blocks, each a 16-byte head (magic
// "BlbS", package index, generation, length), the header blob, and a 12-byte tail (checksum,
// length, magic "BlbE") at the end of its blocks.

const (
	ndbHeaderMagic = 'R' | 'p'<<8 | 'm'<<16 | 'P'<<24
	ndbSlotMagic   = 'S' | 'l'<<8 | 'o'<<16 | 't'<<24
	ndbBlobMagic   = 'B' | 'l'<<8 | 'b'<<16 | 'S'<<24
	ndbTailMagic   = 'B' | 'l'<<8 | 'b'<<16 | 'E'<<24

	ndbPageSize  = 4096
	ndbSlotSize  = 16
	ndbBlockSize = 16
	ndbHeadSize  = 16
	ndbTailSize  = 12
	ndbFirstSlot = 2 // the header takes the first two slots' room
)

// NDBBlobs yields the header blobs of an ndb Packages.db.
func NDBBlobs(b []byte, fn func(blob []byte) error) error {
	le := binary.LittleEndian
	if len(b) < 32 || le.Uint32(b[0:4]) != ndbHeaderMagic {
		return errors.New("not an ndb package database")
	}
	if v := le.Uint32(b[4:8]); v != 0 {
		return fmt.Errorf("ndb version %d is not supported", v)
	}
	slotPages := le.Uint32(b[12:16])
	if slotPages == 0 || uint64(slotPages)*ndbPageSize > uint64(len(b)) {
		return fmt.Errorf("ndb claims %d slot pages in a file of %d bytes", slotPages, len(b))
	}
	slots := int(slotPages) * ndbPageSize / ndbSlotSize
	slotEnd := uint64(slotPages) * ndbPageSize
	// Blobs may not overlap: each block belongs to at most one blob.
	used := make(map[uint32]bool)
	for s := ndbFirstSlot; s < slots; s++ {
		e := b[s*ndbSlotSize : (s+1)*ndbSlotSize]
		if le.Uint32(e[0:4]) != ndbSlotMagic {
			return fmt.Errorf("slot %d has a bad magic number", s)
		}
		idx, blk, cnt := le.Uint32(e[4:8]), le.Uint32(e[8:12]), le.Uint32(e[12:16])
		if idx == 0 {
			continue
		}
		start := uint64(blk) * ndbBlockSize
		end := start + uint64(cnt)*ndbBlockSize
		if start < slotEnd || end > uint64(len(b)) || uint64(cnt)*ndbBlockSize < ndbHeadSize+ndbTailSize || uint64(cnt)*ndbBlockSize > MaxBlobBytes+64 {
			return fmt.Errorf("slot %d (package %d): blocks %d+%d are outside the blob area", s, idx, blk, cnt)
		}
		if used[blk] {
			return fmt.Errorf("slot %d (package %d): block %d is used twice", s, idx, blk)
		}
		used[blk] = true
		area := b[start:end]
		if le.Uint32(area[0:4]) != ndbBlobMagic || le.Uint32(area[4:8]) != idx {
			return fmt.Errorf("package %d: blob head does not match its slot", idx)
		}
		n := uint64(le.Uint32(area[12:16]))
		if ndbHeadSize+n+ndbTailSize > uint64(len(area)) {
			return fmt.Errorf("package %d: blob of %d bytes is longer than its %d blocks", idx, n, cnt)
		}
		tail := area[len(area)-ndbTailSize:]
		if le.Uint32(tail[8:12]) != ndbTailMagic || uint64(le.Uint32(tail[4:8])) != n {
			return fmt.Errorf("package %d: blob tail does not match its head", idx)
		}
		if err := fn(area[ndbHeadSize : ndbHeadSize+n]); err != nil {
			return err
		}
	}
	return nil
}
