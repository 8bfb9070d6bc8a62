package dockerfile

import (
	"context"
	"strings"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// ExposeSSH flags EXPOSE 22.
func ExposeSSH() rule.Rule {
	return &rule.Dockerfile{
		M: rule.Meta{
			ID:    "dockerfile/expose-ssh",
			Title: "SSH port exposed",
			Description: "EXPOSE 22 means an SSH server in the container: another login path with its own keys to manage, " +
				"bypassing the cluster's audited access. Use kubectl exec or SSM for debugging.",
			Remediation: "Remove the SSH server and the EXPOSE line; debug with ephemeral containers:\n\n" +
				"  kubectl debug -it pod/web --image=busybox:1.36 --target=app",
			Severity:   finding.SeverityLow,
			Category:   "Minimal attack surface",
			References: []ref.Ref{ref.CISDocker("4.3"), guide("Consider creating minimal images")},
			Extra:      equivalents("", ""),
		},
		Fn: func(_ context.Context, m *rule.Meta, d *target.Dockerfile) []finding.Finding {
			var out []finding.Finding
			d.Instructions(func(in *target.Instruction) {
				if in.Cmd != "EXPOSE" {
					return
				}
				for _, p := range in.Args {
					port, _, _ := strings.Cut(p, "/")
					if port == "22" {
						out = append(out, fail(m, d, in, 0, "EXPOSE "+p+": an SSH server in the container"))
					}
				}
			})
			return out
		},
	}
}

// WorkdirRelative flags relative WORKDIR paths.
func WorkdirRelative() rule.Rule {
	return &rule.Dockerfile{
		M: rule.Meta{
			ID:    "dockerfile/workdir-relative",
			Title: "Relative WORKDIR",
			Description: "A relative WORKDIR resolves against whatever the previous WORKDIR was, often the base image's: " +
				"files land in a directory nobody reviewed, and a base image change moves them.",
			Remediation: "Use an absolute path:\n\n  WORKDIR /app",
			Severity:    finding.SeverityLow,
			Category:    "Build hygiene",
			References:  []ref.Ref{ref.Link("https://docs.docker.com/reference/dockerfile/#workdir", "Dockerfile reference: WORKDIR")},
			Extra:       equivalents("DL3000", ""),
		},
		Fn: func(_ context.Context, m *rule.Meta, d *target.Dockerfile) []finding.Finding {
			var out []finding.Finding
			d.Instructions(func(in *target.Instruction) {
				if in.Cmd != "WORKDIR" || len(in.Args) == 0 {
					return
				}
				p := strings.Trim(in.Args[0], `"'`)
				if strings.HasPrefix(p, "/") || strings.HasPrefix(p, "$") || len(p) >= 2 && p[1] == ':' || strings.HasPrefix(p, `\`) {
					return
				}
				out = append(out, fail(m, d, in, 0, "WORKDIR "+p+" is relative"))
			})
			return out
		},
	}
}

// MultipleCmd flags stages with more than one CMD or ENTRYPOINT.
func MultipleCmd() rule.Rule {
	return &rule.Dockerfile{
		M: rule.Meta{
			ID:    "dockerfile/multiple-cmd",
			Title: "Several CMD or ENTRYPOINT in one stage",
			Description: "Only the last CMD and the last ENTRYPOINT of a stage take effect; the earlier ones mislead " +
				"reviewers about what the container runs.",
			Remediation: "Keep one CMD and one ENTRYPOINT per stage:\n\n  ENTRYPOINT [\"/app/server\"]\n  CMD [\"--port=8080\"]",
			Severity:    finding.SeverityLow,
			Category:    "Build hygiene",
			References:  []ref.Ref{ref.Link("https://docs.docker.com/reference/dockerfile/#cmd", "Dockerfile reference: CMD")},
			Extra:       equivalents("DL4003, DL4004", ""),
		},
		Fn: func(_ context.Context, m *rule.Meta, d *target.Dockerfile) []finding.Finding {
			var out []finding.Finding
			for _, s := range d.Stages {
				seen := map[string]*target.Instruction{}
				for _, in := range s.Instructions {
					if in.Cmd != "CMD" && in.Cmd != "ENTRYPOINT" {
						continue
					}
					if prev := seen[in.Cmd]; prev != nil {
						out = append(out, fail(m, d, in, 0, "stage "+quoteStage(s)+" has more than one "+in.Cmd+"; only this one takes effect"))
					}
					seen[in.Cmd] = in
				}
			}
			return out
		},
	}
}

// ShellForm flags shell-form ENTRYPOINT and CMD in every stage, as Hadolint DL3025 does.
func ShellForm() rule.Rule {
	return &rule.Dockerfile{
		M: rule.Meta{
			ID:    "dockerfile/shell-form-entrypoint",
			Title: "Shell-form ENTRYPOINT or CMD",
			Description: "The shell form runs the command under /bin/sh -c: the shell is PID 1, the service does not get " +
				"SIGTERM on pod shutdown and is killed after the grace period, and a shell must exist in the image. " +
				"A shell-form ENTRYPOINT also ignores CMD and the pod's args. Every stage is checked, as Hadolint " +
				"DL3025 does (any stage can be built and run with --target), and ONBUILD CMD/ENTRYPOINT too.",
			Remediation: "Use the exec (JSON) form:\n\n  ENTRYPOINT [\"/app/server\", \"--port=8080\"]",
			Severity:    finding.SeverityLow,
			Category:    "Runtime hygiene",
			References:  []ref.Ref{ref.Link("https://docs.docker.com/reference/dockerfile/#entrypoint", "Dockerfile reference: ENTRYPOINT")},
			Extra:       equivalents("DL3025", ""),
		},
		Fn: func(_ context.Context, m *rule.Meta, d *target.Dockerfile) []finding.Finding {
			var out []finding.Finding
			d.Instructions(func(in *target.Instruction) {
				x, what := in, ""
				if in.Cmd == "ONBUILD" && in.OnBuild != nil {
					x, what = in.OnBuild, "ONBUILD "
				}
				if (x.Cmd == "ENTRYPOINT" || x.Cmd == "CMD") && !x.JSON && len(x.Args) > 0 {
					out = append(out, fail(m, d, in, 0, what+x.Cmd+" uses the shell form: the service runs under /bin/sh -c and misses SIGTERM"))
				}
			})
			return out
		},
	}
}

// ChownRuntimeUser flags files copied with --chown to the user the container runs as.
func ChownRuntimeUser() rule.Rule {
	return &rule.Dockerfile{
		M: rule.Meta{
			ID:    "dockerfile/chown-runtime-user",
			Title: "Application files owned by the runtime user",
			Description: "COPY --chown to the user the container runs as makes the copied code and configuration writable " +
				"by the service itself: an exploited process can rewrite its own binaries or scripts and persist. Keep " +
				"application files owned by root and readable by the runtime user; give it write access only to data " +
				"directories.",
			Remediation: "Copy as root (the default) with read-only modes, and chown only the data directory:\n\n" +
				"  COPY --chmod=0555 app /app\n  RUN install -d -o 10001 -g 10001 /app/data\n  USER 10001",
			Severity:   finding.SeverityLow,
			Category:   "Permissions",
			References: []ref.Ref{guide("Add the USER directive to your Dockerfiles to run as a non-root user"), ref.Weakness(732)},
			Extra:      equivalents("", ""),
		},
		Fn: func(_ context.Context, m *rule.Meta, d *target.Dockerfile) []finding.Finding {
			f := d.Final()
			if f == nil {
				return nil
			}
			u, uin := runtimeUser(f)
			if uin == nil || isRoot(u) {
				return nil
			}
			user, group, _ := strings.Cut(u, ":")
			var out []finding.Finding
			for _, in := range chainInstructions(f) {
				if in.Copy == nil || in.Copy.Chown == "" {
					continue
				}
				cu, cg, _ := strings.Cut(in.Copy.Chown, ":")
				if cu == user || group != "" && cg == group && cu == "" {
					out = append(out, fail(m, d, in, 0, in.Cmd+" --chown="+in.Copy.Chown+" makes the copied files writable by the runtime user "+user))
				}
			}
			return out
		},
	}
}

// Pipefail flags RUN pipelines without pipefail.
func Pipefail() rule.Rule {
	return &rule.Dockerfile{
		M: rule.Meta{
			ID:    "dockerfile/pipefail",
			Title: "RUN pipeline without pipefail",
			Description: "A pipeline's status is its last command's: in curl ... | tar x, a failed or truncated download " +
				"still lets the build continue with partial content. Set -o pipefail through SHELL (bash, ash and zsh " +
				"support it).",
			Remediation: "Set the shell with pipefail before RUNs that pipe:\n\n  SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]",
			Severity:    finding.SeverityLow,
			Category:    "Build hygiene",
			References:  []ref.Ref{ref.Weakness(754)},
			Extra:       equivalents("DL4006", ""),
		},
		Fn: func(_ context.Context, m *rule.Meta, d *target.Dockerfile) []finding.Finding {
			var out []finding.Finding
			d.Instructions(func(in *target.Instruction) {
				if in.Cmd != "RUN" || in.Shell == nil || in.Shell.Pipefail || len(in.Shell.Pipelines) == 0 || in.JSON {
					return
				}
				c := in.Shell.Pipelines[0][0]
				out = append(out, fail(m, d, in, c.Line, "RUN pipes into "+in.Shell.Pipelines[0][len(in.Shell.Pipelines[0])-1].Name()+" without set -o pipefail: a failure on the left is ignored"))
			})
			return out
		},
	}
}

// IgnoreUnknown flags inline ignore comments naming rules that do not exist.
func IgnoreUnknown(known func(id string) bool) rule.Rule {
	return &rule.Dockerfile{
		M: rule.Meta{
			ID:    "dockerfile/ignore-unknown-rule",
			Title: "Inline ignore names an unknown rule",
			Description: "An \"# eksguard ignore=RULE\" comment names a rule ID or area eksguard does not have: usually a " +
				"typo, so the finding it meant to waive is still reported, or a rule that was renamed.",
			Remediation: "Name the rule as `eksguard rules` lists it:\n\n  # eksguard ignore=dockerfile/user-root runs as root to bind port 80 on the host network",
			Severity:    finding.SeverityLow,
			Category:    "Configuration",
			References:  []ref.Ref{ref.Link("https://github.com/eksguard/eksguard/blob/main/docs/rules.md", "eksguard rules")},
			Extra:       equivalents("", ""),
		},
		Fn: func(_ context.Context, m *rule.Meta, d *target.Dockerfile) []finding.Finding {
			var out []finding.Finding
			for _, ig := range d.Ignores {
				for _, r := range ig.Rules {
					if r == "*" || known(r) {
						continue
					}
					f := m.Fail(d, "ignore@"+itoa(ig.Line), d.Redact("ignore comment names unknown rule "+r))
					out = append(out, f)
				}
			}
			return out
		},
	}
}
