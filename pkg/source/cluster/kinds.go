package cluster

import (
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// kind is one built-in kind the source lists.
type kind struct {
	Kind     string
	GVR      schema.GroupVersionResource
	client   func(*kubernetes.Clientset) rest.Interface
	newList  func() runtime.Object
	workload bool
	// stage orders the workload kinds so that owners are read before what they own (a
	// Deployment before its ReplicaSets, those before their Pods); kinds of one stage are
	// read concurrently.
	stage int
}

func core(c *kubernetes.Clientset) rest.Interface       { return c.CoreV1().RESTClient() }
func apps(c *kubernetes.Clientset) rest.Interface       { return c.AppsV1().RESTClient() }
func batch(c *kubernetes.Clientset) rest.Interface      { return c.BatchV1().RESTClient() }
func rbac(c *kubernetes.Clientset) rest.Interface       { return c.RbacV1().RESTClient() }
func networking(c *kubernetes.Clientset) rest.Interface { return c.NetworkingV1().RESTClient() }

func gvr(group, version, resource string) schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: group, Version: version, Resource: resource}
}

// kinds lists every built-in kind the source reads; deploy/scanner-rbac.yaml grants get
// and list on exactly these (a test checks that they agree).
var kinds = []kind{
	// Workloads, owners first.
	{Kind: "Deployment", GVR: gvr("apps", "v1", "deployments"), client: apps, newList: func() runtime.Object { return &appsv1.DeploymentList{} }, workload: true, stage: 0},
	{Kind: "CronJob", GVR: gvr("batch", "v1", "cronjobs"), client: batch, newList: func() runtime.Object { return &batchv1.CronJobList{} }, workload: true, stage: 0},
	{Kind: "StatefulSet", GVR: gvr("apps", "v1", "statefulsets"), client: apps, newList: func() runtime.Object { return &appsv1.StatefulSetList{} }, workload: true, stage: 0},
	{Kind: "DaemonSet", GVR: gvr("apps", "v1", "daemonsets"), client: apps, newList: func() runtime.Object { return &appsv1.DaemonSetList{} }, workload: true, stage: 0},
	{Kind: "ReplicationController", GVR: gvr("", "v1", "replicationcontrollers"), client: core, newList: func() runtime.Object { return &corev1.ReplicationControllerList{} }, workload: true, stage: 0},
	{Kind: "ReplicaSet", GVR: gvr("apps", "v1", "replicasets"), client: apps, newList: func() runtime.Object { return &appsv1.ReplicaSetList{} }, workload: true, stage: 1},
	{Kind: "Job", GVR: gvr("batch", "v1", "jobs"), client: batch, newList: func() runtime.Object { return &batchv1.JobList{} }, workload: true, stage: 1},
	{Kind: "Pod", GVR: gvr("", "v1", "pods"), client: core, newList: func() runtime.Object { return &corev1.PodList{} }, workload: true, stage: 2},
	// Everything else cluster-wide rules read.
	{Kind: "Namespace", GVR: gvr("", "v1", "namespaces"), client: core, newList: func() runtime.Object { return &corev1.NamespaceList{} }},
	{Kind: "ServiceAccount", GVR: gvr("", "v1", "serviceaccounts"), client: core, newList: func() runtime.Object { return &corev1.ServiceAccountList{} }},
	{Kind: "Service", GVR: gvr("", "v1", "services"), client: core, newList: func() runtime.Object { return &corev1.ServiceList{} }},
	{Kind: "Role", GVR: gvr("rbac.authorization.k8s.io", "v1", "roles"), client: rbac, newList: func() runtime.Object { return &rbacv1.RoleList{} }},
	{Kind: "ClusterRole", GVR: gvr("rbac.authorization.k8s.io", "v1", "clusterroles"), client: rbac, newList: func() runtime.Object { return &rbacv1.ClusterRoleList{} }},
	{Kind: "RoleBinding", GVR: gvr("rbac.authorization.k8s.io", "v1", "rolebindings"), client: rbac, newList: func() runtime.Object { return &rbacv1.RoleBindingList{} }},
	{Kind: "ClusterRoleBinding", GVR: gvr("rbac.authorization.k8s.io", "v1", "clusterrolebindings"), client: rbac, newList: func() runtime.Object { return &rbacv1.ClusterRoleBindingList{} }},
	{Kind: "NetworkPolicy", GVR: gvr("networking.k8s.io", "v1", "networkpolicies"), client: networking, newList: func() runtime.Object { return &networkingv1.NetworkPolicyList{} }},
	{Kind: "Ingress", GVR: gvr("networking.k8s.io", "v1", "ingresses"), client: networking, newList: func() runtime.Object { return &networkingv1.IngressList{} }},
}

// customKind is a CRD kind read through the dynamic client when discovery serves it.
type customKind struct {
	Kind     string
	Group    string
	Versions []string // in order of preference
	Resource string
}

var customKinds = []customKind{
	{Kind: "SecurityGroupPolicy", Group: "vpcresources.k8s.aws", Versions: []string{"v1beta1"}, Resource: "securitygrouppolicies"},
	{Kind: "PeerAuthentication", Group: "security.istio.io", Versions: []string{"v1", "v1beta1"}, Resource: "peerauthentications"},
}

// AWSAuth names the one ConfigMap the source reads.
const (
	AWSAuthNamespace = "kube-system"
	AWSAuthName      = "aws-auth"
	// AWSAuthKind is the name the aws-auth ConfigMap goes by in skipped-kind reports.
	AWSAuthKind = "aws-auth"
)

// ownerKinds are the controllers whose owned objects workload rules do not re-report:
// their findings are the owner's.
var ownerKinds = map[string]map[string]bool{
	"Pod":        {"ReplicaSet": true, "Job": true, "DaemonSet": true, "StatefulSet": true, "ReplicationController": true},
	"ReplicaSet": {"Deployment": true},
	"Job":        {"CronJob": true},
}

// IsWorkloadKind reports whether the source reads kind as a workload (a kind with a pod
// spec).
func IsWorkloadKind(kind string) bool {
	for _, k := range kinds {
		if k.Kind == kind {
			return k.workload
		}
	}
	return false
}
