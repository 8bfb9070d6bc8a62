package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/eksguard/eksguard/internal/testenv"
	"github.com/eksguard/eksguard/pkg/detect/stream"
	"github.com/eksguard/eksguard/pkg/finding"
)

const (
	execEvent  = `{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/shop/pods/web/exec?command=sh","verb":"create","user":{"username":"mallory","groups":["system:authenticated"]},"objectRef":{"resource":"pods","subresource":"exec","namespace":"shop","name":"web","apiVersion":"v1"},"responseStatus":{"code":101},"stageTimestamp":"2026-11-26T10:00:00.5Z","annotations":{"authorization.k8s.io/decision":"allow"}}`
	quietEvent = `{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a2","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/shop/pods","verb":"list","user":{"username":"system:node:n1","groups":["system:nodes"]},"objectRef":{"resource":"pods","namespace":"shop","apiVersion":"v1"},"responseStatus":{"code":200},"stageTimestamp":"2026-11-26T10:00:01Z"}`
	stopTrail  = `{"Records":[{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","userName":"alice","arn":"arn:aws:iam::111122223333:user/alice"},"eventTime":"2026-11-26T10:00:00Z","eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","requestParameters":{"name":"org-trail"},"eventID":"e1","eventType":"AwsApiCall"},{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","userName":"alice"},"eventTime":"2026-11-26T10:00:01Z","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","awsRegion":"us-east-1","eventID":"e2","eventType":"AwsApiCall"}]}`
)

func upstreamRules(t *testing.T, name string) string {
	t.Helper()
	return testenv.Reference(t, filepath.Join("falco-upstream-rules", name))
}

func gz(t *testing.T, path, content string) string {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(content))
	zw.Close()
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// falcoLines decodes falco-json output and returns the rule names, sorted.
func falcoLines(t *testing.T, out string) []string {
	t.Helper()
	var rules []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var a struct {
			Output, Priority, Rule, Source, Time, Hostname string
			Tags                                           []string
			OutputFields                                   map[string]any `json:"output_fields"`
		}
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		if a.Output == "" || a.Priority == "" || a.Source == "" || a.Time == "" || a.OutputFields["evt.time"] == nil {
			t.Errorf("incomplete alert: %s", line)
		}
		rules = append(rules, a.Rule)
	}
	sort.Strings(rules)
	return rules
}

func TestDetectFilesDirectoriesAndFormats(t *testing.T) {
	dir := t.TempDir()
	audit := gz(t, filepath.Join(dir, "audit.log.gz"), execEvent+"\n"+quietEvent+"\n")
	ctDir := filepath.Join(dir, "cloudtrail")
	os.MkdirAll(ctDir, 0o755)
	gz(t, filepath.Join(ctDir, "111122223333_CloudTrail_us-east-1_20261126T1000Z.json.gz"), stopTrail)

	code, out, stderr := run(t, "", "detect", "-f", "falco-json", "--rules-file", upstreamRules(t, "k8s_audit_rules.yaml"),
		"--rules", upstreamRules(t, "aws_cloudtrail_rules.yaml"), audit, ctDir) // the hidden alias still works
	want := []string{"CloudTrail Logging Disabled", "Disallowed K8s User", "EKS CloudTrail Trail Stopped Or Deleted", "EKS Exec Or Attach Into Pod"}
	if got := falcoLines(t, out); code != 1 || strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("exit %d, rules %q, want %q; stderr %s", code, got, want, stderr)
	}

	// --fail-on above every alert: exit 0. Canonical JSON and SARIF carry the alerts.
	code, out, _ = run(t, "", "detect", "--fail-on", "none", "-f", "json", audit)
	doc := decode(t, out)
	if code != 0 || len(doc.Findings) != 1 || doc.Findings[0].RuleID != "detect/eks-exec-or-attach-into-pod" || doc.Summary.Stats.Documents != 2 {
		t.Errorf("exit %d, findings %+v, stats %+v", code, doc.Findings, doc.Summary.Stats)
	}
	if f := doc.Findings[0]; f.Subject.Kind != "pods/exec" || f.Subject.Name != "web" || f.Location.Line != 1 || f.Evidence["ka.user.name"] != "mallory" {
		t.Errorf("finding %+v", f)
	}
	code, out, _ = run(t, "", "detect", "-f", "sarif", "--fail-on", "critical", audit)
	if code != 0 || !strings.Contains(out, "detect/eks-exec-or-attach-into-pod") {
		t.Errorf("sarif: exit %d %s", code, out)
	}
	code, out, _ = run(t, "", "detect", "--fail-on", "none", audit)
	if code != 0 || !strings.Contains(out, "Exec or attach into a pod (user=mallory") {
		t.Errorf("table: exit %d %s", code, out)
	}
}

func TestDetectStdinAndBadInput(t *testing.T) {
	in := execEvent + "\n" + `{"kind":"Event","verb":` + "\n" + strings.Repeat("[", 5000) + "\n" + `{"hello":"world"}` + "\n" + execEvent + "\n"
	code, out, stderr := run(t, in, "detect", "-f", "falco-json", "--source", "k8s_audit", "-")
	if got := falcoLines(t, out); len(got) != 2 {
		t.Errorf("alerts %q", got)
	}
	// falco-json has no summary: each input error is written to stderr, once.
	if code != 2 || strings.Count(stderr, "-:2: invalid JSON") != 1 || strings.Count(stderr, "-:3:") != 1 ||
		strings.Count(stderr, "-:4: not a Kubernetes audit event") != 1 || !strings.Contains(stderr, "3 inputs could not be read (listed above)") {
		t.Errorf("exit %d stderr %s", code, stderr)
	}
	// Auto-detection refuses what is neither kind, and names the input. The table lists the
	// error once, in the report, as eksguard scan does; stderr only counts it.
	notAudit := `{"hello":"world"}` + "\n"
	code, out, stderr = run(t, notAudit, "detect", "-")
	if code != 2 || strings.Count(out, "cannot tell whether") != 1 || strings.Contains(stderr, "cannot tell whether") ||
		!strings.Contains(stderr, "1 inputs could not be read (listed in the report)") {
		t.Errorf("exit %d stdout %s stderr %s", code, out, stderr)
	}
	for _, f := range []string{"json", "sarif", "junit"} { // junit has it as message and text of one failure
		code, out, stderr = run(t, notAudit, "detect", "-f", f, "-")
		if code != 2 || !strings.Contains(out, "cannot tell whether") || strings.Contains(stderr, "cannot tell whether") {
			t.Errorf("%s: exit %d stdout %s stderr %s", f, code, out, stderr)
		}
	}
	// An event over --max-record-bytes is evaluated without its large members (here the
	// response object) and reported; the stream goes on.
	huge := strings.Replace(execEvent, `"verb":"create"`, `"verb":"create","responseObject":{"pad":"`+strings.Repeat("x", 20000)+`"}`, 1)
	code, out, stderr = run(t, huge+"\n"+execEvent+"\n", "detect", "-f", "falco-json", "--max-record-bytes", "8192", "-")
	if got := falcoLines(t, out); code != 2 || len(got) != 2 || !strings.Contains(stderr, "-:1: record of 20") ||
		!strings.Contains(stderr, "evaluated without its members over 2048 bytes (responseObject)") {
		t.Errorf("exit %d alerts %q stderr %s", code, got, stderr)
	}
	code, _, stderr = run(t, "", "detect", "--source", "syslog", "-")
	if code != 2 || !strings.Contains(stderr, "--source") {
		t.Errorf("exit %d stderr %s", code, stderr)
	}
}

func TestDetectRulesLintAndFields(t *testing.T) {
	dir := t.TempDir()
	bad := write(t, dir, "bad.yaml", "- macro: m\n  condition: ka.verb = get\n- rule: r\n  desc: d\n  condition: m and ka.nope = 1\n  output: o\n  priority: INFO\n  source: k8s_audit\n")
	code, out, stderr := run(t, "", "detect", "rules", "lint", bad)
	if code != 1 || !strings.Contains(stderr, bad+`:5: rule "r": unknown field "ka.nope"`) {
		t.Errorf("exit %d out %s stderr %s", code, out, stderr)
	}
	missing := filepath.Join(dir, "missing.yaml")
	if code, out, stderr = run(t, "", "detect", "rules", "lint", missing); code != 2 || !strings.Contains(stderr, missing) {
		t.Errorf("missing file: exit %d out %s stderr %s", code, out, stderr)
	}
	code, out, _ = run(t, "", "detect", "rules", "lint", upstreamRules(t, "k8s_audit_rules.yaml"), upstreamRules(t, "aws_cloudtrail_rules.yaml"), upstreamRules(t, "falco_rules.yaml"))
	if code != 0 || !strings.Contains(out, "skipped: source syscall is not loaded") || !strings.Contains(out, "ok: ") {
		t.Errorf("exit %d out %s", code, out)
	}
	// Loading a file with a detect run refuses bad rules before reading any event.
	code, _, stderr = run(t, execEvent, "detect", "--rules", bad, "-")
	if code != 2 || !strings.Contains(stderr, "unknown field") {
		t.Errorf("exit %d stderr %s", code, stderr)
	}
	code, out, _ = run(t, "", "detect", "fields", "-f", "markdown")
	if code != 0 || !strings.Contains(out, "| `ka.req.pod.containers.image.repository` | string (list) |") || !strings.Contains(out, "| `ct.user.identitytype` |") {
		t.Errorf("fields: exit %d", code)
	}
	if code, _, stderr = run(t, execEvent, "detect", "--max-record-bytes", "-1", "-"); code != 2 || !strings.Contains(stderr, "--max-record-bytes") {
		t.Errorf("negative --max-record-bytes: exit %d %s", code, stderr)
	}
	if code, out, stderr = run(t, "", "detect", "fields", "okta"); code != 2 || out != "" || !strings.Contains(stderr, `unknown source "okta"`) {
		t.Errorf("fields of an unknown source: exit %d out %q stderr %s", code, out, stderr)
	}
}

// docs/detect.md carries the field tables generated from the code.
func TestDetectDocsFieldTablesCurrent(t *testing.T) {
	doc, err := os.ReadFile("../../docs/detect.md")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	FieldTables(&b, true, nil)
	if !bytes.Contains(doc, b.Bytes()) {
		t.Error("docs/detect.md field tables are stale: run go run ./cmd/eksguard detect fields -f markdown and paste the output")
	}
}

// The webhook end to end: TLS, the bearer token, an EventList POST, alerts in the report.
func TestDetectWebhook(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	tokenFile := write(t, dir, "token", "s3cret\n")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	rs, err := loadDetectRules(nil, false)
	if err != nil {
		t.Fatal(err)
	}
	var alerts []string
	r := &stream.Runner{Rules: rs, Emit: func(a *stream.Alert) error { alerts = append(alerts, a.Rule.Name); return nil }}
	r.Bad = func(e finding.InputError) { t.Errorf("input error: %v", e) }
	cmd := &cobra.Command{}
	var errb bytes.Buffer
	cmd.SetErr(&errb)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runDetect(ctx, cmd, r, nil, false, addr, "/k8s-audit", certFile, keyFile, tokenFile) }()

	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 5 * time.Second}
	post := func(token string) int {
		req, _ := http.NewRequest(http.MethodPost, "https://"+addr+"/k8s-audit",
			strings.NewReader(`{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[`+execEvent+`,`+quietEvent+`]}`))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			return -1
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// The server starts in the background: retry until it answers (go test's own
	// -timeout bounds a server that never does).
	code := post("s3cret")
	for code == -1 {
		time.Sleep(20 * time.Millisecond)
		code = post("s3cret")
	}
	if code != 200 {
		t.Fatalf("POST: %d", code)
	}
	if code := post("wrong"); code != 401 {
		t.Errorf("wrong token: %d", code)
	}
	// A 200 means the body is queued; cancelling drains the queue before runDetect returns.
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if strings.Join(alerts, "|") != "EKS Exec Or Attach Into Pod" || r.Stats.Events["k8s_audit"] != 2 {
		t.Errorf("alerts %q, events %v; stderr %s", alerts, r.Stats.Events, errb.String())
	}
}

func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "eksguard-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	certFile = write(t, dir, "tls.crt", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	keyFile = write(t, dir, "tls.key", string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})))
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// falco-json holds alerts only: commands that report findings refuse it (it would be empty),
// detect and report convert (of a saved detect report) offer it.
func TestFalcoJSONOnlyForAlerts(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"scan", "-", "-f", "falco-json"},
		{"scan", "-", "-o", "falco-json=" + filepath.Join(dir, "x.json")},
		{"scan", "node", "--host-root", dir, "-f", "falco-json"},
	} {
		if code, _, stderr := run(t, privilegedPod, args...); code != ExitUsage || !strings.Contains(stderr, "detection alerts only") {
			t.Errorf("%v: exit %d %s", args, code, stderr)
		}
	}
	code, saved, stderr := run(t, execEvent, "detect", "-f", "json", "-")
	if code != ExitFindings {
		t.Fatalf("detect: exit %d %s", code, stderr)
	}
	report := write(t, dir, "alerts.json", saved)
	code, out, stderr := run(t, "", "report", "convert", report, "-f", "falco-json")
	if code != ExitClean || !strings.Contains(out, `"rule":"EKS Exec Or Attach Into Pod"`) {
		t.Errorf("convert: exit %d out %s stderr %s", code, out, stderr)
	}
}
