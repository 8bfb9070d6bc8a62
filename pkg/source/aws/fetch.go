package aws

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/eksguard/eksguard/pkg/iampolicy"
	"github.com/eksguard/eksguard/pkg/target"
)

// Options say how to reach AWS.
type Options struct {
	Cluster string
	// Region overrides the region of the credential chain's configuration.
	Region string
	// Config, when set, is used instead of the standard credential chain (tests).
	Config *aws.Config
	// Endpoint, when set, is the base endpoint of every service (tests, or a proxy).
	Endpoint string
	// Now is the time of the scan (default time.Now).
	Now func() time.Time
}

// LoadConfig reads the standard credential chain: environment, shared config and
// credentials files (profiles, SSO), web identity (IRSA), container credentials (EKS Pod
// Identity) and the instance role.
func LoadConfig(ctx context.Context, region string) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return cfg, fmt.Errorf("AWS configuration: %v", err)
	}
	if cfg.Region == "" {
		return cfg, errors.New("no AWS region: pass --region or set AWS_REGION")
	}
	return cfg, nil
}

// fetcher makes the read-only calls and stores every answer (or its error).
type fetcher struct {
	ctx     context.Context
	s       Store
	cluster string
	eks     *eks.Client
	ec2     *ec2.Client
	iam     *iam.Client
	ecr     *ecr.Client
	ssm     *ssm.Client
	ct      *cloudtrail.Client
	sts     *sts.Client
}

// Fetch reads everything the AWS rules use into a store (a snapshot in memory).
func Fetch(ctx context.Context, o Options) (Store, error) {
	var cfg aws.Config
	if o.Config != nil {
		cfg = o.Config.Copy()
		if o.Region != "" {
			cfg.Region = o.Region
		}
	} else {
		var err error
		if cfg, err = LoadConfig(ctx, o.Region); err != nil {
			return nil, err
		}
	}
	// Without credentials every call fails the same way: say so once rather than report
	// every control unknown.
	if cfg.Credentials == nil {
		return nil, errors.New("no AWS credentials (environment, profile, SSO, IRSA, Pod Identity or instance role)")
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return nil, fmt.Errorf("no usable AWS credentials (environment, profile, SSO, IRSA, Pod Identity or instance role): %v", err)
	}
	var ep *string
	if o.Endpoint != "" {
		ep = aws.String(o.Endpoint)
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	f := &fetcher{ctx: ctx, s: Store{}, cluster: o.Cluster,
		eks: eks.NewFromConfig(cfg, func(x *eks.Options) { x.BaseEndpoint = ep }),
		ec2: ec2.NewFromConfig(cfg, func(x *ec2.Options) { x.BaseEndpoint = ep }),
		iam: iam.NewFromConfig(cfg, func(x *iam.Options) { x.BaseEndpoint = ep }),
		ecr: ecr.NewFromConfig(cfg, func(x *ecr.Options) { x.BaseEndpoint = ep }),
		ssm: ssm.NewFromConfig(cfg, func(x *ssm.Options) { x.BaseEndpoint = ep }),
		ct:  cloudtrail.NewFromConfig(cfg, func(x *cloudtrail.Options) { x.BaseEndpoint = ep }),
		sts: sts.NewFromConfig(cfg, func(x *sts.Options) { x.BaseEndpoint = ep }),
	}
	if err := f.s.Put(ManifestFile, Manifest{Tool: "eksguard", Cluster: o.Cluster, Region: cfg.Region, Taken: now().UTC()}); err != nil {
		return nil, err
	}
	if err := f.run(); err != nil {
		return nil, err
	}
	return f.s, nil
}

// apiError turns an SDK error into the stored form.
func apiError(action string, err error) *target.APIError {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return &target.APIError{Code: ae.ErrorCode(), Message: ae.ErrorMessage(), Action: action}
	}
	return &target.APIError{Code: "RequestError", Message: err.Error(), Action: action}
}

// call stores the answer of one call, or its error; it reports success.
func (f *fetcher) call(name, action string, fn func() (any, error)) bool {
	out, err := fn()
	if err != nil {
		f.s.PutError(name, apiError(action, err))
		return false
	}
	if err := f.s.Put(name, out); err != nil {
		f.s.PutError(name, &target.APIError{Code: "EncodeError", Message: err.Error(), Action: action})
		return false
	}
	return true
}

func (f *fetcher) run() error {
	ctx := f.ctx
	f.call(fCaller, "sts:GetCallerIdentity", func() (any, error) { return f.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}) })
	var cluster *ekstypes.Cluster
	var clusterErr error
	f.call(fCluster, "eks:DescribeCluster", func() (any, error) {
		out, err := f.eks.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(f.cluster)})
		if err == nil {
			cluster = out.Cluster
		}
		clusterErr = err
		return out, err
	})
	var nf *ekstypes.ResourceNotFoundException
	if errors.As(clusterErr, &nf) {
		return fmt.Errorf("cluster %q not found in this account and region", f.cluster)
	}

	// Node groups.
	var names []string
	f.call(fNodegroups, "eks:ListNodegroups", func() (any, error) {
		p := eks.NewListNodegroupsPaginator(f.eks, &eks.ListNodegroupsInput{ClusterName: aws.String(f.cluster)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			names = append(names, out.Nodegroups...)
		}
		return map[string]any{"Nodegroups": names}, nil
	})
	var nodegroups []*ekstypes.Nodegroup
	for _, n := range names {
		f.call(key(dNodegroup, n), "eks:DescribeNodegroup", func() (any, error) {
			out, err := f.eks.DescribeNodegroup(ctx, &eks.DescribeNodegroupInput{ClusterName: aws.String(f.cluster), NodegroupName: aws.String(n)})
			if err == nil && out.Nodegroup != nil {
				nodegroups = append(nodegroups, out.Nodegroup)
			}
			return out, err
		})
	}

	// Pod Identity associations.
	var assocIDs []string
	f.call(fPodIdentities, "eks:ListPodIdentityAssociations", func() (any, error) {
		var all []ekstypes.PodIdentityAssociationSummary
		p := eks.NewListPodIdentityAssociationsPaginator(f.eks, &eks.ListPodIdentityAssociationsInput{ClusterName: aws.String(f.cluster)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			all = append(all, out.Associations...)
		}
		for _, a := range all {
			assocIDs = append(assocIDs, aws.ToString(a.AssociationId))
		}
		return map[string]any{"Associations": all}, nil
	})
	podRoles := map[string]bool{}
	for _, id := range assocIDs {
		f.call(key(dPodIdentity, id), "eks:DescribePodIdentityAssociation", func() (any, error) {
			out, err := f.eks.DescribePodIdentityAssociation(ctx, &eks.DescribePodIdentityAssociationInput{ClusterName: aws.String(f.cluster), AssociationId: aws.String(id)})
			if err == nil && out.Association != nil {
				podRoles[roleName(aws.ToString(out.Association.RoleArn))] = true
			}
			return out, err
		})
	}

	// Network: the cluster's VPC.
	if cluster != nil && cluster.ResourcesVpcConfig != nil && cluster.ResourcesVpcConfig.VpcId != nil {
		vpc := []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{*cluster.ResourcesVpcConfig.VpcId}}}
		f.call(fSubnets, "ec2:DescribeSubnets", func() (any, error) {
			var all []ec2types.Subnet
			p := ec2.NewDescribeSubnetsPaginator(f.ec2, &ec2.DescribeSubnetsInput{Filters: vpc})
			for p.HasMorePages() {
				out, err := p.NextPage(ctx)
				if err != nil {
					return nil, err
				}
				all = append(all, out.Subnets...)
			}
			return map[string]any{"Subnets": all}, nil
		})
		f.call(fRouteTables, "ec2:DescribeRouteTables", func() (any, error) {
			var all []ec2types.RouteTable
			p := ec2.NewDescribeRouteTablesPaginator(f.ec2, &ec2.DescribeRouteTablesInput{Filters: vpc})
			for p.HasMorePages() {
				out, err := p.NextPage(ctx)
				if err != nil {
					return nil, err
				}
				all = append(all, out.RouteTables...)
			}
			return map[string]any{"RouteTables": all}, nil
		})
		f.call(fSecurityGroups, "ec2:DescribeSecurityGroups", func() (any, error) {
			var all []ec2types.SecurityGroup
			p := ec2.NewDescribeSecurityGroupsPaginator(f.ec2, &ec2.DescribeSecurityGroupsInput{Filters: vpc})
			for p.HasMorePages() {
				out, err := p.NextPage(ctx)
				if err != nil {
					return nil, err
				}
				all = append(all, out.SecurityGroups...)
			}
			return map[string]any{"SecurityGroups": all}, nil
		})
		f.call(fVpcEndpoints, "ec2:DescribeVpcEndpoints", func() (any, error) {
			var all []ec2types.VpcEndpoint
			p := ec2.NewDescribeVpcEndpointsPaginator(f.ec2, &ec2.DescribeVpcEndpointsInput{Filters: vpc})
			for p.HasMorePages() {
				out, err := p.NextPage(ctx)
				if err != nil {
					return nil, err
				}
				all = append(all, out.VpcEndpoints...)
			}
			return map[string]any{"VpcEndpoints": all}, nil
		})
	}
	nodeRoles := map[string]bool{}
	for _, ng := range nodegroups {
		nodeRoles[roleName(aws.ToString(ng.NodeRole))] = true
		if lt := ng.LaunchTemplate; lt != nil && lt.Id != nil {
			version := aws.ToString(lt.Version)
			f.call(key(dLaunchTemplate, aws.ToString(lt.Id)+":"+version), "ec2:DescribeLaunchTemplateVersions", func() (any, error) {
				return f.ec2.DescribeLaunchTemplateVersions(ctx, &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: lt.Id, Versions: []string{version}})
			})
		}
		if p := target.AMIReleaseParameter(string(ng.AmiType), aws.ToString(ng.Version)); p != "" {
			if _, done := f.s[key(dParameter, p)]; !done {
				f.call(key(dParameter, p), "ssm:GetParameter", func() (any, error) {
					return f.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(p)})
				})
			}
		}
	}

	// IAM: every role (for trust policies), then the permissions of the roles pods reach.
	var roles []iamtypes.Role
	f.call(fRoles, "iam:ListRoles", func() (any, error) {
		p := iam.NewListRolesPaginator(f.iam, &iam.ListRolesInput{})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			roles = append(roles, out.Roles...)
		}
		return map[string]any{"Roles": roles}, nil
	})
	oidc := ""
	if cluster != nil && cluster.Identity != nil && cluster.Identity.Oidc != nil {
		oidc = strings.TrimPrefix(aws.ToString(cluster.Identity.Oidc.Issuer), "https://")
	}
	for _, r := range roles {
		name := aws.ToString(r.RoleName)
		if nodeRoles[name] || podRoles[name] || (oidc != "" && trustsIssuer(aws.ToString(r.AssumeRolePolicyDocument), oidc)) {
			f.rolePolicies(name)
		}
	}

	// ECR.
	var repos []ecrtypes.Repository
	f.call(fRepositories, "ecr:DescribeRepositories", func() (any, error) {
		p := ecr.NewDescribeRepositoriesPaginator(f.ecr, &ecr.DescribeRepositoriesInput{})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			repos = append(repos, out.Repositories...)
		}
		return map[string]any{"Repositories": repos}, nil
	})
	for _, r := range repos {
		name := aws.ToString(r.RepositoryName)
		f.call(key(dRepoPolicy, name), "ecr:GetRepositoryPolicy", func() (any, error) {
			return f.ecr.GetRepositoryPolicy(ctx, &ecr.GetRepositoryPolicyInput{RepositoryName: aws.String(name)})
		})
		f.call(key(dLifecycle, name), "ecr:GetLifecyclePolicy", func() (any, error) {
			return f.ecr.GetLifecyclePolicy(ctx, &ecr.GetLifecyclePolicyInput{RepositoryName: aws.String(name)})
		})
	}
	f.call(fScanning, "ecr:GetRegistryScanningConfiguration", func() (any, error) {
		return f.ecr.GetRegistryScanningConfiguration(ctx, &ecr.GetRegistryScanningConfigurationInput{})
	})

	// CloudTrail.
	var trails []string
	f.call(fTrails, "cloudtrail:DescribeTrails", func() (any, error) {
		out, err := f.ct.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: aws.Bool(true)})
		if err == nil {
			for _, t := range out.TrailList {
				trails = append(trails, aws.ToString(t.TrailARN))
			}
		}
		return out, err
	})
	for _, arn := range trails {
		f.call(key(dTrailStatus, arn), "cloudtrail:GetTrailStatus", func() (any, error) {
			return f.ct.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String(arn)})
		})
	}
	return nil
}

// rolePolicies stores a role's attached and inline policies and the documents of its
// customer-managed policies.
func (f *fetcher) rolePolicies(name string) {
	ctx := f.ctx
	var attached []iamtypes.AttachedPolicy
	f.call(key(dAttached, name), "iam:ListAttachedRolePolicies", func() (any, error) {
		p := iam.NewListAttachedRolePoliciesPaginator(f.iam, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			attached = append(attached, out.AttachedPolicies...)
		}
		return map[string]any{"AttachedPolicies": attached}, nil
	})
	var inline []string
	f.call(key(dInline, name), "iam:ListRolePolicies", func() (any, error) {
		p := iam.NewListRolePoliciesPaginator(f.iam, &iam.ListRolePoliciesInput{RoleName: aws.String(name)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			inline = append(inline, out.PolicyNames...)
		}
		return map[string]any{"PolicyNames": inline}, nil
	})
	for _, pn := range inline {
		f.call(key(dInlineDoc, name, pn), "iam:GetRolePolicy", func() (any, error) {
			return f.iam.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(pn)})
		})
	}
	for _, ap := range attached {
		arn := aws.ToString(ap.PolicyArn)
		if strings.Contains(arn, ":iam::aws:policy/") { // AWS managed: judged by name
			continue
		}
		if _, done := f.s[key(dPolicyVersion, arn)]; done {
			continue
		}
		f.call(key(dPolicyVersion, arn), "iam:GetPolicyVersion", func() (any, error) {
			pol, err := f.iam.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
			if err != nil {
				return nil, err
			}
			return f.iam.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: pol.Policy.DefaultVersionId})
		})
	}
}

// trustsIssuer reports whether a trust policy names the cluster's OIDC issuer.
func trustsIssuer(doc, issuer string) bool {
	p, err := iampolicy.ParseEncoded(doc)
	if err != nil {
		return strings.Contains(doc, issuer) // keep a role whose policy we cannot parse: rules report it
	}
	for _, s := range p.Statements {
		for _, id := range s.Principal["Federated"] {
			if strings.HasSuffix(id, "oidc-provider/"+issuer) {
				return true
			}
		}
	}
	return false
}

func roleName(arn string) string {
	i := strings.LastIndexByte(arn, '/')
	return arn[i+1:]
}
