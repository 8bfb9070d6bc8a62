// Package rpmdb reads the rpm package database of an image from memory: the sqlite database
// of rpm 4.16 and later (rpmdb.sqlite: Fedora, RHEL 9, Amazon Linux 2023), the Berkeley DB
// hash database of older releases (Packages: RHEL 7 and 8, Amazon Linux 2) and the ndb
// database of SUSE (Packages.db). Each reader walks the file's own structures over a byte
// slice, with every page number, length and chain checked against the file and bounded,
// and yields the rpm header blobs it holds; Parse reads the fields of one blob.
//
// Nothing is written to disk and no database library is used: the images' databases are
// untrusted input, read in the process that scans them.
package rpmdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// Limits on what one database may hold.
const (
	// MaxBlobBytes bounds one header blob (rpm's own limit is 256 MiB; real headers, even
	// of packages with tens of thousands of files, are a few MiB).
	MaxBlobBytes = 32 << 20
	// MaxPackages bounds the packages of one database.
	MaxPackages = 200_000
	// maxTags bounds the index entries of one header (rpm's HEADER_TAGS_MAX).
	maxTags = 0xffff
)

// Header tags read (rpm's lib/rpmtag.h).
const (
	tagHeaderImage      = 61
	tagHeaderSignatures = 62
	tagHeaderImmutable  = 63
	tagHeaderRegions    = 64
	tagName             = 1000
	tagVersion          = 1001
	tagRelease          = 1002
	tagEpoch            = 1003
	tagVendor           = 1011
	tagLicense          = 1014
	tagArch             = 1022
	tagSourceRPM        = 1044
	tagModularityLabel  = 5096
)

// Header data types.
const (
	typeNull        = 0
	typeChar        = 1
	typeInt8        = 2
	typeInt16       = 3
	typeInt32       = 4
	typeInt64       = 5
	typeString      = 6
	typeBin         = 7
	typeStringArray = 8
	typeI18NString  = 9
)

// Header is the part of an installed package's header that inventory needs.
type Header struct {
	Name     string
	Epoch    int // meaningful when HasEpoch
	HasEpoch bool
	Version  string
	Release  string
	Arch     string
	// SourceRPM is the source package's file name, e.g. bash-5.1.8-6.el9.src.rpm.
	SourceRPM       string
	License         string
	Vendor          string
	ModularityLabel string
}

// EVR is [epoch:]version-release, the form rpm compares and advisories use.
func (h *Header) EVR() string {
	v := h.Version
	if h.Release != "" {
		v += "-" + h.Release
	}
	if h.HasEpoch {
		v = fmt.Sprint(h.Epoch) + ":" + v
	}
	return v
}

// Parse reads a header blob as stored in the database: the index count and data length
// (big-endian uint32 each), the index entries (tag, type, offset, count) and the data
// store. Entries that repeat a tag replace the earlier one, as rpm lets entries after the
// immutable region override it.
func Parse(b []byte) (*Header, error) {
	if len(b) < 8 {
		return nil, errors.New("header blob shorter than 8 bytes")
	}
	if len(b) > MaxBlobBytes {
		return nil, fmt.Errorf("header blob of %d bytes is over the %d MiB limit", len(b), MaxBlobBytes>>20)
	}
	il := binary.BigEndian.Uint32(b[0:4])
	dl := binary.BigEndian.Uint32(b[4:8])
	if il == 0 || il > maxTags {
		return nil, fmt.Errorf("header has %d index entries", il)
	}
	start := 8 + 16*uint64(il)
	if start+uint64(dl) > uint64(len(b)) {
		return nil, fmt.Errorf("header claims %d entries and %d data bytes, more than its %d bytes", il, dl, len(b))
	}
	data := b[start : start+uint64(dl)]
	h := &Header{}
	for i := uint64(0); i < uint64(il); i++ {
		e := b[8+16*i : 8+16*i+16]
		tag := binary.BigEndian.Uint32(e[0:4])
		typ := binary.BigEndian.Uint32(e[4:8])
		off := binary.BigEndian.Uint32(e[8:12])
		cnt := binary.BigEndian.Uint32(e[12:16])
		switch tag {
		case tagHeaderImage, tagHeaderSignatures, tagHeaderImmutable, tagHeaderRegions:
			continue // region markers: their data is a trailer, not a value
		case tagName, tagVersion, tagRelease, tagVendor, tagLicense, tagArch, tagSourceRPM, tagModularityLabel:
			s, err := str(data, typ, off, cnt)
			if err != nil {
				return nil, fmt.Errorf("tag %d: %w", tag, err)
			}
			switch tag {
			case tagName:
				h.Name = s
			case tagVersion:
				h.Version = s
			case tagRelease:
				h.Release = s
			case tagVendor:
				h.Vendor = s
			case tagLicense:
				h.License = s
			case tagArch:
				h.Arch = s
			case tagSourceRPM:
				h.SourceRPM = s
			case tagModularityLabel:
				h.ModularityLabel = s
			}
		case tagEpoch:
			if typ != typeInt32 || cnt < 1 {
				return nil, fmt.Errorf("epoch has type %d and count %d", typ, cnt)
			}
			if uint64(off)+4 > uint64(len(data)) {
				return nil, fmt.Errorf("epoch at offset %d is past the %d data bytes", off, len(data))
			}
			h.Epoch = int(int32(binary.BigEndian.Uint32(data[off:])))
			h.HasEpoch = true
		}
	}
	if h.Name == "" {
		return nil, errors.New("header has no name")
	}
	return h, nil
}

// str reads a string value (or the first of an array or translation table).
func str(data []byte, typ, off, cnt uint32) (string, error) {
	switch typ {
	case typeString, typeStringArray, typeI18NString:
	default:
		return "", fmt.Errorf("type %d where a string was expected", typ)
	}
	if cnt == 0 {
		return "", errors.New("string with count 0")
	}
	if uint64(off) >= uint64(len(data)) {
		return "", fmt.Errorf("string at offset %d is past the %d data bytes", off, len(data))
	}
	s := data[off:]
	end := bytes.IndexByte(s, 0)
	if end < 0 {
		return "", fmt.Errorf("string at offset %d is not terminated", off)
	}
	return string(s[:end]), nil
}

// Format names a database's format from its first bytes: "sqlite", "bdb", "ndb", or "".
func Format(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte(sqliteMagic)):
		return "sqlite"
	case len(b) >= 16 && (binary.LittleEndian.Uint32(b[12:16]) == bdbHashMagic || binary.BigEndian.Uint32(b[12:16]) == bdbHashMagic ||
		binary.LittleEndian.Uint32(b[12:16]) == bdbBtreeMagic || binary.BigEndian.Uint32(b[12:16]) == bdbBtreeMagic):
		return "bdb"
	case len(b) >= 4 && binary.LittleEndian.Uint32(b[0:4]) == ndbHeaderMagic:
		return "ndb"
	}
	return ""
}

// Blobs yields the header blobs of a database of any of the three formats, in the
// database's own order; fn's error stops the walk and is returned.
func Blobs(b []byte, fn func(blob []byte) error) error {
	switch Format(b) {
	case "sqlite":
		return SQLiteBlobs(b, fn)
	case "bdb":
		return BDBBlobs(b, fn)
	case "ndb":
		return NDBBlobs(b, fn)
	}
	return errors.New("not an rpm database: neither sqlite, Berkeley DB hash nor ndb")
}

// Read returns the headers of a database. Installed keys (gpg-pubkey "packages", which
// record imported signing keys, not software) are left out.
func Read(b []byte) ([]*Header, error) {
	var out []*Header
	n := 0
	err := Blobs(b, func(blob []byte) error {
		n++
		if n > MaxPackages {
			return fmt.Errorf("more than %d packages", MaxPackages)
		}
		h, err := Parse(blob)
		if err != nil {
			return fmt.Errorf("package %d: %w", n, err)
		}
		if h.Name == "gpg-pubkey" {
			return nil
		}
		out = append(out, h)
		return nil
	})
	return out, err
}
