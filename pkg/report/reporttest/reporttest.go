// Package reporttest holds the fixture every reporter is tested on: a header, groups of
// findings of every status and severity with Hostile strings, and a summary.
package reporttest

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/eksguard/eksguard/pkg/compliance"
	"github.com/eksguard/eksguard/pkg/engine"
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/report"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// Hostile holds what a crafted manifest can put in names, messages and reasons: ANSI
// escapes, a CDATA terminator, quotes and markup, invalid UTF-8, NUL and other control
// characters, XML non-characters and JavaScript line separators.
const Hostile = "\x1b[31mred\x1b[0m ]]> \"q\" 'a' <b>&amp; \xff\xfe bad\x00nul\x07bel\r\n\u2028\ufffe\t[x](1)"

// References are literals rather than the ref constructors, so that the fixture does not
// change when those do; the golden files still follow ref's String and URL.
func Header() *report.Header {
	return &report.Header{
		Tool:    report.Tool,
		Version: "1.2.3",
		Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Inputs:  []string{"k8s/", "-"},
		Rules: []*rule.Meta{
			{
				ID: "pod/privileged", Title: "Privileged container",
				Description: "A privileged container has every capability of the node's root user.",
				Remediation: "Set it to false on every container:\n\n  securityContext:\n    privileged: false",
				Severity:    finding.SeverityCritical, Category: "Pod security", Target: target.KindWorkload,
				Tags: []string{"cis", "pss-baseline"},
				References: []ref.Ref{
					{Kind: ref.CISEKS, ID: "4.2.1", Title: "Minimize the admission of privileged containers"},
					{Kind: ref.EKSBP, ID: "pod-security", Title: "Restrict the containers that can run as privileged"},
					{Kind: ref.PSS, ID: "baseline/Privileged Containers"},
					{Kind: ref.CWE, ID: "CWE-250"},
				},
			},
			{
				ID: "pod/run-as-root", Title: "Container may run as root",
				Description: "Without runAsNonRoot the image decides the user, often root.",
				Remediation: "Set runAsNonRoot:\n\n  securityContext:\n    runAsNonRoot: true",
				Severity:    finding.SeverityHigh, Category: "Pod security", Target: target.KindWorkload,
				Tags:       []string{"pss-restricted", "pss-restricted"},
				References: []ref.Ref{{Kind: ref.PSS, ID: "restricted/Running as Non-root"}},
			},
			{
				ID: "pod/resources", Title: "Resource limits missing",
				Description: "Containers without limits can starve the node.",
				Remediation: "Set requests and limits.",
				Severity:    finding.SeverityMedium, Category: "Resource management", Target: target.KindWorkload,
				References: []ref.Ref{{Kind: ref.URL, ID: "https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/", Title: "Resource management"}},
			},
			{
				ID: "pod/read-only-root", Title: "Writable root filesystem",
				Description: "A writable root filesystem lets an attacker drop tools.",
				Remediation: "  securityContext:\n    readOnlyRootFilesystem: true",
				Severity:    finding.SeverityLow, Category: "Pod security", Target: target.KindWorkload,
				References: []ref.Ref{{Kind: ref.CWE, ID: "CWE-732"}},
			},
			{
				ID: "pod/seccomp", Title: "No seccomp profile",
				Description: "Without a seccomp profile every syscall is allowed.",
				Remediation: "Use RuntimeDefault.",
				Severity:    finding.SeverityMedium, Category: "Pod security", Target: target.KindWorkload,
				References: []ref.Ref{{Kind: ref.PSS, ID: "restricted/Seccomp"}},
			},
			{
				ID: "object/default-namespace", Title: "Object in the default namespace",
				Description: "The default namespace mixes unrelated workloads.",
				Remediation: "Set an application namespace.",
				Severity:    finding.SeverityInfo, Category: "Isolation", Target: target.KindObject,
				References: []ref.Ref{{Kind: ref.CISEKS, ID: "4.5.2", Title: "The default namespace should not be used"}},
			},
		},
		Settings: map[string]string{"pss-level": "baseline"},
	}
}

// Deployment is the subject most fixture findings are about.
var Deployment = finding.Subject{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web"}

func Groups() []*report.Group {
	web := "k8s/web.yaml"
	evil := finding.Subject{APIVersion: "v1", Kind: "Pod", Namespace: "ns" + Hostile, Name: "evil" + Hostile}
	evilFile := "k8s/dir with space/evil%" + Hostile + ".yaml"
	return []*report.Group{
		{File: web, Subject: Deployment, Findings: []finding.Finding{
			{RuleID: "pod/privileged", Status: finding.StatusFail, Severity: finding.SeverityCritical, Subject: Deployment,
				Location: finding.Location{File: web, Line: 21, Column: 13, Document: 1, Path: "spec.template.spec.containers[0].securityContext.privileged", Template: "shop/templates/web.yaml"},
				Message:  `container "app" is privileged`, Evidence: map[string]string{"container": "app", "privileged": "true"}},
			{RuleID: "pod/run-as-root", Status: finding.StatusWarn, Severity: finding.SeverityHigh, Subject: Deployment,
				Location: finding.Location{File: web, Line: 18, Path: "spec.template.spec.securityContext.runAsNonRoot"},
				Message:  "runAsNonRoot is not set"},
			{RuleID: "pod/resources", Status: finding.StatusSkip, Severity: finding.SeverityMedium, Subject: Deployment,
				Location:   finding.Location{File: web, Line: 19, Path: "spec.template.spec.containers[0].resources"},
				Message:    `container "app" has no memory limit`,
				Suppressed: &finding.Suppression{Reason: "load test environment", Source: "config", Expires: "2099-01-01"}},
			{RuleID: "pod/read-only-root", Status: finding.StatusSkip, Severity: finding.SeverityLow, Subject: Deployment,
				Location:   finding.Location{File: web, Line: 20, Path: "spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem"},
				Message:    `container "app" has a writable root filesystem`,
				Suppressed: &finding.Suppression{Reason: "nginx writes its cache", Source: "annotation"}},
			{RuleID: "pod/seccomp", Status: finding.StatusError, Severity: finding.SeverityMedium, Subject: Deployment,
				Location: finding.Location{File: web, Line: 5},
				Message:  "rule could not evaluate this object: internal error (panic: boom) at seccomp.go:40"},
			{RuleID: "pod/seccomp", Status: finding.StatusPass, Severity: finding.SeverityMedium, Subject: Deployment,
				Location: finding.Location{File: web, Line: 5}, Message: "seccomp profile is set"},
		}},
		{File: "-", Subject: finding.Subject{APIVersion: "v1", Kind: "Pod", Name: "debug"}, Findings: []finding.Finding{
			{RuleID: "object/default-namespace", Status: finding.StatusFail, Severity: finding.SeverityInfo,
				Subject:  finding.Subject{APIVersion: "v1", Kind: "Pod", Name: "debug"},
				Location: finding.Location{File: "-", Line: 3, Path: "metadata.namespace"},
				Message:  "Pod debug is in the default namespace"},
			{RuleID: "custom/not-in-header", Status: finding.StatusFail, Severity: finding.SeverityUnknown,
				Subject:  finding.Subject{APIVersion: "v1", Kind: "Pod", Name: "debug"},
				Location: finding.Location{File: "-"},
				Message:  "a rule the header does not list"},
		}},
		{File: evilFile, Subject: evil, Findings: []finding.Finding{
			{RuleID: "pod/privileged", Status: finding.StatusFail, Severity: finding.SeverityCritical, Subject: evil,
				Location: finding.Location{File: evilFile, Line: 7, Path: "spec.containers[0]" + Hostile},
				Message:  "message " + Hostile, Evidence: map[string]string{"image" + Hostile: Hostile}},
			{RuleID: "pod/resources", Status: finding.StatusSkip, Severity: finding.SeverityMedium, Subject: evil,
				Location:   finding.Location{File: evilFile, Line: 8},
				Message:    "suppressed " + Hostile,
				Suppressed: &finding.Suppression{Reason: "reason " + Hostile, Source: "annotation"}},
		}},
		{File: `C:\manifests\windows.yaml`, Subject: Deployment, Findings: []finding.Finding{
			{RuleID: "pod/run-as-root", Status: finding.StatusFail, Severity: finding.SeverityHigh, Subject: Deployment,
				Location: finding.Location{File: `C:\manifests\windows.yaml`, Line: 4, Column: 1}, Message: "runAsNonRoot is not set"},
		}},
		{File: "/abs/path/pod.yaml", Subject: Deployment, Findings: []finding.Finding{
			{RuleID: "pod/read-only-root", Status: finding.StatusFail, Severity: finding.SeverityLow, Subject: Deployment,
				Location: finding.Location{File: "/abs/path/pod.yaml", Path: "spec"}, Message: "writable root filesystem"},
		}},
		{Subject: finding.Subject{Node: "ip-10-0-0-1"}, Findings: []finding.Finding{ // a live-cluster subject: no file
			{RuleID: "pod/resources", Status: finding.StatusFail, Severity: finding.SeverityMedium,
				Subject: finding.Subject{Node: "ip-10-0-0-1"}, Message: "node has no allocatable limit"},
		}},
		{File: "k8s/empty.yaml", Subject: Deployment}, // a group with no finding
	}
}

func Summary(groups []*report.Group) *report.Summary {
	s := &report.Summary{
		Errors: []finding.InputError{
			{Input: "k8s/broken.yaml", Line: 7, Document: 2, Message: "yaml: mapping values are not allowed in this context " + Hostile},
			{Input: "-", Message: "input is larger than 1 MiB"},
		},
		Expired: []report.ExpiredExemption{
			{Rule: "pod/privileged", Reason: "old debug exemption " + Hostile, Expires: "2024-01-01", Source: ".eksguard.yaml"},
		},
		FailOn:     "high",
		Duration:   1500 * time.Millisecond,
		Compliance: []*compliance.Report{Compliance()},
	}
	s.Stats.Stats = engine.Stats{Files: 6, Documents: 7, Objects: 6, Workloads: 4}
	for _, g := range groups {
		for i := range g.Findings {
			f := &g.Findings[i]
			s.Stats.Count(f)
			if f.Counts() && f.Severity >= finding.SeverityHigh {
				s.Failed = true
			}
		}
	}
	s.Stats.InputErrors = len(s.Errors)
	return s
}

// Compliance is a benchmark view with a control of every status.
func Compliance() *compliance.Report {
	return &compliance.Report{
		Benchmark: "cis-eks-1.8", Title: "CIS Amazon EKS Benchmark v1.8.0",
		Sections: []compliance.Section{{ID: "3", Title: "Worker Nodes", Controls: []compliance.Control{
			{ID: "3.2.4", Title: "Ensure that the --read-only-port is disabled", Status: compliance.Fail, Rules: []string{"node/kubelet-read-only-port"}, Failures: 1,
				Inputs: []compliance.InputResult{{Input: compliance.InputNode, Status: compliance.Fail}}},
		}}, {ID: "4", Title: "Policies", Controls: []compliance.Control{
			{ID: "4.1.1", Title: "Ensure that the cluster-admin role is only used where required", Status: compliance.Fail, Rules: []string{"rbac/cluster-admin-binding"}, Failures: 2},
			{ID: "4.1.2", Title: "Minimize access to secrets", Status: compliance.Pass, Rules: []string{"rbac/secrets-access"}, Exempted: 1},
			{ID: "4.1.7", Title: "Cluster Access Manager API", Status: compliance.NotEvaluated, Rules: []string{"rbac/aws-auth-system-masters"},
				Reason: "passed on kubernetes; aws: the AWS account was not scanned: run eksguard scan aws (--cluster or --snapshot)",
				Inputs: []compliance.InputResult{{Input: compliance.InputKubernetes, Status: compliance.Pass},
					{Input: compliance.InputAWS, Status: compliance.NotEvaluated, Reason: "the AWS account was not scanned: run eksguard scan aws (--cluster or --snapshot)"}}},
			{ID: "4.2.1", Title: "Minimize the admission of privileged containers", Status: compliance.Unknown, Rules: []string{"pod/privileged"}, Reason: "pod/privileged could not evaluate 1 object(s) (Pod/" + Hostile + ")"},
			{ID: "4.3.1", Title: "Ensure CNI plugin supports network policies", Status: compliance.Manual, Reason: "an assessor checks the CNI configuration"},
			{ID: "4.3.2", Title: "Ensure that all Namespaces have Network Policies defined", Status: compliance.NotEvaluated, Rules: []string{"network/namespace-without-policy"}, Reason: "the input holds no Namespaces"},
		}}},
		Totals: compliance.TotalCount{Pass: 1, Fail: 2, Manual: 1, NotEvaluated: 2, Unknown: 1},
	}
}

// Render runs a writer over the header, groups and summary.
func Render(t testing.TB, newWriter func(io.Writer, report.Options) report.Writer, h *report.Header, groups []*report.Group, s *report.Summary) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := newWriter(&buf, report.Options{})
	if err := w.Begin(h); err != nil {
		t.Fatal(err)
	}
	for _, g := range groups {
		if err := w.Group(g); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.End(s); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Full renders the whole fixture.
func Full(t testing.TB, newWriter func(io.Writer, report.Options) report.Writer) []byte {
	groups := Groups()
	return Render(t, newWriter, Header(), groups, Summary(groups))
}

// Empty renders a run without findings or errors.
func Empty(t testing.TB, newWriter func(io.Writer, report.Options) report.Writer) []byte {
	return Render(t, newWriter, Header(), nil, &report.Summary{FailOn: "high"})
}
