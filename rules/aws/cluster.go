package aws

import (
	"strings"
	"time"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
)

var infraGuide = ref.Guide("protecting-the-infrastructure", "Restrict access to the EKS cluster endpoint")

// EndpointPublic is CIS 5.4.1.
func EndpointPublic() rule.Rule {
	return &awsRule{M: rule.Meta{
		ID:          "aws/cluster-endpoint-public",
		Title:       "Cluster API endpoint is public to the whole internet",
		Description: "The public API server endpoint is reachable from 0.0.0.0/0 (or ::/0): any address can try credentials and exploit API server flaws.",
		Remediation: "Restrict the public endpoint to known CIDRs, or turn it off and use the private endpoint.\n\naws eks update-cluster-config --name CLUSTER --resources-vpc-config endpointPublicAccess=true,publicAccessCidrs=203.0.113.0/24,endpointPrivateAccess=true",
		Severity:    finding.SeverityHigh, Category: "Cluster", Tags: []string{"cis", "aws"},
		References: []ref.Ref{ref.CIS("5.4.1"), infraGuide},
	}, Fn: func(c *check) {
		cl := c.clusterWithVPC()
		if cl == nil {
			return
		}
		v := cl.ResourcesVpcConfig
		if !v.EndpointPublicAccess {
			return
		}
		for _, cidr := range v.PublicAccessCidrs {
			if cidr == "0.0.0.0/0" || cidr == "::/0" {
				c.fail(c.clusterSubject(), c.a.ClusterInfo.File, "Cluster.ResourcesVpcConfig.PublicAccessCidrs",
					"the public API endpoint accepts connections from "+cidr, map[string]string{"publicAccessCidrs": strings.Join(v.PublicAccessCidrs, ",")})
				return
			}
		}
	}}
}

// EndpointPrivate is CIS 5.4.2.
func EndpointPrivate() rule.Rule {
	return &awsRule{M: rule.Meta{
		ID:          "aws/cluster-endpoint-private",
		Title:       "Cluster API endpoint is not private-only",
		Description: "CIS asks for the private endpoint on and the public endpoint off, so that the API server is reached only from the VPC (and peered networks).",
		Remediation: "Turn the private endpoint on and the public endpoint off.\n\naws eks update-cluster-config --name CLUSTER --resources-vpc-config endpointPrivateAccess=true,endpointPublicAccess=false",
		Severity:    finding.SeverityMedium, Category: "Cluster", Tags: []string{"cis", "aws"},
		References: []ref.Ref{ref.CIS("5.4.2"), infraGuide},
	}, Fn: func(c *check) {
		cl := c.clusterWithVPC()
		if cl == nil {
			return
		}
		v := cl.ResourcesVpcConfig
		var why []string
		if !v.EndpointPrivateAccess {
			why = append(why, "the private endpoint is off")
		}
		if v.EndpointPublicAccess {
			why = append(why, "the public endpoint is on")
		}
		if len(why) > 0 {
			c.fail(c.clusterSubject(), c.a.ClusterInfo.File, "Cluster.ResourcesVpcConfig", strings.Join(why, " and "), nil)
		}
	}}
}

// controlPlaneLogs are the five EKS control plane log types.
var controlPlaneLogs = []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}

// ControlPlaneLogging is CIS 2.1.1.
func ControlPlaneLogging() rule.Rule {
	return &awsRule{M: rule.Meta{
		ID:          "aws/cluster-logging",
		Title:       "Control plane log types are off",
		Description: "Without the audit, authenticator, API, controller manager and scheduler logs in CloudWatch, there is no record of who did what in the cluster.",
		Remediation: "Turn on all five control plane log types.\n\naws eks update-cluster-config --name CLUSTER --logging '{\"clusterLogging\":[{\"types\":[\"api\",\"audit\",\"authenticator\",\"controllerManager\",\"scheduler\"],\"enabled\":true}]}'",
		Severity:    finding.SeverityMedium, Category: "Logging", Tags: []string{"cis", "aws"},
		References: []ref.Ref{ref.CIS("2.1.1"), ref.Guide("detective-controls", "Enable audit logs")},
	}, Fn: func(c *check) {
		cl := c.cluster()
		if cl == nil {
			return
		}
		on := map[string]bool{}
		if cl.Logging != nil {
			for _, s := range cl.Logging.ClusterLogging {
				if s.Enabled != nil && *s.Enabled {
					for _, t := range s.Types {
						on[t] = true
					}
				}
			}
		}
		var off []string
		for _, t := range controlPlaneLogs {
			if !on[t] {
				off = append(off, t)
			}
		}
		if len(off) > 0 {
			c.fail(c.clusterSubject(), c.a.ClusterInfo.File, "Cluster.Logging.ClusterLogging", "control plane logs off: "+strings.Join(off, ", "), nil)
		}
	}}
}

// SecretsEncryption is CIS 5.3.1.
func SecretsEncryption() rule.Rule {
	return &awsRule{M: rule.Meta{
		ID:          "aws/cluster-secrets-encryption",
		Title:       "Kubernetes secrets are not envelope-encrypted with a KMS key",
		Description: "Without envelope encryption, secrets in etcd are protected only by EKS's volume encryption; a KMS key adds a separate, auditable and revocable layer.",
		Remediation: "Associate a KMS key for secrets encryption (it cannot be removed later).\n\naws eks associate-encryption-config --cluster-name CLUSTER --encryption-config '[{\"resources\":[\"secrets\"],\"provider\":{\"keyArn\":\"arn:aws:kms:REGION:ACCOUNT:key/KEY\"}}]'",
		Severity:    finding.SeverityMedium, Category: "Cluster", Tags: []string{"cis", "aws"},
		References: []ref.Ref{ref.CIS("5.3.1"), ref.Guide("data-encryption-and-secrets-management", "Encryption at rest")},
	}, Fn: func(c *check) {
		cl := c.cluster()
		if cl == nil {
			return
		}
		for _, e := range cl.EncryptionConfig {
			for _, r := range e.Resources {
				if r == "secrets" && e.Provider != nil && e.Provider.KeyArn != "" {
					return
				}
			}
		}
		c.fail(c.clusterSubject(), c.a.ClusterInfo.File, "Cluster.EncryptionConfig", "no KMS key encrypts the cluster's secrets", nil)
	}}
}

// AuthenticationMode is CIS 4.1.7.
func AuthenticationMode() rule.Rule {
	return &awsRule{M: rule.Meta{
		ID:          "aws/cluster-authentication-mode",
		Title:       "Cluster access is managed only through the aws-auth ConfigMap",
		Description: "With authentication mode CONFIG_MAP, IAM access is granted by editing the aws-auth ConfigMap (easy to break, invisible to IAM). Access entries (API or API_AND_CONFIG_MAP) manage it through the EKS API with CloudTrail records.",
		Remediation: "Move to access entries.\n\naws eks update-cluster-config --name CLUSTER --access-config authenticationMode=API_AND_CONFIG_MAP",
		Severity:    finding.SeverityLow, Category: "Identity", Tags: []string{"cis", "aws"},
		References: []ref.Ref{ref.CIS("4.1.7"), ref.Guide("identity-and-access-management", "Use EKS Access Entries to grant Kubernetes permissions to IAM principals")},
	}, Fn: func(c *check) {
		cl := c.cluster()
		if cl == nil {
			return
		}
		if cl.AccessConfig == nil || cl.AccessConfig.AuthenticationMode == "" {
			c.unknown(c.clusterSubject(), c.a.ClusterInfo.File, "eks:DescribeCluster answered without accessConfig.authenticationMode")
			return
		}
		if cl.AccessConfig.AuthenticationMode == "CONFIG_MAP" {
			c.fail(c.clusterSubject(), c.a.ClusterInfo.File, "Cluster.AccessConfig.AuthenticationMode", "authentication mode is CONFIG_MAP (aws-auth only)", nil)
		}
	}}
}

// kubeVersion is one row of the EKS Kubernetes version calendar.
type kubeVersion struct {
	version                  string
	endStandard, endExtended string // dates, UTC
}

// eksCalendar is the EKS Kubernetes release calendar (facts from the EKS User Guide's
// version lifecycle page: 14 months of standard support, then 12 of extended support).
var eksCalendar = []kubeVersion{
	{"1.23", "2023-10-11", "2024-10-11"},
	{"1.24", "2024-01-31", "2025-01-31"},
	{"1.25", "2024-05-01", "2025-05-01"},
	{"1.26", "2024-06-11", "2025-06-11"},
	{"1.27", "2024-07-24", "2025-07-24"},
	{"1.28", "2024-11-26", "2025-11-26"},
	{"1.29", "2025-03-23", "2026-03-23"},
	{"1.30", "2025-07-23", "2026-07-23"},
	{"1.31", "2025-11-26", "2026-11-26"},
	{"1.32", "2026-03-23", "2027-03-23"},
	{"1.33", "2026-07-29", "2027-07-29"},
	{"1.34", "2026-12-02", "2027-12-02"},
	{"1.35", "2027-03-27", "2028-03-27"},
}

// supportOn says which support a version is in on a day: "standard", "extended", "ended",
// or "" when the calendar does not know the version.
func supportOn(version string, day time.Time) (phase string, until string) {
	for _, v := range eksCalendar {
		if v.version != version {
			continue
		}
		std, _ := time.Parse("2006-01-02", v.endStandard)
		ext, _ := time.Parse("2006-01-02", v.endExtended)
		switch {
		case day.Before(std.Add(24 * time.Hour)):
			return "standard", v.endStandard
		case day.Before(ext.Add(24 * time.Hour)):
			return "extended", v.endExtended
		}
		return "ended", v.endExtended
	}
	return "", ""
}

// VersionSupport flags Kubernetes versions in extended support or past it.
func VersionSupport() rule.Rule {
	return &awsRule{M: rule.Meta{
		ID:          "aws/cluster-version-support",
		Title:       "Cluster runs a Kubernetes version out of standard support",
		Description: "A version in extended support costs more and gets fewer fixes; one past extended support is auto-upgraded by EKS at a time not of your choosing. Judged against the EKS version calendar on the scan date.",
		Remediation: "Upgrade the control plane (one minor version at a time), then the node groups.\n\naws eks update-cluster-version --name CLUSTER --kubernetes-version 1.34",
		Severity:    finding.SeverityMedium, Category: "Cluster", Tags: []string{"aws"},
		References: []ref.Ref{ref.Link("https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html", "EKS Kubernetes version lifecycle"), ref.Guide("protecting-the-infrastructure", "Keep the cluster and nodes up to date")},
	}, Fn: func(c *check) {
		cl := c.cluster()
		if cl == nil {
			return
		}
		day := c.a.Taken
		if day.IsZero() {
			day = time.Now()
		}
		phase, until := supportOn(cl.Version, day.UTC())
		switch phase {
		case "":
			c.unknown(c.clusterSubject(), c.a.ClusterInfo.File, "Kubernetes "+cl.Version+" is not in eksguard's EKS version calendar")
		case "extended":
			c.fail(c.clusterSubject(), c.a.ClusterInfo.File, "Cluster.Version", "Kubernetes "+cl.Version+" is in extended support (ends "+until+")", map[string]string{"scanDate": day.Format("2006-01-02")})
		case "ended":
			c.fail(c.clusterSubject(), c.a.ClusterInfo.File, "Cluster.Version", "Kubernetes "+cl.Version+" is past the end of extended support ("+until+")", map[string]string{"scanDate": day.Format("2006-01-02")})
		}
	}}
}
