// Package sgpolicy decodes vpcresources.k8s.aws/v1beta1 SecurityGroupPolicy objects and
// matches them against pods as the VPC resource controller's webhook does. The sgp rules
// and the incident responder's evidence capture share it.
package sgpolicy

import (
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

// Spec is the part of a SecurityGroupPolicy the controller reads.
type Spec struct {
	PodSelector            *metav1.LabelSelector `json:"podSelector,omitempty"`
	ServiceAccountSelector *metav1.LabelSelector `json:"serviceAccountSelector,omitempty"`
	SecurityGroups         struct {
		Groups []string `json:"groupIds,omitempty"`
	} `json:"securityGroups"`
}

// Policy is a decoded SecurityGroupPolicy.
type Policy struct {
	Spec Spec
	// Invalid says why the controller ignores the policy; empty when it applies.
	Invalid string
	// Pods and ServiceAccounts are the compiled selectors; nil when absent.
	Pods, ServiceAccounts labels.Selector
}

// Decode reads a SecurityGroupPolicy object (its unstructured content).
func Decode(obj map[string]any) *Policy {
	p := &Policy{}
	raw, _, _ := unstructured.NestedMap(obj, "spec")
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &p.Spec); err != nil {
		p.Invalid = "spec does not decode: " + err.Error()
		return p
	}
	var errs []string
	if p.Spec.PodSelector == nil && p.Spec.ServiceAccountSelector == nil {
		errs = append(errs, "it has neither podSelector nor serviceAccountSelector")
	}
	if len(p.Spec.SecurityGroups.Groups) == 0 {
		errs = append(errs, "securityGroups.groupIds is empty")
	}
	// The controller treats a selector it cannot parse as matching nothing.
	if p.Spec.PodSelector != nil {
		s, err := metav1.LabelSelectorAsSelector(p.Spec.PodSelector)
		if err != nil {
			errs = append(errs, "podSelector: "+err.Error())
		}
		p.Pods = s
	}
	if p.Spec.ServiceAccountSelector != nil {
		s, err := metav1.LabelSelectorAsSelector(p.Spec.ServiceAccountSelector)
		if err != nil {
			errs = append(errs, "serviceAccountSelector: "+err.Error())
		}
		p.ServiceAccounts = s
	}
	p.Invalid = strings.Join(errs, "; ")
	return p
}

// Match is whether a policy selects a pod: No, Yes, or Unknown when the policy selects by
// service account and the pod's service account is not known.
type Match int

// Matches.
const (
	No Match = iota
	Yes
	Unknown
)

// Match follows the controller's webhook for a pod of the policy's namespace (the caller
// checks the namespace): the pod matches when it matches every selector the policy has,
// podSelector on the pod's labels, serviceAccountSelector on its service account's labels
// (serviceAccount returns them, and false when the account is not known).
func (p *Policy) Match(podLabels map[string]string, serviceAccount func() (map[string]string, bool)) Match {
	if p.Invalid != "" {
		return No
	}
	if p.Pods != nil && !p.Pods.Matches(labels.Set(podLabels)) {
		return No
	}
	if p.ServiceAccounts != nil {
		sa, ok := serviceAccount()
		if !ok {
			return Unknown
		}
		if !p.ServiceAccounts.Matches(labels.Set(sa)) {
			return No
		}
	}
	return Yes
}
