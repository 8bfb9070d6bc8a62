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
	Rule rbacv1.PolicyRule
	// Role is the role object the rule is written in: the bound role, or for an aggregated
	// ClusterRole the ClusterRole it was aggregated from.
	Role *target.Object
	// Path is the rule's path in Role, e.g. rules[2].
	Path string
	// Via names the aggregated ClusterRole the rule reached the bound role through, if any.
	Via string
}

// maxAggregation bounds how many ClusterRoles one aggregation may gather.
const maxAggregation = 10000

// RulesOf returns the rules a role grants. An aggregated ClusterRole (aggregationRule) is
// resolved as the aggregation controller does: its rules are those of every ClusterRole
// whose labels match one of its selectors (resolved in turn when they aggregate too). found
// is false when the role is not in the snapshot.
func (s *Snapshot) RulesOf(ref RoleRef) (grants []Grant, found bool) {
	s.ready()
	switch ref.Kind {
	case "Role":
		r := s.roleByKey[nsName{ref.Namespace, ref.Name}]
		if r == nil {
			return nil, false
		}
		return rulesAt(r.Obj.Rules, &r.Object, ""), true
	case "ClusterRole":
		cr := s.crByName[ref.Name]
		if cr == nil {
			return nil, false
		}
		return s.clusterRoleRules(cr, "", map[string]bool{}), true
	}
	return nil, false
}

func rulesAt(rules []rbacv1.PolicyRule, o *target.Object, via string) []Grant {
	out := make([]Grant, 0, len(rules))
	for i, r := range rules {
		out = append(out, Grant{Rule: r, Role: o, Path: target.Index("rules", i), Via: via})
	}
	return out
}

func (s *Snapshot) clusterRoleRules(cr *Item[*rbacv1.ClusterRole], via string, seen map[string]bool) []Grant {
	if seen[cr.Meta.Name] || len(seen) > maxAggregation {
		return nil
	}
	seen[cr.Meta.Name] = true
	agg := cr.Obj.AggregationRule
	if agg == nil {
		return rulesAt(cr.Obj.Rules, &cr.Object, via)
	}
	var sels []labels.Selector
	for i := range agg.ClusterRoleSelectors {
		sel, err := metav1.LabelSelectorAsSelector(&agg.ClusterRoleSelectors[i])
		if err != nil {
			continue // the API server rejects an invalid selector; it selects nothing
		}
		if sel.Empty() {
			continue // the controller never aggregates on an empty selector
		}
		sels = append(sels, sel)
	}
	var out []Grant
	for _, other := range s.clusterRoles {
		if other == cr {
			continue
		}
		for _, sel := range sels {
			if sel.Matches(labels.Set(other.Meta.Labels)) {
				v := via
				if v == "" {
					v = other.Meta.Name
				} else {
					v = v + " <- " + other.Meta.Name
				}
				out = append(out, s.clusterRoleRules(other, v, seen)...)
				break
			}
		}
	}
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
