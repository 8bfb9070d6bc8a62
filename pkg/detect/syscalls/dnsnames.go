package syscalls

import (
	"context"
	"net"
	"net/netip"
	"sort"
	"sync"
	"time"
)

// DNSNames gives fd.sip.name its values as Falco does: the names rule conditions compare
// fd.sip.name with are resolved (and resolved again periodically), and a server IP has the
// names that resolved to it. Names are learnt when rules are compiled; Refresh resolves them.
type DNSNames struct {
	mu    sync.RWMutex
	names map[string]struct{}
	byIP  map[netip.Addr][]string
	// Lookup resolves a name; nil uses the system resolver.
	Lookup func(ctx context.Context, name string) ([]netip.Addr, error)
}

// Names is the table fd.sip.name reads (one per process: rule files are compiled once).
var Names = &DNSNames{}

// maxNames bounds the names learnt from rule files.
const maxNames = 1024

// Add learns names to resolve.
func (d *DNSNames) Add(names ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.names == nil {
		d.names = map[string]struct{}{}
	}
	for _, n := range names {
		if len(d.names) >= maxNames {
			return
		}
		d.names[n] = struct{}{}
	}
}

// Len is the number of names learnt.
func (d *DNSNames) Len() int {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return len(d.names)
}

// Refresh resolves every learnt name, each within timeout, and replaces the table; a name
// that does not resolve keeps no address. It returns the names that failed.
func (d *DNSNames) Refresh(ctx context.Context, timeout time.Duration) (failed []string) {
	d.mu.RLock()
	names := make([]string, 0, len(d.names))
	for n := range d.names {
		names = append(names, n)
	}
	lookup := d.Lookup
	d.mu.RUnlock()
	sort.Strings(names)
	if lookup == nil {
		lookup = func(ctx context.Context, name string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", name)
		}
	}
	byIP := map[netip.Addr][]string{}
	for _, n := range names {
		c, cancel := context.WithTimeout(ctx, timeout)
		ips, err := lookup(c, n)
		cancel()
		if err != nil || len(ips) == 0 {
			failed = append(failed, n)
			continue
		}
		for _, ip := range ips {
			byIP[ip.Unmap()] = append(byIP[ip.Unmap()], n)
		}
	}
	d.mu.Lock()
	d.byIP = byIP
	d.mu.Unlock()
	return failed
}

// For returns the names that resolved to ip.
func (d *DNSNames) For(ip netip.Addr) []string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.byIP[ip.Unmap()]
}
