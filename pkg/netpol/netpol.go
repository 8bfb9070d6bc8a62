// Package netpol evaluates Kubernetes NetworkPolicy (networking.k8s.io/v1) with the API's
// semantics: which policies select a pod, whether the pod is isolated for ingress and for
// egress, and which connections between pods and to or from IP addresses are allowed.
//
// The rules it follows, all from the API reference and the Kubernetes NetworkPolicy page:
//   - A policy selects the pods of its own namespace that match spec.podSelector; an empty
//     selector selects every pod of the namespace.
//   - policyTypes says which directions a policy isolates. When it is omitted the API
//     defaults it to Ingress, plus Egress when the policy has egress rules.
//   - A pod selected by no policy of a direction is not isolated in that direction: all
//     traffic is allowed. A selected pod allows only what some selecting policy's rules of
//     that direction allow (rules of all policies are ORed).
//   - A rule with no from/to peers matches every peer; a rule with no ports matches every
//     port of every protocol. A policy with a direction in policyTypes and no rules of
//     that direction allows nothing in that direction.
//   - A peer with podSelector alone matches pods of the policy's namespace; with
//     namespaceSelector alone, every pod of the matching namespaces; with both, pods that
//     match podSelector in namespaces that match namespaceSelector (AND). An empty selector
//     matches everything; an absent one does not constrain.
//   - An ipBlock matches addresses in cidr and in none of except, in the same family.
//   - A port's protocol defaults to TCP; port absent means every port of that protocol;
//     endPort makes port..endPort a range; a named port matches the destination pod's
//     container ports of that name and protocol.
//   - A connection from A to B is allowed only when A's egress allows it and B's ingress
//     allows it.
//   - hostNetwork pods: the API leaves their treatment undefined. This package treats them
//     as not selected by any policy and not matched by pod or namespace selectors (their
//     traffic carries the node's address); callers show them apart.
package netpol

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
)

// NameLabel is the label the API server sets on every namespace to its name.
const NameLabel = "kubernetes.io/metadata.name"

// Direction is ingress or egress.
type Direction int

// Directions.
const (
	Ingress Direction = iota
	Egress
)

func (d Direction) String() string {
	if d == Egress {
		return "egress"
	}
	return "ingress"
}

// Pod is what policies look at in a pod.
type Pod struct {
	Namespace string
	Name      string
	Labels    map[string]string
	// Ports are the container ports of the pod's containers (spec.containers, as the
	// reference implementation sigs.k8s.io/kube-network-policies reads them); named ports
	// resolve against them.
	Ports       []corev1.ContainerPort
	HostNetwork bool
	// IPs are the pod's addresses when known (live pods); ipBlock peers match them.
	IPs []netip.Addr
}

// Policy is a compiled NetworkPolicy.
type Policy struct {
	Source   *networkingv1.NetworkPolicy
	selector labels.Selector
	isolates [2]bool
	rules    [2][]Rule
}

// Rule is one compiled ingress or egress rule.
type Rule struct {
	// Index is the rule's position in spec.ingress or spec.egress.
	Index int
	// AnyPeer is set when from/to is empty: every source or destination matches.
	AnyPeer bool
	Peers   []Peer
	// AnyPort is set when ports is empty.
	AnyPort bool
	Ports   []Port
}

// Peer is one compiled from/to entry. Exactly one of IPBlock or (PodSelector and/or
// NamespaceSelector) is set.
type Peer struct {
	Pods       labels.Selector // nil: absent
	Namespaces labels.Selector // nil: absent
	IPBlock    *IPBlock
}

// Port is one compiled ports entry.
type Port struct {
	Protocol corev1.Protocol
	// AnyPort is set when port is absent: every port of Protocol.
	AnyPort bool
	Lo, Hi  int32
	Name    string // a named port, resolved against the destination pod
}

// Namespace returns the policy's namespace.
func (p *Policy) Namespace() string { return p.Source.Namespace }

// Name returns the policy's name.
func (p *Policy) Name() string { return p.Source.Name }

// Isolates reports whether the policy isolates the pods it selects in direction d.
func (p *Policy) Isolates(d Direction) bool { return p.isolates[d] }

// Rules returns the policy's rules of direction d.
func (p *Policy) Rules(d Direction) []Rule { return p.rules[d] }

// SelectsAll reports whether spec.podSelector is empty: the policy selects every pod of
// its namespace, including pods created later.
func (p *Policy) SelectsAll() bool { return p.selector.Empty() }

// Selects reports whether the policy selects pod.
func (p *Policy) Selects(pod *Pod) bool {
	return !pod.HostNetwork && pod.Namespace == p.Source.Namespace && p.selector.Matches(labels.Set(pod.Labels))
}

// Compile checks a policy the way API validation does (selectors, peers, ports, CIDRs,
// policyTypes) and compiles it. The error names the field.
func Compile(np *networkingv1.NetworkPolicy) (*Policy, error) {
	p := &Policy{Source: np}
	var errs []error
	sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
	if err != nil {
		errs = append(errs, fmt.Errorf("spec.podSelector: %w", err))
	}
	p.selector = sel
	types := np.Spec.PolicyTypes
	if len(types) == 0 {
		// The API's default: Ingress always, Egress when there are egress rules.
		p.isolates[Ingress] = true
		p.isolates[Egress] = len(np.Spec.Egress) > 0
	}
	if len(types) > 2 {
		errs = append(errs, errors.New("spec.policyTypes: may not specify more than two policyTypes"))
	}
	for i, t := range types {
		switch t {
		case networkingv1.PolicyTypeIngress:
			p.isolates[Ingress] = true
		case networkingv1.PolicyTypeEgress:
			p.isolates[Egress] = true
		default:
			errs = append(errs, fmt.Errorf("spec.policyTypes[%d]: unsupported value %q", i, t))
		}
	}
	for i, r := range np.Spec.Ingress {
		cr, err := compileRule(i, r.From, r.Ports, fmt.Sprintf("spec.ingress[%d]", i), "from")
		errs = append(errs, err)
		p.rules[Ingress] = append(p.rules[Ingress], cr)
	}
	for i, r := range np.Spec.Egress {
		cr, err := compileRule(i, r.To, r.Ports, fmt.Sprintf("spec.egress[%d]", i), "to")
		errs = append(errs, err)
		p.rules[Egress] = append(p.rules[Egress], cr)
	}
	var msgs []string
	for _, err := range errs {
		if err != nil {
			msgs = append(msgs, strings.ReplaceAll(err.Error(), "\n", "; "))
		}
	}
	if len(msgs) > 0 {
		return nil, fmt.Errorf("NetworkPolicy %s/%s: %s", np.Namespace, np.Name, strings.Join(msgs, "; "))
	}
	return p, nil
}

func compileRule(index int, peers []networkingv1.NetworkPolicyPeer, ports []networkingv1.NetworkPolicyPort, path, peerField string) (Rule, error) {
	r := Rule{Index: index, AnyPeer: len(peers) == 0, AnyPort: len(ports) == 0}
	var errs []error
	for j, pe := range peers {
		pp := fmt.Sprintf("%s.%s[%d]", path, peerField, j)
		var cp Peer
		n := 0
		if pe.PodSelector != nil {
			n++
			s, err := metav1.LabelSelectorAsSelector(pe.PodSelector)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s.podSelector: %w", pp, err))
			}
			cp.Pods = s
		}
		if pe.NamespaceSelector != nil {
			n++
			s, err := metav1.LabelSelectorAsSelector(pe.NamespaceSelector)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s.namespaceSelector: %w", pp, err))
			}
			cp.Namespaces = s
		}
		if pe.IPBlock != nil {
			n++
			b, err := CompileIPBlock(pe.IPBlock.CIDR, pe.IPBlock.Except)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s.ipBlock: %w", pp, err))
			}
			cp.IPBlock = &b
		}
		switch {
		case n == 0:
			errs = append(errs, fmt.Errorf("%s: must specify a peer", pp))
		case n > 1 && pe.IPBlock != nil:
			errs = append(errs, fmt.Errorf("%s: may not specify both ipBlock and another peer", pp))
		}
		r.Peers = append(r.Peers, cp)
	}
	for j, po := range ports {
		pp := fmt.Sprintf("%s.ports[%d]", path, j)
		cp := Port{Protocol: corev1.ProtocolTCP}
		if po.Protocol != nil {
			cp.Protocol = *po.Protocol
		}
		if protoIndex(cp.Protocol) < 0 {
			errs = append(errs, fmt.Errorf("%s.protocol: unsupported value %q (TCP, UDP or SCTP)", pp, cp.Protocol))
		}
		switch {
		case po.Port == nil:
			cp.AnyPort = true
			if po.EndPort != nil {
				errs = append(errs, fmt.Errorf("%s.endPort: may not be specified when port is not", pp))
			}
		case po.Port.Type == intstr.String:
			cp.Name = po.Port.StrVal
			for _, msg := range validation.IsValidPortName(cp.Name) {
				errs = append(errs, fmt.Errorf("%s.port: %q: %s", pp, cp.Name, msg))
			}
			if po.EndPort != nil {
				errs = append(errs, fmt.Errorf("%s.endPort: may not be specified when port is a name", pp))
			}
		default:
			cp.Lo, cp.Hi = po.Port.IntVal, po.Port.IntVal
			if cp.Lo < minPort || cp.Lo > maxPort {
				errs = append(errs, fmt.Errorf("%s.port: %d is not between 1 and 65535", pp, cp.Lo))
			}
			if po.EndPort != nil {
				cp.Hi = *po.EndPort
				if cp.Hi < cp.Lo || cp.Hi > maxPort {
					errs = append(errs, fmt.Errorf("%s.endPort: %d must be between port and 65535", pp, cp.Hi))
				}
			}
		}
		r.Ports = append(r.Ports, cp)
	}
	return r, errors.Join(errs...)
}

// portsFor returns the ports a rule allows towards dst (whose container ports resolve
// named ports).
func (r *Rule) portsFor(dst *Pod) PortSet {
	var s PortSet
	if r.AnyPort {
		s.AddAll()
		return s
	}
	for _, p := range r.Ports {
		switch {
		case p.AnyPort:
			s.Add(p.Protocol, minPort, maxPort)
		case p.Name != "":
			if dst == nil {
				continue // a named port never matches an address outside the cluster
			}
			for _, cp := range dst.Ports {
				proto := cp.Protocol
				if proto == "" {
					proto = corev1.ProtocolTCP
				}
				if cp.Name == p.Name && proto == p.Protocol {
					s.Add(proto, cp.ContainerPort, cp.ContainerPort)
				}
			}
		default:
			s.Add(p.Protocol, p.Lo, p.Hi)
		}
	}
	return s
}

// Set is the policies of a cluster (or of a set of manifests) with the namespaces they see.
type Set struct {
	policies   []*Policy
	byNS       map[string][]*Policy
	namespaces map[string]labels.Set
}

// NewSet compiles policies; those that do not compile are left out and returned as
// errors, one per policy.
func NewSet(policies []*networkingv1.NetworkPolicy) (*Set, []error) {
	s := &Set{byNS: map[string][]*Policy{}, namespaces: map[string]labels.Set{}}
	var errs []error
	for _, np := range policies {
		p, err := Compile(np)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.policies = append(s.policies, p)
		s.byNS[np.Namespace] = append(s.byNS[np.Namespace], p)
	}
	return s, errs
}

// SetNamespace records a namespace's labels. The API server always sets
// kubernetes.io/metadata.name to the name; it is added here when missing.
func (s *Set) SetNamespace(name string, lbls map[string]string) {
	l := make(labels.Set, len(lbls)+1)
	for k, v := range lbls {
		l[k] = v
	}
	l[NameLabel] = name
	s.namespaces[name] = l
}

// NamespaceLabels returns a namespace's labels; for a namespace never recorded, only
// kubernetes.io/metadata.name, which every namespace carries.
func (s *Set) NamespaceLabels(name string) labels.Set {
	if l, ok := s.namespaces[name]; ok {
		return l
	}
	return labels.Set{NameLabel: name}
}

// Policies returns every compiled policy.
func (s *Set) Policies() []*Policy { return s.policies }

// InNamespace returns the compiled policies of namespace ns.
func (s *Set) InNamespace(ns string) []*Policy { return s.byNS[ns] }

// Selecting returns the policies that select pod and isolate it in direction d.
func (s *Set) Selecting(pod *Pod, d Direction) []*Policy {
	var out []*Policy
	for _, p := range s.byNS[pod.Namespace] {
		if p.isolates[d] && p.Selects(pod) {
			out = append(out, p)
		}
	}
	return out
}

// Isolated reports whether pod is isolated in direction d.
func (s *Set) Isolated(pod *Pod, d Direction) bool {
	for _, p := range s.byNS[pod.Namespace] {
		if p.isolates[d] && p.Selects(pod) {
			return true
		}
	}
	return false
}

// MatchesPod reports whether peer, in a policy of namespace policyNS, matches pod.
func (s *Set) MatchesPod(peer *Peer, policyNS string, pod *Pod) bool {
	if peer.IPBlock != nil {
		return slices.ContainsFunc(pod.IPs, peer.IPBlock.Contains)
	}
	if pod.HostNetwork {
		return false
	}
	if peer.Namespaces == nil {
		if pod.Namespace != policyNS {
			return false
		}
	} else if !peer.Namespaces.Matches(s.NamespaceLabels(pod.Namespace)) {
		return false
	}
	return peer.Pods == nil || peer.Pods.Matches(labels.Set(pod.Labels))
}

// Endpoint is one end of a connection: a pod, or an address outside the cluster.
type Endpoint struct {
	Pod *Pod
	IP  netip.Addr // used when Pod is nil
}

func (s *Set) peerMatches(r *Rule, policyNS string, e Endpoint) bool {
	if r.AnyPeer {
		return true
	}
	for i := range r.Peers {
		pe := &r.Peers[i]
		if e.Pod != nil {
			if s.MatchesPod(pe, policyNS, e.Pod) {
				return true
			}
		} else if pe.IPBlock != nil && pe.IPBlock.Contains(e.IP) {
			return true
		}
	}
	return false
}

// side returns the ports allowed at one end: the egress of src when d is Egress (peer is
// dst), the ingress of dst when d is Ingress (peer is src). dstPod resolves named ports.
func (s *Set) side(self *Pod, d Direction, peer Endpoint, dstPod *Pod) PortSet {
	if self == nil || self.HostNetwork {
		return AllPorts()
	}
	return s.sideWith(s.Selecting(self, d), d, peer, dstPod)
}

// Ports returns the ports and protocols on which src may open a connection to dst. An
// endpoint outside the cluster (Pod nil) has no policy of its own.
func (s *Set) Ports(src, dst Endpoint) PortSet {
	eg := s.side(src.Pod, Egress, dst, dst.Pod)
	if eg.Empty() {
		return eg
	}
	return eg.Intersect(s.side(dst.Pod, Ingress, src, dst.Pod))
}

// Allowed reports whether src may connect to dst on port of protocol proto.
func (s *Set) Allowed(src, dst Endpoint, proto corev1.Protocol, port int32) bool {
	return s.Ports(src, dst).Has(proto, port)
}

// AllPorts reports whether the rule matches every port of every protocol whatever the
// destination: no ports list, or port entries that cover TCP, UDP and SCTP entirely.
func (r *Rule) AllPorts() bool { return r.portsFor(nil).All() }

// Everything reports whether the rule matches every peer and every port.
func (r *Rule) Everything() bool { return r.AnyPeer && r.AllPorts() }
