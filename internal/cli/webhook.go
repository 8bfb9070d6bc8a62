package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"

	"github.com/spf13/cobra"

	"github.com/eksguard/eksguard/pkg/admission"
	"github.com/eksguard/eksguard/pkg/bounded"
	"github.com/eksguard/eksguard/pkg/report"
	"github.com/eksguard/eksguard/rules/all"
)

func newWebhook() *cobra.Command {
	c := &cobra.Command{
		Use:   "webhook",
		Short: "Enforce the workload rules at admission: serve the webhook, or print its install manifests",
		Long: `The webhook runs the workload rules of "eksguard scan" (same IDs, same messages) on Pods and
every kind with a pod template as the API server admits them, in a mode per namespace:
enforce (deny), warn (admit with warnings) or audit (admit with audit annotations).
See docs/admission.md.`,
	}
	c.AddCommand(newWebhookServe(), newWebhookManifests())
	return c
}

// loadWebhookConfig reads the webhook config file, or gives the defaults when file is "".
func loadWebhookConfig(file string) (*admission.Config, []byte, error) {
	if file == "" {
		return admission.DefaultConfig(), nil, nil
	}
	cfg, err := admission.LoadConfig(file)
	if err != nil {
		return nil, nil, usageErr("%v", err)
	}
	text, err := bounded.ReadFile(file, 1<<20)
	if err != nil {
		return nil, nil, usageErr("%v", err)
	}
	return cfg, text, nil
}

func newWebhookServe() *cobra.Command {
	var (
		cfgFile, addr, probeAddr, certFile, keyFile string
	)
	c := &cobra.Command{
		Use:   "serve",
		Short: "Serve the validating (and mutating) admission webhook over HTTPS",
		Long: `Serve answers AdmissionReviews on /validate (and /validate/<mode> for namespaces labelled
eksguard.io/mode, honoured as the config's labelOverrides allows) and /mutate, with /healthz,
/readyz and Prometheus /metrics on the same port and, with --probe-addr, over plain HTTP.
The certificate files are read again when they change (a rotated Secret).`,
		Example: "  eksguard webhook serve --config webhook.yaml --tls-cert-file tls.crt --tls-key-file tls.key",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, _, err := loadWebhookConfig(cfgFile)
			if err != nil {
				return err
			}
			rules, err := admission.SelectRules(cfg, all.Registry())
			if err != nil {
				return usageErr("%v", err)
			}
			h, err := admission.NewHandler(cfg, rules, nil)
			if err != nil {
				return usageErr("%v", err)
			}
			stderr := cmd.ErrOrStderr()
			srv := &admission.Server{
				Handler: h, Addr: addr, ProbeAddr: probeAddr, CertFile: certFile, KeyFile: keyFile,
				Log: func(format string, args ...any) {
					fmt.Fprintf(stderr, "%s eksguard webhook: %s\n", time.Now().UTC().Format(time.RFC3339), fmt.Sprintf(format, args...))
				},
			}
			if err := srv.Listen(); err != nil {
				return usageErr("%v", err)
			}
			srv.Log("%d rules, default mode %s, excluded namespaces %v, fail %s, deadline %v",
				len(rules), cfg.DefaultMode, cfg.Excluded(), map[bool]string{true: "open", false: "closed"}[cfg.FailOpen], cfg.Timeout.Duration)
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if err := srv.Serve(ctx); err != nil {
				return &exitError{code: 1, err: err}
			}
			return nil
		},
	}
	c.Flags().StringVar(&cfgFile, "config", "", "webhook config file (modes, rules, exclusions, mutation defaults); none: enforce everywhere but excluded namespaces")
	c.Flags().StringVar(&addr, "addr", ":8443", "HTTPS address")
	c.Flags().StringVar(&probeAddr, "probe-addr", "", "also serve /healthz, /readyz and /metrics over plain HTTP on this address")
	c.Flags().StringVar(&certFile, "tls-cert-file", "", "serving certificate (PEM)")
	c.Flags().StringVar(&keyFile, "tls-key-file", "", "serving key (PEM)")
	return c
}

func newWebhookManifests() *cobra.Command {
	var (
		cfgFile, image, tlsMode, caDir, url, failurePolicy, name string
		replicas, timeout                                        int32
	)
	c := &cobra.Command{
		Use:   "manifests",
		Short: "Print the install manifests: Deployment, PodDisruptionBudget, Service, TLS, RBAC and webhook configurations",
		Long: `Manifests prints, as YAML for kubectl apply: the namespace, a service account with no API
rights (the webhook reads nothing from the API), the config as a ConfigMap, the TLS material,
a Deployment (3 replicas, anti-affinity, restricted security context, resource limits), a
PodDisruptionBudget, a Service, the ValidatingWebhookConfiguration (timeoutSeconds 3,
namespace selector and matchConditions that skip excluded namespaces) and, when the config
opts into defaults, the MutatingWebhookConfiguration.

TLS: --tls self-signed makes a CA and a one-year serving certificate; with --ca-dir the CA is
kept there and reused, so running the command again rotates the serving certificate without
changing the caBundle (the webhook reloads the mounted Secret). --tls cert-manager asks
cert-manager for the certificate and has it inject the caBundle.`,
		Example: "  eksguard webhook manifests --image ghcr.io/eksguard/eksguard:" + report.Version + " --ca-dir ./webhook-ca | kubectl apply -f -",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, text, err := loadWebhookConfig(cfgFile)
			if err != nil {
				return err
			}
			o := &admission.ManifestOptions{
				Name: name, Image: image, Replicas: replicas, TimeoutSeconds: timeout, TLS: tlsMode, URL: url,
				FailurePolicy: admissionregistrationv1.FailurePolicyType(failurePolicy), Config: cfg, ConfigText: text,
			}
			if tlsMode == admission.TLSSelfSigned {
				ca, err := loadOrMakeCA(caDir, cmd)
				if err != nil {
					return err
				}
				o.CABundle = ca.CertPEM
				if name == "" {
					o.Name = "eksguard-webhook"
				}
				host := o.Name + "." + cfg.OwnNamespace + ".svc"
				if o.Cert, o.Key, err = ca.Issue([]string{host, o.Name + "." + cfg.OwnNamespace}, 365*24*time.Hour); err != nil {
					return err
				}
			}
			out, err := o.Manifests()
			if err != nil {
				return usageErr("%v", err)
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	}
	c.Flags().StringVar(&cfgFile, "config", "", "webhook config file, shipped in the ConfigMap")
	c.Flags().StringVar(&image, "image", "ghcr.io/eksguard/eksguard:"+report.Version, "eksguard image")
	c.Flags().StringVar(&name, "name", "eksguard-webhook", "name of the objects")
	c.Flags().StringVar(&tlsMode, "tls", admission.TLSSelfSigned, "serving certificate: self-signed or cert-manager")
	c.Flags().StringVar(&caDir, "ca-dir", "", "self-signed: keep the CA (ca.crt, ca.key) in this directory and reuse it on later runs")
	c.Flags().StringVar(&url, "url", "", "point the webhook configurations at this URL instead of the Service (a webhook outside the cluster)")
	c.Flags().StringVar(&failurePolicy, "failure-policy", "Fail", "when the webhook cannot be reached in enforce mode: Fail (deny; no bypass by taking the webhook down) or Ignore (admit unchecked; no lockout)")
	c.Flags().Int32Var(&replicas, "replicas", 3, "webhook replicas")
	c.Flags().Int32Var(&timeout, "timeout-seconds", 3, "timeoutSeconds of the webhook configurations")
	return c
}

// loadOrMakeCA reuses the CA in dir, or makes one (ten years) and saves it there.
func loadOrMakeCA(dir string, cmd *cobra.Command) (*admission.CA, error) {
	if dir != "" {
		crt, errC := bounded.ReadFile(filepath.Join(dir, "ca.crt"), 1<<20)
		key, errK := bounded.ReadFile(filepath.Join(dir, "ca.key"), 1<<20)
		if errC == nil && errK == nil {
			ca, err := admission.LoadCA(crt, key)
			if err != nil {
				return nil, usageErr("--ca-dir %s: %v", dir, err)
			}
			return ca, nil
		}
		if !errors.Is(errC, fs.ErrNotExist) || !errors.Is(errK, fs.ErrNotExist) {
			return nil, usageErr("--ca-dir %s: want both ca.crt and ca.key, or neither (%v, %v)", dir, errC, errK)
		}
	}
	ca, err := admission.NewCA("eksguard-webhook-ca", 10*365*24*time.Hour)
	if err != nil {
		return nil, err
	}
	if dir == "" {
		fmt.Fprintln(cmd.ErrOrStderr(), "eksguard: made a new CA; pass --ca-dir DIR to keep it, so later runs rotate the serving certificate without changing the caBundle")
		return ca, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, usageErr("--ca-dir: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ca.crt"), ca.CertPEM, 0o644); err != nil {
		return nil, usageErr("--ca-dir: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ca.key"), ca.KeyPEM, 0o600); err != nil {
		return nil, usageErr("--ca-dir: %v", err)
	}
	return ca, nil
}
