package aws

import (
	"strings"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// PrivateClusterEndpoints flags private clusters whose VPC lacks the ECR and S3 endpoints.
func PrivateClusterEndpoints() rule.Rule {
	return &awsRule{M: rule.Meta{
		ID:          "aws/private-cluster-endpoints",
		Title:       "Private cluster's VPC has no ECR or S3 endpoints",
		Description: "Nodes of a cluster without public API access pull images through the ecr.api and ecr.dkr interface endpoints and the S3 gateway endpoint; without them pulls go out through a NAT to the internet, or fail.",
		Remediation: "Create the endpoints in the cluster's VPC.\n\naws ec2 create-vpc-endpoint --vpc-id VPC --vpc-endpoint-type Interface --service-name com.amazonaws.REGION.ecr.dkr --subnet-ids SUBNETS --security-group-ids SG",
		Severity:    finding.SeverityLow, Category: "Network", Tags: []string{"aws"},
		References: []ref.Ref{ref.CIS("5.4.2"), ref.Link("https://docs.aws.amazon.com/eks/latest/userguide/private-clusters.html", "Deploy private clusters with limited internet access")},
	}, Fn: func(c *check) {
		cl := c.cluster()
		if cl == nil || cl.ResourcesVpcConfig == nil || cl.ResourcesVpcConfig.EndpointPublicAccess {
			return
		}
		ve := c.a.VpcEndpoints
		if !c.need(c.clusterSubject(), ans(ve), "ec2:DescribeVpcEndpoints") {
			return
		}
		have := map[string]bool{}
		for _, e := range ve.VpcEndpoints {
			have[e.ServiceName] = true
		}
		var missing []string
		for _, svc := range []string{"ecr.api", "ecr.dkr", "s3"} {
			name := "com.amazonaws." + c.a.Region + "." + svc
			if !have[name] {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			c.fail(c.clusterSubject(), ve.File, "VpcEndpoints", "private cluster without VPC endpoints: "+strings.Join(missing, ", "), nil)
		}
	}}
}

// CloudTrail flags a region no logging trail covers, and trails without log file validation.
func CloudTrail() rule.Rule {
	return &awsRule{M: rule.Meta{
		ID:          "aws/cloudtrail",
		Title:       "No CloudTrail trail logs the region, or log file validation is off",
		Description: "The EKS API (node groups, access entries, encryption, endpoint changes) is audited only by CloudTrail; a trail must cover the cluster's region and keep digest files so that tampering with the logs shows.",
		Remediation: "Create a multi-region trail with log file validation.\n\naws cloudtrail create-trail --name org-trail --s3-bucket-name BUCKET --is-multi-region-trail --enable-log-file-validation && aws cloudtrail start-logging --name org-trail",
		Severity:    finding.SeverityMedium, Category: "Logging", Tags: []string{"aws"},
		References: []ref.Ref{ref.CIS("2.1.2"), ref.Guide("detective-controls", "Audit CloudTrail logs")},
	}, Fn: func(c *check) {
		tr := c.a.Trails
		if !c.need(c.clusterSubject(), ans(tr), "cloudtrail:DescribeTrails") {
			return
		}
		logging := false
		var unknown []string
		for _, t := range tr.TrailList {
			if !t.IsMultiRegionTrail && t.HomeRegion != c.a.Region {
				continue
			}
			st := c.a.TrailStatus[t.TrailARN]
			if e := target.Failed(ans(st), "cloudtrail:GetTrailStatus"); e != nil {
				unknown = append(unknown, t.Name+": "+e.Reason())
				continue
			}
			if st.IsLogging == nil || !*st.IsLogging {
				continue
			}
			logging = true
			if !t.LogFileValidationEnabled {
				c.fail(subject{"CloudTrail", t.Name}, tr.File, "TrailList[Name="+t.Name+"].LogFileValidationEnabled", "log file validation is off", nil)
			}
		}
		switch {
		case logging:
		case len(unknown) > 0:
			c.unknown(c.clusterSubject(), tr.File, "no trail known to log "+c.a.Region+": "+strings.Join(unknown, "; "))
		default:
			c.fail(c.clusterSubject(), tr.File, "TrailList", "no logging CloudTrail trail covers "+c.a.Region, nil)
		}
	}}
}
