package compliance

import (
	"sort"
	"strconv"
	"strings"

	"github.com/eksguard/eksguard/pkg/ref"
)

// CISEKS is the name of the CIS Amazon EKS Benchmark v1.8.0 view.
const CISEKS = "cis-eks-1.8"

// cisManual gives the reason each manual control of section 4 needs an assessor (facts
// from the benchmark: these controls have no automated audit).
var cisManual = map[string]string{
	"4.1.7": "whether the cluster uses EKS access entries (Cluster Access Manager API) instead of aws-auth is an AWS API setting, not visible in Kubernetes objects",
	"4.3.1": "whether the CNI plugin enforces NetworkPolicy depends on the VPC CNI configuration or the network policy engine installed",
	"4.4.2": "whether an external secret store is used is an organisational choice",
	"4.5.1": "whether namespaces draw the administrative boundaries the organisation needs is a design review",
}

func init() {
	register(cisBenchmark())
}

// cisBenchmark builds the sections eksguard evaluates: section 4 (Policies) from
// Kubernetes objects. Sections 2, 3 and 5 (control plane, nodes, managed services) need
// node and AWS scans.
func cisBenchmark() *Benchmark {
	var ids []string
	for id := range ref.CISControls() {
		if strings.HasPrefix(id, "4.") {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return lessID(ids[i], ids[j]) })
	titles := ref.CISControls()
	sec := SectionDef{ID: "4", Title: "Policies"}
	for _, id := range ids {
		sec.Controls = append(sec.Controls, ControlDef{ID: id, Title: titles[id], Manual: cisManual[id]})
	}
	return &Benchmark{
		Name:     CISEKS,
		Title:    "CIS Amazon EKS Benchmark v" + ref.CISEKSVersion,
		Kind:     ref.CISEKS,
		Sections: []SectionDef{sec},
	}
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
