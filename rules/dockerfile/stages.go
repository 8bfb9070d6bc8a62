package dockerfile

import (
	"context"
	"regexp"
	"strconv"
	"strings"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// toolchainPackages are packages that put a compiler or build system into an image.
var toolchainPackages = map[string]bool{
	"build-essential": true, "gcc": true, "g++": true, "gcc-c++": true, "clang": true, "make": true, "cmake": true,
	"golang": true, "golang-go": true, "go": true, "rustc": true, "cargo": true, "musl-dev": true, "libc6-dev": true,
	"libc-dev": true, "maven": true, "gradle": true, "build-base": true, "alpine-sdk": true, "autoconf": true, "automake": true,
}

// toolchainImages are base image repositories that are compilers or build systems.
var toolchainImages = []string{"library/golang", "library/rust", "library/maven", "library/gradle", "library/gcc", "library/buildpack-deps", "library/haskell"}

func toolchainImage(r *target.ImageRef) bool {
	if r == nil {
		return false
	}
	for _, t := range toolchainImages {
		if strings.HasSuffix(r.Repository, t) || strings.HasSuffix(r.Repository, strings.TrimPrefix(t, "library")) {
			return true
		}
	}
	return false
}

// installedToolchain returns a compiler package a stage installs, or "".
func installedToolchain(ins []*target.Instruction) (string, *target.Instruction, int) {
	for _, in := range ins {
		if in.Cmd != "RUN" || in.Shell == nil {
			continue
		}
		for _, c := range in.Shell.Commands {
			mg, args := managerOf(c)
			if mg == nil || mg.name == "pip" || mg.name == "npm" {
				continue
			}
			sub, operands, _ := mg.subcommand(args)
			if !mg.isInstall(sub) {
				continue
			}
			for _, o := range operands {
				name := o.Lit()
				for _, sep := range []string{"=", ":"} {
					name, _, _ = strings.Cut(name, sep)
				}
				if toolchainPackages[name] {
					return name, in, c.Line
				}
			}
		}
	}
	return "", nil, 0
}

// SingleStageToolchain flags single-stage builds that ship compilers.
func SingleStageToolchain() rule.Rule {
	return &rule.Dockerfile{
		M: rule.Meta{
			ID:    "dockerfile/single-stage-toolchain",
			Title: "Single-stage build ships its compiler",
			Description: "A one-stage Dockerfile that builds from a toolchain image (golang, rust, maven, ...) or installs " +
				"compilers (build-essential, gcc, make, ...) ships them in the image: more packages to patch and tools an " +
				"attacker can use. Build in one stage and copy only the artifact into a minimal final stage.",
			Remediation: "Split the build into a build stage and a minimal runtime stage:\n\n" +
				"  FROM golang:1.23.2 AS build\n  RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app\n  FROM gcr.io/distroless/static-debian12:nonroot\n  COPY --from=build /out/app /app\n  ENTRYPOINT [\"/app\"]",
			Severity:   finding.SeverityMedium,
			Category:   "Minimal attack surface",
			Tags:       []string{"cis-docker"},
			References: []ref.Ref{guide("Use multi-stage builds"), guide("Consider creating minimal images"), ref.CISDocker("4.3")},
			Extra:      equivalents("", ""),
		},
		Fn: func(_ context.Context, m *rule.Meta, d *target.Dockerfile) []finding.Finding {
			if len(d.Stages) != 1 {
				return nil
			}
			s := d.Stages[0]
			if toolchainImage(s.Base) {
				return []finding.Finding{fail(m, d, s.From, 0, "single-stage build on the toolchain image "+s.Base.Raw+": the compiler ships in the image")}
			}
			if pkg, in, line := installedToolchain(s.Instructions); pkg != "" {
				return []finding.Finding{fail(m, d, in, line, "single-stage build installs "+pkg+": the toolchain ships in the image")}
			}
			return nil
		},
	}
}

// FinalStageMinimal flags multi-stage builds whose final stage keeps the build stage.
func FinalStageMinimal() rule.Rule {
	return &rule.Dockerfile{
		M: rule.Meta{
			ID:    "dockerfile/final-stage-minimal",
			Title: "Multi-stage build in name only",
			Description: "The Dockerfile has several stages, but the final one builds FROM a stage that installs a " +
				"toolchain, or on a toolchain image itself, so everything the build needed still ships. The final stage " +
				"should start from scratch, distroless or a slim runtime image and COPY --from the artifacts.",
			Remediation: "Start the final stage from a minimal image and copy only the artifacts:\n\n" +
				"  FROM gcr.io/distroless/static-debian12:nonroot\n  COPY --from=build /out/app /app",
			Severity:   finding.SeverityMedium,
			Category:   "Minimal attack surface",
			Tags:       []string{"cis-docker"},
			References: []ref.Ref{guide("Use multi-stage builds"), guide("Build images from Scratch"), ref.CISDocker("4.3")},
			Extra:      equivalents("", ""),
		},
		Fn: func(_ context.Context, m *rule.Meta, d *target.Dockerfile) []finding.Finding {
			if len(d.Stages) < 2 {
				return nil
			}
			f := d.Final()
			root := f.Root()
			if toolchainImage(root.Base) {
				return []finding.Finding{fail(m, d, f.From, 0, "final stage "+quoteStage(f)+" runs on the toolchain image "+root.Base.Raw)}
			}
			if f.BaseStage != nil {
				if pkg, _, _ := installedToolchain(chainInstructions(f.BaseStage)); pkg != "" {
					return []finding.Finding{fail(m, d, f.From, 0, "final stage "+quoteStage(f)+" builds FROM stage "+quoteStage(f.BaseStage)+", which installs "+pkg)}
				}
			}
			return nil
		},
	}
}

// FinalStageShell flags final stages on full distribution images (info).
func FinalStageShell() rule.Rule {
	return &rule.Dockerfile{
		M: rule.Meta{
			ID:    "dockerfile/final-stage-shell",
			Title: "Final stage keeps a shell and package manager",
			Description: "The final stage builds on a distribution image, so the container has a shell, a package manager " +
				"and coreutils an intruder can use. Distroless or scratch images, or Chainguard-style minimal images, " +
				"leave them out. Informational: many services need a shell.",
			Remediation: "Where the service does not need a shell, ship it on a minimal base:\n\n" +
				"  FROM gcr.io/distroless/python3-debian12:nonroot",
			Severity:   finding.SeverityInfo,
			Category:   "Minimal attack surface",
			Tags:       []string{"cis-docker"},
			References: []ref.Ref{guide("Consider creating minimal images"), guide("Build images from Scratch"), ref.CISDocker("4.3")},
			Extra:      equivalents("", ""),
		},
		Fn: func(_ context.Context, m *rule.Meta, d *target.Dockerfile) []finding.Finding {
			f, base := finalBase(d)
			if f == nil || base == nil || base.Unresolved || base.Err != "" || distroless(base) {
				return nil
			}
			return []finding.Finding{fail(m, d, f.From, 0, "final stage "+quoteStage(f)+" builds on "+base.Raw+", which ships a shell and package manager")}
		},
	}
}

// removeSetid matches chmod modes that clear setuid or setgid bits: a-s, u-s,g-s, -s.
var removeSetid = regexp.MustCompile(`^([ugoa]*-[rwxXt]*s[rwxXt]*)(,[ugoa]*[-+=][rwxXst]*)*$|^([ugoa]*[-+=][rwxXst]*,)+[ugoa]*-[rwxXt]*s[rwxXt]*$`)

// addSetid matches chmod modes that set setuid or setgid bits.
var addSetid = regexp.MustCompile(`(^|,)[ugoa]*[+=][rwxXt]*s`)

// numericSetid reports whether an octal mode has the setuid or setgid bit.
func numericSetid(mode string) bool {
	if len(mode) < 4 || len(mode) > 5 {
		return false
	}
	v, err := strconv.ParseUint(mode, 8, 32)
	return err == nil && v&0o6000 != 0
}

// Defang flags final stages on distribution images that keep setuid/setgid binaries.
func Defang() rule.Rule {
	return &rule.Dockerfile{
		M: rule.Meta{
			ID:    "dockerfile/setid-not-removed",
			Title: "setuid/setgid bits not removed",
			Description: "Distribution images ship setuid and setgid binaries (su, passwd, mount, ...) that let a process " +
				"gain privileges. The EKS Best Practices Guide recommends removing the bits in the final image " +
				"(\"defanging\"); this rule looks for a step that does it in a final stage built on a distribution image. " +
				"scratch and distroless final stages have no such binaries and pass.",
			Remediation: "Clear the bits as the last root step of the final stage:\n\n" +
				"  RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} + || true",
			Severity:   finding.SeverityLow,
			Category:   "Defang",
			Tags:       []string{"cis-docker"},
			References: []ref.Ref{guide("Consider creating minimal images"), ref.CISDocker("4.8"), ref.Weakness(250)},
			Extra:      equivalents("", "CIS-DI-0008"),
		},
		Fn: func(_ context.Context, m *rule.Meta, d *target.Dockerfile) []finding.Finding {
			f, base := finalBase(d)
			if f == nil || base == nil || base.Unresolved || base.Err != "" || distroless(base) {
				return nil
			}
			for _, in := range chainInstructions(f) {
				if in.Cmd != "RUN" || in.Shell == nil {
					continue
				}
				for _, c := range in.Shell.Commands {
					switch c.Name() {
					case "chmod", "find", "xargs":
					default:
						continue
					}
					for _, a := range c.Args[1:] {
						if removeSetid.MatchString(a.Lit()) {
							return nil
						}
					}
				}
			}
			return []finding.Finding{fail(m, d, f.From, 0, "final stage "+quoteStage(f)+" builds on "+base.Raw+" and no step removes setuid/setgid bits (find / -xdev -perm /6000 -type f -exec chmod a-s {} +)")}
		},
	}
}

// chmodModes calls fn with each mode a chmod command (or find -exec chmod) sets.
func chmodModes(c *target.Command, fn func(mode string)) {
	args := c.Args
	for i := 0; i < len(args); i++ {
		if v, _ := args[i].Literal(); v == "chmod" || strings.HasSuffix(v, "/chmod") {
			for j := i + 1; j < len(args); j++ {
				v := args[j].Lit()
				if strings.HasPrefix(v, "--") || v == "-R" || v == "-v" || v == "-f" || v == "-c" {
					continue
				}
				fn(v)
				break
			}
		}
	}
}

// SetidAdded flags chmod +s and the like anywhere.
func SetidAdded() rule.Rule {
	return &rule.Dockerfile{
		M: rule.Meta{
			ID:    "dockerfile/chmod-setid",
			Title: "chmod sets the setuid or setgid bit",
			Description: "chmod +s, u+s, g+s or an octal mode with 4000/2000 makes a binary run with its owner's or " +
				"group's privileges, a ready-made privilege escalation when the owner is root.",
			Remediation: "Grant the narrow capability the program needs instead of setuid root:\n\n" +
				"  RUN setcap cap_net_bind_service=+ep /usr/local/bin/server",
			Severity:   finding.SeverityMedium,
			Category:   "Defang",
			Tags:       []string{"cis-docker"},
			References: []ref.Ref{guide("Consider creating minimal images"), ref.CISDocker("4.8"), ref.Weakness(250)},
			Extra:      equivalents("", "CIS-DI-0008"),
		},
		Fn: func(_ context.Context, m *rule.Meta, d *target.Dockerfile) []finding.Finding {
			var out []finding.Finding
			d.Instructions(func(in *target.Instruction) {
				if in.Copy != nil && (addSetid.MatchString(in.Copy.Chmod) || numericSetid(in.Copy.Chmod)) {
					out = append(out, fail(m, d, in, 0, in.Cmd+" --chmod="+in.Copy.Chmod+" sets the setuid/setgid bit"))
				}
			})
			commands(d, func(in *target.Instruction, c *target.Command) {
				chmodModes(c, func(mode string) {
					if addSetid.MatchString(mode) || numericSetid(mode) {
						out = append(out, fail(m, d, in, c.Line, "chmod "+mode+" sets the setuid/setgid bit"))
					}
				})
			})
			return out
		},
	}
}

// worldWritable reports whether a chmod mode gives others write access.
func worldWritable(mode string) bool {
	if v, err := strconv.ParseUint(mode, 8, 32); err == nil && len(mode) >= 3 && len(mode) <= 5 {
		// Sticky world-writable directories (1777, like /tmp) are the intended exception.
		return v&0o002 != 0 && v&0o1000 == 0
	}
	if strings.Contains(mode, "t") {
		return false
	}
	for _, part := range strings.Split(mode, ",") {
		i := strings.IndexAny(part, "+=")
		if i < 0 {
			continue
		}
		who := part[:i]
		if (who == "" || strings.ContainsAny(who, "oa")) && strings.Contains(part[i+1:], "w") {
			return true
		}
	}
	return false
}

// WorldWritable flags chmod 777 and other world-writable modes.
func WorldWritable() rule.Rule {
	return &rule.Dockerfile{
		M: rule.Meta{
			ID:    "dockerfile/chmod-world-writable",
			Title: "World-writable files or directories",
			Description: "chmod 777 (or o+w, a+w) lets any user in the container rewrite the files: binaries, " +
				"configuration or scripts the service later runs. Give ownership to the one user that needs write access.",
			Remediation: "Grant write access to the owner only:\n\n  RUN chown -R 10001:10001 /app/data && chmod -R 750 /app/data",
			Severity:    finding.SeverityMedium,
			Category:    "Permissions",
			References:  []ref.Ref{ref.Weakness(732)},
			Extra:       equivalents("", ""),
		},
		Fn: func(_ context.Context, m *rule.Meta, d *target.Dockerfile) []finding.Finding {
			var out []finding.Finding
			d.Instructions(func(in *target.Instruction) {
				if in.Copy != nil && worldWritable(in.Copy.Chmod) {
					out = append(out, fail(m, d, in, 0, in.Cmd+" --chmod="+in.Copy.Chmod+" makes the files world-writable"))
				}
			})
			commands(d, func(in *target.Instruction, c *target.Command) {
				chmodModes(c, func(mode string) {
					if worldWritable(mode) {
						out = append(out, fail(m, d, in, c.Line, "chmod "+mode+" makes files world-writable"))
					}
				})
			})
			return out
		},
	}
}
