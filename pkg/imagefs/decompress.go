package imagefs

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"strings"
	"sync/atomic"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// countReader counts the bytes read through it (read from other goroutines too).
type countReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// verifyReader hashes and counts a layer blob as it is read, refusing bytes past the
// declared size; check compares the digest at the end.
type verifyReader struct {
	count  *countReader
	h      hash.Hash
	digest string
	size   int64
}

func newVerifyReader(r io.Reader, digest string, size int64) *verifyReader {
	v := &verifyReader{digest: digest, size: size}
	if strings.HasPrefix(digest, "sha256:") {
		v.h = sha256.New()
	}
	v.count = &countReader{r: r}
	return v
}

func (v *verifyReader) Read(p []byte) (int, error) {
	n, err := v.count.Read(p)
	if v.h != nil {
		v.h.Write(p[:n])
	}
	if v.size >= 0 && v.count.n.Load() > v.size {
		return n, fmt.Errorf("blob is larger than its declared size of %d bytes", v.size)
	}
	return n, err
}

// check reports a digest or size mismatch once the blob has been read to its end.
func (v *verifyReader) check() error {
	if v.size >= 0 && v.count.n.Load() != v.size {
		return fmt.Errorf("blob is %d bytes, its descriptor says %d", v.count.n.Load(), v.size)
	}
	if v.h != nil {
		got := "sha256:" + hex.EncodeToString(v.h.Sum(nil))
		if got != v.digest {
			return fmt.Errorf("digest mismatch: content hashes to %s", got)
		}
	}
	return nil
}

// zstdMaxWindow bounds the memory a zstd frame can make the decoder allocate.
const zstdMaxWindow = 64 << 20

// decompress detects gzip or zstd from the first bytes; anything else is read as plain tar.
func decompress(r io.Reader) (io.ReadCloser, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(4)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("reading the layer: %w", err)
	}
	switch {
	case len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		zr.Multistream(true)
		return zr, nil
	case len(head) >= 4 && bytes.Equal(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(zstdMaxWindow),
			zstd.WithDecoderMaxMemory(1<<30))
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		return zstdCloser{zr}, nil
	}
	return io.NopCloser(br), nil
}

type zstdCloser struct{ *zstd.Decoder }

func (z zstdCloser) Close() error { z.Decoder.Close(); return nil }
