package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/pkg/respond"
)

// Exit status of respond isolate and release when a step failed after others were done.
const exitPartial = 3

func newRespond() *cobra.Command {
	c := &cobra.Command{
		Use:   "respond",
		Short: "Incident response: isolate suspect pods with evidence, and undo it",
		Long: `Respond packages the first steps of the EKS incident response guide on a live cluster:
capture evidence, isolate pods with a deny-all NetworkPolicy and a quarantine label that
takes them out of their Services and controllers, cordon their nodes, and undo exactly that
with release. See docs/respond.md.`,
	}
	c.AddCommand(newRespondIsolate(), newRespondRelease(), newRespondVerify(), newRespondFind())
	return c
}

// respondKube registers the cluster flags with rate limits fit for acting on many pods.
func respondKube(c *cobra.Command, k *kubeFlags) {
	k.register(c)
	for name, v := range map[string]string{"qps": "100", "burst": "200"} {
		f := c.Flags().Lookup(name)
		f.DefValue = v
		_ = f.Value.Set(v)
	}
}

// queryFlags pick pods by image, service account or labels.
type queryFlags struct {
	image, sa, label string
}

func (q *queryFlags) register(c *cobra.Command) {
	c.Flags().StringVar(&q.image, "image", "", "pods running this image: REPO (any tag), REPO:TAG, REPO@sha256:... or sha256:...")
	c.Flags().StringVar(&q.sa, "service-account", "", "pods running as this service account, NAMESPACE/NAME")
	c.Flags().StringVarP(&q.label, "label", "l", "", "pods matching this label selector")
}

func (q *queryFlags) set() bool { return q.image != "" || q.sa != "" || q.label != "" }

func (q *queryFlags) query(ns string) respond.Query {
	return respond.Query{Namespace: ns, Image: q.image, ServiceAccount: q.sa, Label: q.label}
}

func signalContext(cmd *cobra.Command) (context.Context, context.CancelFunc) {
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	return signal.NotifyContext(ctx, os.Interrupt)
}

func newRespondIsolate() *cobra.Command {
	var (
		kube        kubeFlags
		q           queryFlags
		req         respond.Request
		ns, format  string
		captureOnly bool
	)
	c := &cobra.Command{
		Use:   "isolate [POD]... -n NAMESPACE | --image REF | --service-account NS/NAME | --label SELECTOR",
		Short: "Capture evidence, then quarantine pods (and cordon their nodes)",
		Long: `Isolate acts on the pods named (in --namespace) and the pods --image, --service-account and
--label pick, as one incident, in this order, each step checked before the next:

  1. capture: every pod, its owners, status, events, container logs (current and previous),
     its node, the Services, NetworkPolicies and SecurityGroupPolicies that select it, its
     service account and IRSA role, into an evidence bundle with a SHA-256 manifest;
  2. policy: a NetworkPolicy eksguard-quarantine-INCIDENT in each namespace that denies all
     ingress and egress of pods labelled eksguard.io/quarantine=INCIDENT, carrying the
     journal of every change;
  3. label: each pod gets that label and loses the labels its Services, its controller and
     other NetworkPolicies select it by (kept in an annotation), so traffic and the
     controller let go of it and the controller starts a clean replacement;
  4. cordon (--cordon): each pod's node is marked unschedulable, not drained.

Warnings say where a NetworkPolicy cannot isolate: no enforcing network plugin found,
hostNetwork pods, other policies that still allow traffic. Running it again changes
nothing; after a failure, run it again to finish or run release to undo.

Exit status: 0 done, 2 for usage errors or a failure before any change, 3 when a step
failed after others were done (the output lists both; the journal records them).`,
		Example: `  eksguard respond isolate web-5d8f-abc12 -n shop --cordon --reason "falco: shell in container"
  eksguard respond isolate -n shop -l app=web --evidence /secure/inc.tar.gz
  eksguard respond isolate --image registry.example.com/web@sha256:... --dry-run`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usageErr("--format %q: want text or json", format)
			}
			if len(args) > 0 && ns == "" {
				return usageErr("pods named on the command line need --namespace")
			}
			if len(args) == 0 && !q.set() {
				return usageErr("name pods, or pick them with --image, --service-account or --label")
			}
			if req.Incident != "" {
				if err := respond.ValidIncident(req.Incident); err != nil {
					return usageErr("--incident: %v", err)
				}
			}
			req.Quarantine = !captureOnly
			if captureOnly && req.Cordon {
				return usageErr("--capture-only and --cordon exclude each other")
			}
			r, err := kube.responder()
			if err != nil {
				return err
			}
			ctx, stop := signalContext(cmd)
			defer stop()
			pods, err := pickPods(ctx, r, ns, args, q)
			if err != nil {
				return usageErr("%v", err)
			}
			res, err := r.IsolatePods(ctx, req, pods)
			return finishRespond(cmd.OutOrStdout(), format, res, err)
		},
	}
	respondKube(c, &kube)
	q.register(c)
	c.Flags().StringVarP(&ns, "namespace", "n", "", "namespace of the pods named, and the scope of --image and --label (default: every namespace)")
	c.Flags().StringVar(&req.Incident, "incident", "", "incident ID (default: the pods' current incident, else a new one such as inc-20261126-044200-3f9a1c)")
	c.Flags().BoolVar(&req.Cordon, "cordon", false, "also cordon the pods' nodes (no drain)")
	c.Flags().BoolVar(&captureOnly, "capture-only", false, "capture evidence and change nothing")
	c.Flags().BoolVar(&req.DryRun, "dry-run", false, "print the plan and change nothing")
	c.Flags().StringVar(&req.Evidence, "evidence", "", "evidence bundle: a directory, or a .tar.gz file (default: ./eksguard-evidence-INCIDENT.tar.gz)")
	c.Flags().StringVar(&req.Actor, "actor", "", "who acts, for the journal and manifest (default: the user the API server authenticates)")
	c.Flags().StringVar(&req.Reason, "reason", "", "why, for the journal and manifest (the alert, the ticket)")
	c.Flags().StringVarP(&format, "format", "f", "text", "output format: text or json")
	return c
}

// pickPods reads the pods named and the pods the query picks.
func pickPods(ctx context.Context, r *respond.Responder, ns string, names []string, q queryFlags) ([]corev1.Pod, error) {
	var pods []corev1.Pod
	if q.set() {
		found, err := r.Find(ctx, q.query(ns))
		if err != nil {
			return nil, err
		}
		pods = append(pods, found.Pods...)
	}
	for _, name := range names {
		pod, err := r.Pod(ctx, ns, name)
		if err != nil {
			return nil, err
		}
		pods = append(pods, *pod)
	}
	if len(pods) == 0 {
		return nil, fmt.Errorf("no pod matches")
	}
	return pods, nil
}

func newRespondRelease() *cobra.Command {
	var (
		kube       kubeFlags
		ns, format string
		dryRun     bool
	)
	c := &cobra.Command{
		Use:   "release INCIDENT",
		Short: "Undo an incident's isolation from its journal",
		Long: `Release undoes exactly what isolate recorded in the journal on the incident's quarantine
NetworkPolicies (in --namespace, or every namespace): nodes it cordoned are uncordoned, pods
get their removed labels back and lose the quarantine label and annotation, and the policy
is removed last. Changes others made meanwhile are kept. Running it again changes nothing.

When a controller has started a replacement, the restored pod matches its controller again
and the controller may scale one of them down.

Exit status: 0 done (or nothing to undo), 2 for usage errors, 3 when a step failed (the
policy and its journal are kept: run release again).`,
		Example: "  eksguard respond release inc-20261126-044200-3f9a1c\n  eksguard respond release inc-7 -n shop --dry-run",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usageErr("--format %q: want text or json", format)
			}
			if err := respond.ValidIncident(args[0]); err != nil {
				return usageErr("%v", err)
			}
			r, err := kube.responder()
			if err != nil {
				return err
			}
			ctx, stop := signalContext(cmd)
			defer stop()
			res, err := r.Release(ctx, ns, args[0], dryRun)
			return finishRespond(cmd.OutOrStdout(), format, res, err)
		},
	}
	respondKube(c, &kube)
	c.Flags().StringVarP(&ns, "namespace", "n", "", "release in this namespace only (default: every namespace)")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "print the plan and change nothing")
	c.Flags().StringVarP(&format, "format", "f", "text", "output format: text or json")
	return c
}

func newRespondVerify() *cobra.Command {
	var want string
	c := &cobra.Command{
		Use:   "verify BUNDLE",
		Short: "Check an evidence bundle against its manifest",
		Long: `Verify checks an evidence bundle (a directory or a .tar.gz file): manifest.json matches the
hash in manifest.sha256, and every file it lists is there with its size and SHA-256, with
nothing else beside them. --sha256 also checks the manifest against a hash kept elsewhere
(isolate prints it and records it in the journal on the cluster), which catches a bundle
rewritten whole.

Exit status: 0 verified, 1 when anything does not match (each mismatch is printed), 2 when
the bundle cannot be read.`,
		Example: "  eksguard respond verify eksguard-evidence-inc-7.tar.gz --sha256 3f1c...",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := respond.Verify(args[0])
			if err != nil {
				return usageErr("%v", err)
			}
			if want != "" && !strings.EqualFold(want, v.ManifestSHA256) {
				v.Problems = append(v.Problems, fmt.Sprintf("manifest sha256 %s, expected %s", v.ManifestSHA256, want))
			}
			out := cmd.OutOrStdout()
			if !v.OK() {
				for _, p := range v.Problems {
					fmt.Fprintln(out, "MISMATCH", p)
				}
				return &exitError{code: ExitFindings, err: fmt.Errorf("%s: %d problems", args[0], len(v.Problems))}
			}
			m := v.Manifest
			fmt.Fprintf(out, "OK %s: %d files, incident %s, captured %s by %s with %s %s, manifest sha256 %s\n",
				args[0], len(m.Files), m.Incident, m.Created.Format("2006-01-02T15:04:05Z"), m.Actor, m.Tool, m.Version, v.ManifestSHA256)
			return nil
		},
	}
	c.Flags().StringVar(&want, "sha256", "", "expected SHA-256 of the manifest")
	return c
}

func newRespondFind() *cobra.Command {
	var (
		kube       kubeFlags
		q          queryFlags
		ns, format string
	)
	c := &cobra.Command{
		Use:   "find --image REF | --service-account NS/NAME | --label SELECTOR",
		Short: "List the pods and nodes an incident involves",
		Long: `Find lists the pods that match every filter given, and their nodes, so they can be isolated
together (respond isolate takes the same filters). --image matches by repository and tag,
by repository alone when REF has no tag, and by digest in the spec or the running image ID.

Exit status: 0 done (also when nothing matches), 2 for usage errors.`,
		Example: "  eksguard respond find --image nginx:1.25.3\n  eksguard respond find --service-account shop/web -f json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usageErr("--format %q: want text or json", format)
			}
			if !q.set() {
				return usageErr("give --image, --service-account or --label")
			}
			r, err := kube.responder()
			if err != nil {
				return err
			}
			found, err := r.Find(cmd.Context(), q.query(ns))
			if err != nil {
				return usageErr("%v", err)
			}
			out := cmd.OutOrStdout()
			type pod struct {
				Namespace      string   `json:"namespace"`
				Name           string   `json:"name"`
				Node           string   `json:"node,omitempty"`
				ServiceAccount string   `json:"serviceAccount"`
				Images         []string `json:"images"`
				Quarantine     string   `json:"quarantine,omitempty"`
			}
			pods := []pod{}
			for _, p := range found.Pods {
				x := pod{Namespace: p.Namespace, Name: p.Name, Node: p.Spec.NodeName, ServiceAccount: p.Spec.ServiceAccountName, Quarantine: p.Labels[respond.QuarantineLabel]}
				if x.ServiceAccount == "" {
					x.ServiceAccount = "default"
				}
				for _, c := range p.Spec.Containers {
					x.Images = append(x.Images, c.Image)
				}
				pods = append(pods, x)
			}
			if format == "json" {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(map[string]any{"pods": pods, "nodes": append([]string{}, found.Nodes...)})
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAMESPACE\tPOD\tNODE\tSERVICE ACCOUNT\tIMAGES\tQUARANTINE")
			for _, p := range pods {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Namespace, p.Name, dash(p.Node), p.ServiceAccount, strings.Join(p.Images, ","), dash(p.Quarantine))
			}
			tw.Flush()
			fmt.Fprintf(out, "%d pods on %d nodes: %s\n", len(pods), len(found.Nodes), strings.Join(found.Nodes, ", "))
			return nil
		},
	}
	kube.register(c)
	q.register(c)
	c.Flags().StringVarP(&ns, "namespace", "n", "", "search this namespace only (default: every namespace)")
	c.Flags().StringVarP(&format, "format", "f", "text", "output format: text or json")
	return c
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// finishRespond prints a result and turns its error into an exit status: 3 when something
// was done before the failure, 2 otherwise.
func finishRespond(out io.Writer, format string, res *respond.Result, err error) error {
	if res != nil {
		if format == "json" {
			type jsonResult struct {
				*respond.Result
				Error string `json:"error,omitempty"`
			}
			jr := jsonResult{Result: res}
			if err != nil {
				jr.Error = err.Error()
			}
			enc := json.NewEncoder(out)
			enc.SetIndent("", "  ")
			if e := enc.Encode(jr); e != nil {
				return e
			}
		} else {
			printResult(out, res)
		}
	}
	if err == nil {
		return nil
	}
	if res != nil && len(res.Steps) > 0 {
		return &exitError{code: exitPartial, err: err}
	}
	return usageErr("%v", err)
}

func printResult(out io.Writer, res *respond.Result) {
	fmt.Fprintln(out, "incident", res.Incident)
	if res.Bundle != "" {
		if res.ManifestSHA256 != "" {
			fmt.Fprintf(out, "evidence %s (manifest sha256 %s)\n", res.Bundle, res.ManifestSHA256)
		} else if !res.DryRun {
			fmt.Fprintf(out, "evidence %s (not sealed: capture did not finish)\n", res.Bundle)
		}
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	if len(res.Steps) > 0 {
		fmt.Fprintln(tw, "done:")
		for _, s := range res.Steps {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", s.Action, s.Object, s.Detail)
		}
	}
	if len(res.NotDone) > 0 {
		if res.DryRun {
			fmt.Fprintln(tw, "plan (dry run: nothing changed):")
		} else {
			fmt.Fprintln(tw, "NOT done:")
		}
		for _, s := range res.NotDone {
			d := s.Detail
			if s.Error != "" {
				d = "FAILED: " + s.Error
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", s.Action, s.Object, d)
		}
	}
	tw.Flush()
	for _, w := range res.Warnings {
		fmt.Fprintln(out, "warning:", w)
	}
}

// responder connects the incident-response commands to the cluster the flags name.
func (k *kubeFlags) responder() (*respond.Responder, error) {
	cfg, name, err := k.config()
	if err != nil {
		return nil, err
	}
	r, err := respond.New(cfg, respond.Options{Cluster: name})
	if err != nil {
		return nil, usageErr("%v", err)
	}
	return r, nil
}
