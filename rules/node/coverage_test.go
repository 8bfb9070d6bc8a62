package node

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/internal/testenv"
	"github.com/eksguard/eksguard/pkg/ref"
)

// TestSection3Coverage: every CIS EKS v1.8.0 section 3 control of the published check list
// (kube-bench's eks-1.8.0 node.yaml, flattened in ../shared/reference) has exactly one node
// rule, and the rule's setting is the one the check list audits (flag and config path).
func TestSection3Coverage(t *testing.T) {
	f, err := os.Open(testenv.Reference(t, "cis-eks/eks-1.8.0-checks.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	byControl := map[string][]string{}
	for _, r := range Rules() {
		for _, x := range r.Meta().References {
			if x.Kind == ref.CISEKS {
				byControl[x.ID] = append(byControl[x.ID], r.Meta().ID)
			}
		}
	}
	// What each rule reads, against the check list's flag and {.path}.
	reads := map[string][2]string{
		"3.2.1": {"--anonymous-auth", "{.authentication.anonymous.enabled}"},
		"3.2.2": {"--authorization-mode", "{.authorization.mode}"},
		"3.2.3": {"--client-ca-file", "{.authentication.x509.clientCAFile}"},
		"3.2.4": {"--read-only-port", "{.readOnlyPort}"},
		"3.2.5": {"--streaming-connection-idle-timeout", "{.streamingConnectionIdleTimeout}"},
		"3.2.6": {"--make-iptables-util-chains", "{.makeIPTablesUtilChains}"},
		"3.2.7": {"--event-qps", "{.eventRecordQPS}"},
		"3.2.8": {"--rotate-certificates", "{.rotateCertificates}"},
		"3.2.9": {"RotateKubeletServerCertificate", "{.featureGates.RotateKubeletServerCertificate}"},
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 9 || cols[0] != "node" {
			continue
		}
		id := cols[1]
		n++
		if len(byControl[id]) != 1 {
			t.Errorf("CIS %s: want one node rule, have %v", id, byControl[id])
		}
		if want, ok := reads[id]; ok && (!strings.Contains(cols[8], `"flag": "`+want[0]+`"`) || !strings.Contains(cols[8], want[1])) {
			t.Errorf("CIS %s: the check list audits %s, not %v", id, cols[8], want)
		}
	}
	if n != 13 {
		t.Errorf("section 3 has %d controls in the list, want 13", n)
	}
}
