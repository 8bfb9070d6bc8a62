package respond

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func TestParseJournal(t *testing.T) {
	seed, err := os.ReadFile("testdata/fuzz/FuzzParseJournal/seed-valid")
	if err != nil {
		t.Fatal(err)
	}
	// The seed file quotes the JSON with Go syntax: cut the string literal out.
	text := string(seed)
	text = text[strings.Index(text, `"{`)+1 : strings.LastIndex(text, `}"`)+1]
	text = strings.ReplaceAll(text, `\"`, `"`)
	j, err := ParseJournal(text)
	if err != nil {
		t.Fatal(err)
	}
	if len(j.Entries) != 3 || j.Entries[1].Removed["app"] != "web" || j.find(EntryCordon, "node/n1") == nil {
		t.Errorf("%+v", j)
	}
	for _, bad := range []struct{ text, want string }{
		{strings.Replace(text, `"labels"`, `"delete"`, 1), "unknown kind"},
		{strings.Replace(text, `"failed"`, `"maybe"`, 1), "unknown state"},
		{strings.Replace(text, `pod/web-1`, `pod/../web`, 1), "object"},
		{strings.Replace(text, `node/n1`, `pod/n1`, 1), "want node/NAME"},
		{strings.Replace(text, `"app":"web"`, `"app":"w e b"`, 1), "removed label"},
		{strings.Replace(text, `"inc-1"`, `"INC_1"`, 1), "incident ID"},
		{strings.Replace(text, `"version"`, `"extra"`, 1), "unknown field"},
		{text + "{}", "after the JSON"},
		{strings.Repeat(" ", MaxJournalBytes+1), "limit"},
	} {
		if _, err := ParseJournal(bad.text); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%.60q: %v, want %q", bad.text, err, bad.want)
		}
	}
}

func TestEncodeJournalBudget(t *testing.T) {
	j := &Journal{Format: JournalFormat, Incident: "inc-1", Namespace: "shop"}
	for i := range 5000 {
		j.Entries = append(j.Entries, Entry{Kind: EntryLabels, State: StateIntent, Object: "pod/web-" + strings.Repeat("x", 20) + string(rune('a'+i%26)), Time: time.Now()})
	}
	if _, err := j.Encode(); err == nil || !strings.Contains(err.Error(), "isolate fewer pods") {
		t.Errorf("over budget: %v", err)
	}
}

// A directory bundle: verify passes, then fails for a changed, a missing and an extra file,
// a symlink, and a manifest that no longer matches its hash.
func TestVerifyDirectory(t *testing.T) {
	for _, tamper := range []struct {
		name string
		do   func(dir string) error
		want string
	}{
		{"changed", func(d string) error { return os.WriteFile(filepath.Join(d, "a", "b.json"), []byte(`{"x":2}`), 0o600) }, "sha256"},
		{"missing", func(d string) error { return os.Remove(filepath.Join(d, "a", "b.json")) }, "missing"},
		{"extra", func(d string) error { return os.WriteFile(filepath.Join(d, "c.txt"), nil, 0o600) }, "not in the manifest"},
		{"manifest", func(d string) error {
			m, _ := os.ReadFile(filepath.Join(d, ManifestFile))
			return os.WriteFile(filepath.Join(d, ManifestFile), []byte(strings.Replace(string(m), "inc-1", "inc-2", 1)), 0o600)
		}, "does not match"},
	} {
		dir := filepath.Join(t.TempDir(), "b")
		b, err := createBundle(dir, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := b.add("a/b.json", []byte(`{"x":1}`)); err != nil {
			t.Fatal(err)
		}
		if err := b.add("a/b.json", []byte(`{}`)); err == nil {
			t.Error("the same path was captured twice")
		}
		if err := b.add("../x", nil); err == nil {
			t.Error("an unclean path was accepted")
		}
		if _, err := b.close(Manifest{Incident: "inc-1"}); err != nil {
			t.Fatal(err)
		}
		if v, err := Verify(dir); err != nil || !v.OK() {
			t.Fatalf("fresh bundle: %v %+v", err, v)
		}
		if _, err := createBundle(dir, time.Now()); err == nil {
			t.Error("a bundle was written over another")
		}
		if err := tamper.do(dir); err != nil {
			t.Fatal(err)
		}
		v, err := Verify(dir)
		if err != nil || v.OK() || !strings.Contains(strings.Join(v.Problems, "\n"), tamper.want) {
			t.Errorf("%s: %v %+v", tamper.name, err, v)
		}
	}
	dir := filepath.Join(t.TempDir(), "b")
	b, _ := createBundle(dir, time.Now())
	b.close(Manifest{})
	os.Symlink("/etc/passwd", filepath.Join(dir, "link"))
	if _, err := Verify(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("symlink: %v", err)
	}
}

// Too many pods in one namespace are refused before anything is read.
func TestTooManyPodsPerNamespace(t *testing.T) {
	pods := make([]corev1.Pod, MaxPodsPerNamespace+1)
	for i := range pods {
		pods[i].Namespace, pods[i].Name = "shop", fmt.Sprintf("p-%d", i)
	}
	r := &Responder{opts: Options{Workers: 1, Now: time.Now}}
	if _, err := r.IsolatePods(context.Background(), Request{Quarantine: true}, pods); err == nil || !strings.Contains(err.Error(), "more than 500 pods in namespace shop") {
		t.Errorf("%v", err)
	}
}
