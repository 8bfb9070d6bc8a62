package netpol

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteJSON writes the view as one JSON object: groups, connections, external, errors.
// Connections are streamed one per line.
func WriteJSON(w io.Writer, v *View) error {
	bw := bufio.NewWriter(w)
	field := func(name string, val any, comma bool) error {
		b, err := json.Marshal(val)
		if err != nil {
			return err
		}
		fmt.Fprintf(bw, "  %q: %s", name, b)
		if comma {
			bw.WriteString(",")
		}
		bw.WriteString("\n")
		return nil
	}
	bw.WriteString("{\n")
	if err := field("groups", v.Groups, true); err != nil {
		return err
	}
	bw.WriteString("  \"connections\": [")
	first := true
	var err error
	v.EachConnection(func(c Connection) bool {
		var b []byte
		if b, err = json.Marshal(c); err != nil {
			return false
		}
		if !first {
			bw.WriteString(",")
		}
		first = false
		bw.WriteString("\n    ")
		bw.Write(b)
		return true
	})
	if err != nil {
		return err
	}
	if !first {
		bw.WriteString("\n  ")
	}
	bw.WriteString("],\n")
	errs := v.Errors
	if errs == nil {
		errs = []string{}
	}
	if err := field("external", v.External, true); err != nil {
		return err
	}
	if err := field("errors", errs, false); err != nil {
		return err
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

// WriteTable writes the view as three aligned tables: the pod groups with their
// isolation, the connections between groups, and the traffic with addresses.
func WriteTable(w io.Writer, v *View) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	p := func(format string, args ...any) { fmt.Fprintf(tw, format, args...) }
	p("POD GROUPS (%d)\n", len(v.Groups))
	p("GROUP\tMEMBERS\tINGRESS\tEGRESS\n")
	for _, g := range v.Groups {
		in, eg := isolation(g.IngressPolicies), isolation(g.EgressPolicies)
		if g.HostNetwork {
			in, eg = "hostNetwork: not governed", "hostNetwork: not governed"
		}
		p("%s\t%s\t%s\t%s\n", clean(g.ID), clean(strings.Join(g.Members, ", ")), clean(in), clean(eg))
	}
	p("\nCONNECTIONS BETWEEN GROUPS (pairs not listed are denied)\n")
	p("FROM\tTO\tPORTS\n")
	n := 0
	v.EachConnection(func(c Connection) bool {
		p("%s\t%s\t%s\n", clean(c.From), clean(c.To), portsText(c.Ports))
		if n++; n%1024 == 0 {
			// tabwriter buffers until Flush to align columns: flush in blocks so that a
			// large view does not sit in memory (columns align within a block).
			tw.Flush()
		}
		return true
	})
	p("\nADDRESSES (ipBlock peers; * is any address)\n")
	p("GROUP\tDIRECTION\tPEER\tPORTS\tPOLICIES\n")
	for _, e := range v.External {
		pol := strings.Join(e.Policies, ", ")
		if pol == "" {
			pol = "(not isolated)"
		}
		dir := "to"
		if e.Direction == Ingress.String() {
			dir = "from"
		}
		p("%s\t%s\t%s\t%s\t%s\n", clean(e.Group), dir, clean(e.Peer), portsText(e.Ports), clean(pol))
	}
	if len(v.Errors) > 0 {
		p("\nERRORS (the view leaves these out and is incomplete)\n")
		for _, e := range v.Errors {
			p("%s\n", clean(e))
		}
	}
	return tw.Flush()
}

func isolation(pols []string) string {
	if len(pols) == 0 {
		return "open (no policy)"
	}
	return "isolated: " + strings.Join(pols, ", ")
}

func portsText(ps []string) string {
	if len(ps) == 1 && ps[0] == "*" {
		return "all"
	}
	return strings.Join(ps, ", ")
}

// clean keeps names from the input (labels, members, policy names) from breaking the
// table: control characters and tabs become spaces.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
}
