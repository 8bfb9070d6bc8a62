package netpol

import (
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Protocols NetworkPolicy ports can name. Traffic of other protocols (ICMP and the rest)
// is left to the network plugin by the API and is not modelled.
var Protocols = [...]corev1.Protocol{corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP}

const (
	minPort = 1
	maxPort = 65535
)

func protoIndex(p corev1.Protocol) int {
	for i, q := range Protocols {
		if q == p {
			return i
		}
	}
	return -1
}

// Range is an inclusive range of port numbers.
type Range struct{ Lo, Hi int32 }

// PortSet is a set of (protocol, port) pairs, kept as sorted disjoint ranges per protocol.
// The zero value is empty.
type PortSet struct {
	r [len(Protocols)][]Range
}

// AllPorts is every port of every protocol.
func AllPorts() PortSet {
	var s PortSet
	s.AddAll()
	return s
}

// AddAll adds every port of every protocol.
func (s *PortSet) AddAll() {
	for i := range s.r {
		s.r[i] = []Range{{minPort, maxPort}}
	}
}

// Add adds ports lo..hi of protocol p; unknown protocols and empty ranges are ignored.
func (s *PortSet) Add(p corev1.Protocol, lo, hi int32) {
	i := protoIndex(p)
	lo, hi = max(lo, minPort), min(hi, maxPort)
	if i < 0 || lo > hi {
		return
	}
	rs := append(s.r[i], Range{lo, hi})
	slices.SortFunc(rs, func(a, b Range) int { return int(a.Lo) - int(b.Lo) })
	out := rs[:1]
	for _, x := range rs[1:] {
		last := &out[len(out)-1]
		if x.Lo <= last.Hi+1 {
			last.Hi = max(last.Hi, x.Hi)
			continue
		}
		out = append(out, x)
	}
	s.r[i] = out
}

// Union adds every port of o.
func (s *PortSet) Union(o PortSet) {
	for i, rs := range o.r {
		for _, x := range rs {
			s.Add(Protocols[i], x.Lo, x.Hi)
		}
	}
}

// Intersect returns the ports in both sets.
func (s PortSet) Intersect(o PortSet) PortSet {
	var out PortSet
	for i := range s.r {
		a, b := s.r[i], o.r[i]
		for len(a) > 0 && len(b) > 0 {
			lo, hi := max(a[0].Lo, b[0].Lo), min(a[0].Hi, b[0].Hi)
			if lo <= hi {
				out.r[i] = append(out.r[i], Range{lo, hi})
			}
			if a[0].Hi < b[0].Hi {
				a = a[1:]
			} else {
				b = b[1:]
			}
		}
	}
	return out
}

// Has reports whether port of protocol p is in the set.
func (s PortSet) Has(p corev1.Protocol, port int32) bool {
	i := protoIndex(p)
	if i < 0 {
		return false
	}
	for _, x := range s.r[i] {
		if port >= x.Lo && port <= x.Hi {
			return true
		}
	}
	return false
}

// Empty reports whether the set holds no port.
func (s PortSet) Empty() bool {
	for _, rs := range s.r {
		if len(rs) > 0 {
			return false
		}
	}
	return true
}

// All reports whether the set holds every port of every protocol.
func (s PortSet) All() bool {
	for _, rs := range s.r {
		if len(rs) != 1 || rs[0] != (Range{minPort, maxPort}) {
			return false
		}
	}
	return true
}

// Ranges returns the ranges of protocol p.
func (s PortSet) Ranges(p corev1.Protocol) []Range {
	i := protoIndex(p)
	if i < 0 {
		return nil
	}
	return s.r[i]
}

// Strings renders the set as one entry per protocol and range: "TCP 80", "UDP 1000-2000",
// "TCP *" for every port of a protocol, and the single entry "*" for everything.
func (s PortSet) Strings() []string {
	if s.All() {
		return []string{"*"}
	}
	var out []string
	for i, rs := range s.r {
		for _, x := range rs {
			var b strings.Builder
			b.WriteString(string(Protocols[i]))
			b.WriteByte(' ')
			switch {
			case x.Lo == minPort && x.Hi == maxPort:
				b.WriteByte('*')
			case x.Lo == x.Hi:
				b.WriteString(strconv.Itoa(int(x.Lo)))
			default:
				b.WriteString(strconv.Itoa(int(x.Lo)) + "-" + strconv.Itoa(int(x.Hi)))
			}
			out = append(out, b.String())
		}
	}
	return out
}

// String joins Strings with commas; "none" for the empty set.
func (s PortSet) String() string {
	if s.Empty() {
		return "none"
	}
	return strings.Join(s.Strings(), ", ")
}
