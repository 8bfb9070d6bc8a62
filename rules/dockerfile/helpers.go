// Package dockerfile holds the rules over Dockerfiles: non-root users, minimal final
// stages, setuid/setgid defanging, base image pinning and provenance, supply-chain
// hygiene of package installs and downloads, secrets, and the Hadolint and Dockle checks
// with a security bearing. Rules read the typed model of pkg/target (stages,
// instructions, parsed shell commands), never the raw text.
package dockerfile

import (
	"net"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// guide is the EKS Best Practices Guide's image security page.
func guide(section string) ref.Ref { return ref.Guide("image-security", section) }

// hadolint and dockle name the equivalent upstream checks in Meta.Extra.
func equivalents(hadolint, dockle string) map[string]string {
	m := map[string]string{}
	if hadolint != "" {
		m["hadolint"] = hadolint
	}
	if dockle != "" {
		m["dockle"] = dockle
	}
	return m
}

// maxSnippet bounds the instruction text a finding carries.
const maxSnippet = 300

// fail builds a finding on an instruction (at line, or the instruction's first line
// when line is 0). The message and the instruction snippet are redacted.
func fail(m *rule.Meta, d *target.Dockerfile, in *target.Instruction, line int, msg string) finding.Finding {
	if line == 0 {
		line = in.Line
	}
	p := in.Path()
	if line != in.Line {
		p = p[:strings.LastIndexByte(p, '@')+1] + strconv.Itoa(line)
	}
	f := m.Fail(d, p, d.Redact(msg))
	snip := in.Original
	if len(snip) > maxSnippet {
		snip = snip[:maxSnippet] + "..."
	}
	f.Evidence = map[string]string{"instruction": d.Redact(snip)}
	if in.Stage != nil {
		f.Evidence["stage"] = in.Stage.Label()
	}
	return f
}

// commands calls fn on every shell command of every instruction that runs one (RUN, and
// ONBUILD RUN), in file order.
func commands(d *target.Dockerfile, fn func(in *target.Instruction, c *target.Command)) {
	d.Instructions(func(in *target.Instruction) {
		runCommands(in, fn)
	})
}

func runCommands(in *target.Instruction, fn func(in *target.Instruction, c *target.Command)) {
	x := in
	if in.Cmd == "ONBUILD" && in.OnBuild != nil {
		x = in.OnBuild
	}
	if x.Cmd != "RUN" || x.Shell == nil {
		return
	}
	for _, c := range x.Shell.Commands {
		fn(in, c)
	}
}

// probeCommands calls fn on every command of a HEALTHCHECK probe (and of ONBUILD
// HEALTHCHECK): the shell form parsed like RUN, the exec form as one command.
func probeCommands(in *target.Instruction, fn func(in *target.Instruction, c *target.Command)) {
	x := in
	if in.Cmd == "ONBUILD" && in.OnBuild != nil {
		x = in.OnBuild
	}
	if x.Cmd != "HEALTHCHECK" || x.Shell == nil {
		return
	}
	for _, c := range x.Shell.Commands {
		fn(in, c)
	}
}

// remoteURL returns the first literal argument that is a URL naming a host other than
// the container itself (localhost, a loopback or unspecified address), or "".
func remoteURL(args []target.Word) string {
	for _, a := range args {
		v, ok := a.Literal()
		if !ok || !strings.Contains(v, "://") {
			continue
		}
		u, err := url.Parse(v)
		if err != nil || u.Host == "" {
			continue
		}
		h := strings.ToLower(u.Hostname())
		if h == "localhost" || strings.HasSuffix(h, ".localhost") {
			continue
		}
		if ip := net.ParseIP(h); ip != nil && (ip.IsLoopback() || ip.IsUnspecified()) {
			continue
		}
		return v
	}
	return ""
}

// lookup resolves a variable for a command: what the script set before it, then the
// build-time ARG and ENV values in scope.
func lookup(in *target.Instruction, c *target.Command) func(string) (string, bool) {
	return func(name string) (string, bool) {
		if v, ok := c.Assigns[name]; ok {
			return v, true
		}
		return in.Lookup(name)
	}
}

// program returns the command's program name, seeing through sudo, env, nice, xargs
// and the like, with the remaining arguments.
func program(c *target.Command) (string, []target.Word) {
	args := c.Args
	for len(args) > 0 {
		v, ok := args[0].Literal()
		if !ok {
			return "", nil
		}
		name := path.Base(v)
		switch name {
		case "sudo", "doas", "nice", "nohup", "time", "eatmydata", "stdbuf", "command", "exec", "su-exec", "gosu":
			args = args[1:]
			if name == "su-exec" || name == "gosu" {
				if len(args) > 0 {
					args = args[1:] // the user
				}
			}
			for len(args) > 0 && strings.HasPrefix(args[0].Lit(), "-") {
				args = args[1:]
			}
			continue
		case "env":
			args = args[1:]
			for len(args) > 0 && (strings.Contains(args[0].Lit(), "=") || strings.HasPrefix(args[0].Lit(), "-")) {
				args = args[1:]
			}
			continue
		}
		return name, args[1:]
	}
	return "", nil
}

// hasFlag reports whether a word among args is one of the flags (long flags may carry
// "=value"; short flags may be bundled, e.g. -fsSLk for -k).
func hasFlag(args []target.Word, long []string, short string) bool {
	for _, a := range args {
		v := a.Lit()
		if v == "--" {
			return false
		}
		if strings.HasPrefix(v, "--") {
			name, _, _ := strings.Cut(v, "=")
			for _, l := range long {
				if name == l {
					return true
				}
			}
			continue
		}
		if short != "" && len(v) > 1 && v[0] == '-' {
			if strings.ContainsAny(v[1:], short) {
				return true
			}
		}
	}
	return false
}

// distroless reports whether an image is empty or ships no shell and package manager.
func distroless(r *target.ImageRef) bool {
	if r == nil {
		return false
	}
	if r.Scratch {
		return true
	}
	repo := r.Repository
	switch {
	case strings.HasPrefix(repo, "distroless/") && r.Registry == "gcr.io",
		r.Registry == "cgr.dev" && !strings.Contains(r.Tag, "-dev") && !strings.Contains(repo, "wolfi-base"),
		strings.Contains(repo, "distroless"),
		strings.HasSuffix(repo, "/static") && !strings.Contains(r.Tag, "debug"):
		return !strings.Contains(r.Tag, "debug")
	}
	return false
}

// finalBase returns the image the final stage builds on (following stage inheritance).
func finalBase(d *target.Dockerfile) (*target.Stage, *target.ImageRef) {
	f := d.Final()
	if f == nil {
		return nil, nil
	}
	return f, f.Root().Base
}

// chainInstructions lists the instructions of a stage and the stages it inherits from,
// in build order.
func chainInstructions(s *target.Stage) []*target.Instruction {
	chain := s.Chain()
	var out []*target.Instruction
	for i := len(chain) - 1; i >= 0; i-- {
		out = append(out, chain[i].Instructions...)
	}
	return out
}

func itoa(i int) string { return strconv.Itoa(i) }

// Rules lists the Dockerfile rules; known reports whether a rule ID or area exists (for
// inline ignores).
func Rules(known func(id string) bool) []rule.Rule {
	return []rule.Rule{
		UserRoot(), Sudo(), Healthcheck(),
		ImageTag(), ImageDigest(), ImageRegistry(),
		PackagePin(), PackageCache(), Upgrade(),
		AddRemote(), AddLocal(), CurlPipeShell(), TLSVerify(),
		Secrets(), CopySecrets(), CopyContext(),
		SingleStageToolchain(), FinalStageMinimal(), FinalStageShell(), Defang(), SetidAdded(), WorldWritable(),
		ExposeSSH(), WorkdirRelative(), MultipleCmd(), ShellForm(), ChownRuntimeUser(), Pipefail(),
		IgnoreUnknown(known),
	}
}
