package compliance

import (
	"sort"
	"strconv"
	"strings"

	"github.com/eksguard/eksguard/pkg/ref"
)

// CISEKS is the name of the CIS Amazon EKS Benchmark v1.8.0 view.
const CISEKS = "cis-eks-1.8"

// cisManual gives the reason each control the benchmark marks Manual needs an assessor
// (the type column of the benchmark's check list). A control eksguard rules cover is still
// decided by those rules; the reason then stays as a note.
var cisManual = map[string]string{
	"2.1.1":  "the benchmark audits the cluster's logging configuration by hand",
	"2.1.2":  "where audit logs go and how long they are kept is an organisational choice",
	"4.1.7":  "the benchmark leaves moving from the aws-auth ConfigMap to EKS access entries to an assessor",
	"4.1.8":  "which subjects need bind, escalate or impersonate is a design review",
	"4.1.9":  "which subjects need to create PersistentVolumes is a design review",
	"4.1.10": "which subjects need the nodes/proxy sub-resource is a design review",
	"4.1.11": "which subjects need to change webhook configurations is a design review",
	"4.1.12": "which subjects need to create service account tokens is a design review",
	"4.3.1":  "whether the CNI plugin enforces NetworkPolicy depends on the VPC CNI configuration or the network policy engine installed",
	"4.4.2":  "whether an external secret store is used is an organisational choice",
	"4.5.1":  "whether namespaces draw the administrative boundaries the organisation needs is a design review",
	"5.1.1":  "the benchmark accepts ECR scanning or a third-party scanner; eksguard checks ECR",
	"5.1.2":  "who in the organisation needs access to ECR is a design review",
	"5.1.3":  "the benchmark audits the node role's ECR rights by hand",
	"5.1.4":  "which registries are approved is an organisational choice (allowedRegistries in .eksguard.yaml)",
	"5.2.1":  "which workloads need their own AWS identity is a design review",
	"5.3.1":  "the benchmark audits the cluster's encryption configuration by hand",
	"5.4.1":  "which networks may reach the API endpoint is an organisational choice",
	"5.4.2":  "the benchmark audits the endpoint configuration by hand",
	"5.4.3":  "the benchmark audits the node subnets by hand",
	"5.4.4":  "whether NetworkPolicy is enforced depends on the VPC CNI add-on configuration or the policy engine installed, which eksguard does not read",
	"5.4.5":  "the benchmark audits load balancer listeners by hand",
	"5.5.1":  "which tool users authenticate with (aws-iam-authenticator, AWS CLI) is a property of the users' machines, not of the cluster",
}

// cisSections are the benchmark's sections and the inputs that evaluate each: the target
// kinds of the rules that reference its controls (rules/all's meta-test keeps them equal).
var cisSections = []struct {
	id, title string
	inputs    []Input
	// override gives the inputs of controls that differ from their section's.
	override map[string][]Input
}{
	{id: "2", title: "Control Plane Configuration", inputs: []Input{InputAWS}},
	{id: "3", title: "Worker Nodes", inputs: []Input{InputNode}},
	{id: "4", title: "Policies", inputs: []Input{InputKubernetes}, override: map[string][]Input{
		"4.1.7": {InputKubernetes, InputAWS},
		"4.3.1": nil, "4.4.2": nil, "4.5.1": nil,
	}},
	{id: "5", title: "Managed Services", inputs: []Input{InputAWS}, override: map[string][]Input{
		"5.1.4": {InputKubernetes},
		"5.4.5": {InputKubernetes},
		"5.4.4": nil, "5.5.1": nil,
	}},
}

func init() {
	register(cisBenchmark())
}

// cisBenchmark builds every section of the benchmark: 2 and 5 from the AWS account, 3
// from worker nodes, 4 from Kubernetes objects (manifests or a live cluster).
func cisBenchmark() *Benchmark {
	titles := ref.CISControls()
	b := &Benchmark{
		Name:  CISEKS,
		Title: "CIS Amazon EKS Benchmark v" + ref.CISEKSVersion,
		Kind:  ref.CISEKS,
	}
	for _, s := range cisSections {
		var ids []string
		for id := range titles {
			if strings.HasPrefix(id, s.id+".") {
				ids = append(ids, id)
			}
		}
		sort.Slice(ids, func(i, j int) bool { return lessID(ids[i], ids[j]) })
		sec := SectionDef{ID: s.id, Title: s.title}
		for _, id := range ids {
			in, ok := s.override[id]
			if !ok {
				in = s.inputs
			}
			sec.Controls = append(sec.Controls, ControlDef{ID: id, Title: titles[id], Manual: cisManual[id], Inputs: in})
		}
		b.Sections = append(b.Sections, sec)
	}
	return b
}

// lessID orders dotted control IDs numerically (4.1.2 before 4.1.10).
func lessID(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, _ := strconv.Atoi(as[i])
		y, _ := strconv.Atoi(bs[i])
		if x != y {
			return x < y
		}
	}
	return len(as) < len(bs)
}
