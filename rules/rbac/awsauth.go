package rbac

import (
	"context"
	"fmt"
	"slices"

	kyaml "sigs.k8s.io/yaml"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/snapshot"
	"github.com/eksguard/eksguard/pkg/target"
)

// AWSAuthEntry is one entry of the aws-auth ConfigMap's mapRoles or mapUsers: an IAM
// identity mapped to a Kubernetes user name and groups.
type AWSAuthEntry struct {
	RoleARN  string   `json:"rolearn,omitempty"`
	UserARN  string   `json:"userarn,omitempty"`
	Username string   `json:"username,omitempty"`
	Groups   []string `json:"groups,omitempty"`
}

// ARN is the IAM identity the entry maps.
func (e AWSAuthEntry) ARN() string {
	if e.RoleARN != "" {
		return e.RoleARN
	}
	return e.UserARN
}

// maxAWSAuthEntries bounds how many entries of one list are read.
const maxAWSAuthEntries = 10000

// ParseAWSAuthList reads the YAML list of a mapRoles or mapUsers value as the AWS IAM
// authenticator does (YAML, field names as written).
func ParseAWSAuthList(data string) ([]AWSAuthEntry, error) {
	var out []AWSAuthEntry
	if err := kyaml.Unmarshal([]byte(data), &out); err != nil {
		return nil, err
	}
	if len(out) > maxAWSAuthEntries {
		return nil, fmt.Errorf("%d entries, over the limit of %d", len(out), maxAWSAuthEntries)
	}
	return out, nil
}

// AWSAuthMasters flags aws-auth entries that map an IAM role or user to system:masters.
func AWSAuthMasters() rule.Rule {
	return &rule.Cluster{
		M: rule.Meta{
			ID:    "rbac/aws-auth-system-masters",
			Title: "aws-auth maps an IAM identity to system:masters",
			Description: "An entry of the kube-system/aws-auth ConfigMap (mapRoles, mapUsers) that puts an IAM role or user in " +
				"the system:masters group gives it cluster-admin that no RBAC binding shows and that cannot be revoked " +
				"through RBAC. An aws-auth list that does not parse is reported as an error: the authenticator cannot use it either.",
			Remediation: "Map the identity to a group bound to a narrower role, or use EKS access entries:\n\n" +
				"  mapRoles: |\n    - rolearn: arn:aws:iam::111122223333:role/ops\n      username: ops\n      groups: [\"ops-readers\"]",
			Severity:   finding.SeverityHigh,
			Category:   "RBAC",
			Tags:       []string{"rbac", "aws"},
			References: []ref.Ref{ref.CIS("4.1.7"), ref.Guide(guideIAM, "Use EKS Access Entries to manage Kubernetes permissions"), ref.Link("https://docs.aws.amazon.com/eks/latest/userguide/auth-configmap.html", "Amazon EKS: the aws-auth ConfigMap")},
		},
		Inputs: []string{snapshot.KindAWSAuth},
		Fn: func(_ context.Context, m *rule.Meta, s *snapshot.Snapshot) []finding.Finding {
			var out []finding.Finding
			for _, cm := range s.AWSAuth() {
				for _, key := range []string{"mapRoles", "mapUsers"} {
					data, ok := cm.Obj.Data[key]
					if !ok {
						continue
					}
					path := target.Key("data", key)
					entries, err := ParseAWSAuthList(data)
					if err != nil {
						f := m.Failf(&cm.Object, path, "aws-auth %s cannot be read: %v", key, err)
						f.Status = finding.StatusError
						out = append(out, f)
						continue
					}
					for i, e := range entries {
						if !slices.Contains(e.Groups, "system:masters") {
							continue
						}
						c := []string{"IAM " + e.ARN(), fmt.Sprintf("ConfigMap/kube-system/aws-auth %s[%d]", key, i), "Group system:masters", "cluster-admin"}
						out = append(out, m.FailChain(&cm.Object, path, c,
							fmt.Sprintf("aws-auth %s[%d] maps %s (user %q) to system:masters: full control of the cluster", key, i, e.ARN(), e.Username)))
					}
				}
			}
			return out
		},
	}
}
