package dockerfile

import (
	"context"
	"path"
	"regexp"
	"strings"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// manager describes how one package manager's install command is spelled.
type manager struct {
	name string
	// programs that run it
	programs []string
	// install subcommands
	install []string
	// options that take a value in the next word (short ones as "-t")
	valueFlags []string
	// pinned reports whether a package argument names a version
	pinned  func(pkg string) bool
	example string
}

var yumVersion = regexp.MustCompile(`-[0-9]`)

var managers = []manager{
	{
		name: "apt-get", programs: []string{"apt-get", "apt"}, install: []string{"install"},
		valueFlags: []string{"-o", "--option", "-c", "--config-file", "-t", "--target-release", "--default-release", "-a", "--host-architecture"},
		// name=version, name/release, or a .deb file
		pinned: func(p string) bool {
			return strings.Contains(p, "=") || strings.Contains(p, "/") || strings.HasSuffix(p, ".deb")
		},
		example: "apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5",
	},
	{
		name: "apk", programs: []string{"apk"}, install: []string{"add"},
		valueFlags: []string{"-t", "--virtual", "-X", "--repository", "--repositories-file", "-p", "--root", "--arch", "--cache-dir", "--keys-dir"},
		pinned: func(p string) bool {
			return strings.ContainsAny(p, "=<>~") || strings.HasSuffix(p, ".apk") || strings.Contains(p, "/")
		},
		example: "apk add --no-cache curl=8.5.0-r0",
	},
	{
		name: "pip", programs: []string{"pip", "pip3"}, install: []string{"install"},
		valueFlags: []string{"-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "-t", "--target", "--prefix", "--root", "--src", "--upgrade-strategy", "--platform", "--python-version", "--implementation", "--abi", "--trusted-host", "--cache-dir", "--log", "--progress-bar", "--no-binary", "--only-binary", "-C", "--config-settings", "--global-option", "--timeout", "--retries", "--proxy", "--cert", "--client-cert", "--exists-action", "--report", "--root-user-action", "--python"},
		pinned: func(p string) bool {
			return strings.ContainsAny(p, "=<>~@") || strings.Contains(p, "/") || p == "." ||
				strings.HasSuffix(p, ".whl") || strings.HasSuffix(p, ".tar.gz") || strings.HasSuffix(p, ".zip")
		},
		example: "pip install --no-cache-dir requests==2.32.3   # or: pip install -r requirements.txt",
	},
	{
		name: "npm", programs: []string{"npm"}, install: []string{"install", "i", "add", "isntall"},
		valueFlags: []string{"--prefix", "--registry", "--cache", "-w", "--workspace", "--omit", "--include", "--tag"},
		pinned: func(p string) bool {
			if strings.ContainsAny(p, "/:") && !strings.HasPrefix(p, "@") || strings.HasPrefix(p, ".") || strings.HasSuffix(p, ".tgz") {
				return true // a path, tarball, git or other URL
			}
			name := p
			if strings.HasPrefix(name, "@") {
				name = name[1:]
			}
			_, ver, ok := strings.Cut(name, "@")
			return ok && ver != "" && ver != "latest" && ver != "next"
		},
		example: "npm install -g typescript@5.6.3   # or: npm ci",
	},
	{
		name: "yum", programs: []string{"yum"}, install: []string{"install"},
		valueFlags: []string{"-c", "--config", "--installroot", "--enablerepo", "--disablerepo", "-x", "--exclude", "--releasever", "--setopt"},
		pinned: func(p string) bool {
			return yumVersion.MatchString(p) || strings.HasSuffix(p, ".rpm") || strings.Contains(p, "/")
		},
		example: "yum install -y httpd-2.4.62-1.amzn2023 && yum clean all",
	},
	{
		name: "dnf", programs: []string{"dnf", "microdnf", "dnf5", "tdnf"}, install: []string{"install"},
		valueFlags: []string{"-c", "--config", "--installroot", "--enablerepo", "--disablerepo", "-x", "--exclude", "--releasever", "--setopt", "--repo", "--repoid"},
		pinned: func(p string) bool {
			return yumVersion.MatchString(p) || strings.HasSuffix(p, ".rpm") || strings.Contains(p, "/")
		},
		example: "dnf install -y httpd-2.4.62-1.amzn2023 && dnf clean all",
	},
}

// managerOf returns the package manager a command runs and its arguments after the
// program ("python -m pip" included).
func managerOf(c *target.Command) (*manager, []target.Word) {
	prog, args := program(c)
	if strings.HasPrefix(prog, "python") && len(args) >= 2 && args[0].Lit() == "-m" && (args[1].Lit() == "pip" || args[1].Lit() == "pip3") {
		prog, args = "pip", args[2:]
	}
	if strings.HasPrefix(prog, "pip3.") || strings.HasPrefix(prog, "pip2") {
		prog = "pip"
	}
	for i := range managers {
		for _, p := range managers[i].programs {
			if p == prog {
				return &managers[i], args
			}
		}
	}
	return nil, nil
}

// subcommand splits the arguments of a package manager into its subcommand and the
// operands after it (options and their values left out).
func (mg *manager) subcommand(args []target.Word) (sub string, operands []target.Word, opts []target.Word) {
	takesValue := func(f string) bool {
		for _, v := range mg.valueFlags {
			if f == v {
				return true
			}
		}
		return false
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		v := a.Lit()
		if len(a.Parts) > 0 && a.Parts[0].Var == "" && !a.Parts[0].Unknown && strings.HasPrefix(a.Parts[0].Lit, "-") {
			opts = append(opts, a)
			if !strings.Contains(v, "=") && takesValue(v) && i+1 < len(args) {
				i++
			}
			continue
		}
		if sub == "" {
			sub = v
			continue
		}
		operands = append(operands, a)
	}
	return sub, operands, opts
}

func (mg *manager) isInstall(sub string) bool {
	for _, s := range mg.install {
		if s == sub {
			return true
		}
	}
	return false
}

// unpinned lists the packages of an install command that name no version. Packages in
// variables are resolved through ARG, ENV and earlier shell assignments; a package whose
// value cannot be known is not reported.
func (mg *manager) unpinned(in *target.Instruction, c *target.Command, operands []target.Word) []string {
	var out []string
	look := lookup(in, c)
	for _, w := range operands {
		if lit, ok := w.Literal(); ok {
			if !mg.pinned(lit) {
				out = append(out, lit)
			}
			continue
		}
		// name=${VERSION}: the literal text already shows a version is named.
		if mg.pinned(w.Lit()) && w.Lit() != "" && !strings.HasSuffix(w.Lit(), "/") {
			continue
		}
		v, ok := w.Expand(look)
		if !ok {
			continue // unknown: not reported
		}
		for _, p := range strings.Fields(v) {
			if !strings.HasPrefix(p, "-") && !mg.pinned(p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// PackagePin flags package installs without versions.
func PackagePin() rule.Rule {
	return &rule.Dockerfile{
		M: rule.Meta{
			ID:    "dockerfile/package-pin",
			Title: "Packages installed without a version",
			Description: "apt-get, apk, pip, npm, yum and dnf install whatever version the repository serves on the day of " +
				"the build: builds are not reproducible and a compromised or broken release slips in unreviewed. Versions " +
				"given through ARG or ENV variables (curl=${CURL_VERSION}) or shell variables count as pinned; " +
				"requirement files, lock files and local packages are fine.",
			Remediation: "Name the version of each package (through a build argument if you like):\n\n" +
				"  ARG CURL_VERSION=7.88.1-10+deb12u5\n  RUN apt-get update && apt-get install -y --no-install-recommends curl=${CURL_VERSION} \\\n   && rm -rf /var/lib/apt/lists/*",
			Severity:   finding.SeverityLow,
			Category:   "Supply chain",
			Tags:       []string{"cis-docker"},
			References: []ref.Ref{guide("Update the packages in your container images"), ref.CISDocker("4.11"), ref.Weakness(1357)},
			Extra:      equivalents("DL3008, DL3013, DL3016, DL3018, DL3033, DL3041", ""),
		},
		Fn: func(_ context.Context, m *rule.Meta, d *target.Dockerfile) []finding.Finding {
			var out []finding.Finding
			commands(d, func(in *target.Instruction, c *target.Command) {
				mg, args := managerOf(c)
				if mg == nil {
					return
				}
				sub, operands, opts := mg.subcommand(args)
				if !mg.isInstall(sub) {
					return
				}
				if mg.name == "pip" && hasFlag(opts, []string{"--requirement", "--constraint"}, "") {
					return
				}
				for _, o := range opts {
					if v := o.Lit(); v == "-r" || v == "-c" {
						return
					}
				}
				if bad := mg.unpinned(in, c, operands); len(bad) > 0 {
					out = append(out, fail(m, d, in, c.Line, mg.name+" installs without a version: "+strings.Join(limit(bad, 8), ", ")))
				}
			})
			return out
		},
	}
}

func limit(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(s[:n:n], "...")
}

// cacheMounted reports whether a RUN mounts a build cache over dir (or a parent of it).
func cacheMounted(in *target.Instruction, dir string) bool {
	for _, mt := range in.Mounts {
		if mt.Type == "cache" && (mt.Target == dir || strings.HasPrefix(dir, strings.TrimSuffix(mt.Target, "/")+"/")) {
			return true
		}
	}
	return false
}

// removes reports whether a script deletes a path under dir (rm -rf /var/lib/apt/lists/*).
func removes(sc *target.Script, dir string) bool {
	for _, c := range sc.Commands {
		if c.Name() != "rm" {
			continue
		}
		for _, a := range c.Args[1:] {
			if strings.HasPrefix(path.Clean(a.Lit()), dir) {
				return true
			}
		}
	}
	return false
}

// runs reports whether a script runs prog with the given first operand.
func runsSub(sc *target.Script, progs []string, sub string) bool {
	for _, c := range sc.Commands {
		p, args := program(c)
		for _, x := range progs {
			if p == x {
				for _, a := range args {
					if !strings.HasPrefix(a.Lit(), "-") {
						if a.Lit() == sub {
							return true
						}
						break
					}
				}
			}
		}
	}
	return false
}

// PackageCache flags package-manager caches left in the final image.
func PackageCache() rule.Rule {
	return &rule.Dockerfile{
		M: rule.Meta{
			ID:    "dockerfile/package-cache",
			Title: "Package manager cache left in the image",
			Description: "apt lists, apk, yum and dnf caches and pip's wheel cache left in a layer of the final stage ship " +
				"in the image: more bytes to pull and scan, and stale package metadata for anyone who installs more " +
				"later. The cleanup must happen in the same RUN, or the layer keeps the files. Build stages are not checked.",
			Remediation: "Clean up in the same RUN (or use a cache mount):\n\n" +
				"  RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5 \\\n   && rm -rf /var/lib/apt/lists/*\n  RUN apk add --no-cache curl=8.5.0-r0\n  RUN pip install --no-cache-dir -r requirements.txt",
			Severity:   finding.SeverityLow,
			Category:   "Minimal attack surface",
			Tags:       []string{"cis-docker"},
			References: []ref.Ref{guide("Consider creating minimal images"), ref.CISDocker("4.7")},
			Extra:      equivalents("DL3009, DL3019, DL3032, DL3040, DL3042", "DKL-DI-0005"),
		},
		Fn: func(_ context.Context, m *rule.Meta, d *target.Dockerfile) []finding.Finding {
			f := d.Final()
			if f == nil {
				return nil
			}
			var out []finding.Finding
			for _, in := range chainInstructions(f) {
				reported := map[string]bool{} // one finding per RUN and package manager
				runCommands(in, func(in *target.Instruction, c *target.Command) {
					mg, args := managerOf(c)
					if mg == nil {
						return
					}
					sub, _, opts := mg.subcommand(args)
					sc := in.Shell
					if in.OnBuild != nil {
						sc = in.OnBuild.Shell
					}
					msg := ""
					switch mg.name {
					case "apt-get":
						// The lists come from update; a RUN that only installs adds none.
						if sub == "update" && !removes(sc, "/var/lib/apt/lists") && !cacheMounted(in, "/var/lib/apt/lists") {
							msg = "apt-get update leaves /var/lib/apt/lists in the layer (no rm -rf /var/lib/apt/lists/* in this RUN)"
						}
					case "apk":
						if sub == "add" && !hasFlag(opts, []string{"--no-cache"}, "") && !removes(sc, "/var/cache/apk") && !cacheMounted(in, "/var/cache/apk") {
							msg = "apk add without --no-cache leaves the package index in /var/cache/apk"
						}
					case "yum", "dnf":
						if sub == "install" && !runsSub(sc, mg.programs, "clean") && !removes(sc, "/var/cache/"+mg.programs[0]) && !cacheMounted(in, "/var/cache/"+mg.programs[0]) {
							msg = c.Name() + " install without " + mg.programs[0] + " clean all in the same RUN leaves its cache in the layer"
						}
					case "pip":
						if sub == "install" && !hasFlag(opts, []string{"--no-cache-dir"}, "") && in.Env["PIP_NO_CACHE_DIR"] == "" && !cacheMounted(in, "/root/.cache/pip") && !cacheMounted(in, "/root/.cache") {
							msg = "pip install without --no-cache-dir keeps its download cache in the layer"
						}
					}
					if msg != "" && !reported[mg.name] {
						reported[mg.name] = true
						out = append(out, fail(m, d, in, c.Line, msg))
					}
				})
			}
			// One finding per RUN and cache is enough.
			return dedupeLines(out)
		},
	}
}

func dedupeLines(fs []finding.Finding) []finding.Finding {
	seen := map[string]bool{}
	out := fs[:0]
	for _, f := range fs {
		k := f.Location.Path + "\x00" + f.Message
		if !seen[k] {
			seen[k] = true
			out = append(out, f)
		}
	}
	return out
}

// Upgrade flags apt-get upgrade and dist-upgrade (info).
func Upgrade() rule.Rule {
	return &rule.Dockerfile{
		M: rule.Meta{
			ID:    "dockerfile/apt-upgrade",
			Title: "apt-get upgrade or dist-upgrade in the build",
			Description: "An in-build upgrade pulls whatever the mirrors serve that day into the image: the result differs " +
				"from build to build and hides which base the image really has. Prefer a newer, patched base image tag " +
				"(rebuilt regularly) and pinned packages; upgrade in the build only as a stop-gap.",
			Remediation: "Move to a patched base image and rebuild it regularly instead of upgrading in place:\n\n" +
				"  FROM public.ecr.aws/docker/library/debian:bookworm-20241016-slim",
			Severity:   finding.SeverityInfo,
			Category:   "Supply chain",
			References: []ref.Ref{guide("Update the packages in your container images"), ref.CISDocker("4.4")},
			Extra:      equivalents("DL3005", ""),
		},
		Fn: func(_ context.Context, m *rule.Meta, d *target.Dockerfile) []finding.Finding {
			var out []finding.Finding
			commands(d, func(in *target.Instruction, c *target.Command) {
				mg, args := managerOf(c)
				if mg == nil || mg.name != "apt-get" {
					return
				}
				sub, _, _ := mg.subcommand(args)
				if sub == "upgrade" || sub == "dist-upgrade" || sub == "full-upgrade" {
					out = append(out, fail(m, d, in, c.Line, c.Name()+" "+sub+" in the build"))
				}
			})
			return out
		},
	}
}
