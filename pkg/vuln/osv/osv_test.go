package osv

import (
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestDecodeReal(t *testing.T) {
	data, err := os.ReadFile("testdata/GO-2020-0015.json")
	if err != nil {
		t.Fatal(err)
	}
	v, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if v.ID != "GO-2020-0015" || len(v.Aliases) != 2 || v.Aliases[0] != "CVE-2020-14040" {
		t.Fatalf("id/aliases: %+v", v)
	}
	a := v.Affected[0]
	if a.Package != (Package{Ecosystem: "Go", Name: "golang.org/x/text"}) || a.Ranges[0].Type != RangeSemver {
		t.Fatalf("affected: %+v", a)
	}
	if ev := a.Ranges[0].Events; ev[0].Kind() != "introduced" || ev[1].Kind() != "fixed" || ev[1].Value() != "0.3.3" {
		t.Fatalf("events: %+v", ev)
	}
}

func TestDecodeBad(t *testing.T) {
	rng := func(events string) string {
		return `{"id":"X-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Go","name":"m"},"ranges":[{"type":"SEMVER","events":[` + events + `]}]}]}`
	}
	cases := map[string]struct{ in, want string }{
		"empty":              {``, "not a JSON object"},
		"array":              {`[]`, "not a JSON object"},
		"truncated":          {`{"id":"X-1","affected":[`, "invalid JSON"},
		"no id":              {`{"modified":"2024-01-01T00:00:00Z"}`, "missing id"},
		"bad id":             {`{"id":"../../etc/passwd"}`, "invalid id"},
		"id wrong type":      {`{"id":5}`, "invalid JSON"},
		"bad alias":          {`{"id":"X-1","aliases":["a b"]}`, "invalid alias"},
		"two in one event":   {rng(`{"introduced":"0","fixed":"1.0.0"}`), "exactly one"},
		"empty event":        {rng(`{"introduced":"0"},{}`), "exactly one"},
		"no introduced":      {rng(`{"fixed":"1.0.0"}`), "no introduced"},
		"no events":          {rng(``), "no events"},
		"unknown range type": {strings.Replace(rng(`{"introduced":"0"}`), "SEMVER", "CALVER", 1), "unknown range type"},
		"git without repo":   {strings.Replace(rng(`{"introduced":"0"}`), "SEMVER", "GIT", 1), "GIT range without repo"},
		"half a package":     {`{"id":"X-1","affected":[{"package":{"ecosystem":"Go"}}]}`, "both ecosystem and name"},
		"version number":     {rng(`{"introduced":0}`), "invalid JSON"},
		"too large":          {`{"id":"X-1","details":"` + strings.Repeat("a", MaxRecordBytes) + `"}`, "too large"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Decode([]byte(c.in))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}

func TestDecodeTolerant(t *testing.T) {
	// Unknown fields at every level, a newer schema version, GIT ranges beside others.
	in := `{"schema_version":"9.9.9","id":"X-1","modified":"2024-01-01T00:00:00Z","future":{"a":1},
	"affected":[{"package":{"ecosystem":"Debian:12","name":"openssl","extra":true},
	"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.1-1"}],"note":"x"},
	{"type":"GIT","repo":"https://example.com/r","events":[{"introduced":"abc"}]}]}]}`
	v, err := Decode([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Affected[0].Ranges) != 2 {
		t.Fatalf("ranges: %+v", v.Affected[0].Ranges)
	}
}

func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Decode(data)
		if err != nil {
			if v != nil {
				t.Fatal("record returned with an error")
			}
			return
		}
		// Whatever decodes validates again, and every range has an introduced event.
		if err := v.Validate(); err != nil {
			t.Fatalf("decoded record fails validation: %v", err)
		}
		for _, a := range v.Affected {
			for _, r := range a.Ranges {
				if len(r.Events) == 0 || len(r.Events) > MaxEvents {
					t.Fatal("range events out of bounds")
				}
				for _, e := range r.Events {
					if e.Kind() == "" {
						t.Fatal("event without a kind")
					}
				}
			}
		}
	})
}

// validID accepts exactly what the pattern it replaces accepts.
func TestValidIDAgainstPattern(t *testing.T) {
	pattern := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:+-]*$`)
	cases := []string{"", "GO-2020-0015", "CVE-2024-1", "DSA-5678-1", "GHSA-abcd-efgh-ijkl", "a", "-a", ".a",
		"a b", "a/b", "a\x00", "é", "a:b+c_d.e-f", "A\n", "0"}
	rng := rand.New(rand.NewSource(1))
	alphabet := "aZ09._:+- /\x00\xc3\xa9"
	for n := 0; n < 5000; n++ {
		b := make([]byte, rng.Intn(6))
		for i := range b {
			b[i] = alphabet[rng.Intn(len(alphabet))]
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		if validID(s) != pattern.MatchString(s) {
			t.Fatalf("%q: validID %v, pattern %v", s, validID(s), pattern.MatchString(s))
		}
	}
}
