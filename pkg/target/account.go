package target

import (
	"strings"
	"time"

	"github.com/eksguard/eksguard/pkg/finding"
)

// KindAWS is an AWS account around one EKS cluster, as its API answers describe it (live or
// from a snapshot directory, pkg/source/aws). The types below keep the AWS APIs' own field
// names, so that the saved API answers decode into them directly; they hold only the fields
// the rules read.
const KindAWS Kind = "aws"

// APIError is an API call that failed; a snapshot keeps it in place of the answer.
type APIError struct {
	Code    string `json:"Code"`
	Message string `json:"Message,omitempty"`
	// Action is the IAM action of the call, e.g. eks:DescribeCluster.
	Action string `json:"Action"`
}

// Denied reports whether the error is a missing permission.
func (e *APIError) Denied() bool {
	c := strings.ToLower(e.Code)
	return strings.Contains(c, "accessdenied") || strings.Contains(c, "unauthorized") || c == "authorizationerror"
}

// NotFound reports whether the error says the thing does not exist (a repository without a
// policy, for example).
func (e *APIError) NotFound() bool {
	return strings.Contains(e.Code, "NotFound") || e.Code == "NoSuchEntity"
}

// Reason renders why an answer is missing, for "unknown" findings.
func (e *APIError) Reason() string {
	if e.Denied() {
		return "permission denied for " + e.Action
	}
	if e.Code == "Missing" {
		return e.Action + ": not in the snapshot"
	}
	msg := e.Action + " failed: " + e.Code
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Answer is what every saved API answer has besides its data: where it was read from and
// the error that replaced it.
type Answer struct {
	Error *APIError `json:"Error,omitempty"`
	File  string    `json:"-"`
}

// Base returns the answer itself: the answer types embed Answer, so Base gives any of them
// as its Answer.
func (a *Answer) Base() *Answer { return a }

// Failed returns the error of the answer, or a "not in the snapshot" error when the answer
// is missing (nil).
func Failed(a *Answer, action string) *APIError {
	if a == nil {
		return &APIError{Code: "Missing", Message: "not in the snapshot", Action: action}
	}
	return a.Error
}

// EKS.

type ClusterAnswer struct {
	Answer
	Cluster *EKSCluster `json:"Cluster"`
}

type EKSCluster struct {
	Name               string `json:"Name"`
	Arn                string `json:"Arn"`
	Version            string `json:"Version"`
	ResourcesVpcConfig *struct {
		VpcId                  string   `json:"VpcId"`
		SubnetIds              []string `json:"SubnetIds"`
		SecurityGroupIds       []string `json:"SecurityGroupIds"`
		ClusterSecurityGroupId string   `json:"ClusterSecurityGroupId"`
		EndpointPublicAccess   bool     `json:"EndpointPublicAccess"`
		EndpointPrivateAccess  bool     `json:"EndpointPrivateAccess"`
		PublicAccessCidrs      []string `json:"PublicAccessCidrs"`
	} `json:"ResourcesVpcConfig"`
	Logging *struct {
		ClusterLogging []struct {
			Types   []string `json:"Types"`
			Enabled *bool    `json:"Enabled"`
		} `json:"ClusterLogging"`
	} `json:"Logging"`
	EncryptionConfig []struct {
		Resources []string `json:"Resources"`
		Provider  *struct {
			KeyArn string `json:"KeyArn"`
		} `json:"Provider"`
	} `json:"EncryptionConfig"`
	AccessConfig *struct {
		AuthenticationMode string `json:"AuthenticationMode"`
	} `json:"AccessConfig"`
	Identity *struct {
		Oidc *struct {
			Issuer string `json:"Issuer"`
		} `json:"Oidc"`
	} `json:"Identity"`
	UpgradePolicy *struct {
		SupportType string `json:"SupportType"`
	} `json:"UpgradePolicy"`
}

type NodegroupAnswer struct {
	Answer
	Nodegroup *Nodegroup `json:"Nodegroup"`
}

type Nodegroup struct {
	NodegroupName  string   `json:"NodegroupName"`
	NodegroupArn   string   `json:"NodegroupArn"`
	Version        string   `json:"Version"`
	ReleaseVersion string   `json:"ReleaseVersion"`
	AmiType        string   `json:"AmiType"`
	NodeRole       string   `json:"NodeRole"`
	Subnets        []string `json:"Subnets"`
	RemoteAccess   *struct {
		Ec2SshKey            string   `json:"Ec2SshKey"`
		SourceSecurityGroups []string `json:"SourceSecurityGroups"`
	} `json:"RemoteAccess"`
	LaunchTemplate *struct {
		Id      string `json:"Id"`
		Name    string `json:"Name"`
		Version string `json:"Version"`
	} `json:"LaunchTemplate"`
}

type NamesAnswer struct {
	Answer
	Nodegroups []string `json:"Nodegroups"`
}

type PodIdentityListAnswer struct {
	Answer
	Associations []struct {
		AssociationId  string `json:"AssociationId"`
		Namespace      string `json:"Namespace"`
		ServiceAccount string `json:"ServiceAccount"`
	} `json:"Associations"`
}

type PodIdentityAnswer struct {
	Answer
	Association *struct {
		AssociationId  string `json:"AssociationId"`
		AssociationArn string `json:"AssociationArn"`
		Namespace      string `json:"Namespace"`
		ServiceAccount string `json:"ServiceAccount"`
		RoleArn        string `json:"RoleArn"`
	} `json:"Association"`
}

// EC2.

type SubnetsAnswer struct {
	Answer
	Subnets []struct {
		SubnetId            string `json:"SubnetId"`
		VpcId               string `json:"VpcId"`
		MapPublicIpOnLaunch *bool  `json:"MapPublicIpOnLaunch"`
	} `json:"Subnets"`
}

type RouteTablesAnswer struct {
	Answer
	RouteTables []struct {
		RouteTableId string `json:"RouteTableId"`
		Associations []struct {
			Main     *bool  `json:"Main"`
			SubnetId string `json:"SubnetId"`
		} `json:"Associations"`
		Routes []struct {
			DestinationCidrBlock     string `json:"DestinationCidrBlock"`
			DestinationIpv6CidrBlock string `json:"DestinationIpv6CidrBlock"`
			GatewayId                string `json:"GatewayId"`
		} `json:"Routes"`
	} `json:"RouteTables"`
}

type SecurityGroupsAnswer struct {
	Answer
	SecurityGroups []SecurityGroup `json:"SecurityGroups"`
}

type SecurityGroup struct {
	GroupId       string `json:"GroupId"`
	GroupName     string `json:"GroupName"`
	IpPermissions []struct {
		IpProtocol string `json:"IpProtocol"`
		FromPort   *int   `json:"FromPort"`
		ToPort     *int   `json:"ToPort"`
		IpRanges   []struct {
			CidrIp string `json:"CidrIp"`
		} `json:"IpRanges"`
		Ipv6Ranges []struct {
			CidrIpv6 string `json:"CidrIpv6"`
		} `json:"Ipv6Ranges"`
		UserIdGroupPairs []struct {
			GroupId string `json:"GroupId"`
		} `json:"UserIdGroupPairs"`
	} `json:"IpPermissions"`
}

type LaunchTemplateAnswer struct {
	Answer
	LaunchTemplateVersions []struct {
		LaunchTemplateId   string `json:"LaunchTemplateId"`
		VersionNumber      int64  `json:"VersionNumber"`
		LaunchTemplateData *struct {
			SecurityGroupIds  []string `json:"SecurityGroupIds"`
			NetworkInterfaces []struct {
				Groups []string `json:"Groups"`
			} `json:"NetworkInterfaces"`
			MetadataOptions *struct {
				HttpTokens              string `json:"HttpTokens"`
				HttpPutResponseHopLimit *int   `json:"HttpPutResponseHopLimit"`
				HttpEndpoint            string `json:"HttpEndpoint"`
			} `json:"MetadataOptions"`
		} `json:"LaunchTemplateData"`
	} `json:"LaunchTemplateVersions"`
}

type VpcEndpointsAnswer struct {
	Answer
	VpcEndpoints []struct {
		VpcEndpointId   string `json:"VpcEndpointId"`
		VpcEndpointType string `json:"VpcEndpointType"`
		ServiceName     string `json:"ServiceName"`
		PolicyDocument  string `json:"PolicyDocument"`
		State           string `json:"State"`
	} `json:"VpcEndpoints"`
}

// IAM.

type RolesAnswer struct {
	Answer
	Roles []Role `json:"Roles"`
}

type Role struct {
	RoleName                 string `json:"RoleName"`
	Arn                      string `json:"Arn"`
	AssumeRolePolicyDocument string `json:"AssumeRolePolicyDocument"` // URL-encoded JSON
}

type AttachedPoliciesAnswer struct {
	Answer
	AttachedPolicies []struct {
		PolicyName string `json:"PolicyName"`
		PolicyArn  string `json:"PolicyArn"`
	} `json:"AttachedPolicies"`
}

type PolicyNamesAnswer struct {
	Answer
	PolicyNames []string `json:"PolicyNames"`
}

type RolePolicyAnswer struct {
	Answer
	RoleName       string `json:"RoleName"`
	PolicyName     string `json:"PolicyName"`
	PolicyDocument string `json:"PolicyDocument"` // URL-encoded JSON
}

type PolicyVersionAnswer struct {
	Answer
	PolicyVersion *struct {
		Document  string `json:"Document"` // URL-encoded JSON
		VersionId string `json:"VersionId"`
	} `json:"PolicyVersion"`
}

// RolePolicies are a role's permission policies.
type RolePolicies struct {
	Attached *AttachedPoliciesAnswer
	Inline   *PolicyNamesAnswer
	// InlineDocs by policy name; ManagedDocs by policy ARN (customer-managed policies).
	InlineDocs  map[string]*RolePolicyAnswer
	ManagedDocs map[string]*PolicyVersionAnswer
}

// SSM, ECR, CloudTrail, STS.

type ParameterAnswer struct {
	Answer
	Parameter *struct {
		Name  string `json:"Name"`
		Value string `json:"Value"`
	} `json:"Parameter"`
}

type RepositoriesAnswer struct {
	Answer
	Repositories []Repository `json:"Repositories"`
}

type Repository struct {
	RepositoryName             string `json:"RepositoryName"`
	RepositoryArn              string `json:"RepositoryArn"`
	ImageTagMutability         string `json:"ImageTagMutability"`
	ImageScanningConfiguration *struct {
		ScanOnPush bool `json:"ScanOnPush"`
	} `json:"ImageScanningConfiguration"`
	EncryptionConfiguration *struct {
		EncryptionType string `json:"EncryptionType"`
		KmsKey         string `json:"KmsKey"`
	} `json:"EncryptionConfiguration"`
}

type RepositoryPolicyAnswer struct {
	Answer
	PolicyText string `json:"PolicyText"`
}

type LifecyclePolicyAnswer struct {
	Answer
	LifecyclePolicyText string `json:"LifecyclePolicyText"`
}

type ScanningAnswer struct {
	Answer
	ScanningConfiguration *struct {
		ScanType string `json:"ScanType"`
		Rules    []struct {
			ScanFrequency     string `json:"ScanFrequency"`
			RepositoryFilters []struct {
				Filter     string `json:"Filter"`
				FilterType string `json:"FilterType"`
			} `json:"RepositoryFilters"`
		} `json:"Rules"`
	} `json:"ScanningConfiguration"`
}

type TrailsAnswer struct {
	Answer
	TrailList []struct {
		Name                     string `json:"Name"`
		TrailARN                 string `json:"TrailARN"`
		HomeRegion               string `json:"HomeRegion"`
		IsMultiRegionTrail       bool   `json:"IsMultiRegionTrail"`
		LogFileValidationEnabled bool   `json:"LogFileValidationEnabled"`
	} `json:"TrailList"`
}

type TrailStatusAnswer struct {
	Answer
	IsLogging *bool `json:"IsLogging"`
}

type CallerAnswer struct {
	Answer
	Account string `json:"Account"`
	Arn     string `json:"Arn"`
}

// ServiceAccount is a Kubernetes ServiceAccount of the cluster, with the IAM role its
// eks.amazonaws.com/role-arn annotation names (IRSA).
type ServiceAccount struct {
	Namespace string `json:"Namespace"`
	Name      string `json:"Name"`
	RoleArn   string `json:"RoleArn,omitempty"`
}

// ServiceAccountsAnswer is the cluster's ServiceAccounts, read from manifests or kubectl
// output (--objects) and kept in the snapshot beside the API answers.
type ServiceAccountsAnswer struct {
	Answer
	Sources         []string         `json:"Sources"`
	ServiceAccounts []ServiceAccount `json:"ServiceAccounts"`
}

// AWS is the account around one cluster.
type AWS struct {
	// Source is the snapshot directory, or "aws" for a live scan.
	Source string
	// Meta is the snapshot's manifest.
	Region, Cluster string
	Taken           time.Time

	Caller         *CallerAnswer
	ClusterInfo    *ClusterAnswer
	NodegroupNames *NamesAnswer
	Nodegroups     map[string]*NodegroupAnswer
	PodIdentities  *PodIdentityListAnswer
	PodIdentity    map[string]*PodIdentityAnswer
	Subnets        *SubnetsAnswer
	RouteTables    *RouteTablesAnswer
	SecurityGroups *SecurityGroupsAnswer
	// LaunchTemplates by "id:version" as the node group names it.
	LaunchTemplates map[string]*LaunchTemplateAnswer
	VpcEndpoints    *VpcEndpointsAnswer
	Roles           *RolesAnswer
	RolePolicies    map[string]*RolePolicies // by role name
	// Parameters by SSM parameter name.
	Parameters       map[string]*ParameterAnswer
	Repositories     *RepositoriesAnswer
	RepoPolicies     map[string]*RepositoryPolicyAnswer
	RepoLifecycle    map[string]*LifecyclePolicyAnswer
	RegistryScanning *ScanningAnswer
	Trails           *TrailsAnswer
	TrailStatus      map[string]*TrailStatusAnswer // by trail ARN
	// ServiceAccounts of the cluster; nil when none were given.
	ServiceAccounts *ServiceAccountsAnswer
}

// ServiceAccount returns the cluster's service account, or nil.
func (a *AWS) ServiceAccount(ns, name string) *ServiceAccount {
	if a.ServiceAccounts == nil {
		return nil
	}
	for i := range a.ServiceAccounts.ServiceAccounts {
		s := &a.ServiceAccounts.ServiceAccounts[i]
		if s.Namespace == ns && s.Name == name {
			return s
		}
	}
	return nil
}

// TargetKind implements Target.
func (a *AWS) TargetKind() Kind { return KindAWS }

// Subject implements Target: the cluster.
func (a *AWS) Subject() finding.Subject { return finding.Subject{Kind: "EKSCluster", Name: a.Cluster} }

// Locate implements Target: a path is "file#field" (a snapshot file and a field in it).
func (a *AWS) Locate(path string) finding.Location {
	file, field, _ := strings.Cut(path, "#")
	return finding.Location{File: file, Path: field}
}

// AccountID is the scanned account (from STS), or "" when unknown.
func (a *AWS) AccountID() string {
	if a.Caller != nil && a.Caller.Error == nil {
		return a.Caller.Account
	}
	return ""
}

// Role returns the role with the ARN or name.
func (a *AWS) Role(arnOrName string) *Role {
	if a.Roles == nil {
		return nil
	}
	for i := range a.Roles.Roles {
		r := &a.Roles.Roles[i]
		if r.Arn == arnOrName || r.RoleName == arnOrName {
			return r
		}
	}
	return nil
}

// OIDCProviderARN is the IAM OIDC provider ARN of the cluster's issuer.
func (a *AWS) OIDCProviderARN() string {
	if a.ClusterInfo == nil || a.ClusterInfo.Cluster == nil || a.ClusterInfo.Cluster.Identity == nil || a.ClusterInfo.Cluster.Identity.Oidc == nil {
		return ""
	}
	issuer := strings.TrimPrefix(a.ClusterInfo.Cluster.Identity.Oidc.Issuer, "https://")
	if issuer == "" || a.AccountID() == "" {
		return ""
	}
	return "arn:" + Partition(a.Region) + ":iam::" + a.AccountID() + ":oidc-provider/" + issuer
}

// Partition is the AWS partition of a region.
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// AMIReleaseParameter is the public SSM parameter naming the latest release of an EKS AMI type for
// a Kubernetes version ("" for custom and Windows AMIs).
func AMIReleaseParameter(amiType, k8s string) string {
	if k8s == "" {
		return ""
	}
	base := "/aws/service/eks/optimized-ami/" + k8s
	switch amiType {
	case "AL2023_x86_64_STANDARD":
		return base + "/amazon-linux-2023/x86_64/standard/recommended/release_version"
	case "AL2023_ARM_64_STANDARD":
		return base + "/amazon-linux-2023/arm64/standard/recommended/release_version"
	case "AL2023_x86_64_NVIDIA":
		return base + "/amazon-linux-2023/x86_64/nvidia/recommended/release_version"
	case "AL2023_x86_64_NEURON":
		return base + "/amazon-linux-2023/x86_64/neuron/recommended/release_version"
	case "AL2_x86_64":
		return base + "/amazon-linux-2/recommended/release_version"
	case "AL2_x86_64_GPU":
		return base + "/amazon-linux-2-gpu/recommended/release_version"
	case "AL2_ARM_64":
		return base + "/amazon-linux-2-arm64/recommended/release_version"
	case "BOTTLEROCKET_x86_64":
		return "/aws/service/bottlerocket/aws-k8s-" + k8s + "/x86_64/latest/image_version"
	case "BOTTLEROCKET_ARM_64":
		return "/aws/service/bottlerocket/aws-k8s-" + k8s + "/arm64/latest/image_version"
	case "BOTTLEROCKET_x86_64_NVIDIA":
		return "/aws/service/bottlerocket/aws-k8s-" + k8s + "-nvidia/x86_64/latest/image_version"
	case "BOTTLEROCKET_ARM_64_NVIDIA":
		return "/aws/service/bottlerocket/aws-k8s-" + k8s + "-nvidia/arm64/latest/image_version"
	}
	return ""
}
