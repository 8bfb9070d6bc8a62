package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/internal/testbed"
)

func TestNetpolView(t *testing.T) {
	code, out, errOut := run(t, "", "netpol", "../../pkg/netpol/testdata/shop.yaml", "-f", "json")
	if code != ExitClean {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var v struct {
		Groups      []struct{ ID string }
		Connections []struct {
			From, To string
			Ports    []string
		}
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range v.Connections {
		if c.From == "shop/app=web" && c.To == "shop/app=api" && strings.Join(c.Ports, ",") == "TCP 9000" {
			found = true
		}
	}
	if len(v.Groups) != 4 || !found {
		t.Errorf("view: %s", out)
	}
	code, out, _ = run(t, "", "netpol", "../../pkg/netpol/testdata/shop.yaml")
	if code != ExitClean || !strings.Contains(out, "CONNECTIONS BETWEEN GROUPS") && strings.Count(out, "TCP 9000") == 1 {
		t.Errorf("table: exit %d\n%s", code, out)
	}
}

func TestNetpolErrors(t *testing.T) {
	const bad = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: bad, namespace: shop}
spec:
  podSelector: {}
  ingress:
  - from: [{ipBlock: {cidr: 10.0.0.0/40}}]
`
	code, out, errOut := run(t, bad, "netpol", "-")
	if code != ExitUsage || !strings.Contains(out, "NetworkPolicy shop/bad: spec.ingress[0].from[0].ipBlock: invalid CIDR") || !strings.Contains(errOut, "could not be read") {
		t.Errorf("exit %d\n%s\n%s", code, out, errOut)
	}
	if code, _, _ := run(t, "", "netpol", "-f", "yaml", "."); code != ExitUsage {
		t.Errorf("bad format: exit %d", code)
	}
	if code, out, _ := run(t, "", "netpol", "/does/not/exist"); code != ExitUsage || !strings.Contains(out, "/does/not/exist") {
		t.Errorf("missing input: exit %d\n%s", code, out)
	}
}

// TestNetpolCluster runs `eksguard netpol --cluster` against the real API server as the
// scanner's service account.
func TestNetpolCluster(t *testing.T) {
	bed := testbed.Start(t)
	bed.Apply(t, `
apiVersion: v1
kind: Namespace
metadata: {name: netpol-cli}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: netpol-cli, labels: {app: web}}
spec: {containers: [{name: web, image: nginx:1.27}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db-0, namespace: netpol-cli, labels: {app: db}}
spec: {containers: [{name: db, image: postgres:16, ports: [{name: pg, containerPort: 5432}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: netpol-cli}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
    ports: [{port: pg}]
`)
	kc := testbed.Kubeconfig(t, bed.ScannerConfig(t), t.TempDir())
	code, out, errOut := run(t, "", "netpol", "--cluster", "--kubeconfig", kc, "-f", "json")
	if code != ExitClean {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
	var v struct {
		Connections []struct {
			From, To string
			Ports    []string
		}
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	var toDB []string
	for _, c := range v.Connections {
		if c.To == "netpol-cli/app=db" {
			toDB = append(toDB, c.From+" "+strings.Join(c.Ports, ","))
		}
	}
	if len(toDB) != 1 || toDB[0] != "netpol-cli/app=web TCP 5432" {
		t.Errorf("connections to db: %v\n%s", toDB, out)
	}
}
