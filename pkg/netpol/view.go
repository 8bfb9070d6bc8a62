package netpol

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// View is who can reach whom: pods grouped by namespace and labels, the ports each group
// may open to each other group, and the addresses outside the pods (ipBlock peers, or any
// address) each group may reach or be reached from.
//
// The connections between groups are not stored: there may be as many as groups squared,
// so EachConnection computes them one at a time and the writers stream them.
type View struct {
	Groups   []*Group   `json:"groups"`
	External []External `json:"external"`
	// Errors lists policies that did not compile: they are left out of the view, so the
	// view is incomplete when this is not empty.
	Errors []string `json:"errors,omitempty"`

	set *Set
}

// Group is a set of pods policies cannot tell apart: same namespace, same labels, same
// named ports and the same hostNetwork setting.
type Group struct {
	ID        string            `json:"id"`
	Namespace string            `json:"namespace"`
	Labels    map[string]string `json:"labels"`
	// Members names the pods and workloads in the group (Kind/name).
	Members     []string `json:"members"`
	HostNetwork bool     `json:"hostNetwork,omitempty"`
	// IngressPolicies and EgressPolicies name the policies that isolate the group in each
	// direction; empty means not isolated: everything is allowed that way.
	IngressPolicies []string `json:"ingressPolicies"`
	EgressPolicies  []string `json:"egressPolicies"`

	pod  *Pod
	pols [2][]*Policy
}

// Connection is what From may open to To.
type Connection struct {
	From  string   `json:"from"`
	To    string   `json:"to"`
	Ports []string `json:"ports"`
}

// External is traffic between a group and addresses: Peer is an ipBlock ("cidr except
// ...") or "*" for any address, Direction says which way connections are opened.
type External struct {
	Group     string   `json:"group"`
	Direction string   `json:"direction"` // "egress": group opens to Peer; "ingress": Peer opens to group
	Peer      string   `json:"peer"`
	Ports     []string `json:"ports"`
	Policies  []string `json:"policies,omitempty"` // the policies that allow it; empty when not isolated
}

// BuildView groups pods and evaluates every pair of groups.
func BuildView(set *Set, pods []*Pod, compileErrs []error) *View {
	v := &View{Groups: groupPods(pods), External: []External{}, set: set}
	for _, err := range compileErrs {
		v.Errors = append(v.Errors, err.Error())
	}
	for _, g := range v.Groups {
		for _, d := range []Direction{Ingress, Egress} {
			g.pols[d] = set.Selecting(g.pod, d)
		}
		g.IngressPolicies = policyNames(g.pols[Ingress])
		g.EgressPolicies = policyNames(g.pols[Egress])
	}
	for _, g := range v.Groups {
		if !g.HostNetwork {
			v.External = append(v.External, external(g, Egress)...)
			v.External = append(v.External, external(g, Ingress)...)
		}
	}
	return v
}

// EachConnection calls fn with every ordered pair of groups that may connect, in group
// order, until fn returns false. hostNetwork groups are left out.
func (v *View) EachConnection(fn func(Connection) bool) {
	for _, src := range v.Groups {
		if src.HostNetwork {
			continue
		}
		for _, dst := range v.Groups {
			if dst.HostNetwork {
				continue
			}
			eg := v.set.sideWith(src.pols[Egress], Egress, Endpoint{Pod: dst.pod}, dst.pod)
			if eg.Empty() {
				continue
			}
			ps := eg.Intersect(v.set.sideWith(dst.pols[Ingress], Ingress, Endpoint{Pod: src.pod}, dst.pod))
			if !ps.Empty() && !fn(Connection{From: src.ID, To: dst.ID, Ports: ps.Strings()}) {
				return
			}
		}
	}
}

// Connections returns every connection; for small views and tests (see EachConnection).
func (v *View) Connections() []Connection {
	out := []Connection{}
	v.EachConnection(func(c Connection) bool { out = append(out, c); return true })
	return out
}

func policyNames(ps []*Policy) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.Name())
	}
	return out
}

// sideWith is side with the policies that select self already known; no policy means
// not isolated.
func (s *Set) sideWith(pols []*Policy, d Direction, peer Endpoint, dstPod *Pod) PortSet {
	var out PortSet
	if len(pols) == 0 {
		out.AddAll()
		return out
	}
	for _, p := range pols {
		for i := range p.rules[d] {
			r := &p.rules[d][i]
			if s.peerMatches(r, p.Source.Namespace, peer) {
				out.Union(r.portsFor(dstPod))
			}
		}
		if out.All() {
			break
		}
	}
	return out
}

// external lists the address peers a group may reach (egress) or be reached from
// (ingress). Named ports only resolve against pods, so they never apply to addresses in
// egress; in ingress they resolve against the group's own pods.
func external(g *Group, d Direction) []External {
	if len(g.pols[d]) == 0 {
		return []External{{Group: g.ID, Direction: d.String(), Peer: "*", Ports: AllPorts().Strings()}}
	}
	var dst *Pod
	if d == Ingress {
		dst = g.pod
	}
	type acc struct {
		ports PortSet
		pols  []string
	}
	peers := map[string]*acc{}
	var order []string
	add := func(peer string, ps PortSet, pol string) {
		if ps.Empty() {
			return
		}
		a := peers[peer]
		if a == nil {
			a = &acc{}
			peers[peer] = a
			order = append(order, peer)
		}
		a.ports.Union(ps)
		if !slices.Contains(a.pols, pol) {
			a.pols = append(a.pols, pol)
		}
	}
	for _, p := range g.pols[d] {
		for i := range p.rules[d] {
			r := &p.rules[d][i]
			ps := r.portsFor(dst)
			if r.AnyPeer {
				add("*", ps, p.Name())
				continue
			}
			for _, pe := range r.Peers {
				if pe.IPBlock != nil {
					add(pe.IPBlock.String(), ps, p.Name())
				}
			}
		}
	}
	out := make([]External, 0, len(order))
	for _, peer := range order {
		a := peers[peer]
		out = append(out, External{Group: g.ID, Direction: d.String(), Peer: peer, Ports: a.ports.Strings(), Policies: a.pols})
	}
	return out
}

// groupPods groups pods by namespace, labels, named ports and hostNetwork, in a stable
// order (namespace, then labels).
func groupPods(pods []*Pod) []*Group {
	byKey := map[string]*Group{}
	var groups []*Group
	for _, p := range pods {
		k := groupKey(p)
		g := byKey[k]
		if g == nil {
			g = &Group{Namespace: p.Namespace, Labels: p.Labels, HostNetwork: p.HostNetwork, pod: p}
			if g.Labels == nil {
				g.Labels = map[string]string{}
			}
			byKey[k] = g
			groups = append(groups, g)
		}
		if !slices.Contains(g.Members, p.Name) {
			g.Members = append(g.Members, p.Name)
		}
	}
	for _, g := range groups {
		g.ID = g.Namespace + "/" + labelString(g.Labels)
		if g.HostNetwork {
			g.ID += " (hostNetwork)"
		}
		slices.Sort(g.Members)
	}
	slices.SortStableFunc(groups, func(a, b *Group) int {
		return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(portKey(a.pod), portKey(b.pod)))
	})
	// Groups that differ only in their named ports are numbered.
	seen := map[string]int{}
	for _, g := range groups {
		seen[g.ID]++
	}
	n := map[string]int{}
	for _, g := range groups {
		if seen[g.ID] > 1 {
			n[g.ID]++
			g.ID += " #" + strconv.Itoa(n[g.ID])
		}
	}
	return groups
}

func groupKey(p *Pod) string {
	var b strings.Builder
	b.WriteString(p.Namespace)
	b.WriteByte(0)
	b.WriteString(labelString(p.Labels))
	b.WriteByte(0)
	b.WriteString(portKey(p))
	if p.HostNetwork {
		b.WriteString("\x00host")
	}
	return b.String()
}

// portKey is the pod's named ports in a canonical order: unnamed ports never resolve a
// policy port, so they do not split groups.
func portKey(p *Pod) string {
	var named []string
	for _, cp := range p.Ports {
		if cp.Name != "" {
			proto := string(cp.Protocol)
			if proto == "" {
				proto = "TCP"
			}
			named = append(named, cp.Name+"="+proto+"/"+strconv.Itoa(int(cp.ContainerPort)))
		}
	}
	slices.Sort(named)
	return strings.Join(slices.Compact(named), ",")
}

// labelString renders labels as sorted k=v pairs joined by commas; "(no labels)" when empty.
func labelString(l map[string]string) string {
	if len(l) == 0 {
		return "(no labels)"
	}
	keys := slices.Sorted(maps.Keys(l))
	for i, k := range keys {
		keys[i] = k + "=" + l[k]
	}
	return strings.Join(keys, ",")
}
