package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The secrets the example Dockerfile holds: no output format may print them.
var exampleSecrets = []string{"AKIA2E0A8F3B9C1D7E6F", "q8Vd0Zr1mX4pK7tL2sN9wB3yC6hF5jG0aE8uR1iO", "Shop-Adm1n-2024!"}

func TestScanDockerfileExample(t *testing.T) {
	for _, format := range []string{"table", "json", "sarif", "junit"} {
		code, out, errs := run(t, "", "scan", "dockerfile", "../../examples/shop/Dockerfile", "-f", format)
		if code != ExitFindings {
			t.Fatalf("%s: exit %d, want 1\n%s", format, code, errs)
		}
		for _, s := range exampleSecrets {
			if strings.Contains(out, s) {
				t.Errorf("%s output leaks a secret of the example", format)
			}
		}
	}
	code, out, _ := run(t, "", "scan", "dockerfile", "../../examples/shop/Dockerfile", "-f", "json")
	if code != ExitFindings {
		t.Fatalf("exit %d", code)
	}
	d := decode(t, out)
	seen := map[string]bool{}
	for _, f := range d.Findings {
		seen[f.RuleID] = true
		if f.Location.File == "" || f.Location.Line == 0 || f.Evidence["stage"] == "" {
			t.Errorf("finding without file, line or stage: %+v", f)
		}
	}
	for _, id := range []string{"dockerfile/user-root", "dockerfile/secret", "dockerfile/copy-secret-file", "dockerfile/curl-pipe-shell",
		"dockerfile/insecure-download", "dockerfile/image-tag", "dockerfile/package-pin", "dockerfile/single-stage-toolchain",
		"dockerfile/chmod-setid", "dockerfile/chmod-world-writable", "dockerfile/setid-not-removed", "dockerfile/expose-ssh",
		"dockerfile/workdir-relative", "dockerfile/add-local", "dockerfile/shell-form-entrypoint", "dockerfile/apt-upgrade"} {
		if !seen[id] {
			t.Errorf("examples/shop/Dockerfile should show %s firing", id)
		}
	}
	if d.Summary.Stats.Dockerfiles != 1 || d.Summary.Stats.Objects != 0 {
		t.Errorf("stats = %+v", d.Summary.Stats)
	}
}

func TestScanDockerfileHardenedIsClean(t *testing.T) {
	code, out, errs := run(t, "", "scan", "dockerfile", "../../examples/shop/hardened.Dockerfile", "--fail-on", "info")
	if code != ExitClean {
		t.Fatalf("exit %d, want 0\n%s%s", code, out, errs)
	}
}

func TestScanPicksUpDockerfiles(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "deploy/pod.yaml", privilegedPod)
	write(t, dir, "build/Dockerfile", "FROM alpine:3.20\nUSER root\n")
	write(t, dir, "build/api.Dockerfile", "FROM alpine:3.20\nUSER root\n")
	write(t, dir, "build/Containerfile", "FROM alpine:3.20\nUSER root\n")
	write(t, dir, "build/Dockerfile.dockerignore", "*\n")
	odd := write(t, dir, "odd/build-recipe", "FROM alpine:3.20\nUSER root\n")
	_, out, _ := run(t, "", "scan", dir, "--dockerfile", odd, "-f", "json", "--rules", "dockerfile/user-root,pod/privileged")
	d := decode(t, out)
	files := map[string]bool{}
	for _, f := range d.Findings {
		files[filepath.Base(f.Location.File)] = true
	}
	for _, want := range []string{"pod.yaml", "Dockerfile", "api.Dockerfile", "Containerfile", "build-recipe"} {
		if !files[want] {
			t.Errorf("no finding from %s: %v", want, files)
		}
	}
	if d.Summary.Stats.Dockerfiles != 4 {
		t.Errorf("Dockerfiles = %d, want 4", d.Summary.Stats.Dockerfiles)
	}
	// scan dockerfile reads only Dockerfiles.
	_, out, _ = run(t, "", "scan", "dockerfile", dir, "-f", "json")
	if d := decode(t, out); d.Summary.Stats.Objects != 0 || d.Summary.Stats.Dockerfiles != 3 {
		t.Errorf("scan dockerfile read %+v", d.Summary.Stats)
	}
}

func TestScanDockerfileIgnoresAndExemptions(t *testing.T) {
	dir := t.TempDir()
	df := write(t, dir, "Dockerfile", `FROM alpine:3.20
# eksguard ignore=dockerfile/user-root binds port 80 then drops privileges
USER root
# eksguard ignore=dockerfile/no-such-rule typo
EXPOSE 22
`)
	cfg := write(t, dir, "cfg.yaml", "exemptions:\n- rule: dockerfile/expose-ssh\n  kind: Dockerfile\n  name: "+filepath.Join(dir, "*")+"\n  reason: bastion image\n")
	_, out, _ := run(t, "", "scan", "dockerfile", df, "--config", cfg, "-f", "json", "--rules", "dockerfile/user-root,dockerfile/expose-ssh,dockerfile/ignore-unknown-rule")
	d := decode(t, out)
	got := map[string]string{}
	for _, f := range d.Findings {
		src := "-"
		if f.Suppressed != nil {
			src = f.Suppressed.Source
		}
		got[f.RuleID] = src
	}
	if got["dockerfile/user-root"] != "inline" || got["dockerfile/expose-ssh"] != "config" || got["dockerfile/ignore-unknown-rule"] != "-" {
		t.Errorf("suppressions = %v", got)
	}
}

func TestScanDockerfileBadInput(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "Dockerfile")
	if err := os.WriteFile(bin, []byte("\x7fELF\x00\x00\x01"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := write(t, dir, "good.Dockerfile", "FROM alpine:3.20\nUSER root\n")
	code, out, errs := run(t, "", "scan", "dockerfile", bin, good, "-f", "json")
	if code != ExitUsage {
		t.Fatalf("exit %d, want 2\n%s", code, errs)
	}
	d := decode(t, out)
	if len(d.Summary.Errors) != 1 || d.Summary.Errors[0].Input != bin || !strings.Contains(d.Summary.Errors[0].Message, "binary") {
		t.Errorf("errors = %+v", d.Summary.Errors)
	}
	found := false
	for _, f := range d.Findings {
		found = found || f.Location.File == good
	}
	if !found {
		t.Error("the good Dockerfile was not checked after the bad one")
	}
}
