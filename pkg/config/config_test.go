package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadBoundsAndMissingFiles(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, DefaultFile)
	if c, err := Load(missing, false); err != nil || c == nil {
		t.Errorf("missing default file: %v", err)
	}
	if _, err := Load(missing, true); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing named file: %v", err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte("failOn: low\n"+strings.Repeat("#", maxConfigBytes)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(big, true); err == nil || !strings.Contains(err.Error(), "config "+big+": over the") {
		t.Errorf("oversized file: %v", err)
	}
	ok := filepath.Join(dir, "ok.yaml")
	if err := os.WriteFile(ok, []byte("failOn: high\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if c, err := Load(ok, true); err != nil || c.FailOn != "high" {
		t.Errorf("valid file: %+v, %v", c, err)
	}
}
