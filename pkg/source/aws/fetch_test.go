package aws

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/eksguard/eksguard/internal/fakeaws"
	"github.com/eksguard/eksguard/pkg/engine"
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
	awsrules "github.com/eksguard/eksguard/rules/aws"
)

var scanDay = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

// fetch runs the real SDK clients against the fake endpoint.
func fetch(t *testing.T, f *fakeaws.Server, cluster string) (Store, error) {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""),
		HTTPClient:  srv.Client(),
		// The SDK's own standard retryer, with short back-off for the test.
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = 4
				o.MaxBackoff = 20 * time.Millisecond
			})
		},
	}
	return Fetch(context.Background(), Options{Cluster: cluster, Config: &cfg, Endpoint: srv.URL, Now: func() time.Time { return scanDay }})
}

func check(t *testing.T, a *target.AWS) []finding.Finding {
	t.Helper()
	return engine.New(awsrules.Rules(), rule.DefaultSettings(), nil).Check(context.Background(), a)
}

func build(t *testing.T, s Store) *target.AWS {
	t.Helper()
	a, errs := Build(s, "live")
	if a == nil || len(errs) > 0 {
		t.Fatalf("build: %v", errs)
	}
	return a
}

func TestFetchHealthyAccount(t *testing.T) {
	f := fakeaws.New()
	s, err := fetch(t, f, "shop")
	if err != nil {
		t.Fatal(err)
	}
	a := build(t, s)
	cl := a.ClusterInfo.Cluster
	if cl == nil || cl.Version != "1.34" || !cl.ResourcesVpcConfig.EndpointPrivateAccess || cl.AccessConfig.AuthenticationMode != "API_AND_CONFIG_MAP" {
		t.Fatalf("cluster %+v", cl)
	}
	if a.AccountID() != "111122223333" || a.OIDCProviderARN() != "arn:aws:iam::111122223333:oidc-provider/"+fakeaws.Issuer {
		t.Errorf("account %q provider %q", a.AccountID(), a.OIDCProviderARN())
	}
	lt := a.LaunchTemplates["lt-br:3"]
	if lt == nil || len(lt.LaunchTemplateVersions) != 1 || *lt.LaunchTemplateVersions[0].LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit != 1 {
		t.Errorf("launch template %+v", lt)
	}
	if r := a.Role("shop-reports"); r == nil || !strings.Contains(r.AssumeRolePolicyDocument, "%22") {
		t.Errorf("role trust document should stay URL-encoded as IAM returns it: %+v", r)
	}
	if d := a.RolePolicies["shop-reports"].ManagedDocs["arn:aws:iam::111122223333:policy/reports"]; d == nil || d.PolicyVersion.VersionId != "v3" {
		t.Errorf("customer-managed policy document: %+v", d)
	}
	if p := a.RepoPolicies["shop/web"]; p == nil || !strings.Contains(p.PolicyText, "ci-puller") {
		t.Errorf("repository policy %+v", p)
	}
	if st := a.TrailStatus["arn:aws:cloudtrail:us-east-1:111122223333:trail/org"]; st == nil || st.IsLogging == nil || !*st.IsLogging {
		t.Errorf("trail status %+v", st)
	}
	for _, x := range check(t, a) {
		t.Errorf("healthy account: %s %s %s: %s", x.RuleID, x.Status, x.Subject, x.Message)
	}
	// Snapshot round trip: saved, read back and built, the same target.
	dir := t.TempDir()
	if err := s.Save(dir); err != nil {
		t.Fatal(err)
	}
	s2, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(map[string][]byte(s), map[string][]byte(s2)) {
		t.Error("snapshot read back differs from what was saved")
	}
}

func TestAccessDeniedIsUnknown(t *testing.T) {
	f := fakeaws.New()
	for _, a := range []string{"eks:DescribeNodegroup", "iam:ListRoles", "ecr:GetRepositoryPolicy", "cloudtrail:DescribeTrails"} {
		f.Deny(a)
	}
	s, err := fetch(t, f, "shop")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"aws/nodegroup-ami-type":    "unknown: permission denied for eks:DescribeNodegroup",
		"aws/nodegroup-imdsv2":      "unknown: permission denied for eks:DescribeNodegroup",
		"aws/irsa-trust-policy":     "unknown: permission denied for iam:ListRoles",
		"aws/ecr-repository-policy": "unknown: permission denied for ecr:GetRepositoryPolicy",
		"aws/cloudtrail":            "unknown: permission denied for cloudtrail:DescribeTrails",
	}
	got := map[string]string{}
	for _, x := range check(t, build(t, s)) {
		if x.Status == finding.StatusFail {
			t.Errorf("a denied call produced a verdict: %s %s", x.RuleID, x.Message)
		}
		if rule.IsUnknown(&x) {
			got[x.RuleID] = x.Message
		}
	}
	for id, msg := range want {
		if got[id] != msg {
			t.Errorf("%s: got %q, want %q", id, got[id], msg)
		}
	}
}

func TestThrottlingIsRetried(t *testing.T) {
	f := fakeaws.New()
	f.Throttle("eks:DescribeCluster", 1)
	f.Throttle("ecr:DescribeRepositories", 2)
	f.Throttle("iam:ListRoles", 2)
	f.Throttle("ec2:DescribeSubnets", 1)
	s, err := fetch(t, f, "shop")
	if err != nil {
		t.Fatal(err)
	}
	for action, n := range map[string]int{"eks:DescribeCluster": 2, "ecr:DescribeRepositories": 3, "iam:ListRoles": 3, "ec2:DescribeSubnets": 2} {
		if got := f.Calls(action); got != n {
			t.Errorf("%s: %d calls, want %d (throttled, then retried by the SDK)", action, got, n)
		}
	}
	for _, x := range check(t, build(t, s)) {
		t.Errorf("after retries: %s %s: %s", x.RuleID, x.Status, x.Message)
	}
	// Throttled past the retryer's attempts: the control is unknown with the error.
	f = fakeaws.New()
	f.Throttle("ssm:GetParameter", 100)
	s, err = fetch(t, f, "shop")
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Calls("ssm:GetParameter"); got != 4 {
		t.Errorf("ssm:GetParameter: %d attempts, want the retryer's 4", got)
	}
	found := false
	for _, x := range check(t, build(t, s)) {
		if x.RuleID == "aws/nodegroup-release-outdated" && strings.HasPrefix(x.Message, "unknown: ssm:GetParameter failed: ThrottlingException") {
			found = true
		}
	}
	if !found {
		t.Error("want aws/nodegroup-release-outdated unknown after throttling")
	}
}

func TestClusterNotFound(t *testing.T) {
	_, err := fetch(t, fakeaws.New(), "nope")
	if err == nil || !strings.Contains(err.Error(), `cluster "nope" not found`) {
		t.Errorf("got %v", err)
	}
}

func TestMalformedSnapshotFiles(t *testing.T) {
	s, err := fetch(t, fakeaws.New(), "shop")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := s.Save(dir); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "eks", "DescribeCluster.json")
	if err := os.WriteFile(bad, []byte(`{"Cluster": {"Name": 7`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "iam", "ListRoles.json"), []byte(`{"Roles": "no"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	a, errs, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) != 2 || !strings.Contains(errs[0].Input+errs[1].Input, "eks/DescribeCluster.json") || !strings.Contains(errs[0].Message, "malformed snapshot file") {
		t.Fatalf("errors %+v", errs)
	}
	// The rest of the snapshot still runs; the controls of the broken files are unknown.
	unknown := 0
	for _, x := range check(t, a) {
		if x.Status == finding.StatusFail {
			t.Errorf("verdict from a broken snapshot: %s %s", x.RuleID, x.Message)
		}
		if rule.IsUnknown(&x) && strings.Contains(x.Message, "not in the snapshot") {
			unknown++
		}
	}
	if unknown == 0 {
		t.Error("want unknown findings for the broken files")
	}
	os.Remove(filepath.Join(dir, ManifestFile))
	if _, _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "manifest.json") {
		t.Errorf("no manifest: %v", err)
	}
}

// checkAll runs every AWS rule (for the fuzz target).
func checkAll(a *target.AWS) {
	engine.New(awsrules.Rules(), rule.DefaultSettings(), nil).Check(context.Background(), a)
}

// With no credentials at all, Fetch fails once with a clear error instead of returning a
// store in which every call failed.
func TestNoCredentials(t *testing.T) {
	none := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{}, errors.New("no EC2 IMDS role found")
	})
	for name, creds := range map[string]aws.CredentialsProvider{"failing": none, "absent": nil} {
		_, err := Fetch(context.Background(), Options{Cluster: "prod", Config: &aws.Config{Region: "us-east-1", Credentials: creds}})
		if err == nil || !strings.Contains(err.Error(), "AWS credentials") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
