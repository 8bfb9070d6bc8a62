package input

import (
	"bytes"
	"testing"
)

// FuzzSplit: any byte stream splits into bounded records and errors, never a panic.
func FuzzSplit(f *testing.F) {
	f.Add([]byte("{\"a\":1}\n{\"b\":2}\n"))
	f.Add([]byte(`{"Records":[{"eventName":"x"},{"eventName":"y","s":"]}\""}]}`))
	f.Add([]byte("{ \"Records\" : [ 1, \"two\", {\"x\":[3]} ] , \"more\": {\"a\":[1]} }\n{\"c\":3}"))
	f.Add([]byte(`{"Records":[{"eventName":"x"`))
	f.Add([]byte{0x1f, 0x8b, 0x08, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		const max = 64
		_ = Split(bytes.NewReader(data), max, func(rec []byte, line int) error {
			if len(rec) > max {
				t.Fatalf("record of %d bytes over the %d limit", len(rec), max)
			}
			return nil
		}, func(*RecordError) {})
	})
}
