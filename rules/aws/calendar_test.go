package aws

import (
	"testing"
	"time"
)

func TestSupportOnScanDate(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }
	cases := []struct{ version, day, want string }{
		{"1.31", "2025-11-26", "standard"}, // the last day of standard support
		{"1.31", "2025-11-27", "extended"},
		{"1.31", "2026-11-26", "extended"}, // the last day of extended support
		{"1.31", "2026-11-27", "ended"},
		{"1.34", "2026-11-20", "standard"},
		{"1.22", "2026-11-20", ""}, // not in the calendar: unknown, never a pass
		{"1.36", "2026-11-20", ""},
	}
	for _, c := range cases {
		if got, _ := supportOn(c.version, day(c.day)); got != c.want {
			t.Errorf("%s on %s: %q, want %q", c.version, c.day, got, c.want)
		}
	}
	for i := 1; i < len(eksCalendar); i++ {
		if eksCalendar[i].endStandard <= eksCalendar[i-1].endStandard || eksCalendar[i].endExtended <= eksCalendar[i].endStandard {
			t.Errorf("calendar row %s is out of order", eksCalendar[i].version)
		}
	}
}

func TestReleaseLess(t *testing.T) {
	cases := []struct {
		a, b string
		want bool
	}{
		{"1.31.0-20241024", "1.31.13-20251108", true},
		{"1.31.2-20241109", "1.31.2-20241109", false},
		{"1.31.2-20241110", "1.31.2-20241109", false},
		{"1.31.2-20241010", "1.31.2-20241109", true},
		{"1.26.1-943d9a41", "1.26.2-1a2b3c4d", true}, // Bottlerocket: version, then a commit
		{"1.26.2-1a2b3c4d", "1.26.2-943d9a41", false},
	}
	for _, c := range cases {
		if got := releaseLess(c.a, c.b); got != c.want {
			t.Errorf("releaseLess(%s, %s) = %v", c.a, c.b, got)
		}
	}
}
