// Package awsfixture builds AWS snapshots (pkg/source/aws stores) for tests, rule fixtures,
// the example and the benchmark: a healthy account ("good"), one where every AWS rule fails
// ("bad"), and large generated accounts. Documents are written the way the APIs return them
// (IAM policy documents URL-encoded).
package awsfixture

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	awssrc "github.com/eksguard/eksguard/pkg/source/aws"
	"github.com/eksguard/eksguard/pkg/target"
)

// Account, region, cluster and OIDC issuer of every fixture.
const (
	Account = "111122223333"
	Region  = "us-east-1"
	Cluster = "shop"
	Issuer  = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
)

// Taken is the scan date of every fixture.
var Taken = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

type m = map[string]any

func arn(kind, name string) string { return "arn:aws:iam::" + Account + ":" + kind + "/" + name }

// esc names a per-item file as the source does.
func esc(dir string, parts ...string) string {
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return dir + "/" + strings.Join(parts, "/") + ".json"
}

func enc(doc string) string { return url.QueryEscape(doc) }

func must(s awssrc.Store, name string, v any) {
	if err := s.Put(name, v); err != nil {
		panic(err)
	}
}

// IRSATrust is a trust policy pinning one service account.
func IRSATrust(ns, sa string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + arn("oidc-provider", Issuer) + `"},` +
		`"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"` + Issuer + `:sub":"system:serviceaccount:` + ns + `:` + sa + `","` + Issuer + `:aud":"sts.amazonaws.com"}}}]}`
}

const (
	ec2Trust         = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	podIdentityTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`
	// TalkPolicy lets one role pull and denies deletion.
	TalkPolicy         = `{"Version":"2012-10-17","Statement":[{"Sid":"PullOnlyFromCI","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/ci-puller"},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer","ecr:BatchCheckLayerAvailability"]},{"Sid":"NoDelete","Effect":"Deny","Principal":"*","Action":["ecr:DeleteRepository","ecr:BatchDeleteImage"]}]}`
	restrictedEndpoint = `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":"111122223333","aws:ResourceAccount":"111122223333"}}}]}`
	// FullAccessEndpoint is the default policy of an interface endpoint.
	FullAccessEndpoint = `{"Statement":[{"Action":"*","Effect":"Allow","Principal":"*","Resource":"*"}]}`
)

func manifest(s awssrc.Store) {
	must(s, awssrc.ManifestFile, awssrc.Manifest{Tool: "eksguard", Cluster: Cluster, Region: Region, Taken: Taken})
	must(s, "sts/GetCallerIdentity.json", m{"Account": Account, "Arn": "arn:aws:sts::" + Account + ":assumed-role/auditor/session", "UserId": "AROAEXAMPLE:session"})
}

func cluster(s awssrc.Store, version string, public bool, cidrs []string, logs []string, kms bool, mode string) {
	c := m{"Name": Cluster, "Arn": "arn:aws:eks:" + Region + ":" + Account + ":cluster/" + Cluster, "Version": version, "Status": "ACTIVE",
		"ResourcesVpcConfig": m{"VpcId": "vpc-0a1", "SubnetIds": []string{"subnet-priv-a", "subnet-priv-b"}, "ClusterSecurityGroupId": "sg-cluster",
			"EndpointPublicAccess": public, "EndpointPrivateAccess": !public, "PublicAccessCidrs": cidrs},
		"Logging":      m{"ClusterLogging": []m{{"Types": logs, "Enabled": true}}},
		"AccessConfig": m{"AuthenticationMode": mode},
		"Identity":     m{"Oidc": m{"Issuer": "https://" + Issuer}},
	}
	if kms {
		c["EncryptionConfig"] = []m{{"Resources": []string{"secrets"}, "Provider": m{"KeyArn": "arn:aws:kms:" + Region + ":" + Account + ":key/1234abcd-12ab-34cd-56ef-1234567890ab"}}}
	}
	must(s, "eks/DescribeCluster.json", m{"Cluster": c})
}

func network(s awssrc.Store, endpoints []m) {
	must(s, "ec2/DescribeSubnets.json", m{"Subnets": []m{
		{"SubnetId": "subnet-priv-a", "VpcId": "vpc-0a1", "MapPublicIpOnLaunch": false},
		{"SubnetId": "subnet-priv-b", "VpcId": "vpc-0a1", "MapPublicIpOnLaunch": false},
		{"SubnetId": "subnet-pub-a", "VpcId": "vpc-0a1", "MapPublicIpOnLaunch": true},
	}})
	must(s, "ec2/DescribeRouteTables.json", m{"RouteTables": []m{
		{"RouteTableId": "rtb-main", "Associations": []m{{"Main": true}}, "Routes": []m{{"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local"}, {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-1"}}},
		{"RouteTableId": "rtb-public", "Associations": []m{{"Main": false, "SubnetId": "subnet-pub-a"}}, "Routes": []m{{"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-0f1"}}},
	}})
	must(s, "ec2/DescribeVpcEndpoints.json", m{"VpcEndpoints": endpoints})
}

func sg(id string, rules ...m) m { return m{"GroupId": id, "GroupName": id, "IpPermissions": rules} }

func ingress(proto string, from, to int, cidr string) m {
	return m{"IpProtocol": proto, "FromPort": from, "ToPort": to, "IpRanges": []m{{"CidrIp": cidr}}}
}

func role(name, trust string) m {
	return m{"RoleName": name, "Arn": arn("role", name), "Path": "/", "AssumeRolePolicyDocument": enc(trust)}
}

func attached(s awssrc.Store, roleName string, inline map[string]string, policies ...string) {
	var ap []m
	for _, p := range policies {
		a := p
		if !strings.HasPrefix(p, "arn:") {
			a = "arn:aws:iam::aws:policy/" + p
		}
		ap = append(ap, m{"PolicyName": a[strings.LastIndexByte(a, '/')+1:], "PolicyArn": a})
	}
	must(s, esc("iam/ListAttachedRolePolicies", roleName), m{"AttachedPolicies": ap})
	names := []string{}
	for n, doc := range inline {
		names = append(names, n)
		must(s, esc("iam/GetRolePolicy", roleName, n), m{"RoleName": roleName, "PolicyName": n, "PolicyDocument": enc(doc)})
	}
	must(s, esc("iam/ListRolePolicies", roleName), m{"PolicyNames": names})
}

func repo(s awssrc.Store, name string, immutable, scan, kms bool, policy string, lifecycle bool) m {
	mut := "MUTABLE"
	if immutable {
		mut = "IMMUTABLE"
	}
	encType := "AES256"
	if kms {
		encType = "KMS"
	}
	r := m{"RepositoryName": name, "RepositoryArn": "arn:aws:ecr:" + Region + ":" + Account + ":repository/" + name,
		"RegistryId": Account, "RepositoryUri": Account + ".dkr.ecr." + Region + ".amazonaws.com/" + name,
		"ImageTagMutability": mut, "ImageScanningConfiguration": m{"ScanOnPush": scan}, "EncryptionConfiguration": m{"EncryptionType": encType}}
	if policy == "" {
		s.PutError(esc("ecr/GetRepositoryPolicy", name), notFound("RepositoryPolicyNotFoundException", "ecr:GetRepositoryPolicy"))
	} else {
		must(s, esc("ecr/GetRepositoryPolicy", name), m{"RegistryId": Account, "RepositoryName": name, "PolicyText": policy})
	}
	if lifecycle {
		must(s, esc("ecr/GetLifecyclePolicy", name), m{"RegistryId": Account, "RepositoryName": name,
			"LifecyclePolicyText": `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}}]}`})
	} else {
		s.PutError(esc("ecr/GetLifecyclePolicy", name), notFound("LifecyclePolicyNotFoundException", "ecr:GetLifecyclePolicy"))
	}
	return r
}

func notFound(code, action string) *target.APIError {
	return &target.APIError{Code: code, Message: "not found", Action: action}
}

func endpoint(id, svc, typ, policy string) m {
	return m{"VpcEndpointId": id, "VpcEndpointType": typ, "ServiceName": "com.amazonaws." + Region + "." + svc, "PolicyDocument": policy, "State": "available", "VpcId": "vpc-0a1"}
}

func nodegroup(s awssrc.Store, name, ami, version, release, subnet string, lt string, ssh bool) {
	ng := m{"NodegroupName": name, "NodegroupArn": "arn:aws:eks:" + Region + ":" + Account + ":nodegroup/" + Cluster + "/" + name + "/id",
		"ClusterName": Cluster, "Version": version, "ReleaseVersion": release, "AmiType": ami, "NodeRole": arn("role", Cluster+"-node"),
		"Subnets": []string{subnet}, "Status": "ACTIVE"}
	if lt != "" {
		ng["LaunchTemplate"] = m{"Id": lt, "Version": "3", "Name": lt}
	}
	if ssh {
		ng["RemoteAccess"] = m{"Ec2SshKey": "ops-key"}
	}
	must(s, esc("eks/DescribeNodegroup", name), m{"Nodegroup": ng})
}

func launchTemplate(s awssrc.Store, id, tokens string, hops int, groups ...string) {
	must(s, esc("ec2/DescribeLaunchTemplateVersions", id+":3"), m{"LaunchTemplateVersions": []m{{"LaunchTemplateId": id, "VersionNumber": 3,
		"LaunchTemplateData": m{"SecurityGroupIds": groups, "MetadataOptions": m{"HttpTokens": tokens, "HttpPutResponseHopLimit": hops, "HttpEndpoint": "enabled"}}}}})
}

func parameter(s awssrc.Store, name, value string) {
	must(s, esc("ssm/GetParameter", name), m{"Parameter": m{"Name": name, "Value": value, "Type": "String", "Version": 42}})
}

var allLogs = []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}

// Good is a healthy account: every AWS rule passes.
func Good() awssrc.Store {
	s := awssrc.Store{}
	manifest(s)
	cluster(s, "1.34", false, nil, allLogs, true, "API")
	network(s, []m{endpoint("vpce-api", "ecr.api", "Interface", restrictedEndpoint), endpoint("vpce-dkr", "ecr.dkr", "Interface", restrictedEndpoint),
		endpoint("vpce-s3", "s3", "Gateway", FullAccessEndpoint)})
	must(s, "ec2/DescribeSecurityGroups.json", m{"SecurityGroups": []m{
		sg("sg-cluster", m{"IpProtocol": "-1", "UserIdGroupPairs": []m{{"GroupId": "sg-cluster"}}}),
		sg("sg-nodes", ingress("tcp", 443, 443, "10.0.0.0/16"), ingress("tcp", 10250, 10250, "10.0.0.0/16")),
	}})
	must(s, "eks/ListNodegroups.json", m{"Nodegroups": []string{"br", "al2023"}})
	nodegroup(s, "br", "BOTTLEROCKET_x86_64", "1.34", "1.50.0-abcdef12", "subnet-priv-a", "lt-br", false)
	launchTemplate(s, "lt-br", "required", 1, "sg-nodes")
	nodegroup(s, "al2023", "AL2023_x86_64_STANDARD", "1.34", "1.34.2-20261110", "subnet-priv-b", "", false)
	parameter(s, "/aws/service/bottlerocket/aws-k8s-1.34/x86_64/latest/image_version", "1.50.0-abcdef12")
	parameter(s, "/aws/service/eks/optimized-ami/1.34/amazon-linux-2023/x86_64/standard/recommended/release_version", "1.34.2-20261110")
	must(s, "eks/ListPodIdentityAssociations.json", m{"Associations": []m{{"AssociationId": "a-orders", "Namespace": "shop", "ServiceAccount": "orders", "ClusterName": Cluster}}})
	must(s, esc("eks/DescribePodIdentityAssociation", "a-orders"), m{"Association": m{"AssociationId": "a-orders", "AssociationArn": "arn:aws:eks:" + Region + ":" + Account + ":podidentityassociation/" + Cluster + "/a-orders",
		"Namespace": "shop", "ServiceAccount": "orders", "RoleArn": arn("role", "shop-orders"), "ClusterName": Cluster}})
	must(s, "iam/ListRoles.json", m{"Roles": []m{
		role(Cluster+"-node", ec2Trust), role("shop-orders", podIdentityTrust), role("shop-reports", IRSATrust("shop", "reports")),
		role("auditor", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}`),
	}})
	attached(s, Cluster+"-node", nil, "AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly", "AmazonSSMManagedInstanceCore")
	attached(s, "shop-orders", nil, arn("policy", "orders-s3"))
	must(s, esc("iam/GetPolicyVersion", arn("policy", "orders-s3")), m{"PolicyVersion": m{"VersionId": "v2", "IsDefaultVersion": true,
		"Document": enc(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::shop-orders/*"}]}`)}})
	attached(s, "shop-reports", map[string]string{"reports-kms": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:us-east-1:111122223333:key/k"}]}`}, "AmazonS3ReadOnlyAccess")
	must(s, "ecr/DescribeRepositories.json", m{"Repositories": []m{
		repo(s, "shop/web", true, true, true, TalkPolicy, true),
		repo(s, "shop/orders", true, false, true, "", true),
	}})
	must(s, "ecr/GetRegistryScanningConfiguration.json", m{"RegistryId": Account, "ScanningConfiguration": m{"ScanType": "ENHANCED",
		"Rules": []m{{"ScanFrequency": "CONTINUOUS_SCAN", "RepositoryFilters": []m{{"Filter": "shop/*", "FilterType": "WILDCARD"}}}}}})
	trail := "arn:aws:cloudtrail:" + Region + ":" + Account + ":trail/org"
	must(s, "cloudtrail/DescribeTrails.json", m{"TrailList": []m{{"Name": "org", "TrailARN": trail, "HomeRegion": "eu-west-1", "IsMultiRegionTrail": true, "LogFileValidationEnabled": true}}})
	must(s, esc("cloudtrail/GetTrailStatus", trail), m{"IsLogging": true})
	serviceAccounts(s, m{"Namespace": "shop", "Name": "reports", "RoleArn": arn("role", "shop-reports")},
		m{"Namespace": "shop", "Name": "orders"}, m{"Namespace": "kube-system", "Name": "aws-node"})
	return s
}

func serviceAccounts(s awssrc.Store, sas ...m) {
	must(s, awssrc.FileServiceAccounts, m{"Sources": []string{"fixture"}, "ServiceAccounts": sas})
}

// Bad is an account where every AWS rule fails.
func Bad() awssrc.Store {
	s := awssrc.Store{}
	manifest(s)
	cluster(s, "1.31", true, []string{"0.0.0.0/0"}, []string{"api"}, false, "CONFIG_MAP")
	network(s, []m{endpoint("vpce-api", "ecr.api", "Interface", FullAccessEndpoint)})
	must(s, "ec2/DescribeSecurityGroups.json", m{"SecurityGroups": []m{
		sg("sg-cluster", m{"IpProtocol": "-1", "UserIdGroupPairs": []m{{"GroupId": "sg-cluster"}}}, ingress("tcp", 22, 22, "0.0.0.0/0")),
		sg("sg-nodes", ingress("tcp", 0, 65535, "0.0.0.0/0")),
	}})
	must(s, "eks/ListNodegroups.json", m{"Nodegroups": []string{"legacy", "custom"}})
	nodegroup(s, "legacy", "AL2_x86_64", "1.31", "1.31.0-20241024", "subnet-pub-a", "", true)
	nodegroup(s, "custom", "CUSTOM", "1.31", "", "subnet-priv-a", "lt-custom", false)
	launchTemplate(s, "lt-custom", "optional", 2, "sg-nodes")
	parameter(s, "/aws/service/eks/optimized-ami/1.31/amazon-linux-2/recommended/release_version", "1.31.13-20251108")
	must(s, "eks/ListPodIdentityAssociations.json", m{"Associations": []m{{"AssociationId": "a-gone", "Namespace": "shop", "ServiceAccount": "gone", "ClusterName": Cluster}}})
	must(s, esc("eks/DescribePodIdentityAssociation", "a-gone"), m{"Association": m{"AssociationId": "a-gone", "Namespace": "shop", "ServiceAccount": "gone", "RoleArn": arn("role", "deleted-role"), "ClusterName": Cluster}})
	wide := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + arn("oidc-provider", Issuer) + `"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLike":{"` + Issuer + `:sub":"system:serviceaccount:shop:*"}}}]}`
	must(s, "iam/ListRoles.json", m{"Roles": []m{role(Cluster+"-node", ec2Trust), role("shop-admin", wide)}})
	attached(s, Cluster+"-node", map[string]string{"extra": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`},
		"AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly", "AdministratorAccess")
	attached(s, "shop-admin", map[string]string{"all": `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`})
	open := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer","ecr:PutImage"]}]}`
	must(s, "ecr/DescribeRepositories.json", m{"Repositories": []m{repo(s, "shop/web", false, false, false, open, false)}})
	must(s, "ecr/GetRegistryScanningConfiguration.json", m{"RegistryId": Account, "ScanningConfiguration": m{"ScanType": "BASIC", "Rules": []m{}}})
	trail := "arn:aws:cloudtrail:eu-west-1:" + Account + ":trail/eu-only"
	must(s, "cloudtrail/DescribeTrails.json", m{"TrailList": []m{{"Name": "eu-only", "TrailARN": trail, "HomeRegion": "eu-west-1", "IsMultiRegionTrail": false, "LogFileValidationEnabled": false}}})
	must(s, esc("cloudtrail/GetTrailStatus", trail), m{"IsLogging": true})
	serviceAccounts(s, m{"Namespace": "shop", "Name": "admin", "RoleArn": arn("role", "shop-admin")},
		m{"Namespace": "shop", "Name": "web", "RoleArn": arn("role", "deleted-role")})
	return s
}

// Base returns a named base snapshot: good or bad.
func Base(name string) (awssrc.Store, error) {
	switch name {
	case "good":
		return Good(), nil
	case "bad":
		return Bad(), nil
	}
	return nil, fmt.Errorf("unknown base snapshot %q (want good or bad)", name)
}

// Overlay builds a fixture case directory: the base named in its BASE file, minus the files
// listed in REMOVE, plus every .json file of the directory (at its relative path).
func Overlay(dir string) (awssrc.Store, error) {
	b, err := os.ReadFile(filepath.Join(dir, "BASE"))
	if err != nil {
		return nil, err
	}
	s, err := Base(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", dir, err)
	}
	if rm, err := os.ReadFile(filepath.Join(dir, "REMOVE")); err == nil {
		for _, l := range strings.Split(string(rm), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				delete(s, l)
			}
		}
	}
	err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		s[filepath.ToSlash(rel)] = data
		return nil
	})
	return s, err
}

// Generate is a large account for benchmarks: the good account plus nodegroups node groups
// (Bottlerocket and AL2023, each with a launch template), roles IAM roles (a third IRSA
// roles with their permission policies, some with a wildcard :sub) and repos ECR
// repositories with policies and lifecycle policies.
func Generate(nodegroups, roles, repos int) awssrc.Store {
	s := Good()
	var ngNames []string
	for i := 0; i < nodegroups; i++ {
		name := fmt.Sprintf("ng-%03d", i)
		ngNames = append(ngNames, name)
		lt := fmt.Sprintf("lt-%03d", i)
		if i%2 == 0 {
			nodegroup(s, name, "BOTTLEROCKET_x86_64", "1.34", "1.50.0-abcdef12", "subnet-priv-a", lt, false)
		} else {
			nodegroup(s, name, "AL2023_x86_64_STANDARD", "1.34", "1.34.1-20261020", "subnet-priv-b", lt, i%10 == 1)
		}
		launchTemplate(s, lt, []string{"required", "optional"}[i%3/2], 1+i%2, "sg-nodes")
	}
	must(s, "eks/ListNodegroups.json", m{"Nodegroups": ngNames})
	var rl []m
	for i := 0; i < roles; i++ {
		name := fmt.Sprintf("role-%04d", i)
		switch i % 3 {
		case 0:
			trust := IRSATrust("ns"+fmt.Sprint(i%17), "sa-"+fmt.Sprint(i))
			if i%30 == 0 {
				trust = strings.Replace(trust, `"StringEquals":{"`+Issuer+`:sub":"system:serviceaccount:ns0:sa-`+fmt.Sprint(i)+`"`, `"StringLike":{"`+Issuer+`:sub":"system:serviceaccount:*"},"StringEquals":{"x":"y"`, 1)
			}
			rl = append(rl, role(name, trust))
			inline := map[string]string{"app": fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::bucket-%d","arn:aws:s3:::bucket-%d/*"]},{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}`, i, i)}
			attached(s, name, inline, arn("policy", fmt.Sprintf("pol-%d", i)), "AmazonS3ReadOnlyAccess")
			must(s, esc("iam/GetPolicyVersion", arn("policy", fmt.Sprintf("pol-%d", i))), m{"PolicyVersion": m{"VersionId": "v1",
				"Document": enc(fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:Query"],"Resource":"arn:aws:dynamodb:us-east-1:111122223333:table/t-%d"}]}`, i))}})
		case 1:
			rl = append(rl, role(name, ec2Trust))
		default:
			rl = append(rl, role(name, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`))
		}
	}
	var base []m
	_ = jsonInto(s["iam/ListRoles.json"], &base)
	must(s, "iam/ListRoles.json", m{"Roles": append(base, rl...)})
	sas := []m{{"Namespace": "shop", "Name": "reports", "RoleArn": arn("role", "shop-reports")}, {"Namespace": "shop", "Name": "orders"}}
	for i := 0; i < roles; i += 3 {
		sas = append(sas, m{"Namespace": "ns" + fmt.Sprint(i%17), "Name": "sa-" + fmt.Sprint(i), "RoleArn": arn("role", fmt.Sprintf("role-%04d", i))})
	}
	serviceAccounts(s, sas...)
	var rs []m
	for i := 0; i < repos; i++ {
		policy := TalkPolicy
		if i%7 == 0 {
			policy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}]}`
		}
		rs = append(rs, repo(s, fmt.Sprintf("team-%02d/app-%03d", i%20, i), i%2 == 0, i%3 != 0, i%4 != 0, policy, i%5 != 0))
	}
	must(s, "ecr/DescribeRepositories.json", m{"Repositories": rs})
	return s
}

func jsonInto(data []byte, roles *[]m) error {
	var v struct {
		Roles []m `json:"Roles"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*roles = v.Roles
	return nil
}
