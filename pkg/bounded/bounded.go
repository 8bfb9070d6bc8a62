// Package bounded reads untrusted input within a size limit and measures JSON nesting
// without recursion, so that every parser of files, archives and API answers bounds its
// memory the same way (standard library only).
package bounded

import (
	"fmt"
	"io"
	"os"
)

// TooLargeError says that an input holds more than Limit bytes.
type TooLargeError struct {
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("larger than the %d-byte limit", e.Limit)
}

// ReadAll reads r to its end, or fails with a *TooLargeError as soon as it holds more than
// limit bytes (reading at most limit+1).
func ReadAll(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, &TooLargeError{Limit: limit}
	}
	return data, nil
}

// ReadFile reads the file at path with ReadAll's limit. Every error names the path.
func ReadFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // an *os.PathError names the path
	}
	defer f.Close()
	data, err := ReadAll(f, limit)
	if _, ok := err.(*os.PathError); err != nil && !ok {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return data, err
}

// JSONDepth returns the deepest nesting of JSON arrays and objects in data, ignoring
// brackets inside strings; it does not validate.
func JSONDepth(data []byte) int {
	depth, max, inStr, esc := 0, 0, false, false
	for _, c := range data {
		switch {
		case inStr:
			if esc {
				esc = false
			} else if c == '\\' {
				esc = true
			} else if c == '"' {
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '{' || c == '[':
			depth++
			if depth > max {
				max = depth
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return max
}
