package cli

import (
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/eksguard/eksguard/pkg/report"
)

// kubeFlags are the flags of commands that talk to a live cluster.
type kubeFlags struct {
	kubeconfig string
	context    string
	qps        float32
	burst      int
	timeout    time.Duration
}

func (k *kubeFlags) register(c *cobra.Command) {
	c.Flags().StringVar(&k.kubeconfig, "kubeconfig", "", "kubeconfig file (default: KUBECONFIG or ~/.kube/config; in a pod, its service account)")
	c.Flags().StringVar(&k.context, "context", "", "kubeconfig context (default: the current context)")
	c.Flags().Float32Var(&k.qps, "qps", 20, "client-side rate limit: API requests per second")
	c.Flags().IntVar(&k.burst, "burst", 40, "client-side rate limit: requests allowed in a burst")
	c.Flags().DurationVar(&k.timeout, "request-timeout", time.Minute, "time limit of one API request (retried when it runs out)")
}

// config loads the client configuration (kubeconfig, or in-cluster) and names the cluster:
// the context, else the server URL.
func (k *kubeFlags) config() (*rest.Config, string, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = k.kubeconfig
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: k.context})
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, "", usageErr("kubeconfig: %v", err)
	}
	cfg.QPS, cfg.Burst, cfg.Timeout = k.qps, k.burst, k.timeout
	cfg.UserAgent = report.Tool + "/" + report.Version
	name := cfg.Host
	if raw, err := cc.RawConfig(); err == nil {
		if k.context != "" {
			name = k.context
		} else if raw.CurrentContext != "" {
			name = raw.CurrentContext
		}
	}
	return cfg, name, nil
}
