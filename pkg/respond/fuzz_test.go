package respond

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"testing"
	"time"
)

// FuzzParseJournal: the journal annotation parser never panics, and a journal it accepts
// encodes and parses again to the same journal.
func FuzzParseJournal(f *testing.F) {
	f.Add(`{"format":"eksguard-journal/v1","incident":"inc-1","namespace":"shop","version":"dev","created":"2026-11-26T04:42:00Z","entries":[{"kind":"labels","state":"done","object":"pod/web-1","removed":{"app":"web"},"time":"2026-11-26T04:42:01Z"}]}`)
	f.Add(`{"format":"eksguard-journal/v1","incident":"inc-1","namespace":"shop","version":"dev","created":"2026-11-26T04:42:00Z","entries":[{"kind":"cordon","state":"intent","object":"node/n1","time":"2026-11-26T04:42:01Z"}]}`)
	f.Add(`{"format":"eksguard-journal/v1","incident":"INC","namespace":"shop","entries":[]}`)
	f.Add(`{"format":"eksguard-journal/v1","incident":"inc-1","namespace":"shop","entries":[{"kind":"labels","state":"done","object":"pod/../x"}]}`)
	f.Add(`{} {}`)
	f.Fuzz(func(t *testing.T, text string) {
		j, err := ParseJournal(text)
		if err != nil {
			return
		}
		enc, err := j.Encode()
		if err != nil {
			if len(text) < MaxJournalBytes/2 {
				t.Fatalf("an accepted journal does not encode: %v", err)
			}
			return
		}
		j2, err := ParseJournal(enc)
		if err != nil {
			t.Fatalf("an encoded journal does not parse: %v\n%s", err, enc)
		}
		if !reflect.DeepEqual(normalize(j), normalize(j2)) {
			t.Fatalf("round trip changed the journal:\n%+v\n%+v", j, j2)
		}
	})
}

func normalize(j *Journal) string {
	b, _ := json.Marshal(j)
	return string(b)
}

// FuzzParseManifest: the manifest parser never panics and accepts only clean paths.
func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(`{"format":"eksguard-evidence/v1","incident":"inc-1","tool":"eksguard","version":"dev","created":"2026-11-26T04:42:00Z","files":[{"path":"pods/shop/web-1/pod.json","size":12,"sha256":"` + zeros + `"}]}`))
	f.Add([]byte(`{"format":"eksguard-evidence/v1","files":[{"path":"../etc/passwd","size":1,"sha256":"` + zeros + `"}]}`))
	f.Add([]byte(`{"format":"eksguard-evidence/v1","files":[{"path":"a","size":1,"sha256":"` + zeros + `"},{"path":"a","size":1,"sha256":"` + zeros + `"}]}`))
	f.Add([]byte(`{"format":"eksguard-evidence/v1","files":[{"path":"manifest.json","size":-1,"sha256":"AB"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(data)
		if err != nil {
			return
		}
		for _, file := range m.Files {
			if checkEvidencePath(file.Path) != nil || file.Size < 0 {
				t.Fatalf("accepted %+v", file)
			}
		}
		again, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseManifest(again); err != nil {
			t.Fatalf("a re-encoded manifest does not parse: %v", err)
		}
	})
}

const zeros = "0000000000000000000000000000000000000000000000000000000000000000"

// FuzzVerifyTarGz: verify never panics on any stream, and a stream it passes lists
// exactly the files of its manifest.
func FuzzVerifyTarGz(f *testing.F) {
	dir := f.TempDir()
	b, err := createBundle(dir+"/seed.tar.gz", zeroTime)
	if err != nil {
		f.Fatal(err)
	}
	if err := b.add("pods/shop/web-1/pod.json", []byte(`{"kind":"Pod"}`)); err != nil {
		f.Fatal(err)
	}
	if _, err := b.close(Manifest{Incident: "inc-1", Tool: "eksguard", Version: "dev"}); err != nil {
		f.Fatal(err)
	}
	seed, err := readFile(dir + "/seed.tar.gz")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add(seed[:len(seed)/2])
	f.Add([]byte{0x1f, 0x8b})
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := VerifyTarGz(bytes.NewReader(data))
		if err != nil || !v.OK() {
			return
		}
		if v.Manifest == nil {
			t.Fatal("verified without a manifest")
		}
	})
}

var zeroTime = time.Date(2026, 11, 26, 4, 42, 0, 0, time.UTC)

func readFile(p string) ([]byte, error) { return os.ReadFile(p) }
