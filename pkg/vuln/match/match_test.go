package match

import (
	"strings"
	"testing"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/inventory"
	"github.com/eksguard/eksguard/pkg/vuln/db"
	"github.com/eksguard/eksguard/pkg/vuln/osv"
	"github.com/eksguard/eksguard/pkg/vuln/vex"
)

// memStore is a Store over decoded records, indexed like the database (db.Compact).
type memStore struct {
	recs map[string]*osv.Vulnerability
	idx  map[string]map[string][]*db.Record // base\x00name -> ecosystem -> records
}

func newMem(t *testing.T, records ...string) *memStore {
	t.Helper()
	m := &memStore{recs: map[string]*osv.Vulnerability{}, idx: map[string]map[string][]*db.Record{}}
	for _, r := range records {
		v, err := osv.Decode([]byte(r))
		if err != nil {
			t.Fatal(err)
		}
		m.recs[v.ID] = v
		for key, cr := range db.Compact(v) {
			parts := strings.Split(key, "\x00") // base, name, ecosystem
			k := parts[0] + "\x00" + parts[1]
			if m.idx[k] == nil {
				m.idx[k] = map[string][]*db.Record{}
			}
			m.idx[k][parts[2]] = append(m.idx[k][parts[2]], cr)
		}
	}
	return m
}

func (m *memStore) Lookup(base, name string) ([]db.Entry, error) {
	var out []db.Entry
	for eco, recs := range m.idx[base+"\x00"+db.NormalizeName(base, name)] {
		e := db.Entry{Ecosystem: eco}
		for _, r := range recs {
			e.IDs = append(e.IDs, r.ID)
			e.Records = append(e.Records, *r)
		}
		out = append(out, e)
	}
	return out, nil
}

func (m *memStore) Get(id string) (*osv.Vulnerability, error) { return m.recs[id], nil }

func rec(id, eco, name, ranges string, extra string) string {
	return `{"id":"` + id + `","modified":"2024-01-01T00:00:00Z"` + extra + `,"affected":[{"package":{"ecosystem":"` + eco + `","name":"` + name + `"}` + ranges + `}]}`
}

func ecoRange(typ string, events ...string) string {
	return `,"ranges":[{"type":"` + typ + `","events":[` + strings.Join(events, ",") + `]}]`
}

func TestRanges(t *testing.T) {
	cases := []struct {
		name      string
		eco       string
		ranges    string
		installed string
		hit       bool
		fixed     string
	}{
		{"below fixed", "Debian:12", ecoRange("ECOSYSTEM", `{"introduced":"0"}`, `{"fixed":"3.0.11-1~deb12u2"}`), "3.0.9-1", true, "3.0.11-1~deb12u2"},
		{"at fixed", "Debian:12", ecoRange("ECOSYSTEM", `{"introduced":"0"}`, `{"fixed":"3.0.11-1~deb12u2"}`), "3.0.11-1~deb12u2", false, ""},
		{"tilde below fixed", "Debian:12", ecoRange("ECOSYSTEM", `{"introduced":"0"}`, `{"fixed":"3.0.11-1"}`), "3.0.11-1~deb12u2", true, "3.0.11-1"},
		{"epoch above fixed", "Debian:12", ecoRange("ECOSYSTEM", `{"introduced":"0"}`, `{"fixed":"3.0"}`), "1:2.0", false, ""},
		{"before introduced", "Go", ecoRange("SEMVER", `{"introduced":"1.2.0"}`, `{"fixed":"1.3.0"}`), "1.1.9", false, ""},
		{"at introduced", "Go", ecoRange("SEMVER", `{"introduced":"1.2.0"}`, `{"fixed":"1.3.0"}`), "1.2.0", true, "1.3.0"},
		{"second window", "Go", ecoRange("SEMVER", `{"introduced":"0"}`, `{"fixed":"1.1.0"}`, `{"introduced":"1.2.0"}`, `{"fixed":"1.2.5"}`), "1.2.3", true, "1.2.5"},
		{"between windows", "Go", ecoRange("SEMVER", `{"introduced":"0"}`, `{"fixed":"1.1.0"}`, `{"introduced":"1.2.0"}`, `{"fixed":"1.2.5"}`), "1.1.5", false, ""},
		{"events unsorted", "Go", ecoRange("SEMVER", `{"fixed":"1.2.5"}`, `{"introduced":"1.2.0"}`, `{"fixed":"1.1.0"}`, `{"introduced":"0"}`), "1.2.3", true, "1.2.5"},
		{"last_affected at", "npm", ecoRange("SEMVER", `{"introduced":"0"}`, `{"last_affected":"2.0.0"}`), "2.0.0", true, ""},
		{"last_affected above", "npm", ecoRange("SEMVER", `{"introduced":"0"}`, `{"last_affected":"2.0.0"}`), "2.0.1", false, ""},
		{"limit", "PyPI", ecoRange("ECOSYSTEM", `{"introduced":"1.0"}`, `{"limit":"2.0"}`), "2.0.post1", false, ""},
		{"below limit", "PyPI", ecoRange("ECOSYSTEM", `{"introduced":"1.0"}`, `{"limit":"2.0"}`), "1.5", true, ""},
		{"pep440 pre-release below fix", "PyPI", ecoRange("ECOSYSTEM", `{"introduced":"0"}`, `{"fixed":"2.0"}`), "2.0rc1", true, "2.0"},
		{"no fix", "Alpine:v3.20", ecoRange("ECOSYSTEM", `{"introduced":"0"}`), "1.2.3-r0", true, ""},
		{"apk release", "Alpine:v3.20", ecoRange("ECOSYSTEM", `{"introduced":"0"}`, `{"fixed":"1.2.3-r1"}`), "1.2.3-r0", true, "1.2.3-r1"},
		{"maven qualifier", "Maven", ecoRange("ECOSYSTEM", `{"introduced":"2.0"}`, `{"fixed":"2.15.0"}`), "2.15.0-rc1", true, "2.15.0"},
		{"versions list", "npm", `,"versions":["1.0.0","1.0.1"]`, "1.0.1", true, ""},
		{"versions list miss", "npm", `,"versions":["1.0.0","1.0.1"]`, "1.0.2", false, ""},
		{"versions list, another spelling", "PyPI", `,"versions":["1.0","2.0rc1"]`, "2.0.0rc1", true, ""},
		{"versions list, maven", "Maven", `,"versions":["2.1"]`, "2.1.0", true, ""},
		{"versions list, unparseable entry", "PyPI", `,"versions":["not a version","1.0"]`, "1.1", false, ""},
		{"empty range", "Go", ecoRange("SEMVER", `{"introduced":"1.0.0"}`, `{"fixed":"1.0.0"}`), "1.0.0", false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			typ := map[string]string{"Debian:12": inventory.TypeDeb, "Go": inventory.TypeGolang, "npm": inventory.TypeNPM, "PyPI": inventory.TypePyPI, "Alpine:v3.20": inventory.TypeAPK, "Maven": inventory.TypeMaven}[c.eco]
			os := map[string]*inventory.OS{inventory.TypeDeb: {ID: "debian", VersionID: "12"}, inventory.TypeAPK: {ID: "alpine", VersionID: "3.20.3"}}[typ]
			ver := c.installed
			if typ == inventory.TypeGolang {
				ver = "v" + ver
			}
			inv := &inventory.Inventory{OS: os, Packages: []inventory.Package{{Type: typ, Name: "p", Version: ver}}}
			res, err := Run(newMem(t, rec("T-1", c.eco, "p", c.ranges, "")), inv)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(res.Matches) == 1; got != c.hit {
				t.Fatalf("hit %v, want %v (unparseable %v, invalid %v)", got, c.hit, res.Unparseable, res.InvalidRanges)
			}
			if c.hit && res.Matches[0].Fixed != c.fixed {
				t.Fatalf("fixed %q, want %q", res.Matches[0].Fixed, c.fixed)
			}
		})
	}
}

func TestBadRecordsAndVersions(t *testing.T) {
	store := newMem(t,
		rec("BAD-1", "Debian:12", "openssl", ecoRange("ECOSYSTEM", `{"introduced":"0"}`, `{"fixed":"not-a-version"}`), ""),
		rec("GIT-1", "Debian:12", "openssl", `,"ranges":[{"type":"GIT","repo":"https://x","events":[{"introduced":"abc"}]}]`, ""),
		rec("OK-1", "Debian:11", "openssl", ecoRange("ECOSYSTEM", `{"introduced":"0"}`, `{"fixed":"9.9"}`), ""),
		rec("GO-1", "Go", "example.com/m", ecoRange("SEMVER", `{"introduced":"0"}`, `{"fixed":"1.0.0"}`), ""),
	)
	inv := &inventory.Inventory{OS: &inventory.OS{ID: "debian", VersionID: "12"}, Packages: []inventory.Package{
		{Type: inventory.TypeDeb, Name: "libssl3", Version: "3.0.9-1", Source: &inventory.Source{Name: "openssl"}},
		{Type: inventory.TypeGolang, Name: "example.com/m", Version: "(devel)"},
		{Type: inventory.TypeRPM, Name: "bash", Version: "5.2-1"},
		{Type: "cargo", Name: "serde", Version: "1.0.0"},
	}}
	res, err := Run(store, inv)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Matches) != 0 {
		t.Fatalf("no match expected (Debian:11 record must not apply to Debian 12): %+v", res.Matches)
	}
	if len(res.InvalidRanges) != 1 || res.InvalidRanges[0].Record != "BAD-1" || res.GitRanges != 1 {
		t.Fatalf("invalid %+v git %d", res.InvalidRanges, res.GitRanges)
	}
	if len(res.Unparseable) != 1 || !strings.Contains(res.Unparseable[0].Message, "(devel)") {
		t.Fatalf("unparseable %+v", res.Unparseable)
	}
	if len(res.Unsupported) != 2 {
		t.Fatalf("unsupported %+v", res.Unsupported)
	}
	fs := Findings(res, Options{})
	if len(fs) != 1 || fs[0].Status != finding.StatusError {
		t.Fatalf("findings %+v", fs)
	}
}

func TestTargets(t *testing.T) {
	cases := []struct {
		p     inventory.Package
		os    inventory.OS
		label string
		name  string
		ver   string
	}{
		{inventory.Package{Type: "deb", Name: "libssl3", Version: "3.0.15-1~deb12u1", Source: &inventory.Source{Name: "openssl"}}, inventory.OS{ID: "debian", VersionID: "12"}, "Debian:12", "openssl", "3.0.15-1~deb12u1"},
		{inventory.Package{Type: "deb", Name: "libc6", Version: "2.36-9+deb12u4+b1", Source: &inventory.Source{Name: "glibc", Version: "2.36-9+deb12u4"}}, inventory.OS{ID: "debian", VersionCodename: "bookworm"}, "Debian:12", "glibc", "2.36-9+deb12u4"},
		{inventory.Package{Type: "deb", Name: "bash", Version: "5.1-6ubuntu1"}, inventory.OS{ID: "ubuntu", VersionID: "22.04"}, "Ubuntu:22.04:LTS", "bash", "5.1-6ubuntu1"},
		{inventory.Package{Type: "deb", Name: "bash", Version: "5.2-1ubuntu1"}, inventory.OS{ID: "ubuntu", VersionID: "23.10"}, "Ubuntu:23.10", "bash", "5.2-1ubuntu1"},
		{inventory.Package{Type: "apk", Name: "libcrypto3", Version: "3.3.2-r0", Source: &inventory.Source{Name: "openssl"}}, inventory.OS{ID: "alpine", VersionID: "3.20.3"}, "Alpine:v3.20", "openssl", "3.3.2-r0"},
		{inventory.Package{Type: "rpm", Name: "openssl-libs", Version: "1:3.0.7-25.el9_3"}, inventory.OS{ID: "rocky", VersionID: "9.3"}, "Rocky Linux:9", "openssl-libs", "1:3.0.7-25.el9_3"},
		{inventory.Package{Type: "golang", Name: "stdlib", Version: "1.22rc1"}, inventory.OS{}, "Go", "stdlib", "1.22.0-rc.1"},
		{inventory.Package{Type: "golang", Name: "stdlib", Version: "1.21"}, inventory.OS{}, "Go", "stdlib", "1.21.0"},
		{inventory.Package{Type: "golang", Name: "golang.org/x/text", Version: "v0.3.0"}, inventory.OS{}, "Go", "golang.org/x/text", "0.3.0"},
	}
	for _, c := range cases {
		tg, err := TargetFor(&c.p, &c.os)
		if err != nil || tg.Label != c.label || tg.Name != c.name || tg.Version != c.ver || !tg.Accept(c.label) {
			t.Errorf("%s: got %+v %v, want %s %s %s", c.p.Name, tg, err, c.label, c.name, c.ver)
		}
	}
	rh, _ := TargetFor(&inventory.Package{Type: "rpm", Name: "openssl", Version: "1"}, &inventory.OS{ID: "rhel", VersionID: "9.4"})
	if !rh.Accept("Red Hat:enterprise_linux:9::appstream") || rh.Accept("Red Hat:enterprise_linux:8::appstream") {
		t.Error("Red Hat streams")
	}
	if _, err := TargetFor(&inventory.Package{Type: "rpm", Name: "openssl", Version: "1"}, &inventory.OS{ID: "amzn", VersionID: "2023"}); err == nil || !strings.Contains(err.Error(), "Amazon Linux") {
		t.Errorf("amzn: %v", err)
	}
}

func TestSeverityAndVEX(t *testing.T) {
	r := rec("GHSA-1", "npm", "lodash", ecoRange("SEMVER", `{"introduced":"0"}`, `{"fixed":"4.17.21"}`),
		`,"aliases":["CVE-2021-23337"],"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"}]`)
	r2 := rec("UBUNTU-1", "Ubuntu:22.04:LTS", "bash", ecoRange("ECOSYSTEM", `{"introduced":"0"}`, `{"fixed":"5.2"}`),
		`,"severity":[{"type":"Ubuntu","score":"medium"}]`)
	r3 := rec("GHSA-2", "npm", "minimist", ecoRange("SEMVER", `{"introduced":"0"}`),
		`,"database_specific":{"severity":"CRITICAL"}`)
	store := newMem(t, r, r2, r3)
	inv := &inventory.Inventory{Packages: []inventory.Package{
		{Type: "npm", Name: "lodash", Version: "4.17.20", Path: "app/node_modules/lodash/package.json"},
		{Type: "npm", Name: "minimist", Version: "1.2.5"},
	}}
	res, err := Run(store, inv)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Matches) != 2 {
		t.Fatalf("matches %+v", res.Matches)
	}
	// CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H is 7.2 (high) in the CVSS 3.1 calculator.
	if s := res.Matches[0].Score; s.Severity != finding.SeverityHigh || !strings.Contains(s.Source, "7.2") {
		t.Fatalf("score %+v", s)
	}
	if s := res.Matches[1].Score; s.Severity != finding.SeverityCritical {
		t.Fatalf("rating %+v", s)
	}
	doc, err := vex.Parse([]byte(`{"@context":"https://openvex.dev/ns/v0.2.0","@id":"x","author":"me","statements":[
		{"vulnerability":{"name":"CVE-2021-23337"},"products":[{"@id":"pkg:npm/lodash"}],"status":"not_affected","justification":"vulnerable_code_not_in_execute_path","impact_statement":"template() is never called"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	fs := Findings(res, Options{VEX: doc, Subject: finding.Subject{Image: "app:1"}})
	if fs[0].Suppressed == nil || !strings.Contains(fs[0].Suppressed.Reason, "template() is never called") || fs[1].Suppressed != nil {
		t.Fatalf("vex: %+v", fs)
	}
	if fs[0].Evidence["fixedVersion"] != "4.17.21" || fs[0].Evidence["aliases"] != "CVE-2021-23337" {
		t.Fatalf("evidence %+v", fs[0].Evidence)
	}
	if got := Findings(res, Options{IgnoreUnfixed: true}); len(got) != 1 {
		t.Fatalf("ignore-unfixed: %d", len(got))
	}
	if got := Findings(res, Options{Severities: map[finding.Severity]bool{finding.SeverityCritical: true}}); len(got) != 1 || got[0].Evidence["advisory"] != "GHSA-2" {
		t.Fatalf("severity filter: %+v", got)
	}
	// Ubuntu priority.
	ub := &inventory.Inventory{OS: &inventory.OS{ID: "ubuntu", VersionID: "22.04"}, Packages: []inventory.Package{{Type: "deb", Name: "bash", Version: "5.1-6ubuntu1"}}}
	res, _ = Run(store, ub)
	if len(res.Matches) != 1 || res.Matches[0].Score.Severity != finding.SeverityMedium {
		t.Fatalf("ubuntu: %+v", res.Matches)
	}
}

func TestCVSSv4(t *testing.T) {
	// The CVSS v4.0 specification's calculator gives 9.3 for this base vector.
	s, err := ScoreCVSS("CVSS_V4", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")
	if err != nil || s != 9.3 {
		t.Fatalf("%v %v", s, err)
	}
	if _, err := ScoreCVSS("CVSS_V3", "CVSS:3.1/AV:X"); err == nil {
		t.Fatal("bad vector accepted")
	}
}

func TestGoPlatform(t *testing.T) {
	r := `{"id":"GO-TEST-WIN","affected":[{"package":{"ecosystem":"Go","name":"stdlib"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.26.9"}]}],
	"ecosystem_specific":{"imports":[{"path":"os","goos":["windows"],"symbols":["Root.Mkdir"]}]}}]}`
	r2 := `{"id":"GO-TEST-ARM","affected":[{"package":{"ecosystem":"Go","name":"stdlib"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.26.9"}]}],
	"ecosystem_specific":{"imports":[{"path":"crypto/x","goarch":["arm64"]},{"path":"crypto/y","goos":["plan9"]}]}}]}`
	store := newMem(t, r, r2)
	inv := &inventory.Inventory{Packages: []inventory.Package{{Type: "golang", Name: "stdlib", Version: "1.26.8", Arch: "amd64"}}}
	ids := func(p Platform) string {
		res, err := RunPlatform(store, inv, p)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range res.Matches {
			out = append(out, m.Vuln.ID)
		}
		return strings.Join(out, " ")
	}
	if got := ids(Platform{GOOS: "linux"}); got != "" {
		t.Fatalf("linux/amd64: %q", got)
	}
	if got := ids(Platform{GOOS: "windows"}); got != "GO-TEST-WIN" {
		t.Fatalf("windows/amd64: %q", got)
	}
	inv.Packages[0].Arch = "arm64"
	if got := ids(Platform{GOOS: "linux"}); got != "GO-TEST-ARM" {
		t.Fatalf("linux/arm64: %q", got)
	}
}
