package rpmdb

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The sqlite file format: https://www.sqlite.org/fileformat2.html. rpm keeps each header in
// the table Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL); this
// walker reads only the table b-trees it needs: the schema on page 1, then Packages.
//
// A database in WAL mode may hold committed pages in rpmdb.sqlite-wal until the next
// checkpoint; rpm checkpoints when it closes the database, so an image's main file is
// complete. The WAL file is not read.

const sqliteMagic = "SQLite format 3\x00"

// maxTreeDepth bounds the depth of a b-tree (sqlite's own trees stay under 20).
const maxTreeDepth = 40

type sqliteDB struct {
	b        []byte
	pageSize int
	usable   int
	pages    uint32
	visited  []bool // pages already read, so that no page is read twice (loops)
}

// SQLiteBlobs yields the blob column of each row of the Packages table.
func SQLiteBlobs(b []byte, fn func(blob []byte) error) error {
	if len(b) < 100 || string(b[:16]) != sqliteMagic {
		return errors.New("not a sqlite database")
	}
	ps := int(binary.BigEndian.Uint16(b[16:18]))
	if ps == 1 {
		ps = 65536
	}
	if ps < 512 || ps > 65536 || ps&(ps-1) != 0 {
		return fmt.Errorf("sqlite page size %d is invalid", ps)
	}
	usable := ps - int(b[20])
	if usable < 480 {
		return fmt.Errorf("sqlite usable page size %d is under 480", usable)
	}
	db := &sqliteDB{b: b, pageSize: ps, usable: usable, pages: uint32(len(b) / ps)}
	db.visited = make([]bool, db.pages+1)
	if b[56] != 0 && binary.BigEndian.Uint32(b[56:60]) > 3 {
		return fmt.Errorf("sqlite text encoding %d is invalid", binary.BigEndian.Uint32(b[56:60]))
	}
	root := uint32(0)
	err := db.walk(1, 0, func(rec []byte) error {
		cols, err := columns(rec, 5)
		if err != nil {
			return fmt.Errorf("schema: %w", err)
		}
		if string(cols[0].text) == "table" && string(cols[1].text) == "Packages" && cols[3].isInt {
			if cols[3].i <= 0 || cols[3].i > int64(db.pages) {
				return fmt.Errorf("schema: table Packages has root page %d of %d", cols[3].i, db.pages)
			}
			root = uint32(cols[3].i)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if root == 0 {
		return errors.New("sqlite database has no table Packages")
	}
	return db.walk(root, 0, func(rec []byte) error {
		cols, err := columns(rec, 2)
		if err != nil {
			return fmt.Errorf("table Packages: %w", err)
		}
		if !cols[1].isBlob {
			return errors.New("table Packages: a row's blob column is not a blob")
		}
		return fn(cols[1].text)
	})
}

// page returns page n (1-based) and the offset of its b-tree header in it.
func (db *sqliteDB) page(n uint32) ([]byte, int, error) {
	if n == 0 || n > db.pages {
		return nil, 0, fmt.Errorf("page %d is outside the %d pages of the file", n, db.pages)
	}
	if db.visited[n] {
		return nil, 0, fmt.Errorf("page %d is reached twice (a loop in the b-tree)", n)
	}
	db.visited[n] = true
	off := int(n-1) * db.pageSize
	hdr := 0
	if n == 1 {
		hdr = 100
	}
	return db.b[off : off+db.pageSize], hdr, nil
}

// walk calls fn with each record (the full payload, overflow included) of the table b-tree
// rooted at page n, in key order.
func (db *sqliteDB) walk(n uint32, depth int, fn func(rec []byte) error) error {
	if depth > maxTreeDepth {
		return fmt.Errorf("b-tree deeper than %d", maxTreeDepth)
	}
	p, h, err := db.page(n)
	if err != nil {
		return err
	}
	if h+8 > len(p) {
		return fmt.Errorf("page %d: header past the end", n)
	}
	typ := p[h]
	cells := int(binary.BigEndian.Uint16(p[h+3 : h+5]))
	var hdrLen int
	switch typ {
	case 0x0d: // table leaf
		hdrLen = 8
	case 0x05: // table interior
		hdrLen = 12
	default:
		return fmt.Errorf("page %d has type %#x, not a table b-tree page", n, typ)
	}
	if h+hdrLen+2*cells > db.usable {
		return fmt.Errorf("page %d: %d cells do not fit in the page", n, cells)
	}
	for i := 0; i < cells; i++ {
		c := int(binary.BigEndian.Uint16(p[h+hdrLen+2*i:]))
		if c < h+hdrLen || c >= db.usable {
			return fmt.Errorf("page %d: cell %d at offset %d is outside the page", n, i, c)
		}
		if typ == 0x05 {
			if c+4 > db.usable {
				return fmt.Errorf("page %d: cell %d is cut off", n, i)
			}
			if err := db.walk(binary.BigEndian.Uint32(p[c:]), depth+1, fn); err != nil {
				return err
			}
			continue
		}
		rec, err := db.payload(p, c)
		if err != nil {
			return fmt.Errorf("page %d cell %d: %w", n, i, err)
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
	if typ == 0x05 {
		return db.walk(binary.BigEndian.Uint32(p[h+8:]), depth+1, fn)
	}
	return nil
}

// payload assembles the payload of the table leaf cell at offset c of page p.
func (db *sqliteDB) payload(p []byte, c int) ([]byte, error) {
	u := db.usable
	size, k := varint(p[c:u])
	if k == 0 {
		return nil, errors.New("payload size cut off")
	}
	c += k
	_, k = varint(p[c:u]) // rowid
	if k == 0 {
		return nil, errors.New("rowid cut off")
	}
	c += k
	if size > MaxBlobBytes+1<<10 {
		return nil, fmt.Errorf("record of %d bytes is over the %d MiB limit", size, MaxBlobBytes>>20)
	}
	total := int(size)
	local := total
	if x := u - 35; total > x {
		m := (u-12)*32/255 - 23
		local = m + (total-m)%(u-4)
		if local > x {
			local = m
		}
	}
	if c+local > u {
		return nil, fmt.Errorf("record of %d local bytes runs past the page", local)
	}
	if local == total {
		return p[c : c+local], nil
	}
	if c+local+4 > u {
		return nil, errors.New("overflow page number cut off")
	}
	if total > len(db.b) {
		return nil, fmt.Errorf("record of %d bytes is larger than the file", total)
	}
	out := make([]byte, 0, min(total, 64<<10))
	out = append(out, p[c:c+local]...)
	next := binary.BigEndian.Uint32(p[c+local:])
	for len(out) < total {
		op, _, err := db.page(next)
		if err != nil {
			return nil, fmt.Errorf("overflow chain: %w", err)
		}
		n := min(total-len(out), u-4)
		out = append(out, op[4:4+n]...)
		next = binary.BigEndian.Uint32(op[0:4])
	}
	return out, nil
}

// varint decodes a sqlite variable-length integer; k is 0 when b is too short.
func varint(b []byte) (v uint64, k int) {
	for i := 0; i < 9; i++ {
		if i >= len(b) {
			return 0, 0
		}
		if i == 8 {
			return v<<8 | uint64(b[i]), 9
		}
		v = v<<7 | uint64(b[i]&0x7f)
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	return v, 9
}

type column struct {
	isInt, isBlob bool
	i             int64
	text          []byte // text or blob content
}

// columns decodes the first n columns of a record (fewer columns are NULL).
func columns(rec []byte, n int) ([]column, error) {
	hl, k := varint(rec)
	if k == 0 || hl > uint64(len(rec)) || hl < uint64(k) {
		return nil, errors.New("record header cut off")
	}
	cols := make([]column, n)
	hp, dp := k, int(hl)
	for i := 0; i < n && hp < int(hl); i++ {
		st, k := varint(rec[hp:hl])
		if k == 0 {
			return nil, errors.New("record header cut off")
		}
		hp += k
		var size int
		switch {
		case st == 0 || st == 8 || st == 9:
			cols[i].isInt = st != 0
			cols[i].i = int64(st) - 8
		case st >= 1 && st <= 6:
			size = [...]int{0, 1, 2, 3, 4, 6, 8}[st]
			if dp+size > len(rec) {
				return nil, errors.New("record value cut off")
			}
			var v int64
			for _, c := range rec[dp : dp+size] {
				v = v<<8 | int64(c)
			}
			shift := 64 - 8*size
			cols[i].isInt, cols[i].i = true, v<<shift>>shift // sign-extend
		case st == 7:
			size = 8
		case st >= 12:
			if st > uint64(2*len(rec)+13) {
				return nil, errors.New("record value cut off")
			}
			size = int((st - 12) / 2)
			if dp+size > len(rec) {
				return nil, errors.New("record value cut off")
			}
			cols[i].isBlob = st%2 == 0
			cols[i].text = rec[dp : dp+size]
		default:
			return nil, fmt.Errorf("record has reserved serial type %d", st)
		}
		dp += size
	}
	return cols, nil
}
