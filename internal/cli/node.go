package cli

import (
	"errors"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/eksguard/eksguard/pkg/source/node"
	"github.com/eksguard/eksguard/pkg/target"
)

func newScanNode() *cobra.Command {
	var (
		f        targetFlags
		hostRoot string
		proc     string
		name     string
		every    time.Duration
	)
	c := &cobra.Command{
		Use:   "node",
		Short: "Check a worker node: CIS EKS section 3 (kubelet files and settings) and the node OS",
		Long: `Scan node reads the host filesystem under --host-root: the kubelet's command line (from
/proc, or from its systemd unit and drop-ins), its config file and drop-ins and its kubeconfig,
at the paths EKS Amazon Linux 2, Amazon Linux 2023 (nodeadm) and Bottlerocket use, with
kubelet's precedence (flags over the config file over the defaults). Links are resolved inside
the host root. A file or setting that cannot be read is reported as unknown, never as a pass.

In a pod (deploy/node-daemonset.yaml), mount the host read-only at /host, run with hostPID and
pass --host-root /host --proc /proc.

To scan a manifest directory that is named "node", write it as ./node.

Exit status: 0 nothing at or above --fail-on, 1 findings at or above it (unknown controls
count at their rule's severity), 2 usage or input errors.`,
		Example: "  eksguard scan node\n  eksguard scan node --host-root /host --proc /proc -f json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := f.prepare(cmd, target.KindNode)
			if err != nil {
				return err
			}
			if name == "" {
				name = os.Getenv("NODE_NAME")
			}
			for {
				n, err := node.Load(node.Options{HostRoot: hostRoot, Proc: proc, Name: name})
				if err != nil {
					return usageErr("%v", err)
				}
				settings := map[string]string{"host-root": n.HostRoot, "kubelet-source": n.Kubelet.Source}
				if n.Kubelet.Source == "" {
					settings["kubelet-source"] = "not found: " + n.Kubelet.SearchNote
				}
				err = f.run(cmd.OutOrStdout(), p, n.HostRoot, []target.Target{n}, nil, settings)
				if every <= 0 {
					return err
				}
				var ee *exitError
				if err != nil && (!errors.As(err, &ee) || ee.code != ExitFindings) {
					return err
				}
				time.Sleep(every)
			}
		},
	}
	f.register(c)
	c.Flags().StringVar(&hostRoot, "host-root", "/", "where the host's root filesystem is mounted")
	c.Flags().StringVar(&proc, "proc", "", "the host's /proc (default HOST-ROOT/proc; /proc in a hostPID pod)")
	c.Flags().DurationVar(&every, "every", 0, "scan again after this long, forever (for a DaemonSet); 0 scans once")
	c.Flags().StringVar(&name, "node-name", "", "node name in findings (default $NODE_NAME, then the host's /etc/hostname)")
	return c
}
