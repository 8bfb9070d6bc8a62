package compliance_test

import (
	"context"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/pkg/compliance"
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/snapshot"
	"github.com/eksguard/eksguard/pkg/target"
)

type counts map[string]int

func (c counts) Count(kind string) int { return c[kind] }

func meta(id, cis string) rule.Meta {
	return rule.Meta{ID: id, Title: id, Description: "d", Remediation: "r", Severity: finding.SeverityHigh, Category: "c", References: []ref.Ref{ref.CIS(cis)}}
}

func cluster(id, cis string, inputs ...string) rule.Rule {
	return &rule.Cluster{M: meta(id, cis), Inputs: inputs, Fn: func(context.Context, *rule.Meta, *snapshot.Snapshot) []finding.Finding { return nil }}
}

func workload(id, cis string) rule.Rule {
	return &rule.Workload{M: meta(id, cis), Fn: func(context.Context, *rule.Meta, *target.Workload) []finding.Finding { return nil }}
}

func TestStatuses(t *testing.T) {
	b, err := compliance.Lookup(compliance.CISEKS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := compliance.Lookup("cis-eks-9"); err == nil {
		t.Error("unknown benchmark accepted")
	}
	rules := []rule.Rule{
		cluster("rbac/a", "4.1.1", snapshot.KindClusterRoleBinding),             // fails
		cluster("rbac/b", "4.1.2", snapshot.KindRoleBinding),                    // passes
		cluster("rbac/c", "4.1.3", snapshot.KindRole),                           // no Roles read
		cluster("rbac/d", "4.1.4", snapshot.KindRole, snapshot.KindClusterRole), // errors
		workload("pod/e", "4.2.1"),                                              // exempted only
		cluster("rbac/f", "4.1.5", snapshot.KindRole),                           // not read, but pod/g read
		workload("pod/g", "4.1.5"),
	}
	tr := compliance.NewTracker(b, rules)
	obs := func(id string, st finding.Status, sup bool) {
		f := finding.Finding{RuleID: id, Status: st, Subject: finding.Subject{Kind: "Pod", Name: "x"}, Message: "m"}
		if sup {
			f.Suppressed = &finding.Suppression{Reason: "r"}
			f.Status = finding.StatusSkip
		}
		tr.Observe(&f)
	}
	obs("rbac/a", finding.StatusFail, false)
	obs("rbac/a", finding.StatusFail, false)
	obs("rbac/d", finding.StatusError, false)
	obs("pod/e", finding.StatusFail, true)
	rep := tr.Report(counts{snapshot.KindClusterRoleBinding: 1, snapshot.KindRoleBinding: 3, snapshot.KindClusterRole: 2, "Workload": 4}, 10)
	got := map[string]compliance.Control{}
	for _, s := range rep.Sections {
		for _, c := range s.Controls {
			got[c.ID] = c
		}
	}
	want := map[string]compliance.Status{
		"4.1.1": compliance.Fail, "4.1.2": compliance.Pass, "4.1.3": compliance.NotEvaluated, "4.1.4": compliance.Unknown,
		"4.2.1": compliance.Pass, "4.1.5": compliance.Pass, "4.1.7": compliance.NotEvaluated, "4.3.1": compliance.Manual, "5.4.4": compliance.Manual,
		"3.2.1": compliance.NotEvaluated, "5.1.1": compliance.NotEvaluated,
		"4.1.6": compliance.NotEvaluated, // no rule for it in this run
	}
	for id, st := range want {
		if got[id].Status != st {
			t.Errorf("%s: %s (%s), want %s", id, got[id].Status, got[id].Reason, st)
		}
	}
	if got["4.1.1"].Failures != 2 || got["4.2.1"].Exempted != 1 || got["4.1.5"].Reason == "" || got["4.1.3"].Reason != "rbac/c: the input holds no Roles" {
		t.Errorf("details: %+v %+v %+v %+v", got["4.1.1"], got["4.2.1"], got["4.1.5"], got["4.1.3"])
	}
	if r := got["3.2.1"].Reason; !strings.Contains(r, "scan node") {
		t.Errorf("3.2.1 reason %q", r)
	}
	if r := got["4.1.7"].Reason; !strings.Contains(r, "aws: the AWS account was not scanned") || !strings.Contains(r, "kubernetes: no eksguard rule") {
		t.Errorf("4.1.7 reason %q", r)
	}
	// Every section; every control of section 4, in order.
	if len(rep.Sections) != 4 || rep.Sections[0].ID != "2" || rep.Sections[3].ID != "5" {
		t.Fatalf("sections %+v", rep.Sections)
	}
	var ids []string
	for _, c := range rep.Sections[2].Controls {
		ids = append(ids, c.ID)
	}
	if len(ids) != 23 || ids[0] != "4.1.1" || ids[9] != "4.1.10" || ids[len(ids)-1] != "4.5.2" {
		t.Errorf("controls %v", ids)
	}
	tot := rep.Totals
	if tot.Pass+tot.Fail+tot.Manual+tot.NotEvaluated+tot.Unknown != len(ref.CISControls()) {
		t.Errorf("totals %+v", tot)
	}
}
