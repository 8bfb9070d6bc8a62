package transit

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/eksguard/eksguard/internal/testbed"
	"github.com/eksguard/eksguard/pkg/engine"
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/scan"
	"github.com/eksguard/eksguard/pkg/source/cluster"
	"github.com/eksguard/eksguard/rules/network"
	"github.com/eksguard/eksguard/rules/sgp"
)

func TestMain(m *testing.M) { os.Exit(testbed.Run(m)) }

// TestLiveRules runs the transit, security-groups-for-pods and network rules on objects
// read back from a real API server as the scanner's service account: typed objects for the
// built-in kinds, unstructured ones from the dynamic client for the CRDs.
func TestLiveRules(t *testing.T) {
	bed := testbed.Start(t)
	bed.InstallCRDs(t)
	bed.Apply(t, `
apiVersion: v1
kind: Namespace
metadata: {name: transit-live, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Namespace
metadata: {name: istio-system}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: transit-live}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {hostNetwork: true, containers: [{name: web, image: nginx:1.27}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: transit-live}
spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata:
  name: tls
  namespace: transit-live
  annotations:
    service.beta.kubernetes.io/aws-load-balancer-type: external
    service.beta.kubernetes.io/aws-load-balancer-ssl-cert: arn:aws:acm:us-east-1:123456789012:certificate/abc
spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 443, targetPort: 8443}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: transit-live}
spec:
  ingressClassName: alb
  defaultBackend: {service: {name: web, port: {number: 80}}}
---
apiVersion: vpcresources.k8s.aws/v1beta1
kind: SecurityGroupPolicy
metadata: {name: all, namespace: transit-live}
spec: {podSelector: {}, securityGroups: {groupIds: [sg-0123456789abcdef0]}}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: istio-system}
spec: {mtls: {mode: PERMISSIVE}}
`)
	src, err := cluster.New(bed.ScannerConfig(t), cluster.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	snap, errs, err := scan.LoadClusterSnapshot(context.Background(), src, "testbed")
	if err != nil || len(errs) > 0 {
		t.Fatal(err, errs)
	}
	rs := append(append(Rules(), sgp.Rules()...), network.Rules()...)
	got := map[string][]string{}
	for _, f := range engine.New(rs, rule.DefaultSettings(), nil).Check(context.Background(), snap) {
		if f.Status == finding.StatusError {
			t.Errorf("%s: %s", f.RuleID, f.Message)
		}
		if f.Subject.Namespace == "transit-live" || f.Subject.Name == "transit-live" {
			got[f.RuleID] = append(got[f.RuleID], f.Subject.Kind+"/"+f.Subject.Name)
		}
	}
	for id, want := range map[string][]string{
		"transit/load-balancer-without-tls": {"Service/web"}, // not Service/tls
		"transit/alb-without-tls":           {"Ingress/web"},
		"transit/mesh-mtls-not-strict":      {"Namespace/transit-live"},
		"sgp/selects-nothing":               {"SecurityGroupPolicy/all"},
		"sgp/host-network-pod":              {"Deployment/web"},
		"network/namespace-without-policy":  {"Namespace/transit-live"},
	} {
		if !slices.Equal(got[id], want) {
			t.Errorf("%s: %v, want %v", id, got[id], want)
		}
	}
}
