package iampolicy

import (
	"strings"
	"testing"
	"time"
)

type probe struct {
	name string
	req  Request
	want Decision
}

func check(t *testing.T, doc string, probes []probe) {
	t.Helper()
	p, err := Parse([]byte(doc))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	for _, pr := range probes {
		if got := p.Evaluate(pr.req); got != pr.want {
			t.Errorf("%s: got %v, want %v", pr.name, got, pr.want)
		}
	}
}

var (
	alice   = Principal{Type: "AWS", ID: "arn:aws:iam::111122223333:user/alice"}
	puller  = Principal{Type: "AWS", ID: "arn:aws:iam::111122223333:role/ci-puller"}
	foreign = Principal{Type: "AWS", ID: "arn:aws:iam::999999999999:role/attacker"}
)

// The documented IAM examples (IAM User Guide, "Example IAM identity-based policies" and
// "IAM JSON policy elements"), evaluated for meaning.
func TestDocumentedNotAction(t *testing.T) {
	// "Allows access to all services except IAM" (NotAction with Allow).
	check(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}`, []probe{
		{"s3 allowed", Request{Principal: alice, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"}, Allowed},
		{"iam not allowed", Request{Principal: alice, Action: "IAM:CreateUser", Resource: "*"}, ImplicitDeny},
	})
}

func TestDocumentedDenyNotResource(t *testing.T) {
	// Deny everything outside one bucket, with an Allow for all S3.
	check(t, `{"Version":"2012-10-17","Statement":[
	  {"Effect":"Allow","Action":"s3:*","Resource":"*"},
	  {"Effect":"Deny","Action":"s3:*","NotResource":["arn:aws:s3:::amzn-s3-demo-bucket","arn:aws:s3:::amzn-s3-demo-bucket/*"]}]}`, []probe{
		{"in bucket", Request{Principal: alice, Action: "s3:PutObject", Resource: "arn:aws:s3:::amzn-s3-demo-bucket/a/b"}, Allowed},
		{"other bucket", Request{Principal: alice, Action: "s3:PutObject", Resource: "arn:aws:s3:::other/a"}, ExplicitDeny},
	})
}

func TestDocumentedSourceIP(t *testing.T) {
	// "AWS: Denies access to AWS based on the source IP".
	doc := `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*",
	  "Condition":{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.0/24"]},"Bool":{"aws:ViaAWSService":"false"}}}}`
	check(t, doc, []probe{
		{"outside range", Request{Action: "ec2:RunInstances", Resource: "*", Context: map[string][]string{"aws:SourceIp": {"198.51.100.7"}, "aws:ViaAWSService": {"false"}}}, ExplicitDeny},
		{"inside range", Request{Action: "ec2:RunInstances", Resource: "*", Context: map[string][]string{"aws:SourceIp": {"192.0.2.9"}, "aws:ViaAWSService": {"false"}}}, ImplicitDeny},
		{"via service", Request{Action: "ec2:RunInstances", Resource: "*", Context: map[string][]string{"aws:SourceIp": {"198.51.100.7"}, "aws:ViaAWSService": {"true"}}}, ImplicitDeny},
	})
}

func TestDocumentedMFAIfExists(t *testing.T) {
	// Deny when MFA is absent or false (BoolIfExists).
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"},
	  {"Effect":"Deny","Action":"ec2:StopInstances","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}`
	check(t, doc, []probe{
		{"no key", Request{Action: "ec2:StopInstances", Resource: "*"}, ExplicitDeny},
		{"mfa", Request{Action: "ec2:StopInstances", Resource: "*", Context: map[string][]string{"aws:MultiFactorAuthPresent": {"true"}}}, Allowed},
	})
}

func TestDocumentedNotPrincipal(t *testing.T) {
	// Deny everyone except the named user and the account (NotPrincipal with Deny).
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111122223333:user/alice","arn:aws:iam::111122223333:root"]},
	  "Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]},{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`
	check(t, doc, []probe{
		{"alice", Request{Principal: alice, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/x"}, Allowed},
		{"same account role (root names the account)", Request{Principal: puller, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/x"}, Allowed},
		{"foreign", Request{Principal: foreign, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/x"}, ExplicitDeny},
	})
}

func TestDocumentedSetOperators(t *testing.T) {
	// ForAllValues: only the listed tag keys may be sent; ForAnyValue: one must be.
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*",
	  "Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}}]}`
	check(t, doc, []probe{
		{"subset", Request{Action: "ec2:CreateTags", Resource: "*", Context: map[string][]string{"aws:TagKeys": {"environment"}}}, Allowed},
		{"extra key", Request{Action: "ec2:CreateTags", Resource: "*", Context: map[string][]string{"aws:TagKeys": {"environment", "owner"}}}, ImplicitDeny},
		{"no keys (vacuous)", Request{Action: "ec2:CreateTags", Resource: "*"}, Allowed},
	})
	doc = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ec2:CreateTags","Resource":"*",
	  "Condition":{"ForAnyValue:StringLike":{"aws:TagKeys":["aws:*","kubernetes.io/*"]}}}]}`
	check(t, doc, []probe{
		{"reserved", Request{Action: "ec2:CreateTags", Resource: "*", Context: map[string][]string{"aws:TagKeys": {"a", "kubernetes.io/cluster"}}}, ExplicitDeny},
		{"plain", Request{Action: "ec2:CreateTags", Resource: "*", Context: map[string][]string{"aws:TagKeys": {"a"}}}, ImplicitDeny},
	})
}

func TestDocumentedDateAndNumeric(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b",
	  "Condition":{"DateGreaterThan":{"aws:CurrentTime":"2020-04-01T00:00:00Z"},"DateLessThan":{"aws:CurrentTime":"2020-06-30T23:59:59Z"},
	  "NumericLessThanEquals":{"s3:max-keys":"10"}}}}`
	in := time.Date(2020, 5, 1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)
	check(t, doc, []probe{
		{"in window", Request{Action: "s3:ListBucket", Resource: "arn:aws:s3:::b", Context: map[string][]string{"aws:CurrentTime": {in}, "s3:max-keys": {"10"}}}, Allowed},
		{"too many keys", Request{Action: "s3:ListBucket", Resource: "arn:aws:s3:::b", Context: map[string][]string{"aws:CurrentTime": {in}, "s3:max-keys": {"11"}}}, ImplicitDeny},
		{"after window", Request{Action: "s3:ListBucket", Resource: "arn:aws:s3:::b", Context: map[string][]string{"aws:CurrentTime": {"2021-01-01T00:00:00Z"}, "s3:max-keys": {"1"}}}, ImplicitDeny},
	})
}

func TestDocumentedIRSATrust(t *testing.T) {
	// The trust policy of an IAM role for a service account (EKS User Guide).
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
	  "Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/oidc.eks.region-code.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"},
	  "Action":"sts:AssumeRoleWithWebIdentity",
	  "Condition":{"StringEquals":{"oidc.eks.region-code.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub":"system:serviceaccount:default:my-service-account",
	    "oidc.eks.region-code.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud":"sts.amazonaws.com"}}}]}`
	oidc := Principal{Type: "Federated", ID: "arn:aws:iam::111122223333:oidc-provider/oidc.eks.region-code.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"}
	key := "oidc.eks.region-code.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
	check(t, doc, []probe{
		{"that sa", Request{Principal: oidc, Action: "sts:AssumeRoleWithWebIdentity", Context: map[string][]string{key + ":sub": {"system:serviceaccount:default:my-service-account"}, key + ":aud": {"sts.amazonaws.com"}}}, Allowed},
		{"other sa", Request{Principal: oidc, Action: "sts:AssumeRoleWithWebIdentity", Context: map[string][]string{key + ":sub": {"system:serviceaccount:kube-system:x"}, key + ":aud": {"sts.amazonaws.com"}}}, ImplicitDeny},
		{"other idp", Request{Principal: Principal{Type: "Federated", ID: "accounts.google.com"}, Action: "sts:AssumeRoleWithWebIdentity", Context: map[string][]string{key + ":sub": {"system:serviceaccount:default:my-service-account"}, key + ":aud": {"sts.amazonaws.com"}}}, ImplicitDeny},
	})
}

// The talk's ECR repository policy: only one role may pull; nobody may delete the repository.
const talkPolicy = `{"Version":"2012-10-17","Statement":[
 {"Sid":"PullOnlyFromCI","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/ci-puller"},
  "Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer","ecr:BatchCheckLayerAvailability"]},
 {"Sid":"NoDelete","Effect":"Deny","Principal":"*","Action":["ecr:DeleteRepository","ecr:BatchDeleteImage"]}]}`

func TestTalkPolicy(t *testing.T) {
	repo := "arn:aws:ecr:us-east-1:111122223333:repository/shop"
	check(t, talkPolicy, []probe{
		{"ci pulls", Request{Principal: puller, Action: "ecr:BatchGetImage", Resource: repo}, Allowed},
		{"alice cannot pull", Request{Principal: alice, Action: "ecr:BatchGetImage", Resource: repo}, ImplicitDeny},
		{"foreign cannot pull", Request{Principal: foreign, Action: "ecr:GetDownloadUrlForLayer", Resource: repo}, ImplicitDeny},
		{"ci cannot push", Request{Principal: puller, Action: "ecr:PutImage", Resource: repo}, ImplicitDeny},
		{"nobody deletes", Request{Principal: puller, Action: "ecr:DeleteRepository", Resource: repo}, ExplicitDeny},
	})
}

func TestEndpointDefaultPolicy(t *testing.T) {
	// The default policy of an interface VPC endpoint: full access.
	check(t, `{"Statement":[{"Action":"*","Effect":"Allow","Principal":"*","Resource":"*"}]}`, []probe{
		{"anything", Request{Principal: foreign, Action: "ecr:BatchGetImage", Resource: "arn:aws:ecr:us-east-1:999999999999:repository/x"}, Allowed},
	})
	// Restricted to the own account's principals.
	check(t, `{"Statement":[{"Action":"*","Effect":"Allow","Principal":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}}]}`, []probe{
		{"foreign", Request{Principal: foreign, Action: "ecr:BatchGetImage", Resource: "*", Context: map[string][]string{"aws:PrincipalAccount": {"999999999999"}}}, ImplicitDeny},
		{"own", Request{Principal: puller, Action: "ecr:BatchGetImage", Resource: "*", Context: map[string][]string{"aws:PrincipalAccount": {"111122223333"}}}, Allowed},
	})
}

func TestWildcard(t *testing.T) {
	cases := []struct {
		p, s string
		want bool
	}{
		{"*", "", true}, {"ecr:*", "ecr:BatchGetImage", true}, {"ecr:Get*", "ecr:BatchGetImage", false},
		{"a?c", "abc", true}, {"a?c", "ac", false}, {"*:sub", "x:sub", true},
		{"system:serviceaccount:*:*", "system:serviceaccount:a:b", true},
		{strings.Repeat("*a", 50) + "b", strings.Repeat("a", 5000), false},
	}
	for _, c := range cases {
		if got := Wildcard(c.p, c.s); got != c.want {
			t.Errorf("Wildcard(%q, %q) = %v", c.p, c.s, got)
		}
	}
}

func TestHostileDocuments(t *testing.T) {
	for name, doc := range map[string]string{
		"deep":             `{"Statement":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`,
		"huge":             `{"Statement":[{"Effect":"Allow","Action":"` + strings.Repeat("a", MaxBytes) + `"}]}`,
		"many values":      `{"Statement":[{"Effect":"Allow","Action":[` + strings.TrimSuffix(strings.Repeat(`"a",`, MaxValues+1), ",") + `]}]}`,
		"no effect":        `{"Statement":[{"Action":"*"}]}`,
		"bad op":           `{"Statement":[{"Effect":"Allow","Action":"*","Condition":{"StringEqualz":{"a":"b"}}}]}`,
		"not object":       `[]`,
		"string principal": `{"Statement":[{"Effect":"Allow","Action":"*","Principal":"arn:aws:iam::1:root"}]}`,
		"no statement":     `{"Version":"2012-10-17"}`,
	} {
		if _, err := Parse([]byte(doc)); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
	p, err := ParseEncoded("%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3A%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D")
	if err != nil || len(p.Statements) != 1 || p.Statements[0].Action[0] != "s3:*" {
		t.Errorf("url-encoded: %v %+v", err, p)
	}
}
