//go:build !unix

package manifest

// readRegular has no fast path outside Unix: the caller reads the file as a stream.
func readRegular(string, int64) ([]byte, bool, error) { return nil, false, nil }
