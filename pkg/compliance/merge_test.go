package compliance_test

import (
	"context"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/pkg/compliance"
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/snapshot"
	"github.com/eksguard/eksguard/pkg/target"
)

// kindRule is a rule of a node or AWS target kind: no input kinds, evaluated whenever it ran.
type kindRule struct{ m rule.Meta }

func (k *kindRule) Meta() *rule.Meta { return &k.m }
func (k *kindRule) Check(context.Context, target.Target) ([]finding.Finding, error) {
	return nil, nil
}

func of(kind target.Kind, id, cis string) rule.Rule {
	m := meta(id, cis)
	m.Target = kind
	return &kindRule{m: m}
}

// view runs a tracker over rules and findings and returns the report.
func view(t *testing.T, rules []rule.Rule, fs ...finding.Finding) *compliance.Report {
	t.Helper()
	b, err := compliance.Lookup(compliance.CISEKS)
	if err != nil {
		t.Fatal(err)
	}
	tr := compliance.NewTracker(b, rules)
	for i := range fs {
		tr.Observe(&fs[i])
	}
	return tr.Report(counts{snapshot.KindAWSAuth: 1}, 1)
}

func fail(id string) finding.Finding {
	return finding.Finding{RuleID: id, Status: finding.StatusFail, Subject: finding.Subject{Kind: "Node", Name: "n"}, Message: "m"}
}

func unknown(id, why string) finding.Finding {
	return finding.Finding{RuleID: id, Status: finding.StatusError, Subject: finding.Subject{Kind: "Node", Name: "n"}, Message: "unknown: " + why, Evidence: map[string]string{"unknown": why}}
}

func byID(r *compliance.Report) map[string]compliance.Control {
	out := map[string]compliance.Control{}
	for _, s := range r.Sections {
		for _, c := range s.Controls {
			out[c.ID] = c
		}
	}
	return out
}

// Node and AWS runs: each status in sections 2, 3 and 5, with the other inputs named as
// not scanned.
func TestNodeAndAWSStatuses(t *testing.T) {
	node := view(t, []rule.Rule{
		of(target.KindNode, "node/a", "3.1.1"), of(target.KindNode, "node/b", "3.2.1"), of(target.KindNode, "node/c", "3.2.4"),
	}, fail("node/a"), unknown("node/c", "kubelet config file not found (tried /etc/kubernetes/kubelet/config.json)"))
	c := byID(node)
	for id, want := range map[string]compliance.Status{
		"3.1.1": compliance.Fail, "3.2.1": compliance.Pass, "3.2.4": compliance.Unknown,
		"3.2.2": compliance.NotEvaluated, "2.1.1": compliance.NotEvaluated, "4.1.1": compliance.NotEvaluated,
		"5.4.4": compliance.Manual,
	} {
		if c[id].Status != want {
			t.Errorf("node run %s: %s (%s), want %s", id, c[id].Status, c[id].Reason, want)
		}
	}
	if r := c["3.2.4"].Reason; !strings.Contains(r, "kubelet config file not found (tried /etc/kubernetes/kubelet/config.json)") {
		t.Errorf("unknown reason %q", r)
	}
	if r := c["2.1.1"].Reason; !strings.Contains(r, "run eksguard scan aws") {
		t.Errorf("2.1.1 reason %q", r)
	}
	if r := c["4.1.1"].Reason; !strings.Contains(r, "scan manifests") {
		t.Errorf("4.1.1 reason %q", r)
	}
	if r := c["3.2.2"].Reason; r != "no eksguard rule for this control ran" {
		t.Errorf("3.2.2 reason %q", r)
	}
	aws := byID(view(t, []rule.Rule{
		of(target.KindAWS, "aws/a", "2.1.1"), of(target.KindAWS, "aws/b", "5.3.1"), of(target.KindAWS, "aws/c", "5.1.1"),
	}, fail("aws/a"), unknown("aws/c", "permission denied for ecr:DescribeRepositories")))
	for id, want := range map[string]compliance.Status{
		"2.1.1": compliance.Fail, "5.3.1": compliance.Pass, "5.1.1": compliance.Unknown, "3.1.1": compliance.NotEvaluated, "5.5.1": compliance.Manual,
	} {
		if aws[id].Status != want {
			t.Errorf("aws run %s: %s (%s), want %s", id, aws[id].Status, aws[id].Reason, want)
		}
	}
	if !strings.Contains(aws["5.1.1"].Reason, "permission denied for ecr:DescribeRepositories") {
		t.Errorf("5.1.1 reason %q", aws["5.1.1"].Reason)
	}
}

// 4.1.7 is fed by the aws-auth ConfigMap (Kubernetes) and the cluster's authentication
// mode (AWS): fail if any fails, unknown if any is unknown and none fails, pass only if
// both passed; within one run and across merged runs alike.
func TestCombine417(t *testing.T) {
	k8s := func(fs ...finding.Finding) *compliance.Report {
		return view(t, []rule.Rule{cluster("rbac/auth", "4.1.7", snapshot.KindAWSAuth)}, fs...)
	}
	aws := func(fs ...finding.Finding) *compliance.Report {
		return view(t, []rule.Rule{of(target.KindAWS, "aws/auth", "4.1.7")}, fs...)
	}
	both := func(fs ...finding.Finding) *compliance.Report {
		return view(t, []rule.Rule{cluster("rbac/auth", "4.1.7", snapshot.KindAWSAuth), of(target.KindAWS, "aws/auth", "4.1.7")}, fs...)
	}
	b, _ := compliance.Lookup(compliance.CISEKS)
	merge := func(vs ...*compliance.Report) *compliance.Report {
		m, err := compliance.Merge(b, vs)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	cases := []struct {
		name string
		rep  *compliance.Report
		want compliance.Status
		why  string
	}{
		{"aws only passes", aws(), compliance.NotEvaluated, "passed on aws; kubernetes: no Kubernetes objects were scanned"},
		{"kubernetes only passes", k8s(), compliance.NotEvaluated, "passed on kubernetes; aws: the AWS account was not scanned"},
		{"aws only fails", aws(fail("aws/auth")), compliance.Fail, ""},
		{"both pass", both(), compliance.Pass, ""},
		{"k8s fails, aws unknown", both(fail("rbac/auth"), unknown("aws/auth", "permission denied for eks:DescribeCluster")), compliance.Fail, ""},
		{"aws unknown", both(unknown("aws/auth", "permission denied for eks:DescribeCluster")), compliance.Unknown, "aws: aws/auth could not evaluate 1 object(s) (Node/n: permission denied for eks:DescribeCluster)"},
		{"merged pass+pass", merge(k8s(), aws()), compliance.Pass, ""},
		{"merged pass+fail", merge(k8s(), aws(fail("aws/auth"))), compliance.Fail, ""},
		{"merged fail+unknown", merge(k8s(fail("rbac/auth")), aws(unknown("aws/auth", "denied"))), compliance.Fail, ""},
		{"merged pass+unknown", merge(k8s(), aws(unknown("aws/auth", "denied"))), compliance.Unknown, "denied"},
		{"merged two clusters, one fails", merge(k8s(), k8s(fail("rbac/auth")), aws()), compliance.Fail, ""},
		{"merged aws alone", merge(aws()), compliance.NotEvaluated, "kubernetes: no Kubernetes objects were scanned"},
	}
	for _, c := range cases {
		got := byID(c.rep)["4.1.7"]
		if got.Status != c.want || (c.why != "" && !strings.Contains(got.Reason, c.why)) {
			t.Errorf("%s: %s (%q), want %s (%q)", c.name, got.Status, got.Reason, c.want, c.why)
		}
	}
}

// Merging views of runs on different inputs: each control takes what the input that feeds
// it says; totals cover every control; two node runs disagreeing fail the control.
func TestMerge(t *testing.T) {
	b, _ := compliance.Lookup(compliance.CISEKS)
	n1 := view(t, []rule.Rule{of(target.KindNode, "node/a", "3.1.1"), of(target.KindNode, "node/b", "3.2.1")})
	n2 := view(t, []rule.Rule{of(target.KindNode, "node/a", "3.1.1"), of(target.KindNode, "node/b", "3.2.1")}, fail("node/b"))
	a := view(t, []rule.Rule{of(target.KindAWS, "aws/a", "2.1.1")}, unknown("aws/a", "throttled"))
	k := view(t, []rule.Rule{workload("pod/p", "4.2.1")})
	m, err := compliance.Merge(b, []*compliance.Report{n1, n2, a, k})
	if err != nil {
		t.Fatal(err)
	}
	c := byID(m)
	for id, want := range map[string]compliance.Status{
		"3.1.1": compliance.Pass, "3.2.1": compliance.Fail, "2.1.1": compliance.Unknown, "4.2.1": compliance.NotEvaluated,
		"3.2.2": compliance.NotEvaluated, "5.3.1": compliance.NotEvaluated, "4.3.1": compliance.Manual,
	} {
		if c[id].Status != want {
			t.Errorf("%s: %s (%s), want %s", id, c[id].Status, c[id].Reason, want)
		}
	}
	// The AWS account was scanned (2.1.1), so 5.3.1's reason is that its rule did not run.
	if r := c["5.3.1"].Reason; r != "no eksguard rule for this control ran" {
		t.Errorf("5.3.1 reason %q", r)
	}
	if c["3.2.1"].Failures != 1 || len(c["3.2.1"].Rules) != 1 {
		t.Errorf("3.2.1 %+v", c["3.2.1"])
	}
	tot := m.Totals
	if tot.Pass+tot.Fail+tot.Manual+tot.NotEvaluated+tot.Unknown != 50 {
		t.Errorf("totals %+v", tot)
	}
	if _, err := compliance.Merge(b, []*compliance.Report{{Benchmark: "other"}}); err == nil {
		t.Error("merged a view of another benchmark")
	}
	// A status a view should not hold decides nothing: unknown, never pass.
	bogus := &compliance.Report{Benchmark: compliance.CISEKS, Sections: []compliance.Section{{ID: "3", Controls: []compliance.Control{{ID: "3.1.1", Status: "bogus",
		Inputs: []compliance.InputResult{{Input: compliance.InputNode, Status: "bogus"}}}}}}}
	m, _ = compliance.Merge(b, []*compliance.Report{bogus})
	if got := byID(m)["3.1.1"]; got.Status != compliance.Unknown || !strings.Contains(got.Reason, "invalid status") {
		t.Errorf("bogus status: %+v", got)
	}
	// A view written before controls carried their inputs still merges.
	old := &compliance.Report{Benchmark: compliance.CISEKS, Sections: []compliance.Section{{ID: "4", Controls: []compliance.Control{{ID: "4.1.1", Status: compliance.Fail, Failures: 2}}}}}
	m, _ = compliance.Merge(b, []*compliance.Report{old})
	if got := byID(m)["4.1.1"]; got.Status != compliance.Fail || got.Failures != 2 {
		t.Errorf("legacy view: %+v", got)
	}
}
