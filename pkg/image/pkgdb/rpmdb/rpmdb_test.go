package rpmdb

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"flag"
	"fmt"
	"hash/adler32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/internal/testenv"
)

// The fixtures (see testdata/README.md for how each was made):
//   - rpmdb3.sqlite, rpmdb153.sqlite: written by rpm 4.18 (`rpm --justdb -i`) from rpms
//     built by rpmbuild; 3 packages (one header over 30 KB, so overflow pages; an epoch; a
//     modularity label) and 153 packages (interior b-tree pages).
//   - Packages3.bdb, Packages3-bigendian.bdb, Packages153.bdb, Packages3-16k.bdb (16 KiB
//     pages: the two small headers stay on their hash page): Berkeley DB 5.3 hash
//     databases written by db5.3_load from the same header blobs, and read back by rpm's
//     own bdb_ro backend (`rpm --define '_db_backend bdb_ro' -qa`) to the same golden list.
//   - Packages3.ndb: written by writeNDB below from the same blobs (Debian's rpm has no
//     ndb backend, so no tool here writes one).
//   - *.golden: `rpm -qa --qf` of the database, sorted.

var writeFixtures = flag.Bool("write-ndb", false, "rewrite testdata/Packages3.ndb.gz from rpmdb3.sqlite")

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	return testenv.Gunzip(t, filepath.Join("testdata", name+".gz"))
}

// line formats a header as the golden files' rpm --qf does.
func line(h *Header) string {
	none := func(s string) string {
		if s == "" {
			return "(none)"
		}
		return s
	}
	epoch := "(none)"
	if h.HasEpoch {
		epoch = fmt.Sprint(h.Epoch)
	}
	return strings.Join([]string{h.Name, epoch, h.Version, h.Release, h.Arch, none(h.SourceRPM), none(h.License), none(h.Vendor), none(h.ModularityLabel)}, "|")
}

func golden(t *testing.T, name string) []string {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

func TestReadMatchesRPM(t *testing.T) {
	for _, c := range []struct{ file, format, golden string }{
		{"rpmdb3.sqlite", "sqlite", "rpmdb3.golden"},
		{"rpmdb153.sqlite", "sqlite", "rpmdb153.golden"},
		{"Packages3.bdb", "bdb", "rpmdb3.golden"},
		{"Packages3-bigendian.bdb", "bdb", "rpmdb3.golden"},
		{"Packages153.bdb", "bdb", "rpmdb153.golden"},
		{"Packages3-16k.bdb", "bdb", "rpmdb3.golden"},
		{"Packages3.ndb", "ndb", "rpmdb3.golden"},
	} {
		t.Run(c.file, func(t *testing.T) {
			b := fixture(t, c.file)
			if f := Format(b); f != c.format {
				t.Fatalf("format %q, want %q", f, c.format)
			}
			hs, err := Read(b)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range hs {
				got = append(got, line(h))
			}
			slices.Sort(got)
			want := golden(t, c.golden)
			if !slices.Equal(got, want) {
				t.Errorf("got %d packages, want %d\n got %q\nwant %q", len(got), len(want), got[:min(3, len(got))], want[:3])
			}
		})
	}
}

func TestEVR(t *testing.T) {
	for _, c := range []struct {
		h    Header
		want string
	}{
		{Header{Version: "1.2", Release: "3.el9"}, "1.2-3.el9"},
		{Header{Version: "1.2", Release: "3.el9", Epoch: 2, HasEpoch: true}, "2:1.2-3.el9"},
		{Header{Version: "1.2", Epoch: 0, HasEpoch: true}, "0:1.2"},
	} {
		if got := c.h.EVR(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.h, got, c.want)
		}
	}
}

// writeNDB lays blobs out as rpm's ndb backend does, for the ndb fixture.
func writeNDB(blobs [][]byte) []byte {
	le := binary.LittleEndian
	slotPages := 1
	out := make([]byte, slotPages*ndbPageSize)
	le.PutUint32(out[0:], ndbHeaderMagic)
	le.PutUint32(out[8:], 1) // generation
	le.PutUint32(out[12:], uint32(slotPages))
	le.PutUint32(out[16:], uint32(len(blobs)+1)) // next package index
	for s := ndbFirstSlot; s < ndbPageSize/ndbSlotSize; s++ {
		le.PutUint32(out[s*ndbSlotSize:], ndbSlotMagic)
	}
	for i, blob := range blobs {
		idx := uint32(i + 1)
		n := ndbHeadSize + len(blob) + ndbTailSize
		cnt := (n + ndbBlockSize - 1) / ndbBlockSize
		blk := len(out) / ndbBlockSize
		area := make([]byte, cnt*ndbBlockSize)
		le.PutUint32(area[0:], ndbBlobMagic)
		le.PutUint32(area[4:], idx)
		le.PutUint32(area[8:], 1)
		le.PutUint32(area[12:], uint32(len(blob)))
		copy(area[ndbHeadSize:], blob)
		tail := area[len(area)-ndbTailSize:]
		le.PutUint32(tail[0:], adler32.Checksum(area[:ndbHeadSize+len(blob)]))
		le.PutUint32(tail[4:], uint32(len(blob)))
		le.PutUint32(tail[8:], ndbTailMagic)
		out = append(out, area...)
		slot := out[(ndbFirstSlot+i)*ndbSlotSize:]
		le.PutUint32(slot[4:], idx)
		le.PutUint32(slot[8:], uint32(blk))
		le.PutUint32(slot[12:], uint32(cnt))
	}
	return out
}

func TestWriteNDBFixture(t *testing.T) {
	if !*writeFixtures {
		t.Skip("run with -write-ndb to rewrite the ndb fixture")
	}
	var blobs [][]byte
	if err := SQLiteBlobs(fixture(t, "rpmdb3.sqlite"), func(b []byte) error { blobs = append(blobs, bytes.Clone(b)); return nil }); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(writeNDB(blobs))
	zw.Close()
	if err := os.WriteFile("testdata/Packages3.ndb.gz", buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Corruptions of real databases give errors, never a panic, a hang or a huge allocation.
func TestCorruptDatabases(t *testing.T) {
	sq := fixture(t, "rpmdb3.sqlite")
	bdbb := fixture(t, "Packages3.bdb")
	ndbb := fixture(t, "Packages3.ndb")
	mut := func(b []byte, f func([]byte)) []byte { c := bytes.Clone(b); f(c); return c }
	for name, c := range map[string]struct {
		b    []byte
		want string
	}{
		"sqlite truncated":     {sq[:len(sq)/3], "outside"},
		"sqlite bad page size": {mut(sq, func(b []byte) { b[16], b[17] = 0, 7 }), "page size"},
		"bdb truncated":        {bdbb[:4096*3], "larger than the file"},
		"bdb encrypted":        {mut(bdbb, func(b []byte) { b[24] = 1 }), "encrypted"},
		"bdb too many buckets": {mut(bdbb, func(b []byte) { binary.LittleEndian.PutUint32(b[72:], 1<<30) }), "buckets"},
		"ndb bad slot":         {mut(ndbb, func(b []byte) { b[2*16] = 'X' }), "bad magic"},
		"ndb blob past end":    {mut(ndbb, func(b []byte) { binary.LittleEndian.PutUint32(b[2*16+12:], 1<<20) }), "outside"},
		"ndb huge slot pages":  {mut(ndbb, func(b []byte) { binary.LittleEndian.PutUint32(b[12:], 1<<31) }), "slot pages"},
		"ndb blob length":      {mut(ndbb, func(b []byte) { binary.LittleEndian.PutUint32(b[4096+12:], 1<<30) }), "longer than"},
		"neither":              {[]byte("hello, world, this is not a database"), "not an rpm database"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Read(c.b)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// A sqlite overflow chain or b-tree that points back at itself is reported as a loop.
func TestSQLiteLoop(t *testing.T) {
	sq := fixture(t, "rpmdb3.sqlite")
	// Find the overflow page chain of the 30 KB header and point its second page back at
	// the first.
	db := &sqliteDB{b: sq, pageSize: 4096, usable: 4096, pages: uint32(len(sq) / 4096)}
	db.visited = make([]bool, db.pages+1)
	found := false
	for n := uint32(2); n < db.pages && !found; n++ {
		p := sq[int(n-1)*4096 : int(n)*4096]
		next := binary.BigEndian.Uint32(p[0:4])
		if p[0] == 0 && next == n+1 && next < db.pages && bytes.Contains(p[4:], []byte("xxxxxxxxxx")) {
			loop := bytes.Clone(sq)
			binary.BigEndian.PutUint32(loop[int(next-1)*4096:], n)
			_, err := Read(loop)
			if err == nil || !strings.Contains(err.Error(), "twice") {
				t.Fatalf("error %v, want a loop", err)
			}
			found = true
		}
	}
	if !found {
		t.Fatal("no overflow chain found in the fixture")
	}
}

func TestParseBounds(t *testing.T) {
	for name, b := range map[string][]byte{
		"short":         {0, 0, 0},
		"no entries":    {0, 0, 0, 0, 0, 0, 0, 0},
		"huge count":    {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0},
		"data past end": {0, 0, 0, 1, 0, 0, 0x10, 0, 0, 0, 3, 0xe8, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 1},
		"unterminated":  append([]byte{0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 3, 0xe8, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 1}, 'a', 'b'),
		"offset past":   append([]byte{0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 3, 0xe8, 0, 0, 0, 6, 0, 0, 0, 9, 0, 0, 0, 1}, 'a', 0),
		"epoch past":    append([]byte{0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 3, 0xeb, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 1}, 'a', 0),
	} {
		if _, err := Parse(b); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// The smallest valid header: one NAME entry.
	h, err := Parse(append([]byte{0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 3, 0xe8, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 1}, 'a', 0))
	if err != nil || h.Name != "a" {
		t.Fatalf("%+v %v", h, err)
	}
}
