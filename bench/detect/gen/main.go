// Command gen writes a deterministic stream of realistic Kubernetes audit events (JSON
// lines) or CloudTrail records ({"Records":[...]} files) for the detect benchmark.
//
//	go run ./bench/detect/gen -kind audit -n 1000000 > audit.jsonl
//	go run ./bench/detect/gen -kind cloudtrail -n 1000000 > cloudtrail.json
//
// The mix follows what a busy EKS cluster logs: mostly kubelets and controllers reading
// and watching, leases being renewed, some pods created and deleted, and a small share of
// the activity detection rules look for (exec, secrets read by people, RBAC changes).
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"time"
)

type obj = map[string]any

func main() {
	kind := flag.String("kind", "audit", "audit or cloudtrail")
	n := flag.Int("n", 1000000, "number of events")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	defer w.Flush()
	r := rand.New(rand.NewPCG(*seed, 42))
	start := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	switch *kind {
	case "audit":
		for i := 0; i < *n; i++ {
			b, _ := json.Marshal(audit(r, i, start.Add(time.Duration(i)*3*time.Millisecond)))
			w.Write(b)
			w.WriteByte('\n')
		}
	case "cloudtrail":
		// CloudTrail delivers files of up to a few thousand records.
		const perFile = 1000
		for i := 0; i < *n; i += perFile {
			var recs []any
			for j := i; j < i+perFile && j < *n; j++ {
				recs = append(recs, trail(r, j, start.Add(time.Duration(j)*10*time.Millisecond)))
			}
			b, _ := json.Marshal(obj{"Records": recs})
			w.Write(b)
			w.WriteByte('\n')
		}
	default:
		fmt.Fprintln(os.Stderr, "-kind: audit or cloudtrail")
		os.Exit(2)
	}
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

var (
	namespaces = []string{"default", "shop", "payments", "search", "kube-system", "monitoring", "ingress-nginx", "argocd"}
	nodes      = []string{"ip-10-0-1-23.ec2.internal", "ip-10-0-2-41.ec2.internal", "ip-10-0-3-77.ec2.internal", "ip-10-0-1-90.ec2.internal"}
	people     = []string{"kubernetes-admin", "alice@example.com", "bob@example.com", "arn:aws:sts::111122223333:assumed-role/Dev/carol", "deploy-bot"}
	images     = []string{"nginx:1.25.3", "111122223333.dkr.ecr.us-east-1.amazonaws.com/shop/web:2.4.1", "public.ecr.aws/docker/library/redis:7.2",
		"registry.k8s.io/ingress-nginx/controller:v1.9.4", "quay.io/prometheus/node-exporter:v1.7.0"}
	controllers = []string{"system:serviceaccount:kube-system:replicaset-controller", "system:serviceaccount:kube-system:deployment-controller",
		"system:serviceaccount:kube-system:endpointslice-controller", "system:kube-controller-manager", "system:kube-scheduler"}
)

func base(r *rand.Rand, i int, t time.Time, verb, user string, groups []string, resource, sub, ns, name string, code int) obj {
	uri := "/api/v1/"
	if ns != "" {
		uri += "namespaces/" + ns + "/"
	}
	uri += resource
	if name != "" {
		uri += "/" + name
	}
	if sub != "" {
		uri += "/" + sub
	}
	ref := obj{"resource": resource, "apiVersion": "v1"}
	if ns != "" {
		ref["namespace"] = ns
	}
	if name != "" {
		ref["name"] = name
	}
	if sub != "" {
		ref["subresource"] = sub
	}
	gs := []any{}
	for _, g := range groups {
		gs = append(gs, g)
	}
	return obj{
		"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
		"auditID": fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", r.Uint32(), i&0xffff, r.IntN(4096), r.IntN(4096), r.Uint64()&0xffffffffffff),
		"stage":   "ResponseComplete", "requestURI": uri, "verb": verb,
		"user":      obj{"username": user, "groups": gs},
		"sourceIPs": []any{fmt.Sprintf("10.0.%d.%d", r.IntN(4), r.IntN(250)+2)},
		"userAgent": pick(r, []string{"kubelet/v1.30.2-eks (linux/amd64) kubernetes/abc", "kube-controller-manager/v1.30.2 (linux/amd64)", "kubectl/v1.30.2 (darwin/arm64)"}),
		"objectRef": ref, "responseStatus": obj{"metadata": obj{}, "code": code},
		"requestReceivedTimestamp": t.Format(time.RFC3339Nano), "stageTimestamp": t.Add(7 * time.Millisecond).Format(time.RFC3339Nano),
		"annotations": obj{"authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": `RBAC: allowed by ClusterRoleBinding "system:node" of ClusterRole "system:node" to Group "system:nodes"`},
	}
}

func podObject(r *rand.Rand, ns string) obj {
	sc := obj{"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "runAsNonRoot": true}
	if r.IntN(200) == 0 {
		sc = obj{"privileged": true}
	}
	spec := obj{
		"serviceAccountName": "default",
		"containers": []any{obj{"name": "app", "image": pick(r, images), "securityContext": sc,
			"ports":     []any{obj{"containerPort": 8080, "protocol": "TCP"}},
			"resources": obj{"limits": obj{"cpu": "500m", "memory": "256Mi"}, "requests": obj{"cpu": "100m", "memory": "128Mi"}},
			"env":       []any{obj{"name": "LOG_LEVEL", "value": "info"}, obj{"name": "PORT", "value": "8080"}}}},
		"volumes": []any{obj{"name": "kube-api-access", "projected": obj{"sources": []any{obj{"serviceAccountToken": obj{"path": "token"}}}}}},
	}
	if r.IntN(300) == 0 {
		spec["volumes"] = []any{obj{"name": "docker", "hostPath": obj{"path": "/var/run/docker.sock"}}}
	}
	return obj{"kind": "Pod", "apiVersion": "v1", "metadata": obj{"generateName": "web-7d4b9c-", "namespace": ns, "labels": obj{"app": "web"}}, "spec": spec}
}

func audit(r *rand.Rand, i int, t time.Time) obj {
	ns := pick(r, namespaces)
	node := "system:node:" + pick(r, nodes)
	x := r.IntN(1000)
	switch {
	case x < 300: // kubelets read their pods, configmaps, secrets
		res := pick(r, []string{"pods", "configmaps", "secrets", "services"})
		return base(r, i, t, pick(r, []string{"get", "list", "watch"}), node, []string{"system:nodes", "system:authenticated"}, res, "", ns, fmt.Sprintf("app-%d", r.IntN(50)), 200)
	case x < 450: // node status and lease renewals
		e := base(r, i, t, "update", node, []string{"system:nodes", "system:authenticated"}, "leases", "", "kube-node-lease", pick(r, nodes), 200)
		e["objectRef"].(obj)["apiGroup"] = "coordination.k8s.io"
		return e
	case x < 700: // controllers
		res := pick(r, []string{"endpointslices", "replicasets", "deployments", "pods", "events"})
		return base(r, i, t, pick(r, []string{"get", "list", "watch", "update", "patch"}), pick(r, controllers), []string{"system:authenticated"}, res, "", ns, "", 200)
	case x < 760: // pods created with a full request object
		e := base(r, i, t, "create", pick(r, controllers[:2]), []string{"system:authenticated"}, "pods", "", ns, "", 201)
		e["level"] = "Request"
		e["requestObject"] = podObject(r, ns)
		e["responseObject"] = obj{"metadata": obj{"name": fmt.Sprintf("web-7d4b9c-%05d", i%100000)}}
		return e
	case x < 800:
		return base(r, i, t, "delete", pick(r, controllers[:2]), []string{"system:authenticated"}, "pods", "", ns, fmt.Sprintf("web-7d4b9c-%05d", r.IntN(100000)), 200)
	case x < 940: // people and CI reading things
		res := pick(r, []string{"pods", "deployments", "services", "configmaps", "namespaces"})
		return base(r, i, t, pick(r, []string{"get", "list"}), pick(r, people), []string{"system:authenticated"}, res, "", ns, "", 200)
	case x < 960: // configmap updates
		e := base(r, i, t, "update", "deploy-bot", []string{"system:authenticated"}, "configmaps", "", ns, "app-config", 200)
		e["requestObject"] = obj{"metadata": obj{"name": "app-config"}, "data": obj{"LOG_LEVEL": "info", "FEATURE_X": "on"}}
		return e
	case x < 975: // secrets read by people
		return base(r, i, t, "get", pick(r, people), []string{"system:authenticated"}, "secrets", "", ns, "db-password", pick(r, []int{200, 403}))
	case x < 985: // exec
		e := base(r, i, t, "create", pick(r, people), []string{"system:authenticated"}, "pods", "exec", ns, "web-0", 101)
		e["requestURI"] = e["requestURI"].(string) + "?command=sh&container=app&stdin=true&tty=true"
		return e
	case x < 995: // RBAC changes
		res := pick(r, []string{"clusterrolebindings", "rolebindings", "clusterroles"})
		e := base(r, i, t, "create", pick(r, people), []string{"system:authenticated"}, res, "", "", fmt.Sprintf("rb-%d", r.IntN(100)), 201)
		e["requestObject"] = obj{"roleRef": obj{"kind": "ClusterRole", "name": pick(r, []string{"view", "edit", "cluster-admin"})},
			"subjects": []any{obj{"kind": "User", "name": pick(r, people)}}, "rules": []any{obj{"verbs": []any{"get", "list"}, "resources": []any{"pods"}}}}
		return e
	default: // anonymous health checks
		e := base(r, i, t, "get", "system:anonymous", []string{"system:unauthenticated"}, "", "", "", "", 200)
		e["requestURI"] = "/healthz"
		delete(e, "objectRef")
		return e
	}
}

func trail(r *rand.Rand, i int, t time.Time) obj {
	type call struct{ src, name string }
	calls := []call{{"ec2.amazonaws.com", "DescribeInstances"}, {"s3.amazonaws.com", "GetObject"}, {"sts.amazonaws.com", "AssumeRoleWithWebIdentity"},
		{"ecr.amazonaws.com", "BatchGetImage"}, {"eks.amazonaws.com", "DescribeCluster"}, {"kms.amazonaws.com", "Decrypt"},
		{"sts.amazonaws.com", "AssumeRole"}, {"logs.amazonaws.com", "PutLogEvents"}, {"ec2.amazonaws.com", "RunInstances"},
		{"iam.amazonaws.com", "CreateAccessKey"}, {"signin.amazonaws.com", "ConsoleLogin"}, {"cloudtrail.amazonaws.com", "StopLogging"}}
	x := r.IntN(1000)
	var c call
	switch {
	case x < 990:
		c = calls[r.IntN(8)]
	default:
		c = calls[8+r.IntN(4)]
	}
	id := obj{"type": "AssumedRole", "principalId": "AROAEXAMPLE:i-0abc", "arn": "arn:aws:sts::111122223333:assumed-role/eks-node/i-0abc",
		"accountId": "111122223333", "accessKeyId": "ASIAEXAMPLE", "sessionContext": obj{"sessionIssuer": obj{"type": "Role", "userName": "eks-node",
			"arn": "arn:aws:iam::111122223333:role/eks-node", "principalId": "AROAEXAMPLE", "accountId": "111122223333"},
			"attributes": obj{"creationDate": t.Add(-time.Hour).Format(time.RFC3339), "mfaAuthenticated": "false"}}}
	params := obj{"instancesSet": obj{"items": []any{obj{"instanceId": "i-0abc"}}}}
	var resp any
	switch c.name {
	case "GetObject":
		params = obj{"bucketName": "shop-assets", "key": fmt.Sprintf("img/%d.png", r.IntN(10000)), "Host": "shop-assets.s3.amazonaws.com"}
	case "AssumeRoleWithWebIdentity":
		id = obj{"type": "WebIdentityUser", "principalId": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC:sts.amazonaws.com:system:serviceaccount:shop:web",
			"userName": "system:serviceaccount:" + pick(r, []string{"shop:web", "payments:api", "search:indexer", "shop:default"}), "identityProvider": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"}
		params = obj{"roleArn": "arn:aws:iam::111122223333:role/shop-web", "roleSessionName": "botocore-session", "durationSeconds": 3600}
	case "ConsoleLogin":
		id = obj{"type": "IAMUser", "principalId": "AIDAEXAMPLE", "arn": "arn:aws:iam::111122223333:user/alice", "accountId": "111122223333", "userName": "alice"}
		resp = obj{"ConsoleLogin": "Success"}
		params = nil
	case "CreateAccessKey":
		params = obj{"userName": "ci-bot"}
	case "StopLogging":
		params = obj{"name": "org-trail"}
	}
	rec := obj{
		"eventVersion": "1.09", "userIdentity": id, "eventTime": t.Format(time.RFC3339), "eventSource": c.src, "eventName": c.name,
		"awsRegion": pick(r, []string{"us-east-1", "us-west-2", "eu-west-1"}), "sourceIPAddress": fmt.Sprintf("10.0.%d.%d", r.IntN(4), r.IntN(250)+2),
		"userAgent": "aws-sdk-go-v2/1.24.0 os/linux lang/go#1.22 md/GOOS#linux", "requestParameters": params, "responseElements": resp,
		"requestID": fmt.Sprintf("%016x", r.Uint64()), "eventID": fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", r.Uint32(), r.IntN(65536), r.IntN(65536), r.IntN(65536), r.Uint64()&0xffffffffffff),
		"readOnly": c.name != "RunInstances" && c.name != "CreateAccessKey" && c.name != "StopLogging", "eventType": "AwsApiCall",
		"managementEvent": c.src != "s3.amazonaws.com", "recipientAccountId": "111122223333", "eventCategory": "Management",
		"tlsDetails": obj{"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader": c.src},
	}
	if c.name == "ConsoleLogin" {
		rec["additionalEventData"] = obj{"MFAUsed": pick(r, []string{"Yes", "No"}), "LoginTo": "https://console.aws.amazon.com/"}
		rec["eventType"] = "AwsConsoleSignIn"
	}
	return rec
}
