package rpmdb

import (
	"testing"
)

// Each fuzz target starts from the real fixtures (small ones: the seeds under testdata/fuzz
// hold cut-down copies) and checks only that a reader returns, without a panic.

func fuzzSeeds(f *testing.F, names ...string) {
	for _, n := range names {
		f.Add(fixture(f, n))
	}
}

func FuzzSQLite(f *testing.F) {
	fuzzSeeds(f, "rpmdb3.sqlite")
	f.Fuzz(func(t *testing.T, b []byte) {
		n := 0
		_ = SQLiteBlobs(b, func([]byte) error { n++; return nil })
	})
}

func FuzzBDB(f *testing.F) {
	fuzzSeeds(f, "Packages3.bdb", "Packages3-bigendian.bdb")
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = BDBBlobs(b, func([]byte) error { return nil })
	})
}

func FuzzNDB(f *testing.F) {
	fuzzSeeds(f, "Packages3.ndb")
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = NDBBlobs(b, func([]byte) error { return nil })
	})
}

func FuzzHeader(f *testing.F) {
	_ = SQLiteBlobs(fixture(f, "rpmdb3.sqlite"), func(b []byte) error {
		if len(b) < 4096 {
			f.Add(append([]byte(nil), b...))
		}
		return nil
	})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := Parse(b)
		if err == nil && h.Name == "" {
			t.Fatal("header without a name accepted")
		}
	})
}
