package dockerfile

import (
	"regexp"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/target"
)

// Inline ignores are comments of two forms:
//
//	# eksguard ignore=RULE[,RULE...] reason
//	    on the line (or the comment block) right before an instruction: findings of those
//	    rules on that instruction are exempted.
//	# eksguard ignore-file=RULE[,RULE...] reason
//	    anywhere outside an instruction: findings of those rules anywhere in the file are
//	    exempted.
//
// RULE is a rule ID (dockerfile/user-root) or an area (dockerfile). The reason is
// recorded with the exemption.
var ignoreRe = regexp.MustCompile(`^\s*#\s*eksguard\s+(ignore|ignore-file)\s*=\s*([^\s]*)\s*(.*)$`)

// parseIgnores reads the inline ignore comments. Comments inside an instruction (within
// its continuation lines or here-documents) are not ignores.
func parseIgnores(name string, lines []string, nodes []*parser.Node, errs []finding.InputError) ([]target.Ignore, []finding.InputError) {
	var out []target.Ignore
	ni := 0
	for i, l := range lines {
		if !strings.Contains(l, "eksguard") {
			continue
		}
		m := ignoreRe.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		ln := i + 1
		for ni < len(nodes) && nodes[ni].EndLine < ln {
			ni++
		}
		if ni < len(nodes) && nodes[ni].StartLine <= ln {
			continue // inside an instruction
		}
		ig := target.Ignore{Line: ln, Reason: strings.TrimSpace(m[3])}
		for _, r := range strings.Split(m[2], ",") {
			if r = strings.TrimSpace(r); r != "" {
				ig.Rules = append(ig.Rules, r)
			}
		}
		if len(ig.Rules) == 0 {
			errs = append(errs, finding.InputError{Input: name, Line: ln, Message: "eksguard ignore comment names no rule"})
			continue
		}
		if m[1] == "ignore" {
			if ni >= len(nodes) {
				errs = append(errs, finding.InputError{Input: name, Line: ln, Message: "eksguard ignore comment is followed by no instruction"})
				continue
			}
			// Only comment lines may stand between the ignore and its instruction.
			blocked := false
			for j := ln; j < nodes[ni].StartLine-1; j++ {
				t := strings.TrimSpace(lines[j])
				if t != "" && !strings.HasPrefix(t, "#") {
					blocked = true
				}
			}
			if blocked {
				continue
			}
			ig.Applies = nodes[ni].StartLine
		}
		out = append(out, ig)
	}
	return out, errs
}
