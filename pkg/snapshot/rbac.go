package snapshot

import (
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/eksguard/eksguard/pkg/target"
)

// RoleRef names the role a binding grants: a Role in Namespace, or a ClusterRole.
type RoleRef struct {
	Kind      string // Role or ClusterRole
	Namespace string // the binding's namespace for a Role; "" for a ClusterRole
	Name      string
}

func (r RoleRef) String() string {
	if r.Namespace != "" {
		return r.Kind + "/" + r.Namespace + "/" + r.Name
	}
	return r.Kind + "/" + r.Name
}

// Binding is a RoleBinding or ClusterRoleBinding: who it grants which role.
type Binding struct {
	Object *target.Object
	// Namespace is the RoleBinding's namespace, where its grants apply; "" for a
	// ClusterRoleBinding (cluster-wide).
	Namespace string
	Subjects  []rbacv1.Subject
	RoleRef   RoleRef
}

// Bindings returns every RoleBinding and ClusterRoleBinding.
func (s *Snapshot) Bindings() []Binding { s.ready(); return s.bindings }

// BindingsTo returns the bindings that grant role ref.
func (s *Snapshot) BindingsTo(ref RoleRef) []Binding { s.ready(); return s.bindingsTo[ref] }

// Grant is one policy rule a role holds, with where it is written.
type Grant struct {
	Rule *rbacv1.PolicyRule
	// Role is the role object the rule is written in: the bound role, or for an aggregated
	// ClusterRole the ClusterRole it was aggregated from.
	Role *target.Object
	// Path is the rule's path in Role, e.g. rules[2].
	Path string
	// Via names the aggregated ClusterRole the rule reached the bound role through, if any.
	Via string
}

// Source is a role whose rules a bound role grants: the role itself, or for an aggregated
// ClusterRole each ClusterRole it aggregates.
type Source struct {
	Role  *target.Object
	Rules []rbacv1.PolicyRule
	// Via names the aggregated ClusterRole(s) the rules reached the bound role through.
	Via string
}

// Grants lists the source's rules with their paths.
func (src Source) Grants() []Grant {
	out := make([]Grant, len(src.Rules))
	for i := range src.Rules {
		out[i] = Grant{Rule: &src.Rules[i], Role: src.Role, Path: target.Index("rules", i), Via: src.Via}
	}
	return out
}

// Grant returns the source's rule i.
func (src Source) Grant(i int) Grant {
	return Grant{Rule: &src.Rules[i], Role: src.Role, Path: target.Index("rules", i), Via: src.Via}
}

// maxAggregation bounds how many ClusterRoles one aggregation gathers.
const maxAggregation = 10000

// SourcesOf returns the roles whose rules role ref grants. An aggregated ClusterRole
// (aggregationRule) is resolved as the aggregation controller does: its rules are those of
// every ClusterRole whose labels match one of its selectors (resolved in turn when they
// aggregate too, each ClusterRole once, cycles ending). found is false when the role is not
// in the snapshot. Results are computed once per role.
func (s *Snapshot) SourcesOf(ref RoleRef) (sources []Source, found bool) {
	s.ready()
	s.mu.Lock()
	defer s.mu.Unlock()
	switch ref.Kind {
	case "Role":
		r := s.roleByKey[nsName{ref.Namespace, ref.Name}]
		if r == nil {
			return nil, false
		}
		return []Source{{Role: &r.Object, Rules: r.Obj.Rules}}, true
	case "ClusterRole":
		cr := s.crByName[ref.Name]
		if cr == nil {
			return nil, false
		}
		if s.aggMemo == nil {
			s.aggMemo = map[string][]Source{}
		}
		return s.clusterRoleSources(cr, map[string]bool{}), true
	}
	return nil, false
}

// RulesOf returns every rule role ref grants (see SourcesOf).
func (s *Snapshot) RulesOf(ref RoleRef) (grants []Grant, found bool) {
	srcs, found := s.SourcesOf(ref)
	for _, src := range srcs {
		grants = append(grants, src.Grants()...)
	}
	return grants, found
}

// clusterRoleSources resolves a ClusterRole; the caller holds s.mu. inProgress breaks
// cycles of aggregated roles.
func (s *Snapshot) clusterRoleSources(cr *Item[*rbacv1.ClusterRole], inProgress map[string]bool) []Source {
	name := cr.Meta.Name
	if cr.Obj.AggregationRule == nil {
		return []Source{{Role: &cr.Object, Rules: cr.Obj.Rules}}
	}
	if srcs, ok := s.aggMemo[name]; ok {
		return srcs
	}
	if inProgress[name] {
		return nil
	}
	inProgress[name] = true
	defer delete(inProgress, name)
	var sels []labels.Selector
	for i := range cr.Obj.AggregationRule.ClusterRoleSelectors {
		sel, err := metav1.LabelSelectorAsSelector(&cr.Obj.AggregationRule.ClusterRoleSelectors[i])
		if err != nil || sel.Empty() {
			continue // the API server rejects an invalid selector; an empty one aggregates nothing
		}
		sels = append(sels, sel)
	}
	var out []Source
	seen := map[*target.Object]bool{}
	for _, other := range s.clusterRoles {
		if other == cr || len(out) >= maxAggregation {
			continue
		}
		matched := false
		for _, sel := range sels {
			if sel.Matches(labels.Set(other.Meta.Labels)) {
				matched = true
				break
			}
		}
		if !matched {
			continue
		}
		for _, src := range s.clusterRoleSources(other, inProgress) {
			if seen[src.Role] {
				continue // the controller keeps each rule once
			}
			seen[src.Role] = true
			if src.Via == "" {
				src.Via = other.Meta.Name
			} else {
				src.Via = other.Meta.Name + " <- " + src.Via
			}
			out = append(out, src)
		}
	}
	s.aggMemo[name] = out
	return out
}

// Allows reports whether a policy rule grants verb on resource (resource or
// resource/subresource) in API group, following the RBAC authorizer: "*" matches every
// verb, group and resource, "*/sub" every resource's subresource sub. A rule restricted by
// resourceNames still grants the named objects and is reported as matching.
func Allows(r *rbacv1.PolicyRule, group, resource, verb string) bool {
	return hasOrStar(r.Verbs, verb) && hasOrStar(r.APIGroups, group) && resourceMatches(r.Resources, resource)
}

func hasOrStar(list []string, v string) bool {
	for _, x := range list {
		if x == rbacv1.VerbAll || x == v {
			return true
		}
	}
	return false
}

func resourceMatches(list []string, resource string) bool {
	_, sub, hasSub := strings.Cut(resource, "/")
	for _, x := range list {
		if x == rbacv1.ResourceAll || x == resource {
			return true
		}
		if hasSub && x == "*/"+sub {
			return true
		}
	}
	return false
}

// SubjectString names an RBAC subject: Kind namespace/name for service accounts.
func SubjectString(sub rbacv1.Subject) string {
	if sub.Kind == rbacv1.ServiceAccountKind {
		return "ServiceAccount " + sub.Namespace + "/" + sub.Name
	}
	return sub.Kind + " " + sub.Name
}

// Bootstrap reports whether an RBAC object is one of Kubernetes' own default roles or
// bindings (labelled kubernetes.io/bootstrapping=rbac-defaults, or named with the reserved
// system: prefix) or one EKS manages (named eks:...): rules judge what users add.
func Bootstrap(o *target.Object) bool {
	if o.Meta.Labels["kubernetes.io/bootstrapping"] == "rbac-defaults" {
		return true
	}
	return strings.HasPrefix(o.Meta.Name, "system:") || strings.HasPrefix(o.Meta.Name, "eks:")
}
