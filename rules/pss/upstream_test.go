package pss_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
	kyaml "sigs.k8s.io/yaml"

	"github.com/eksguard/eksguard/pkg/engine"
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/source/manifest"
	"github.com/eksguard/eksguard/pkg/target"
	"github.com/eksguard/eksguard/rules/pss"
)

// upstreamModule is the module whose generated fixtures eksguard must agree with. Its
// version is the one go.mod requires.
const upstreamModule = "k8s.io/pod-security-admission"

// minFixtures guards against a silently empty run (a moved directory, a failed glob).
const minFixtures = 1000

// upstreamTestdata returns test/testdata of the upstream module in the module cache,
// downloading the module when it is not there yet.
func upstreamTestdata(t *testing.T) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("go command not available to locate %s: %v", upstreamModule, err)
	}
	dir := func() string {
		out, err := exec.Command(gobin, "list", "-m", "-f", "{{.Dir}}", upstreamModule).Output()
		if err != nil {
			t.Logf("go list -m %s: %v", upstreamModule, err)
			return ""
		}
		return strings.TrimSpace(string(out))
	}
	d := dir()
	if d == "" {
		if out, err := exec.Command(gobin, "mod", "download", upstreamModule).CombinedOutput(); err != nil {
			t.Fatalf("go mod download %s: %v\n%s", upstreamModule, err, out)
		}
		d = dir()
	}
	if d == "" {
		t.Fatalf("cannot locate module %s", upstreamModule)
	}
	td := filepath.Join(d, "test", "testdata")
	if _, err := os.Stat(td); err != nil {
		t.Fatalf("upstream fixtures: %v", err)
	}
	return td
}

// versionDirs lists the v1.N directories of a level, oldest first.
func versionDirs(t *testing.T, levelDir string) []string {
	t.Helper()
	entries, err := os.ReadDir(levelDir)
	if err != nil {
		t.Fatal(err)
	}
	type vd struct {
		name string
		v    api.Version
	}
	var vs []vd
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		v, err := api.ParseVersion(e.Name())
		if err != nil || v.Latest() {
			t.Fatalf("%s: unexpected directory %q", levelDir, e.Name())
		}
		vs = append(vs, vd{e.Name(), v})
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i].v.Older(vs[j].v) })
	var names []string
	for i, v := range vs {
		// Every minor version from v1.0 on has a directory: a gap means a lost directory.
		if v.v != api.MajorMinorVersion(1, i) {
			t.Fatalf("%s: want v1.%d, found %s", levelDir, i, v.name)
		}
		names = append(names, v.name)
	}
	return names
}

// verdict is the outcome of one fixture at one level and version.
type verdict struct {
	allowed bool
	// reasons are the violations, "reason (detail)", sorted.
	reasons []string
}

// rules are the PSS rules, built once: building them is the expensive part.
var rules = pss.Rules()

// fixture is one upstream fixture, read both ways: through eksguard's loader and decoded
// on its own for the upstream evaluator.
type fixture struct {
	file   string
	target target.Target
	pod    corev1.Pod
}

// loadFixture loads the fixture through the manifest loader, and decodes it separately
// (not through eksguard's loader) for the upstream evaluator.
func loadFixture(t *testing.T, file string, data []byte) *fixture {
	t.Helper()
	res := manifest.Load(file, data, manifest.Options{Limits: manifest.DefaultLimits()})
	if len(res.Errors) > 0 {
		t.Fatalf("%s: does not load: %v", file, res.Errors)
	}
	if len(res.Targets) != 1 {
		t.Fatalf("%s: want one target, got %d", file, len(res.Targets))
	}
	if _, ok := res.Targets[0].(*target.Workload); !ok {
		t.Fatalf("%s: loaded as %T, not a workload", file, res.Targets[0])
	}
	fx := &fixture{file: file, target: res.Targets[0]}
	if err := kyaml.UnmarshalStrict(data, &fx.pod); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	applyVolumeDefaults(&fx.pod.Spec)
	return fx
}

// eksguardVerdict runs every PSS rule through the engine.
func eksguardVerdict(t *testing.T, fx *fixture, level, version string) verdict {
	t.Helper()
	e := engine.New(rules, rule.Settings{PSSLevel: level, PSSVersion: version}, nil)
	v := verdict{allowed: true}
	for _, f := range e.Check(context.Background(), fx.target) {
		if f.Status == finding.StatusError {
			t.Errorf("%s at %s/%s: rule %s errored: %s", fx.file, level, version, f.RuleID, f.Message)
			continue
		}
		if f.Location.Line == 0 || f.Location.Path == "" {
			t.Errorf("%s at %s/%s: rule %s finding without line or path: %+v", fx.file, level, version, f.RuleID, f.Location)
		}
		v.allowed = false
		// "violates PSS <level> (<version>): <reason>[ (<detail>)]"
		_, reason, ok := strings.Cut(f.Message, "): ")
		if !ok {
			t.Errorf("%s: unexpected message %q", fx.file, f.Message)
		}
		v.reasons = append(v.reasons, reason)
	}
	slices.Sort(v.reasons)
	return v
}

// upstreamVerdict runs the upstream evaluator with every default check.
func upstreamVerdict(t *testing.T, eval policy.Evaluator, fx *fixture, level, version string) verdict {
	t.Helper()
	lv, err := pss.ParseLevelVersion(level, version)
	if err != nil {
		t.Fatal(err)
	}
	v := verdict{allowed: true}
	for _, r := range eval.EvaluatePod(lv, &fx.pod.ObjectMeta, &fx.pod.Spec) {
		if r.Allowed {
			continue
		}
		v.allowed = false
		reason := r.ForbiddenReason
		if r.ForbiddenDetail != "" {
			reason += " (" + r.ForbiddenDetail + ")"
		}
		v.reasons = append(v.reasons, reason)
	}
	slices.Sort(v.reasons)
	return v
}

// applyVolumeDefaults does what the API server's defaulting does to volumes before Pod
// Security admission sees a pod: a volume with no source becomes an emptyDir. Upstream's
// fixtures rely on it (restrictedvolumes0 has such an "implicit empty dir"), because they
// are verified against a real API server.
func applyVolumeDefaults(spec *corev1.PodSpec) {
	for i := range spec.Volumes {
		if reflect.ValueOf(spec.Volumes[i].VolumeSource).IsZero() {
			spec.Volumes[i].EmptyDir = &corev1.EmptyDirVolumeSource{}
		}
	}
}

// TestUpstreamFixtures runs the PSS rules on every fixture upstream generates, at every
// level and version, and requires eksguard to agree with the fixture's expectation and with
// the upstream evaluator, violation by violation.
func TestUpstreamFixtures(t *testing.T) {
	td := upstreamTestdata(t)
	eval, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, level := range []string{string(api.LevelBaseline), string(api.LevelRestricted)} {
		dirs := versionDirs(t, filepath.Join(td, level))
		if len(dirs) == 0 {
			t.Fatalf("no version directories for %s", level)
		}
		newest := dirs[len(dirs)-1]
		for _, version := range dirs {
			for _, kind := range []string{"pass", "fail"} {
				files, err := filepath.Glob(filepath.Join(td, level, version, kind, "*.yaml"))
				if err != nil {
					t.Fatal(err)
				}
				if len(files) == 0 {
					t.Errorf("%s/%s: no %s fixtures", level, version, kind)
				}
				for _, file := range files {
					data, err := os.ReadFile(file)
					if err != nil {
						t.Fatal(err)
					}
					name := filepath.Join(level, version, kind, filepath.Base(file))
					fx := loadFixture(t, file, data)
					got := eksguardVerdict(t, fx, level, version)
					up := upstreamVerdict(t, eval, fx, level, version)
					checked++
					switch {
					case kind == "pass" && !got.allowed:
						t.Errorf("%s: want no finding, got %q", name, got.reasons)
					case kind == "fail" && got.allowed:
						t.Errorf("%s: want a finding, got none", name)
					}
					if up.allowed != (kind == "pass") {
						t.Errorf("%s: the upstream evaluator disagrees with its own fixture (allowed=%v)", name, up.allowed)
					}
					if got.allowed != up.allowed || !slices.Equal(got.reasons, up.reasons) {
						t.Errorf("%s: eksguard and upstream disagree:\n  eksguard: allowed=%v %q\n  upstream: allowed=%v %q",
							name, got.allowed, got.reasons, up.allowed, up.reasons)
					}
					if version == newest {
						latest := eksguardVerdict(t, fx, level, "latest")
						if latest.allowed != got.allowed || !slices.Equal(latest.reasons, got.reasons) {
							t.Errorf("%s: latest differs from %s:\n  latest: allowed=%v %q\n  %s: allowed=%v %q",
								name, version, latest.allowed, latest.reasons, version, got.allowed, got.reasons)
						}
					}
				}
			}
		}
	}
	t.Logf("checked %d upstream fixtures against eksguard and the upstream evaluator", checked)
	if checked < minFixtures {
		t.Fatalf("checked only %d upstream fixtures, want at least %d", checked, minFixtures)
	}
}

// TestUpstreamEveryVersion goes further than the fixtures' own directories: every distinct
// upstream fixture is evaluated at every level and every version (and latest), and eksguard
// must report exactly the violations the upstream evaluator reports.
func TestUpstreamEveryVersion(t *testing.T) {
	td := upstreamTestdata(t)
	eval, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(td, "*", "v*", "*", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{} // content -> first file
	var distinct []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := seen[string(data)]; !ok {
			seen[string(data)] = f
			distinct = append(distinct, string(data))
		}
	}
	versions := append(versionDirs(t, filepath.Join(td, string(api.LevelRestricted))), "latest")
	levels := []string{string(api.LevelPrivileged), string(api.LevelBaseline), string(api.LevelRestricted)}
	checks := 0
	for _, data := range distinct {
		file := seen[data]
		fx := loadFixture(t, file, []byte(data))
		for _, level := range levels {
			for _, version := range versions {
				got := eksguardVerdict(t, fx, level, version)
				up := upstreamVerdict(t, eval, fx, level, version)
				checks++
				if got.allowed != up.allowed || !slices.Equal(got.reasons, up.reasons) {
					t.Errorf("%s at %s/%s: eksguard and upstream disagree:\n  eksguard: allowed=%v %q\n  upstream: allowed=%v %q",
						file, level, version, got.allowed, got.reasons, up.allowed, up.reasons)
				}
			}
		}
	}
	t.Logf("compared %d distinct fixtures at %d levels and %d versions: %d evaluations", len(distinct), len(levels), len(versions), checks)
	if len(distinct) < 100 {
		t.Fatalf("only %d distinct upstream fixtures", len(distinct))
	}
}
