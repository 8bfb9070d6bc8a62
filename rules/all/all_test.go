package all

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	kyaml "sigs.k8s.io/yaml"

	"github.com/eksguard/eksguard/internal/testenv"
	"github.com/eksguard/eksguard/pkg/engine"
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/scan"
	"github.com/eksguard/eksguard/pkg/snapshot"
	"github.com/eksguard/eksguard/pkg/source/dockerfile"
	"github.com/eksguard/eksguard/pkg/source/manifest"
	"github.com/eksguard/eksguard/pkg/target"
	"github.com/eksguard/eksguard/rules/pss"
)

// repoRoot is the module root, two levels above rules/all.
const repoRoot = "../.."

// fixtureDir is where a rule's pass and fail fixtures live:
// rules/<area>/testdata/<name>/{pass,fail}/*.yaml.
func fixtureDir(id string) string {
	area, name, _ := strings.Cut(id, "/")
	return filepath.Join(repoRoot, "rules", area, "testdata", name)
}

// fixtureSettings reads an optional settings.yaml beside pass/ and fail/.
func fixtureSettings(t *testing.T, m *rule.Meta) rule.Settings {
	s := rule.DefaultSettings()
	if lvl := m.Extra["pss-level"]; lvl != "" {
		s.PSSLevel = lvl
	}
	data, err := os.ReadFile(filepath.Join(fixtureDir(m.ID), "settings.yaml"))
	if err == nil {
		if err := kyaml.UnmarshalStrict(data, &s); err != nil {
			t.Fatalf("%s settings.yaml: %v", m.ID, err)
		}
	}
	return s
}

func checkFile(t *testing.T, r rule.Rule, s rule.Settings, file string) []finding.Finding {
	t.Helper()
	if r.Meta().Target == target.KindImage {
		return checkImageFile(t, r, s, file)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	res := manifest.Load(file, data, manifest.Options{Limits: manifest.DefaultLimits()})
	if len(res.Errors) > 0 {
		t.Fatalf("%s: fixture does not load: %v", file, res.Errors)
	}
	if len(res.Targets) == 0 {
		t.Fatalf("%s: fixture holds no object", file)
	}
	e := engine.New([]rule.Rule{r}, s, nil)
	var out []finding.Finding
	for _, tg := range res.Targets {
		for _, f := range e.Check(context.Background(), tg) {
			if f.Status == finding.StatusError {
				t.Errorf("%s: rule error: %s", file, f.Message)
			}
			out = append(out, f)
		}
	}
	return out
}

// checkDockerfile runs a Dockerfile rule on one fixture; findings an inline ignore
// exempts do not count.
func checkDockerfile(t *testing.T, r rule.Rule, s rule.Settings, file string) []finding.Finding {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	res := dockerfile.Parse(file, data, dockerfile.DefaultLimits())
	if len(res.Errors) > 0 || res.Target == nil {
		t.Fatalf("%s: fixture does not parse: %v", file, res.Errors)
	}
	res.Target.Context = dockerfile.ContextLoader(file)
	var out []finding.Finding
	for _, f := range engine.New([]rule.Rule{r}, s, nil).Check(context.Background(), res.Target) {
		if f.Status == finding.StatusError {
			t.Errorf("%s: rule error: %s", file, f.Message)
		}
		if f.Suppressed == nil {
			out = append(out, f)
		}
	}
	return out
}

// checkSnapshot runs a cluster-wide rule on the snapshot of a fixture: one file, or a
// directory of files read together.
func checkSnapshot(t *testing.T, r rule.Rule, s rule.Settings, fixture string) []finding.Finding {
	t.Helper()
	files := []string{fixture}
	if st, err := os.Stat(fixture); err == nil && st.IsDir() {
		files, _ = filepath.Glob(filepath.Join(fixture, "*.yaml"))
	}
	snap := snapshot.New()
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		res := manifest.Load(file, data, manifest.Options{Limits: manifest.DefaultLimits()})
		if len(res.Errors) > 0 {
			t.Fatalf("%s: fixture does not load: %v", file, res.Errors)
		}
		for _, tg := range res.Targets {
			scan.Collect(snap, tg)
		}
	}
	e := engine.New([]rule.Rule{r}, s, nil)
	out := e.Check(context.Background(), snap)
	for _, f := range out {
		if f.Status == finding.StatusError {
			t.Errorf("%s: rule error: %s", fixture, f.Message)
		}
	}
	return out
}

// fixtures lists a rule's pass or fail fixtures: YAML files, and for cluster-wide rules
// directories too (each one snapshot).
func fixtures(m *rule.Meta, kind string) []string {
	ext := "*.yaml"
	if m.Target == target.KindDockerfile {
		ext = "*.Dockerfile"
	}
	files, _ := filepath.Glob(filepath.Join(fixtureDir(m.ID), kind, ext))
	if m.Target == target.KindCluster {
		entries, _ := os.ReadDir(filepath.Join(fixtureDir(m.ID), kind))
		for _, e := range entries {
			if e.IsDir() {
				files = append(files, filepath.Join(fixtureDir(m.ID), kind, e.Name()))
			}
		}
	}
	return files
}

// TestFixtures runs every rule on its own pass and fail fixtures.
func TestFixtures(t *testing.T) {
	for _, r := range Registry().All() {
		m := r.Meta()
		t.Run(m.ID, func(t *testing.T) {
			if run := targetFixtures[m.Target]; run != nil {
				run(t, r, fixtureDir(m.ID))
				return
			}
			s := fixtureSettings(t, m)
			for _, kind := range []string{"pass", "fail"} {
				files := fixtures(m, kind)
				if len(files) == 0 {
					t.Errorf("no %s fixtures in %s", kind, filepath.Join(fixtureDir(m.ID), kind))
				}
				for _, f := range files {
					var got []finding.Finding
					switch m.Target {
					case target.KindCluster:
						got = checkSnapshot(t, r, s, f)
					case target.KindDockerfile:
						got = checkDockerfile(t, r, s, f)
					default:
						got = checkFile(t, r, s, f)
					}
					switch {
					case kind == "pass" && len(got) > 0:
						t.Errorf("%s: want no finding, got %d: %s", f, len(got), got[0].Message)
					case kind == "fail" && len(got) == 0:
						t.Errorf("%s: want a finding, got none", f)
					}
					for _, x := range got {
						if x.Location.Path == "" || (x.Location.Line == 0 && m.Target != target.KindImage) {
							t.Errorf("%s: finding without line or path: %+v", f, x.Location)
						}
					}
				}
			}
		})
	}
}

// TestRegistry is the meta-test: every rule's metadata is complete and valid.
func TestRegistry(t *testing.T) {
	if _, err := rule.NewRegistry(Rules()...); err != nil {
		t.Fatal(err)
	}
	for _, r := range Registry().All() {
		m := r.Meta()
		if !strings.Contains(m.Remediation, "\n\n") {
			t.Errorf("%s: remediation has no concrete snippet after the sentence", m.ID)
		}
	}
}

// TestPSSCoverage fails when upstream adds a Pod Security check eksguard has no rule for.
func TestPSSCoverage(t *testing.T) {
	covered := pss.CoveredCheckIDs()
	for _, id := range pss.UpstreamCheckIDs() {
		if !slices.Contains(covered, id) {
			t.Errorf("upstream Pod Security check %q has no eksguard rule", id)
		}
	}
}

// TestCISControls checks eksguard's CIS EKS v1.8.0 control list against the published
// check list in ../shared/reference.
func TestCISControls(t *testing.T) {
	f, err := os.Open(testenv.Reference(t, "cis-eks/eks-1.8.0-checks.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	published := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) > 1 && cols[1] != "id" {
			published[cols[1]] = true
		}
	}
	known := ref.CISControls()
	for id := range known {
		if !published[id] {
			t.Errorf("eksguard knows CIS control %s, which the v1.8.0 list does not have", id)
		}
	}
	for id := range published {
		if _, ok := known[id]; !ok {
			t.Errorf("CIS v1.8.0 control %s is missing from eksguard's list", id)
		}
	}
}

// TestRulesDoc fails when docs/rules.md is stale.
func TestRulesDoc(t *testing.T) {
	want := Markdown(Registry())
	got, err := os.ReadFile(filepath.Join(repoRoot, "docs", "rules.md"))
	if err != nil || string(got) != want {
		t.Fatal("docs/rules.md is stale: run `go run ./cmd/eksguard rules --format markdown > docs/rules.md`")
	}
}
