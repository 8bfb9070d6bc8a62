package respond

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/eksguard/eksguard/pkg/netpol"
	"github.com/eksguard/eksguard/pkg/sgpolicy"
)

// IRSAAnnotation is the service account annotation that names the IAM role of IRSA.
const IRSAAnnotation = "eks.amazonaws.com/role-arn"

// MaxLogBytes bounds one container log in a bundle; of a longer log the first MaxLogBytes
// are kept (the API's limitBytes) and a note says so.
const MaxLogBytes = 16 << 20

var sgpResource = schema.GroupVersionResource{Group: "vpcresources.k8s.aws", Version: "v1beta1", Resource: "securitygrouppolicies"}

// Summary is the bundle's per-pod index (summary.json): what the pod is, where it runs, who
// it acts as, and what selects it.
type Summary struct {
	Namespace             string   `json:"namespace"`
	Pod                   string   `json:"pod"`
	UID                   string   `json:"uid"`
	Node                  string   `json:"node,omitempty"`
	HostNetwork           bool     `json:"hostNetwork,omitempty"`
	Images                []string `json:"images"`
	ServiceAccount        string   `json:"serviceAccount"`
	IAMRole               string   `json:"iamRole,omitempty"`
	Owners                []string `json:"owners,omitempty"`
	Services              []string `json:"services,omitempty"`
	NetworkPolicies       []string `json:"networkPolicies,omitempty"`
	SecurityGroupPolicies []string `json:"securityGroupPolicies,omitempty"`
}

// nsView is what capture and isolation read once per namespace.
type nsView struct {
	services []corev1.Service
	policies []networkingv1.NetworkPolicy
	sgps     []unstructured.Unstructured
	sgpNote  string // why SecurityGroupPolicies were not read, if they were not
}

func (r *Responder) readNamespace(ctx context.Context, ns string) (*nsView, error) {
	v := &nsView{}
	svcs, err := r.cs.CoreV1().Services(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("listing Services in %s: %w", ns, err)
	}
	v.services = svcs.Items
	nps, err := r.cs.NetworkingV1().NetworkPolicies(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("listing NetworkPolicies in %s: %w", ns, err)
	}
	v.policies = nps.Items
	sgps, err := r.dyn.Resource(sgpResource).Namespace(ns).List(ctx, metav1.ListOptions{})
	switch {
	case err == nil:
		v.sgps = sgps.Items
	case apierrors.IsNotFound(err) || meta.IsNoMatchError(err):
		v.sgpNote = "SecurityGroupPolicies: the kind is not served (no VPC resource controller CRD)"
	default:
		v.sgpNote = "SecurityGroupPolicies in " + ns + " not read: " + err.Error()
	}
	return v, nil
}

// serviceSelects reports whether a Service's selector selects the pod's labels.
func serviceSelects(s *corev1.Service, lbls map[string]string) bool {
	return len(s.Spec.Selector) > 0 && labels.SelectorFromSet(s.Spec.Selector).Matches(labels.Set(lbls))
}

// policySelects reports whether a NetworkPolicy selects a pod with lbls (pkg/netpol's
// semantics; a policy that does not compile selects nothing).
func policySelects(np *networkingv1.NetworkPolicy, pod *corev1.Pod, lbls map[string]string) bool {
	p, err := netpol.Compile(np)
	if err != nil {
		return false
	}
	return p.Selects(&netpol.Pod{Namespace: pod.Namespace, Name: pod.Name, Labels: lbls, HostNetwork: pod.Spec.HostNetwork})
}

// sgpSelects reports whether a SecurityGroupPolicy definitely selects the pod (the
// controller's matching, pkg/sgpolicy).
func sgpSelects(u *unstructured.Unstructured, pod *corev1.Pod, sa *corev1.ServiceAccount) bool {
	if u.GetNamespace() != pod.Namespace {
		return false
	}
	return sgpolicy.Decode(u.Object).Match(pod.Labels, func() (map[string]string, bool) {
		if sa == nil {
			return nil, false
		}
		return sa.Labels, true
	}) == sgpolicy.Yes
}

// capturer writes one incident's evidence.
type capturer struct {
	r     *Responder
	run   *run
	b     *bundle
	mu    sync.Mutex
	notes []string
	nodes map[string]bool
}

func (c *capturer) note(format string, args ...any) {
	c.mu.Lock()
	c.notes = append(c.notes, fmt.Sprintf(format, args...))
	c.mu.Unlock()
}

func (c *capturer) json(name string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return c.b.add(name, append(data, '\n'))
}

// pod captures everything about one pod. Failures to read one item are notes; a failure to
// write the bundle is an error.
func (c *capturer) pod(ctx context.Context, pod *corev1.Pod, view *nsView) error {
	dir := "pods/" + pod.Namespace + "/" + pod.Name + "/"
	sum := Summary{Namespace: pod.Namespace, Pod: pod.Name, UID: string(pod.UID), Node: pod.Spec.NodeName,
		HostNetwork: pod.Spec.HostNetwork, ServiceAccount: pod.Spec.ServiceAccountName}
	if sum.ServiceAccount == "" {
		sum.ServiceAccount = "default"
	}
	for _, ct := range allContainers(pod) {
		sum.Images = append(sum.Images, ct.image)
	}
	pod = pod.DeepCopy()
	setKind(pod, "v1", "Pod")
	if err := c.json(dir+"pod.json", pod); err != nil {
		return err
	}

	// Owners, up the chain (ReplicaSet, then its Deployment).
	if err := c.owners(ctx, dir, pod.Namespace, pod.OwnerReferences, &sum, 0); err != nil {
		return err
	}

	// Events about the pod.
	evs, err := c.r.cs.CoreV1().Events(pod.Namespace).List(ctx, metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("involvedObject.uid", string(pod.UID)).String()})
	if err != nil {
		c.note("%s/%s: events not read: %v", pod.Namespace, pod.Name, err)
	} else {
		setKind(evs, "v1", "EventList")
		if err := c.json(dir+"events.json", evs); err != nil {
			return err
		}
	}

	// Logs, current and previous, of every container that can have them.
	for _, ct := range allContainers(pod) {
		for _, previous := range []bool{false, true} {
			name := dir + "logs/" + ct.name + ".log"
			if previous {
				name = dir + "logs/" + ct.name + ".previous.log"
			}
			if err := c.log(ctx, pod, ct.name, previous, name); err != nil {
				return err
			}
		}
	}

	// The node.
	if n := pod.Spec.NodeName; n != "" {
		c.mu.Lock()
		first := !c.nodes[n]
		c.nodes[n] = true
		c.mu.Unlock()
		if first {
			node, err := c.r.cs.CoreV1().Nodes().Get(ctx, n, metav1.GetOptions{})
			if err != nil {
				c.note("node %s not read: %v", n, err)
			} else {
				setKind(node, "v1", "Node")
				if err := c.json("nodes/"+n+".json", node); err != nil {
					return err
				}
			}
		}
	}

	// The service account (its object only: Secrets are never read).
	sa, err := c.run.serviceAccount(ctx, pod.Namespace, sum.ServiceAccount)
	if err != nil {
		sa = nil
		c.note("%s/%s: service account %s not read: %v", pod.Namespace, pod.Name, sum.ServiceAccount, err)
	} else {
		sum.IAMRole = sa.Annotations[IRSAAnnotation]
		sa = sa.DeepCopy()
		setKind(sa, "v1", "ServiceAccount")
		if err := c.json(dir+"serviceaccount.json", sa); err != nil {
			return err
		}
	}

	// What selects the pod.
	var svcs []corev1.Service
	for i := range view.services {
		if serviceSelects(&view.services[i], pod.Labels) {
			s := view.services[i]
			setKind(&s, "v1", "Service")
			svcs = append(svcs, s)
			sum.Services = append(sum.Services, s.Name)
		}
	}
	var nps []networkingv1.NetworkPolicy
	for i := range view.policies {
		if policySelects(&view.policies[i], pod, pod.Labels) {
			p := view.policies[i]
			setKind(&p, "networking.k8s.io/v1", "NetworkPolicy")
			nps = append(nps, p)
			sum.NetworkPolicies = append(sum.NetworkPolicies, p.Name)
		}
	}
	var sgps []map[string]any
	for i := range view.sgps {
		if sgpSelects(&view.sgps[i], pod, sa) {
			sgps = append(sgps, view.sgps[i].Object)
			sum.SecurityGroupPolicies = append(sum.SecurityGroupPolicies, view.sgps[i].GetName())
		}
	}
	for _, item := range []struct {
		name string
		v    any
		n    int
	}{{"services.json", svcs, len(svcs)}, {"networkpolicies.json", nps, len(nps)}, {"securitygrouppolicies.json", sgps, len(sgps)}} {
		if item.n > 0 {
			if err := c.json(dir+item.name, item.v); err != nil {
				return err
			}
		}
	}
	return c.json(dir+"summary.json", sum)
}

func (c *capturer) owners(ctx context.Context, dir, ns string, refs []metav1.OwnerReference, sum *Summary, depth int) error {
	if depth > 4 {
		return nil
	}
	for _, ref := range refs {
		if ref.Controller == nil || !*ref.Controller {
			continue
		}
		obj, err := c.run.owner(ctx, ns, ref)
		if err != nil {
			c.note("owner %s %s/%s not read: %v", ref.Kind, ns, ref.Name, err)
			continue
		}
		sum.Owners = append(sum.Owners, ref.Kind+"/"+ref.Name)
		data, err := json.MarshalIndent(obj.Object, "", "  ")
		if err != nil {
			return err
		}
		if err := c.b.add(dir+"owners/"+strings.ToLower(ref.Kind)+"-"+ref.Name+".json", append(data, '\n')); err != nil {
			return err
		}
		if err := c.owners(ctx, dir, ns, obj.GetOwnerReferences(), sum, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// log captures one container log, bounded to its last MaxLogBytes; a log the API cannot
// give (the container never ran, no previous instance, the kubelet is unreachable) is a note.
func (c *capturer) log(ctx context.Context, pod *corev1.Pod, container string, previous bool, name string) error {
	limit := int64(MaxLogBytes + 1)
	req := c.r.cs.CoreV1().Pods(pod.Namespace).GetLogs(pod.Name, &corev1.PodLogOptions{Container: container, Previous: previous, Timestamps: true, LimitBytes: &limit})
	rc, err := req.Stream(ctx)
	if err != nil {
		which := "current"
		if previous {
			which = "previous"
		}
		c.note("%s/%s: %s log of container %s not captured: %v", pod.Namespace, pod.Name, which, container, err)
		return nil
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, limit))
	if err != nil && !errors.Is(err, io.EOF) {
		c.note("%s/%s: log of container %s cut short: %v", pod.Namespace, pod.Name, container, err)
	}
	if int64(len(data)) > MaxLogBytes {
		data = data[:MaxLogBytes]
		c.note("%s/%s: log of container %s is over %d bytes; the first %d are kept", pod.Namespace, pod.Name, container, MaxLogBytes, MaxLogBytes)
	}
	return c.b.add(name, data)
}

type containerRef struct{ name, image string }

func allContainers(p *corev1.Pod) []containerRef {
	var out []containerRef
	for _, c := range p.Spec.InitContainers {
		out = append(out, containerRef{c.Name, c.Image})
	}
	for _, c := range p.Spec.Containers {
		out = append(out, containerRef{c.Name, c.Image})
	}
	for _, c := range p.Spec.EphemeralContainers {
		out = append(out, containerRef{c.Name, c.Image})
	}
	return out
}

// setKind fills apiVersion and kind, which typed clients leave empty.
func setKind(obj runtime.Object, apiVersion, kind string) {
	obj.GetObjectKind().SetGroupVersionKind(schema.FromAPIVersionAndKind(apiVersion, kind))
}
