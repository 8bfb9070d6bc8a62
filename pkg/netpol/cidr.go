package netpol

import (
	"fmt"
	"net/netip"

	netutils "k8s.io/utils/net"
)

// ParseCIDR parses a NetworkPolicy CIDR the way the API server does: leading zeros in IPv4
// octets are read as decimal and host bits are masked off (values the API accepted before
// it became strict are still stored on old clusters).
func ParseCIDR(s string) (netip.Prefix, error) {
	_, n, err := netutils.ParseCIDRSloppy(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("invalid CIDR %q", s)
	}
	ones, bits := n.Mask.Size()
	if bits == 0 {
		return netip.Prefix{}, fmt.Errorf("invalid CIDR %q: non-canonical mask", s)
	}
	ip := n.IP
	if bits == 32 {
		ip = ip.To4()
	} else {
		ip = ip.To16()
	}
	a, ok := netip.AddrFromSlice(ip)
	if !ok {
		return netip.Prefix{}, fmt.Errorf("invalid CIDR %q", s)
	}
	return netip.PrefixFrom(a, ones).Masked(), nil
}

// ParseIP parses an address the way the API server does (IPv4 leading zeros are decimal).
// IPv4-mapped IPv6 addresses stay IPv6, as the API keeps families apart.
func ParseIP(s string) (netip.Addr, error) {
	ip := netutils.ParseIPSloppy(s)
	if ip == nil {
		return netip.Addr{}, fmt.Errorf("invalid IP address %q", s)
	}
	if v4 := ip.To4(); v4 != nil && !isMappedText(s) {
		ip = v4
	}
	a, _ := netip.AddrFromSlice(ip)
	return a, nil
}

func isMappedText(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			return true
		}
	}
	return false
}

// IPBlock is a compiled ipBlock peer: addresses in CIDR and in none of Except.
type IPBlock struct {
	CIDR   netip.Prefix
	Except []netip.Prefix
}

// CompileIPBlock parses an ipBlock's cidr and except list.
func CompileIPBlock(cidr string, except []string) (IPBlock, error) {
	var b IPBlock
	var err error
	if b.CIDR, err = ParseCIDR(cidr); err != nil {
		return b, err
	}
	for _, e := range except {
		p, err := ParseCIDR(e)
		if err != nil {
			return b, err
		}
		b.Except = append(b.Except, p)
	}
	return b, nil
}

// Contains reports whether ip is in the block: inside CIDR (same address family) and
// outside every except.
func (b IPBlock) Contains(ip netip.Addr) bool {
	if !b.CIDR.Contains(ip) {
		return false
	}
	for _, e := range b.Except {
		if e.Contains(ip) {
			return false
		}
	}
	return true
}

// Everything reports whether the block is a whole address family with no exception:
// 0.0.0.0/0 or ::/0.
func (b IPBlock) Everything() bool { return b.CIDR.Bits() == 0 && len(b.Except) == 0 }

// String renders the block as "cidr" or "cidr except a, b".
func (b IPBlock) String() string {
	s := b.CIDR.String()
	for i, e := range b.Except {
		if i == 0 {
			s += " except "
		} else {
			s += ", "
		}
		s += e.String()
	}
	return s
}
