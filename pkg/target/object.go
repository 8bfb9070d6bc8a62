package target

import (
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/eksguard/eksguard/pkg/finding"
)

// Meta is the part of object metadata rules read.
type Meta struct {
	Name        string
	Namespace   string
	Labels      map[string]string
	Annotations map[string]string
	// Controller is the object's controller owner reference as Kind/name (a Pod's
	// ReplicaSet, a ReplicaSet's Deployment), empty when it has none.
	Controller string
}

// ControllerOf returns the Kind/name of the controller among owner references.
func ControllerOf(refs []metav1.OwnerReference) string {
	for _, r := range refs {
		if r.Controller != nil && *r.Controller {
			return r.Kind + "/" + r.Name
		}
	}
	return ""
}

// DuplicateKey records a mapping key that appears more than once in the source text.
// The object rules see holds the last value, as the API server would store it.
type DuplicateKey struct {
	Path      string // path of the repeated key
	Line      int    // line of the repeated key
	FirstLine int    // line of its first occurrence
}

// Object is any Kubernetes object, known by its type and metadata.
type Object struct {
	APIVersion string
	Kind       string
	Meta       Meta
	Origin     Origin
	// Duplicates lists repeated mapping keys found while reading the object.
	Duplicates []DuplicateKey
	// Typed is the decoded object for the kinds cluster-wide rules read (RBAC, service
	// accounts, namespaces, network policies, ...), set by sources; nil for other kinds.
	Typed runtime.Object
}

// TargetKind implements Target.
func (o *Object) TargetKind() Kind { return KindObject }

// Subject implements Target.
func (o *Object) Subject() finding.Subject {
	return finding.Subject{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Meta.Namespace, Name: o.Meta.Name}
}

// Locate implements Target.
func (o *Object) Locate(path string) finding.Location { return o.Origin.Locate(path) }

// AsObject lets rules of KindObject see every target that is an object.
func (o *Object) AsObject() *Object { return o }

// Group returns the API group of the object ("" for the core group).
func (o *Object) Group() string {
	g, _, ok := strings.Cut(o.APIVersion, "/")
	if !ok {
		return ""
	}
	return g
}

// Objecter is implemented by every target that is a Kubernetes object.
type Objecter interface {
	AsObject() *Object
}
