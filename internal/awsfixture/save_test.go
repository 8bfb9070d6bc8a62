package awsfixture

import (
	"os"
	"testing"
)

// TestSave writes the bases to $AWSFIXTURE_OUT for manual runs (skipped otherwise).
func TestSave(t *testing.T) {
	out := os.Getenv("AWSFIXTURE_OUT")
	if out == "" {
		t.Skip("AWSFIXTURE_OUT not set")
	}
	for name, s := range map[string]func() interface{ Save(string) error }{"good": func() interface{ Save(string) error } { return Good() }, "bad": func() interface{ Save(string) error } { return Bad() }} {
		if err := s().Save(out + "/" + name); err != nil {
			t.Fatal(err)
		}
	}
}
