package netpol

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/internal/testbed"
	"github.com/eksguard/eksguard/pkg/scan"
	"github.com/eksguard/eksguard/pkg/source/cluster"
)

func TestMain(m *testing.M) { os.Exit(testbed.Run(m)) }

// TestLiveCluster loads the shop example into a real API server (defaulting applies: the
// server fills in policyTypes and port protocols), reads it back as the scanner's service
// account, and checks the view of the running Pods.
func TestLiveCluster(t *testing.T) {
	bed := testbed.Start(t)
	data, err := os.ReadFile("testdata/shop.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// envtest runs no controllers: the workloads make no Pods, so the test creates them.
	bed.Apply(t, string(data)+`
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop, labels: {app: web}}
spec: {containers: [{name: web, image: nginx:1.27, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: api-1, namespace: shop, labels: {app: api}}
spec: {containers: [{name: api, image: api:1.0, ports: [{name: api, containerPort: 9000}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db-0, namespace: shop, labels: {app: db}}
spec: {containers: [{name: db, image: postgres:16, ports: [{containerPort: 5432}]}]}
`)
	src, err := cluster.New(bed.ScannerConfig(t), cluster.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	snap, inErrs, err := scan.LoadClusterSnapshot(context.Background(), src, "testbed")
	if err != nil || len(inErrs) > 0 {
		t.Fatal(err, inErrs)
	}
	set, pods, errs := FromSnapshotPods(snap, LivePods)
	v := BuildView(set, pods, errs)
	if len(v.Errors) > 0 {
		t.Fatal(v.Errors)
	}
	got := map[string]string{}
	for _, c := range v.Connections() {
		got[c.From+" -> "+c.To] = strings.Join(c.Ports, ", ")
	}
	for k, want := range map[string]string{
		"shop/app=web -> shop/app=api":                 "TCP 9000",
		"shop/app=api -> shop/app=db":                  "TCP 5432",
		"shop/app=db -> kube-system/k8s-app=kube-dns":  "UDP 53",
		"shop/app=web -> kube-system/k8s-app=kube-dns": "UDP 53",
	} {
		if got[k] != want {
			t.Errorf("%s: %q, want %q (all: %v)", k, got[k], want, got)
		}
	}
	for _, g := range v.Groups {
		for _, m := range g.Members {
			if !strings.HasPrefix(m, "Pod/") {
				t.Errorf("group %s holds %s: the live view shows Pods only", g.ID, m)
			}
		}
	}
	if _, ok := got["shop/app=api -> shop/app=web"]; ok {
		t.Error("api may not open connections to web")
	}
}
