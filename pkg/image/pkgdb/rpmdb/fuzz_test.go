package rpmdb

import (
	"testing"
)

// The fuzz targets check that a reader returns, without a panic. Their seeds are under
// testdata/fuzz: small databases (512-byte pages: two of the fixture packages, written by
// sqlite3 and db5.3_load), the 3-package ndb fixture, and a header blob; the large fixtures
// would slow the fuzzer down for no new coverage.

func FuzzSQLite(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		n := 0
		_ = SQLiteBlobs(b, func([]byte) error { n++; return nil })
	})
}

func FuzzBDB(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = BDBBlobs(b, func([]byte) error { return nil })
	})
}

func FuzzNDB(f *testing.F) {
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
