// Package fakeaws is a loopback HTTP endpoint for tests that answers the AWS calls eksguard
// makes with the response shapes documented in the AWS API references (restJson1 for EKS,
// awsJson1.1 for ECR, SSM and CloudTrail, awsQuery XML for IAM and STS, ec2Query XML for
// EC2), for a small healthy account around the cluster "shop". It can deny an action (each
// protocol's AccessDenied error) or throttle it a number of times. The real AWS SDK talks to
// it; nothing of the SDK is mocked.
package fakeaws

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// Server is the fake endpoint (an http.Handler).
type Server struct {
	mu       sync.Mutex
	deny     map[string]bool // IAM action names, e.g. "eks:DescribeNodegroup"
	throttle map[string]int  // remaining throttling answers per action
	calls    map[string]int
}

// New returns a server that answers every call.
func New() *Server {
	return &Server{deny: map[string]bool{}, throttle: map[string]int{}, calls: map[string]int{}}
}

// Deny makes the action answer AccessDenied.
func (f *Server) Deny(action string) { f.mu.Lock(); f.deny[action] = true; f.mu.Unlock() }

// Throttle makes the action answer a throttling error n times before it succeeds.
func (f *Server) Throttle(action string, n int) { f.mu.Lock(); f.throttle[action] = n; f.mu.Unlock() }

// Issuer is the cluster's OIDC issuer (host and path).
const Issuer = issuer

const (
	issuer      = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
	account     = "111122223333"
	irsaDoc     = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/` + issuer + `"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"` + issuer + `:sub":"system:serviceaccount:shop:reports","` + issuer + `:aud":"sts.amazonaws.com"}}}]}`
	ec2Doc      = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	podDoc      = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`
	talkRepo    = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/ci-puller"},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]},{"Effect":"Deny","Principal":"*","Action":["ecr:DeleteRepository","ecr:BatchDeleteImage"]}]}`
	endpointDoc = `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":"111122223333","aws:ResourceAccount":"111122223333"}}}]}`
)

// gate counts a call and says whether to answer with an error instead.
func (f *Server) gate(action string) (deny, throttle bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[action]++
	if f.deny[action] {
		return true, false
	}
	if f.throttle[action] > 0 {
		f.throttle[action]--
		return false, true
	}
	return false, false
}

// Calls returns how many times the action was called.
func (f *Server) Calls(action string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[action]
}

func (f *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	switch {
	case r.Header.Get("X-Amz-Target") != "":
		f.serveJSON(w, r.Header.Get("X-Amz-Target"), body)
	case strings.HasPrefix(r.URL.Path, "/clusters/"):
		f.serveEKS(w, r)
	default:
		form, _ := url.ParseQuery(string(body))
		f.serveQuery(w, form)
	}
}

// EKS (restJson1).
func (f *Server) serveEKS(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	var action string
	var out any
	switch {
	case len(parts) == 2:
		action = "eks:DescribeCluster"
		out = map[string]any{"cluster": map[string]any{
			"name": "shop", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/shop", "version": "1.34", "status": "ACTIVE",
			"resourcesVpcConfig": map[string]any{"vpcId": "vpc-0a1", "subnetIds": []string{"subnet-priv-a"}, "clusterSecurityGroupId": "sg-cluster",
				"endpointPublicAccess": false, "endpointPrivateAccess": true, "publicAccessCidrs": []string{}},
			"logging":          map[string]any{"clusterLogging": []any{map[string]any{"types": []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}, "enabled": true}}},
			"encryptionConfig": []any{map[string]any{"resources": []string{"secrets"}, "provider": map[string]any{"keyArn": "arn:aws:kms:us-east-1:111122223333:key/k"}}},
			"accessConfig":     map[string]any{"authenticationMode": "API_AND_CONFIG_MAP"},
			"identity":         map[string]any{"oidc": map[string]any{"issuer": "https://" + issuer}},
			"createdAt":        1.7e9,
		}}
		if parts[1] != "shop" {
			w.Header().Set("X-Amzn-ErrorType", "ResourceNotFoundException")
			w.WriteHeader(404)
			fmt.Fprint(w, `{"message":"No cluster found for name: `+parts[1]+`."}`)
			return
		}
	case len(parts) == 3 && parts[2] == "node-groups":
		action = "eks:ListNodegroups"
		out = map[string]any{"nodegroups": []string{"br"}}
	case len(parts) == 4 && parts[2] == "node-groups":
		action = "eks:DescribeNodegroup"
		out = map[string]any{"nodegroup": map[string]any{"nodegroupName": parts[3], "clusterName": "shop", "version": "1.34",
			"releaseVersion": "1.50.0-abcdef12", "amiType": "BOTTLEROCKET_x86_64", "nodeRole": "arn:aws:iam::111122223333:role/shop-node",
			"subnets": []string{"subnet-priv-a"}, "launchTemplate": map[string]any{"id": "lt-br", "version": "3", "name": "br"}, "status": "ACTIVE"}}
	case len(parts) == 3 && parts[2] == "pod-identity-associations":
		action = "eks:ListPodIdentityAssociations"
		out = map[string]any{"associations": []any{map[string]any{"associationId": "a-orders", "namespace": "shop", "serviceAccount": "orders", "clusterName": "shop"}}}
	case len(parts) == 4 && parts[2] == "pod-identity-associations":
		action = "eks:DescribePodIdentityAssociation"
		out = map[string]any{"association": map[string]any{"associationId": parts[3], "namespace": "shop", "serviceAccount": "orders",
			"roleArn": "arn:aws:iam::111122223333:role/shop-orders", "clusterName": "shop"}}
	default:
		w.WriteHeader(404)
		return
	}
	deny, throttle := f.gate(action)
	switch {
	case deny:
		w.Header().Set("X-Amzn-ErrorType", "AccessDeniedException")
		w.WriteHeader(403)
		fmt.Fprint(w, `{"message":"User is not authorized to perform: `+action+`"}`)
	case throttle:
		w.Header().Set("X-Amzn-ErrorType", "ThrottlingException")
		w.WriteHeader(429)
		fmt.Fprint(w, `{"message":"Rate exceeded"}`)
	default:
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out)
	}
}

// ECR, SSM, CloudTrail (awsJson1.1).
func (f *Server) serveJSON(w http.ResponseWriter, target string, body []byte) {
	var in map[string]any
	_ = json.Unmarshal(body, &in)
	op := target[strings.LastIndexByte(target, '.')+1:]
	var action string
	var out any
	switch {
	case strings.HasPrefix(target, "AmazonEC2ContainerRegistry"):
		action = "ecr:" + op
		switch op {
		case "DescribeRepositories":
			out = map[string]any{"repositories": []any{map[string]any{"repositoryName": "shop/web", "repositoryArn": "arn:aws:ecr:us-east-1:111122223333:repository/shop/web",
				"registryId": account, "imageTagMutability": "IMMUTABLE", "imageScanningConfiguration": map[string]any{"scanOnPush": true},
				"encryptionConfiguration": map[string]any{"encryptionType": "KMS", "kmsKey": "arn:aws:kms:us-east-1:111122223333:key/k"}, "createdAt": 1.7e9}}}
		case "GetRepositoryPolicy":
			out = map[string]any{"registryId": account, "repositoryName": in["repositoryName"], "policyText": talkRepo}
		case "GetLifecyclePolicy":
			out = map[string]any{"registryId": account, "repositoryName": in["repositoryName"], "lifecyclePolicyText": `{"rules":[]}`}
		case "GetRegistryScanningConfiguration":
			out = map[string]any{"registryId": account, "scanningConfiguration": map[string]any{"scanType": "ENHANCED",
				"rules": []any{map[string]any{"scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": []any{map[string]any{"filter": "*", "filterType": "WILDCARD"}}}}}}
		}
	case strings.HasPrefix(target, "AmazonSSM"):
		action = "ssm:" + op
		out = map[string]any{"Parameter": map[string]any{"Name": in["Name"], "Value": "1.50.0-abcdef12", "Type": "String", "Version": 7}}
	case strings.Contains(target, "CloudTrail"):
		action = "cloudtrail:" + op
		switch op {
		case "DescribeTrails":
			out = map[string]any{"trailList": []any{map[string]any{"Name": "org", "TrailARN": "arn:aws:cloudtrail:us-east-1:111122223333:trail/org",
				"HomeRegion": "us-east-1", "IsMultiRegionTrail": true, "LogFileValidationEnabled": true}}}
		case "GetTrailStatus":
			out = map[string]any{"IsLogging": true}
		}
	}
	if out == nil {
		w.WriteHeader(400)
		fmt.Fprint(w, `{"__type":"UnknownOperationException"}`)
		return
	}
	deny, throttle := f.gate(action)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	switch {
	case deny:
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"__type":"AccessDeniedException","message":"User is not authorized to perform: %s"}`, action)
	case throttle:
		w.WriteHeader(400)
		fmt.Fprint(w, `{"__type":"ThrottlingException","message":"Rate exceeded"}`)
	default:
		json.NewEncoder(w).Encode(out)
	}
}

// IAM and STS (awsQuery), EC2 (ec2Query).
func (f *Server) serveQuery(w http.ResponseWriter, form url.Values) {
	op := form.Get("Action")
	version := form.Get("Version")
	var action, result string
	switch version {
	case "2016-11-15":
		action = "ec2:" + op
		result = ec2Result(op)
	case "2010-05-08":
		action = "iam:" + op
		result = iamResult(op, form)
	case "2011-06-15":
		action = "sts:" + op
		result = `<GetCallerIdentityResult><Arn>arn:aws:sts::111122223333:assumed-role/auditor/s</Arn><UserId>AROA:s</UserId><Account>111122223333</Account></GetCallerIdentityResult>`
	}
	deny, throttle := f.gate(action)
	w.Header().Set("Content-Type", "text/xml")
	switch {
	case version == "2016-11-15" && (deny || throttle):
		code, status := "UnauthorizedOperation", 403
		if throttle {
			code, status = "RequestLimitExceeded", 503
		}
		w.WriteHeader(status)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>%s</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors><RequestID>r</RequestID></Response>`, code)
	case deny || throttle:
		code, status := "AccessDenied", 403
		if throttle {
			code, status = "Throttling", 400
		}
		w.WriteHeader(status)
		fmt.Fprintf(w, `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>%s</Code><Message>not authorized to perform %s</Message></Error><RequestId>r</RequestId></ErrorResponse>`, code, action)
	case version == "2016-11-15":
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><%sResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId>%s</%sResponse>`, op, result, op)
	default:
		fmt.Fprintf(w, `<%sResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">%s<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></%sResponse>`, op, result, op)
	}
}

func ec2Result(op string) string {
	switch op {
	case "DescribeSubnets":
		return `<subnetSet><item><subnetId>subnet-priv-a</subnetId><vpcId>vpc-0a1</vpcId><mapPublicIpOnLaunch>false</mapPublicIpOnLaunch></item></subnetSet>`
	case "DescribeRouteTables":
		return `<routeTableSet><item><routeTableId>rtb-main</routeTableId><vpcId>vpc-0a1</vpcId><associationSet><item><main>true</main></item></associationSet>` +
			`<routeSet><item><destinationCidrBlock>10.0.0.0/16</destinationCidrBlock><gatewayId>local</gatewayId></item><item><destinationCidrBlock>0.0.0.0/0</destinationCidrBlock><natGatewayId>nat-1</natGatewayId></item></routeSet></item></routeTableSet>`
	case "DescribeSecurityGroups":
		return `<securityGroupInfo><item><groupId>sg-nodes</groupId><groupName>nodes</groupName><ipPermissions><item><ipProtocol>tcp</ipProtocol><fromPort>443</fromPort><toPort>443</toPort>` +
			`<ipRanges><item><cidrIp>10.0.0.0/16</cidrIp></item></ipRanges></item></ipPermissions></item></securityGroupInfo>`
	case "DescribeVpcEndpoints":
		var b strings.Builder
		b.WriteString(`<vpcEndpointSet>`)
		for _, svc := range []string{"ecr.api", "ecr.dkr", "s3"} {
			fmt.Fprintf(&b, `<item><vpcEndpointId>vpce-%s</vpcEndpointId><vpcEndpointType>Interface</vpcEndpointType><serviceName>com.amazonaws.us-east-1.%s</serviceName><state>available</state><policyDocument>%s</policyDocument></item>`,
				strings.ReplaceAll(svc, ".", "-"), svc, xmlEscape(endpointDoc))
		}
		b.WriteString(`</vpcEndpointSet>`)
		return b.String()
	case "DescribeLaunchTemplateVersions":
		return `<launchTemplateVersionSet><item><launchTemplateId>lt-br</launchTemplateId><versionNumber>3</versionNumber><launchTemplateData>` +
			`<securityGroupIdSet><item>sg-nodes</item></securityGroupIdSet><metadataOptions><httpTokens>required</httpTokens><httpPutResponseHopLimit>1</httpPutResponseHopLimit><httpEndpoint>enabled</httpEndpoint></metadataOptions>` +
			`</launchTemplateData></item></launchTemplateVersionSet>`
	}
	return ""
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

func roleXML(name, doc string) string {
	return fmt.Sprintf(`<member><Path>/</Path><RoleName>%s</RoleName><RoleId>AROA%s</RoleId><Arn>arn:aws:iam::111122223333:role/%s</Arn><CreateDate>2024-01-02T03:04:05Z</CreateDate><AssumeRolePolicyDocument>%s</AssumeRolePolicyDocument></member>`,
		name, strings.ToUpper(name), name, url.QueryEscape(doc))
}

func iamResult(op string, form url.Values) string {
	switch op {
	case "ListRoles":
		return `<ListRolesResult><IsTruncated>false</IsTruncated><Roles>` + roleXML("shop-node", ec2Doc) + roleXML("shop-orders", podDoc) + roleXML("shop-reports", irsaDoc) + `</Roles></ListRolesResult>`
	case "ListAttachedRolePolicies":
		var m []string
		switch form.Get("RoleName") {
		case "shop-node":
			m = []string{"AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly"}
		case "shop-reports":
			m = []string{"arn:aws:iam::111122223333:policy/reports"}
		}
		var b strings.Builder
		for _, p := range m {
			a := p
			if !strings.HasPrefix(p, "arn:") {
				a = "arn:aws:iam::aws:policy/" + p
			}
			fmt.Fprintf(&b, `<member><PolicyName>%s</PolicyName><PolicyArn>%s</PolicyArn></member>`, a[strings.LastIndexByte(a, '/')+1:], a)
		}
		return `<ListAttachedRolePoliciesResult><IsTruncated>false</IsTruncated><AttachedPolicies>` + b.String() + `</AttachedPolicies></ListAttachedRolePoliciesResult>`
	case "ListRolePolicies":
		return `<ListRolePoliciesResult><IsTruncated>false</IsTruncated><PolicyNames></PolicyNames></ListRolePoliciesResult>`
	case "GetPolicy":
		return `<GetPolicyResult><Policy><PolicyName>reports</PolicyName><Arn>arn:aws:iam::111122223333:policy/reports</Arn><DefaultVersionId>v3</DefaultVersionId></Policy></GetPolicyResult>`
	case "GetPolicyVersion":
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::reports/*"}]}`
		return `<GetPolicyVersionResult><PolicyVersion><Document>` + url.QueryEscape(doc) + `</Document><VersionId>` + form.Get("VersionId") + `</VersionId><IsDefaultVersion>true</IsDefaultVersion></PolicyVersion></GetPolicyVersionResult>`
	}
	return ""
}
