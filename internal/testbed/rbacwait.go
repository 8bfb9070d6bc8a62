package testbed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// waitAuthorized waits until the API server's authorizer grants the service account
// namespace/name what the roles that rbac binds to it allow. The RBAC authorizer reads
// roles and bindings from a cache, so for a moment after they are created the account is
// still refused; a test that acted at once would see a spurious Forbidden.
func (e *Env) waitAuthorized(ctx context.Context, rbac []byte, namespace, name string) error {
	type roleKey struct{ kind, namespace, name string }
	rules := map[roleKey][]rbacv1.PolicyRule{}
	type grant struct {
		role      roleKey
		namespace string // where a RoleBinding grants it; empty: cluster-wide
	}
	var grants []grant
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(rbac), 4096)
	for {
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return err
		}
		kind, _ := obj["kind"].(string)
		switch kind {
		case "Role", "ClusterRole":
			var r rbacv1.ClusterRole // a Role has the same fields
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj, &r); err != nil {
				return err
			}
			ns := r.Namespace
			if kind == "ClusterRole" {
				ns = ""
			}
			rules[roleKey{kind, ns, r.Name}] = r.Rules
		case "RoleBinding", "ClusterRoleBinding":
			var b rbacv1.RoleBinding // a ClusterRoleBinding has the same fields
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj, &b); err != nil {
				return err
			}
			for _, s := range b.Subjects {
				if s.Kind != rbacv1.ServiceAccountKind || s.Name != name || s.Namespace != namespace {
					continue
				}
				g := grant{role: roleKey{b.RoleRef.Kind, "", b.RoleRef.Name}}
				if kind == "RoleBinding" {
					g.namespace = b.Namespace
					if b.RoleRef.Kind == "Role" {
						g.role.namespace = b.Namespace
					}
				}
				grants = append(grants, g)
			}
		}
	}
	user := "system:serviceaccount:" + namespace + ":" + name
	for _, g := range grants {
		for _, r := range rules[g.role] {
			if len(r.Verbs) == 0 || len(r.Resources) == 0 || len(r.APIGroups) == 0 {
				continue // non-resource URLs
			}
			res, sub, _ := strings.Cut(r.Resources[0], "/")
			attrs := &authorizationv1.ResourceAttributes{Namespace: g.namespace, Verb: r.Verbs[0],
				Group: r.APIGroups[0], Resource: res, Subresource: sub}
			if len(r.ResourceNames) > 0 {
				attrs.Name = r.ResourceNames[0]
			}
			err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
				sar, err := e.Client.AuthorizationV1().SubjectAccessReviews().Create(ctx, &authorizationv1.SubjectAccessReview{
					Spec: authorizationv1.SubjectAccessReviewSpec{User: user, Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + namespace},
						ResourceAttributes: attrs}}, metav1.CreateOptions{})
				if err != nil {
					return false, err
				}
				return sar.Status.Allowed, nil
			})
			if err != nil {
				return fmt.Errorf("%s is not granted %s %s/%s in %q yet: %w", user, attrs.Verb, attrs.Group, r.Resources[0], g.namespace, err)
			}
		}
	}
	return nil
}
