// Package rbac holds the cluster-wide RBAC rules: who is granted which power, through which
// binding and role. They read a snapshot of every Role, ClusterRole and binding, built from
// a live cluster or from a set of manifests.
package rbac

import (
	"fmt"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/snapshot"
)

const guideIAM = "identity-and-access-management"

// bindingInputs are the kinds rules that follow bindings to roles read.
var bindingInputs = []string{snapshot.KindRole, snapshot.KindClusterRole, snapshot.KindRoleBinding, snapshot.KindClusterRoleBinding}

// power is one permission a rule looks for: a verb on a resource in a group.
type power struct {
	group, resource, verb string
}

func (p power) String() string {
	r := p.resource
	if p.group != "" {
		r = p.resource + "." + p.group
	}
	return p.verb + " " + r
}

// grantsOf lists, for every binding that is not one of Kubernetes' own, each subject that
// the binding's role grants one of the powers, with the chain that grants it. skip returns
// true for subjects the check leaves out.
type grantHit struct {
	binding snapshot.Binding
	subject int // index in binding.Subjects
	grant   snapshot.Grant
	power   power
}

func grantsOf(s *snapshot.Snapshot, powers []power, skipSubject func(rbacv1.Subject) bool, ignoreNamed bool) []grantHit {
	var out []grantHit
	for _, b := range s.Bindings() {
		if snapshot.Bootstrap(b.Object) {
			continue
		}
		srcs, found := s.SourcesOf(b.RoleRef)
		if !found {
			continue // reported by rbac/missing-role
		}
		g, p, ok := firstGrant(srcs, powers, ignoreNamed)
		if !ok {
			continue
		}
		// One finding per subject of the binding, naming the first rule that grants the
		// power: a role with thousands of such rules does not multiply the findings.
		for i, sub := range b.Subjects {
			if skipSubject != nil && skipSubject(sub) {
				continue
			}
			out = append(out, grantHit{binding: b, subject: i, grant: g, power: p})
		}
	}
	return out
}

func firstGrant(srcs []snapshot.Source, powers []power, ignoreNamed bool) (snapshot.Grant, power, bool) {
	for _, src := range srcs {
		for i := range src.Rules {
			r := &src.Rules[i]
			if ignoreNamed && len(r.ResourceNames) > 0 {
				continue
			}
			for _, p := range powers {
				if snapshot.Allows(r, p.group, p.resource, p.verb) {
					return src.Grant(i), p, true
				}
			}
		}
	}
	return snapshot.Grant{}, power{}, false
}

// chain renders subject -> binding -> role -> rule.
func chain(b snapshot.Binding, sub rbacv1.Subject, g snapshot.Grant) []string {
	role := b.RoleRef.String()
	if g.Via != "" {
		role += " (aggregates " + g.Via + ")"
	}
	return []string{
		snapshot.SubjectString(sub),
		b.Object.Kind + "/" + nsPrefix(b.Object.Meta.Namespace) + b.Object.Meta.Name,
		role,
		g.Role.Kind + "/" + nsPrefix(g.Role.Meta.Namespace) + g.Role.Meta.Name + " " + g.Path + " " + ruleString(g.Rule),
	}
}

func nsPrefix(ns string) string {
	if ns == "" {
		return ""
	}
	return ns + "/"
}

// ruleString renders a policy rule compactly: verbs on resources in groups.
func ruleString(r *rbacv1.PolicyRule) string {
	groups := make([]string, len(r.APIGroups))
	for i, g := range r.APIGroups {
		if g == "" {
			g = `""`
		}
		groups[i] = g
	}
	s := fmt.Sprintf("[%s] on [%s] in [%s]", strings.Join(r.Verbs, ","), strings.Join(r.Resources, ","), strings.Join(groups, ","))
	if len(r.ResourceNames) > 0 {
		s += " named [" + strings.Join(r.ResourceNames, ",") + "]"
	}
	if len(r.NonResourceURLs) > 0 {
		s = fmt.Sprintf("[%s] on URLs [%s]", strings.Join(r.Verbs, ","), strings.Join(r.NonResourceURLs, ","))
	}
	return s
}

// hitFindings turns grant hits into findings on the binding's subject entry.
func hitFindings(m *rule.Meta, hits []grantHit, what string) []finding.Finding {
	var out []finding.Finding
	for _, h := range hits {
		sub := h.binding.Subjects[h.subject]
		scope := "cluster-wide"
		if h.binding.Namespace != "" {
			scope = "in namespace " + h.binding.Namespace
		}
		msg := fmt.Sprintf("%s can %s %s (%s), through %s %s and %s", snapshot.SubjectString(sub), h.power, scope, what,
			h.binding.Object.Kind, h.binding.Object.Meta.Name, h.binding.RoleRef)
		out = append(out, m.FailChain(h.binding.Object, fmt.Sprintf("subjects[%d]", h.subject), chain(h.binding, sub, h.grant), msg))
	}
	return out
}

func refs(cis string, section string) []ref.Ref {
	return []ref.Ref{ref.CIS(cis), ref.Guide(guideIAM, section)}
}
