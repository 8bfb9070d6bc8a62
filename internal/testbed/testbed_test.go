package testbed_test

import (
	"context"
	"os"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eksguard/eksguard/internal/testbed"
)

func TestMain(m *testing.M) { os.Exit(testbed.Run(m)) }

// Fixtures go through the real API: defaulting applies, and validation rejects what the
// API server rejects.
func TestApplyDefaultsAndValidates(t *testing.T) {
	bed := testbed.Start(t)
	bed.Apply(t, "apiVersion: v1\nkind: Pod\nmetadata: {name: defaulted}\nspec: {containers: [{name: c, image: busybox:1.36}]}\n")
	p, err := bed.Client.CoreV1().Pods("default").Get(context.Background(), "defaulted", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Spec.RestartPolicy != corev1.RestartPolicyAlways || p.Spec.Containers[0].TerminationMessagePath == "" {
		t.Errorf("not defaulted: %+v", p.Spec)
	}
	err = bed.Create(context.Background(), []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: Invalid_Name}\nspec: {containers: []}\n"))
	if err == nil || !strings.Contains(err.Error(), "Invalid") {
		t.Errorf("an invalid Pod was accepted: %v", err)
	}
}

// The scanner's configuration has exactly the rights of deploy/scanner-rbac.yaml.
func TestScannerConfigIsLeastPrivilege(t *testing.T) {
	bed := testbed.Start(t)
	bed.Apply(t, "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {k: v}\n")
	cs := bed.ScannerClient(t)
	ctx := context.Background()
	if _, err := cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{}); err != nil {
		t.Errorf("cannot list pods: %v", err)
	}
	if _, err := cs.CoreV1().Secrets("default").List(ctx, metav1.ListOptions{}); err == nil {
		t.Error("the scanner can list secrets")
	}
	if _, err := cs.CoreV1().Pods("default").Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "x"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}, metav1.CreateOptions{}); err == nil {
		t.Error("the scanner can create pods")
	}
}

// CRDs for the custom kinds install, and objects of them go in through the API.
func TestInstallCRDs(t *testing.T) {
	bed := testbed.Start(t)
	bed.InstallCRDs(t)
	bed.Apply(t, `
apiVersion: vpcresources.k8s.aws/v1beta1
kind: SecurityGroupPolicy
metadata: {name: sgp}
spec: {podSelector: {matchLabels: {app: x}}, securityGroups: {groupIds: [sg-1]}}
---
apiVersion: security.istio.io/v1beta1
kind: PeerAuthentication
metadata: {name: pa}
spec: {mtls: {mode: STRICT}}
`)
	err := bed.Create(context.Background(), []byte("apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: bad}\nspec: {mtls: {mode: SOMETIMES}}\n"))
	if err == nil || !strings.Contains(err.Error(), "Unsupported value") {
		t.Errorf("an invalid mTLS mode was accepted: %v", err)
	}
}
