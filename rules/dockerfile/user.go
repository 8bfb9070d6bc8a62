package dockerfile

import (
	"context"
	"strings"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// runtimeUser returns the final USER of a stage (following inheritance) with variables
// expanded, and the instruction that sets it; nil when none does.
func runtimeUser(s *target.Stage) (string, *target.Instruction) {
	ins := chainInstructions(s)
	for i := len(ins) - 1; i >= 0; i-- {
		in := ins[i]
		if in.Cmd == "USER" && len(in.Args) > 0 {
			u := in.Args[0]
			w := target.Word{Parts: splitVars(u)}
			if v, ok := w.Expand(in.Lookup); ok {
				u = v
			}
			return u, in
		}
	}
	return "", nil
}

// splitVars splits a Dockerfile word into literal text and $VAR / ${VAR} references.
func splitVars(s string) []target.WordPart {
	var out []target.WordPart
	for len(s) > 0 {
		i := strings.IndexByte(s, '$')
		if i < 0 {
			out = append(out, target.WordPart{Lit: s})
			break
		}
		if i > 0 {
			out = append(out, target.WordPart{Lit: s[:i]})
		}
		s = s[i+1:]
		if strings.HasPrefix(s, "{") {
			end := strings.IndexByte(s, '}')
			if end < 0 {
				out = append(out, target.WordPart{Unknown: true})
				break
			}
			name := s[1:end]
			if strings.ContainsAny(name, ":-+?#%/") {
				out = append(out, target.WordPart{Unknown: true})
			} else {
				out = append(out, target.WordPart{Var: name})
			}
			s = s[end+1:]
			continue
		}
		n := 0
		for n < len(s) && (s[n] == '_' || s[n] >= 'a' && s[n] <= 'z' || s[n] >= 'A' && s[n] <= 'Z' || n > 0 && s[n] >= '0' && s[n] <= '9') {
			n++
		}
		if n == 0 {
			out = append(out, target.WordPart{Lit: "$"})
			continue
		}
		out = append(out, target.WordPart{Var: s[:n]})
		s = s[n:]
	}
	return out
}

// isRoot reports whether a USER value names root (user root or UID 0, any group).
func isRoot(u string) bool {
	user, _, _ := strings.Cut(u, ":")
	user = strings.TrimSpace(user)
	return user == "root" || strings.TrimLeft(user, "0") == "" && user != ""
}

// nonRootBase reports whether an image's name says it runs as a non-root user.
func nonRootBase(r *target.ImageRef) bool {
	if r == nil {
		return false
	}
	s := strings.ToLower(r.Repository + ":" + r.Tag)
	return strings.Contains(s, "nonroot") || strings.Contains(s, "non-root") || strings.Contains(s, "rootless")
}

// UserRoot flags final stages that run as root.
func UserRoot() rule.Rule {
	return &rule.Dockerfile{
		M: rule.Meta{
			ID:    "dockerfile/user-root",
			Title: "Image runs as root",
			Description: "The final stage never switches to a non-root USER, or switches back to root at the end, so the " +
				"container's processes run as root unless every pod overrides it. A process that breaks out of a root " +
				"container starts as root on the node. Build stages may run as root; only the final stage ships.",
			Remediation: "Create an unprivileged user in the final stage and switch to it (by UID, so runAsNonRoot can verify it):\n\n" +
				"  RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app app\n  USER 10001:10001",
			Severity:   finding.SeverityHigh,
			Category:   "Non-root",
			Tags:       []string{"cis-docker"},
			References: []ref.Ref{guide("Add the USER directive to your Dockerfiles to run as a non-root user"), ref.CISDocker("4.1"), ref.Weakness(250)},
			Extra:      equivalents("DL3002", "CIS-DI-0001"),
		},
		Fn: func(_ context.Context, m *rule.Meta, d *target.Dockerfile) []finding.Finding {
			f := d.Final()
			if f == nil {
				return nil
			}
			u, in := runtimeUser(f)
			if in == nil {
				if nonRootBase(f.Root().Base) {
					return nil
				}
				return []finding.Finding{fail(m, d, f.From, 0, "final stage "+quoteStage(f)+" never sets a non-root USER: the container runs as the base image's user, root unless the base says otherwise")}
			}
			if isRoot(u) {
				return []finding.Finding{fail(m, d, in, 0, "final stage "+quoteStage(f)+" ends with USER "+u+": the container runs as root")}
			}
			return nil
		},
	}
}

func quoteStage(s *target.Stage) string {
	if s.Name != "" {
		return `"` + s.Name + `"`
	}
	return "#" + s.Label()
}

// Sudo flags sudo in RUN.
func Sudo() rule.Rule {
	return &rule.Dockerfile{
		M: rule.Meta{
			ID:    "dockerfile/sudo",
			Title: "sudo used in RUN",
			Description: "Build steps already run as the current USER; sudo adds a setuid binary and a privilege-escalation " +
				"path to the image, and its TTY and signal handling misbehave in builds. Switch USER instead.",
			Remediation: "Run the privileged steps as root and switch to the unprivileged user afterwards:\n\n" +
				"  USER root\n  RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5\n  USER 10001",
			Severity:   finding.SeverityMedium,
			Category:   "Non-root",
			References: []ref.Ref{guide("Add the USER directive to your Dockerfiles to run as a non-root user"), ref.Weakness(250)},
			Extra:      equivalents("DL3004", "DKL-DI-0001"),
		},
		Fn: func(_ context.Context, m *rule.Meta, d *target.Dockerfile) []finding.Finding {
			var out []finding.Finding
			commands(d, func(in *target.Instruction, c *target.Command) {
				if c.Name() == "sudo" {
					out = append(out, fail(m, d, in, c.Line, "RUN uses sudo"))
				}
			})
			return out
		},
	}
}

// Healthcheck flags final stages without a HEALTHCHECK (info).
func Healthcheck() rule.Rule {
	return &rule.Dockerfile{
		M: rule.Meta{
			ID:    "dockerfile/healthcheck",
			Title: "No HEALTHCHECK in the final stage",
			Description: "Without a HEALTHCHECK, plain Docker and ECS cannot tell a hung container from a healthy one. " +
				"Kubernetes ignores HEALTHCHECK and uses the pod's probes instead, so this is informational for images " +
				"that only run on EKS: define liveness and readiness probes there.",
			Remediation: "Add a HEALTHCHECK that exercises the service (and probes in the pod spec):\n\n" +
				"  HEALTHCHECK --interval=30s --timeout=3s CMD [\"/app/healthcheck\"]",
			Severity:   finding.SeverityInfo,
			Category:   "Runtime hygiene",
			Tags:       []string{"cis-docker"},
			References: []ref.Ref{ref.CISDocker("4.6"), ref.Link("https://docs.docker.com/reference/dockerfile/#healthcheck", "Dockerfile reference: HEALTHCHECK")},
			Extra:      equivalents("", "CIS-DI-0006"),
		},
		Fn: func(_ context.Context, m *rule.Meta, d *target.Dockerfile) []finding.Finding {
			f := d.Final()
			if f == nil {
				return nil
			}
			ins := chainInstructions(f)
			for i := len(ins) - 1; i >= 0; i-- {
				in := ins[i]
				if in.Cmd == "HEALTHCHECK" {
					if in.HealthNone {
						return []finding.Finding{fail(m, d, in, 0, "final stage "+quoteStage(f)+" disables the base image's health check (HEALTHCHECK NONE)")}
					}
					return nil
				}
			}
			return []finding.Finding{fail(m, d, f.From, 0, "final stage "+quoteStage(f)+" has no HEALTHCHECK")}
		},
	}
}
