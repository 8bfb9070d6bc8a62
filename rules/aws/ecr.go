package aws

import (
	"strings"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/iampolicy"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

var imageGuide = ref.Guide("image-security", "Use immutable tags with ECR")

func repoSubject(r *target.Repository) subject { return subject{"ECRRepository", r.RepositoryName} }

// repos returns the repositories, or records unknown.
func (c *check) repos() []target.Repository {
	if !c.need(c.clusterSubject(), ans(c.a.Repositories), "ecr:DescribeRepositories") {
		return nil
	}
	return c.a.Repositories.Repositories
}

// filterMatches applies an ECR scanning rule's repository filters (wildcards).
func filterMatches(filters []struct {
	Filter     string `json:"Filter"`
	FilterType string `json:"FilterType"`
}, repo string) bool {
	for _, f := range filters {
		if iampolicy.Wildcard(f.Filter, repo) {
			return true
		}
	}
	return false
}

// ECRScanning is CIS 5.1.1.
func ECRScanning() rule.Rule {
	return &awsRule{M: rule.Meta{
		ID:          "aws/ecr-scan-on-push",
		Title:       "ECR repository images are not scanned for vulnerabilities",
		Description: "Neither scan on push (basic scanning) nor an enhanced scanning rule (Amazon Inspector) covers the repository, so vulnerable images are pushed and pulled unnoticed.",
		Remediation: "Turn on enhanced scanning for the registry, or scan on push for the repository.\n\naws ecr put-registry-scanning-configuration --scan-type ENHANCED --rules '[{\"scanFrequency\":\"CONTINUOUS_SCAN\",\"repositoryFilters\":[{\"filter\":\"*\",\"filterType\":\"WILDCARD\"}]}]'",
		Severity:    finding.SeverityMedium, Category: "Images", Tags: []string{"cis", "aws", "ecr"},
		References: []ref.Ref{ref.CIS("5.1.1"), ref.Guide("image-security", "Scan images for vulnerabilities regularly")},
	}, Fn: func(c *check) {
		sc := c.a.RegistryScanning
		scErr := target.Failed(ans(sc), "ecr:GetRegistryScanningConfiguration")
		for i := range c.repos() {
			repo := &c.a.Repositories.Repositories[i]
			repoOn := repo.ImageScanningConfiguration != nil && repo.ImageScanningConfiguration.ScanOnPush
			if scErr != nil {
				if !repoOn {
					c.unknown(repoSubject(repo), fileOf(ans(sc)), "scan on push is off and the registry scanning configuration is unknown: "+scErr.Reason())
				}
				continue
			}
			cfg := sc.ScanningConfiguration
			enhanced := cfg != nil && cfg.ScanType == "ENHANCED"
			// With enhanced scanning the registry's rules alone decide (the repository's own
			// scan-on-push setting is ignored); with basic scanning either may turn it on.
			covered := repoOn && !enhanced
			if cfg != nil {
				for _, rule := range cfg.Rules {
					okFreq := rule.ScanFrequency == "SCAN_ON_PUSH" || (enhanced && rule.ScanFrequency == "CONTINUOUS_SCAN")
					if okFreq && filterMatches(rule.RepositoryFilters, repo.RepositoryName) {
						covered = true
					}
				}
			}
			if !covered {
				msg := "no scan on push and no registry scanning rule covers the repository"
				if enhanced && repoOn {
					msg = "enhanced scanning is on but no registry rule covers the repository (its own scan-on-push setting is ignored under enhanced scanning)"
				}
				c.fail(repoSubject(repo), c.a.Repositories.File, "Repositories[RepositoryName="+repo.RepositoryName+"].ImageScanningConfiguration", msg, nil)
			}
		}
	}}
}

// ECRMutableTags flags repositories with mutable tags.
func ECRMutableTags() rule.Rule {
	return &awsRule{M: rule.Meta{
		ID:          "aws/ecr-mutable-tags",
		Title:       "ECR repository allows tags to be overwritten",
		Description: "With mutable tags, whoever can push can replace the image behind a tag that clusters already trust.",
		Remediation: "Make tags immutable.\n\naws ecr put-image-tag-mutability --repository-name REPO --image-tag-mutability IMMUTABLE",
		Severity:    finding.SeverityLow, Category: "Images", Tags: []string{"aws", "ecr"},
		References: []ref.Ref{imageGuide},
	}, Fn: func(c *check) {
		for i := range c.repos() {
			r := &c.a.Repositories.Repositories[i]
			// IMMUTABLE_WITH_EXCLUSION passes (immutable but for the tags its filters name);
			// MUTABLE_WITH_EXCLUSION is mutable but for the tags its filters name.
			switch r.ImageTagMutability {
			case "MUTABLE", "":
				c.fail(repoSubject(r), c.a.Repositories.File, "Repositories[RepositoryName="+r.RepositoryName+"].ImageTagMutability", "tags are mutable", nil)
			case "MUTABLE_WITH_EXCLUSION":
				c.fail(repoSubject(r), c.a.Repositories.File, "Repositories[RepositoryName="+r.RepositoryName+"].ImageTagMutability",
					"tags are mutable (MUTABLE_WITH_EXCLUSION: only the tags its exclusion filters name are immutable)", nil)
			}
		}
	}}
}

// ECRKMS flags repositories not encrypted with KMS.
func ECRKMS() rule.Rule {
	return &awsRule{M: rule.Meta{
		ID:          "aws/ecr-kms",
		Title:       "ECR repository is not encrypted with a KMS key",
		Description: "AES256 (S3-managed keys) encrypts images at rest, but only a KMS key gives key policies, audit of every decrypt and revocation.",
		Remediation: "Create the repository with KMS encryption (it cannot be changed later).\n\naws ecr create-repository --repository-name REPO --encryption-configuration encryptionType=KMS,kmsKey=arn:aws:kms:REGION:ACCOUNT:key/KEY",
		Severity:    finding.SeverityLow, Category: "Images", Tags: []string{"aws", "ecr"},
		References: []ref.Ref{ref.Guide("data-encryption-and-secrets-management", "Encryption at rest")},
	}, Fn: func(c *check) {
		for i := range c.repos() {
			r := &c.a.Repositories.Repositories[i]
			if r.EncryptionConfiguration == nil || !strings.HasPrefix(r.EncryptionConfiguration.EncryptionType, "KMS") {
				c.fail(repoSubject(r), c.a.Repositories.File, "Repositories[RepositoryName="+r.RepositoryName+"].EncryptionConfiguration", "encrypted without KMS", nil)
			}
		}
	}}
}

// ECRLifecycle flags repositories without a lifecycle policy.
func ECRLifecycle() rule.Rule {
	return &awsRule{M: rule.Meta{
		ID:          "aws/ecr-lifecycle-policy",
		Title:       "ECR repository has no lifecycle policy",
		Description: "Without a lifecycle policy, old and vulnerable images stay pullable forever.",
		Remediation: "Expire untagged and old images.\n\naws ecr put-lifecycle-policy --repository-name REPO --lifecycle-policy-text '{\"rules\":[{\"rulePriority\":1,\"selection\":{\"tagStatus\":\"untagged\",\"countType\":\"sinceImagePushed\",\"countUnit\":\"days\",\"countNumber\":14},\"action\":{\"type\":\"expire\"}}]}'",
		Severity:    finding.SeverityLow, Category: "Images", Tags: []string{"aws", "ecr"},
		References: []ref.Ref{ref.Guide("image-security", "Consider using ECR lifecycle policies")},
	}, Fn: func(c *check) {
		for i := range c.repos() {
			r := &c.a.Repositories.Repositories[i]
			lp := c.a.RepoLifecycle[r.RepositoryName]
			e := target.Failed(ans(lp), "ecr:GetLifecyclePolicy")
			switch {
			case e != nil && e.NotFound():
				c.fail(repoSubject(r), lp.File, "LifecyclePolicyText", "no lifecycle policy", nil)
			case e != nil:
				c.unknown(repoSubject(r), fileOf(ans(lp)), e.Reason())
			case strings.TrimSpace(lp.LifecyclePolicyText) == "":
				c.fail(repoSubject(r), lp.File, "LifecyclePolicyText", "empty lifecycle policy", nil)
			}
		}
	}}
}

// Probe principals: someone outside the account, and an anonymous caller.
const outsider = "999999999999"

func outsiderRequest(action, resource string) iampolicy.Request {
	return iampolicy.Request{
		Principal: iampolicy.Principal{Type: "AWS", ID: "arn:aws:iam::" + outsider + ":role/eksguard-probe"},
		Action:    action, Resource: resource,
		Context: map[string][]string{"aws:PrincipalAccount": {outsider}, "aws:PrincipalArn": {"arn:aws:iam::" + outsider + ":role/eksguard-probe"}},
	}
}

var ecrActions = []struct{ what, action string }{
	{"pull", "ecr:BatchGetImage"},
	{"push", "ecr:PutImage"},
	{"delete images", "ecr:BatchDeleteImage"},
	{"delete the repository", "ecr:DeleteRepository"},
	{"change the policy", "ecr:SetRepositoryPolicy"},
}

// ECRRepositoryPolicy evaluates repository policies for who outside the account may act.
func ECRRepositoryPolicy() rule.Rule {
	return &awsRule{M: rule.Meta{
		ID:          "aws/ecr-repository-policy",
		Title:       "ECR repository policy lets principals outside the account pull, push or delete",
		Description: "The repository policy is evaluated for meaning (Allow and Deny, NotAction, NotPrincipal, wildcards and conditions): a principal of another account, or anyone, must not be able to pull, push, delete or change the policy. A policy that lets one role pull and denies deletion passes.",
		Remediation: "Grant pulls to named principals only, and deny deletion.\n\n{\"Statement\": [{\"Effect\": \"Allow\", \"Principal\": {\"AWS\": \"arn:aws:iam::ACCOUNT:role/puller\"}, \"Action\": [\"ecr:BatchGetImage\", \"ecr:GetDownloadUrlForLayer\"]}, {\"Effect\": \"Deny\", \"Principal\": \"*\", \"Action\": [\"ecr:DeleteRepository\", \"ecr:BatchDeleteImage\"]}]}",
		Severity:    finding.SeverityHigh, Category: "Images", Tags: []string{"cis", "aws", "ecr"},
		References: []ref.Ref{ref.CIS("5.1.2"), ref.CIS("5.1.3"), ref.Guide("image-security", "Create IAM policies for ECR repositories")},
	}, Fn: func(c *check) {
		for i := range c.repos() {
			r := &c.a.Repositories.Repositories[i]
			rp := c.a.RepoPolicies[r.RepositoryName]
			e := target.Failed(ans(rp), "ecr:GetRepositoryPolicy")
			switch {
			case e != nil && e.NotFound():
				continue // no policy: only the account's own IAM policies grant access
			case e != nil:
				c.unknown(repoSubject(r), fileOf(ans(rp)), e.Reason())
				continue
			}
			p, err := iampolicy.Parse([]byte(rp.PolicyText))
			if err != nil {
				c.unknown(repoSubject(r), rp.File, "repository policy could not be evaluated: "+err.Error())
				continue
			}
			var open []string
			for _, a := range ecrActions {
				if p.Evaluate(outsiderRequest(a.action, r.RepositoryArn)) == iampolicy.Allowed {
					open = append(open, a.what)
				}
			}
			if len(open) > 0 {
				c.fail(repoSubject(r), rp.File, "PolicyText", "principals outside the account may "+strings.Join(open, ", "), nil)
			}
		}
	}}
}

// ECREndpointPolicy flags ECR interface endpoints whose policy gives any principal access
// to any registry (the default full-access policy).
func ECREndpointPolicy() rule.Rule {
	return &awsRule{M: rule.Meta{
		ID:          "aws/ecr-endpoint-policy",
		Title:       "ECR VPC endpoint policy allows access to any registry",
		Description: "The policy of the com.amazonaws.<region>.ecr.api and .ecr.dkr endpoints is evaluated for meaning: if a principal of another account may pull from another account's repository through it (the default full-access policy does), the endpoint is a path to bring in unvetted images or move data out.",
		Remediation: "Restrict the endpoint policy to the account's principals and repositories.\n\n{\"Statement\": [{\"Effect\": \"Allow\", \"Principal\": \"*\", \"Action\": \"ecr:*\", \"Resource\": \"*\", \"Condition\": {\"StringEquals\": {\"aws:PrincipalAccount\": \"ACCOUNT\", \"aws:ResourceAccount\": \"ACCOUNT\"}}}]}",
		Severity:    finding.SeverityMedium, Category: "Network", Tags: []string{"aws", "ecr"},
		References: []ref.Ref{ref.Guide("image-security", "Consider using ECR private endpoints"), ref.Link("https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html", "Amazon ECR interface VPC endpoints")},
	}, Fn: func(c *check) {
		ve := c.a.VpcEndpoints
		if !c.need(c.clusterSubject(), ans(ve), "ec2:DescribeVpcEndpoints") {
			return
		}
		for _, e := range ve.VpcEndpoints {
			if !strings.HasSuffix(e.ServiceName, ".ecr.api") && !strings.HasSuffix(e.ServiceName, ".ecr.dkr") {
				continue
			}
			s := subject{"VPCEndpoint", e.VpcEndpointId}
			p, err := iampolicy.Parse([]byte(e.PolicyDocument))
			if err != nil {
				c.unknown(s, ve.File, "endpoint policy could not be evaluated: "+err.Error())
				continue
			}
			req := outsiderRequest("ecr:BatchGetImage", "arn:aws:ecr:"+c.a.Region+":"+outsider+":repository/any")
			req.Context["aws:ResourceAccount"] = []string{outsider}
			if p.Evaluate(req) == iampolicy.Allowed {
				c.fail(s, ve.File, "VpcEndpoints[VpcEndpointId="+e.VpcEndpointId+"].PolicyDocument",
					e.ServiceName+" endpoint lets any account's principals reach any registry (full-access policy)", nil)
			}
		}
	}}
}
