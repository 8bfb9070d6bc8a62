package aws

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

func ngSubject(n *target.Nodegroup) subject { return subject{"Nodegroup", n.NodegroupName} }

func (c *check) ngFile(n *target.Nodegroup) string {
	return fileOf(ans(c.a.Nodegroups[n.NodegroupName]))
}

// NodegroupAMI flags node groups whose AMI type is not a container-optimized OS.
func NodegroupAMI() rule.Rule {
	return &awsRule{M: rule.Meta{
		ID:          "aws/nodegroup-ami-type",
		Title:       "Node group does not run a container-optimized OS",
		Description: "Bottlerocket and the EKS-optimized Amazon Linux 2023 are minimal, hardened images. Amazon Linux 2 EKS AMIs reached end of support on 2025-11-26; custom AMIs cannot be judged here and are flagged for review.",
		Remediation: "Create a replacement node group with a Bottlerocket or AL2023 AMI type and move the workloads.\n\naws eks create-nodegroup --cluster-name CLUSTER --nodegroup-name NG --ami-type BOTTLEROCKET_x86_64 ...",
		Severity:    finding.SeverityMedium, Category: "Nodes", Tags: []string{"aws"},
		References: []ref.Ref{ref.Guide("protecting-the-infrastructure", "Use an OS optimized for running containers")},
	}, Fn: func(c *check) {
		for _, n := range c.nodegroups() {
			t := n.AmiType
			switch {
			case strings.HasPrefix(t, "BOTTLEROCKET_"), strings.HasPrefix(t, "AL2023_"), strings.HasPrefix(t, "WINDOWS_"):
			case strings.HasPrefix(t, "AL2_"):
				c.fail(ngSubject(n), c.ngFile(n), "Nodegroup.AmiType", "AMI type "+t+" is Amazon Linux 2, past its EKS end of support", nil)
			case t == "CUSTOM":
				c.fail(ngSubject(n), c.ngFile(n), "Nodegroup.AmiType", "custom AMI: not known to be a container-optimized OS", nil)
			default:
				c.fail(ngSubject(n), c.ngFile(n), "Nodegroup.AmiType", "AMI type "+strconv.Quote(t)+" is not a container-optimized OS", nil)
			}
		}
	}}
}

// releaseLess compares EKS AMI release versions ("1.31.2-20241109", Bottlerocket
// "1.26.1-943d9a41"): the dotted version numerically, then the date suffix when numeric.
func releaseLess(a, b string) bool {
	av, ad, _ := strings.Cut(a, "-")
	bv, bd, _ := strings.Cut(b, "-")
	ap, bp := strings.Split(av, "."), strings.Split(bv, ".")
	for i := 0; i < len(ap) || i < len(bp); i++ {
		var x, y int
		if i < len(ap) {
			x, _ = strconv.Atoi(ap[i])
		}
		if i < len(bp) {
			y, _ = strconv.Atoi(bp[i])
		}
		if x != y {
			return x < y
		}
	}
	x, e1 := strconv.Atoi(ad)
	y, e2 := strconv.Atoi(bd)
	if e1 == nil && e2 == nil {
		return x < y
	}
	return false
}

// NodegroupRelease flags node groups behind the latest AMI release for their version.
func NodegroupRelease() rule.Rule {
	return &awsRule{M: rule.Meta{
		ID:          "aws/nodegroup-release-outdated",
		Title:       "Node group runs an older AMI release than the latest",
		Description: "EKS publishes the latest AMI release for each Kubernetes version and AMI type as public SSM parameters; a node group behind it misses OS and kubelet security fixes.",
		Remediation: "Update the node group to the latest AMI release.\n\naws eks update-nodegroup-version --cluster-name CLUSTER --nodegroup-name NG",
		Severity:    finding.SeverityMedium, Category: "Nodes", Tags: []string{"aws"},
		References: []ref.Ref{ref.Guide("protecting-the-infrastructure", "Keep the cluster and nodes up to date")},
	}, Fn: func(c *check) {
		for _, n := range c.nodegroups() {
			param := target.AMIReleaseParameter(n.AmiType, n.Version)
			if param == "" || n.ReleaseVersion == "" {
				continue // custom and Windows AMIs have no EKS release parameter
			}
			p := c.a.Parameters[param]
			if !c.need(ngSubject(n), ans(p), "ssm:GetParameter") {
				continue
			}
			if p.Parameter == nil || p.Parameter.Value == "" {
				c.unknown(ngSubject(n), p.File, "ssm:GetParameter answered without a value for "+param)
				continue
			}
			if releaseLess(n.ReleaseVersion, p.Parameter.Value) {
				c.fail(ngSubject(n), c.ngFile(n), "Nodegroup.ReleaseVersion",
					fmt.Sprintf("release %s is behind the latest %s for %s on Kubernetes %s", n.ReleaseVersion, p.Parameter.Value, n.AmiType, n.Version),
					map[string]string{"parameter": param})
			}
		}
	}}
}

// NodegroupPublicSubnets is CIS 5.4.3.
func NodegroupPublicSubnets() rule.Rule {
	return &awsRule{M: rule.Meta{
		ID:          "aws/nodegroup-public-subnets",
		Title:       "Node group runs in public subnets",
		Description: "A subnet whose route table sends 0.0.0.0/0 to an internet gateway, or that gives instances public IPs, exposes nodes to the internet; CIS asks for private nodes.",
		Remediation: "Move the node group to private subnets (default route through a NAT gateway or none).\n\naws eks create-nodegroup --cluster-name CLUSTER --nodegroup-name NG --subnets subnet-PRIVATE1 subnet-PRIVATE2 ...",
		Severity:    finding.SeverityHigh, Category: "Network", Tags: []string{"cis", "aws"},
		References: []ref.Ref{ref.CIS("5.4.3"), ref.Guide("network-security", "Network security")},
	}, Fn: func(c *check) {
		ngs := c.nodegroups()
		if len(ngs) == 0 {
			return
		}
		sn, rt := c.a.Subnets, c.a.RouteTables
		if !c.need(c.clusterSubject(), ans(sn), "ec2:DescribeSubnets") ||
			!c.need(c.clusterSubject(), ans(rt), "ec2:DescribeRouteTables") {
			return
		}
		public := map[string]string{} // subnet -> why
		mainIGW := ""
		tableOf := map[string]string{}
		igwOf := map[string]string{}
		for _, t := range rt.RouteTables {
			for _, r := range t.Routes {
				if strings.HasPrefix(r.GatewayId, "igw-") && (r.DestinationCidrBlock == "0.0.0.0/0" || r.DestinationIpv6CidrBlock == "::/0") {
					igwOf[t.RouteTableId] = r.GatewayId
				}
			}
			for _, as := range t.Associations {
				if as.Main != nil && *as.Main {
					mainIGW = igwOf[t.RouteTableId]
				}
				if as.SubnetId != "" {
					tableOf[as.SubnetId] = t.RouteTableId
				}
			}
		}
		for _, s := range sn.Subnets {
			igw := mainIGW
			if t, ok := tableOf[s.SubnetId]; ok {
				igw = igwOf[t]
			}
			switch {
			case igw != "":
				public[s.SubnetId] = "default route to " + igw
			case s.MapPublicIpOnLaunch != nil && *s.MapPublicIpOnLaunch:
				public[s.SubnetId] = "maps public IPs on launch"
			}
		}
		for _, n := range ngs {
			var bad []string
			for _, s := range n.Subnets {
				if why, ok := public[s]; ok {
					bad = append(bad, s+" ("+why+")")
				}
			}
			if len(bad) > 0 {
				c.fail(ngSubject(n), c.ngFile(n), "Nodegroup.Subnets", "public subnets: "+strings.Join(bad, ", "), nil)
			}
		}
	}}
}

// nodeSecurityGroups are the groups a node group's instances carry: its launch template's,
// else the cluster security group EKS attaches.
func (c *check) nodeSecurityGroups(n *target.Nodegroup) (groups []string, unknown string) {
	if n.LaunchTemplate != nil {
		lt := c.a.LaunchTemplates[n.LaunchTemplate.Id+":"+n.LaunchTemplate.Version]
		if e := target.Failed(ans(lt), "ec2:DescribeLaunchTemplateVersions"); e != nil {
			return nil, e.Reason()
		}
		for _, v := range lt.LaunchTemplateVersions {
			if d := v.LaunchTemplateData; d != nil {
				groups = append(groups, d.SecurityGroupIds...)
				for _, ni := range d.NetworkInterfaces {
					groups = append(groups, ni.Groups...)
				}
			}
		}
		if len(groups) > 0 {
			return groups, ""
		}
	}
	if cl := c.a.ClusterInfo; cl != nil && cl.Cluster != nil && cl.Cluster.ResourcesVpcConfig != nil && cl.Cluster.ResourcesVpcConfig.ClusterSecurityGroupId != "" {
		groups = append(groups, cl.Cluster.ResourcesVpcConfig.ClusterSecurityGroupId)
	}
	return groups, ""
}

// NodegroupSSH flags SSH remote access and port 22 open to address ranges.
func NodegroupSSH() rule.Rule {
	return &awsRule{M: rule.Meta{
		ID:          "aws/nodegroup-ssh-access",
		Title:       "Node group allows SSH",
		Description: "SSH remote access on a node group, or a node security group open on port 22 to an address range, lets people log in to nodes outside any audit trail; use SSM Session Manager instead.",
		Remediation: "Create node groups without remote access and remove port 22 rules from node security groups.\n\naws ec2 revoke-security-group-ingress --group-id sg-NODES --protocol tcp --port 22 --cidr 0.0.0.0/0",
		Severity:    finding.SeverityMedium, Category: "Nodes", Tags: []string{"aws"},
		References: []ref.Ref{ref.Guide("protecting-the-infrastructure", "Minimize access to worker nodes")},
	}, Fn: func(c *check) {
		sgs := map[string]*target.SecurityGroup{}
		sgOK := c.a.SecurityGroups != nil && c.a.SecurityGroups.Error == nil
		if sgOK {
			for i := range c.a.SecurityGroups.SecurityGroups {
				g := &c.a.SecurityGroups.SecurityGroups[i]
				sgs[g.GroupId] = g
			}
		}
		for _, n := range c.nodegroups() {
			if n.RemoteAccess != nil && (n.RemoteAccess.Ec2SshKey != "" || len(n.RemoteAccess.SourceSecurityGroups) > 0) {
				c.fail(ngSubject(n), c.ngFile(n), "Nodegroup.RemoteAccess", "SSH remote access is enabled (key "+n.RemoteAccess.Ec2SshKey+")", nil)
				continue
			}
			groups, why := c.nodeSecurityGroups(n)
			if why != "" {
				c.unknown(ngSubject(n), c.ngFile(n), why)
				continue
			}
			if !sgOK {
				c.need(ngSubject(n), ans(c.a.SecurityGroups), "ec2:DescribeSecurityGroups")
				continue
			}
			var open []string
			for _, id := range groups {
				g := sgs[id]
				if g == nil {
					continue
				}
				for _, p := range g.IpPermissions {
					covers := p.IpProtocol == "-1" || ((p.IpProtocol == "tcp" || p.IpProtocol == "6") && p.FromPort != nil && p.ToPort != nil && *p.FromPort <= 22 && 22 <= *p.ToPort)
					if !covers {
						continue
					}
					for _, r := range p.IpRanges {
						open = append(open, id+" from "+r.CidrIp)
					}
					for _, r := range p.Ipv6Ranges {
						open = append(open, id+" from "+r.CidrIpv6)
					}
				}
			}
			if len(open) > 0 {
				c.fail(ngSubject(n), fileOf(&c.a.SecurityGroups.Answer), "SecurityGroups.IpPermissions", "port 22 is open: "+strings.Join(open, ", "), nil)
			}
		}
	}}
}

// NodegroupIMDS flags launch templates without IMDSv2 required or with a hop limit above 1.
func NodegroupIMDS() rule.Rule {
	return &awsRule{M: rule.Meta{
		ID:          "aws/nodegroup-imdsv2",
		Title:       "Node launch template allows IMDSv1 or pod access to instance metadata",
		Description: "With IMDSv1 allowed, an SSRF in any pod can read the node role's credentials; with a hop limit above 1, pods (one network hop away) reach IMDS and take the node role. Applies to node groups with a launch template.",
		Remediation: "Require IMDSv2 with a hop limit of 1 in the launch template, then roll the node group.\n\n\"MetadataOptions\": {\"HttpTokens\": \"required\", \"HttpPutResponseHopLimit\": 1}",
		Severity:    finding.SeverityHigh, Category: "Nodes", Tags: []string{"aws"},
		References: []ref.Ref{ref.Guide("identity-and-access-management", "Restrict access to the instance profile assigned to the worker node")},
	}, Fn: func(c *check) {
		for _, n := range c.nodegroups() {
			if n.LaunchTemplate == nil {
				continue
			}
			lt := c.a.LaunchTemplates[n.LaunchTemplate.Id+":"+n.LaunchTemplate.Version]
			if !c.need(ngSubject(n), ans(lt), "ec2:DescribeLaunchTemplateVersions") {
				continue
			}
			if len(lt.LaunchTemplateVersions) == 0 {
				c.unknown(ngSubject(n), lt.File, "ec2:DescribeLaunchTemplateVersions returned no version "+n.LaunchTemplate.Version)
				continue
			}
			var why []string
			d := lt.LaunchTemplateVersions[0].LaunchTemplateData
			if d == nil || d.MetadataOptions == nil || d.MetadataOptions.HttpTokens != "required" {
				why = append(why, "IMDSv2 is not required (HttpTokens not \"required\")")
			}
			if d != nil && d.MetadataOptions != nil && d.MetadataOptions.HttpPutResponseHopLimit != nil && *d.MetadataOptions.HttpPutResponseHopLimit > 1 {
				why = append(why, fmt.Sprintf("hop limit is %d, so pods reach IMDS", *d.MetadataOptions.HttpPutResponseHopLimit))
			}
			if len(why) > 0 {
				c.fail(ngSubject(n), lt.File, "LaunchTemplateVersions[0].LaunchTemplateData.MetadataOptions", strings.Join(why, "; "),
					map[string]string{"launchTemplate": n.LaunchTemplate.Id + ":" + n.LaunchTemplate.Version})
			}
		}
	}}
}
