package dockerfile

import (
	"context"
	"path"
	"strings"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/secret"
	"github.com/eksguard/eksguard/pkg/target"
)

func isURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "git@") || strings.HasPrefix(l, "git://") || strings.HasPrefix(l, "ssh://")
}

// archive extensions ADD unpacks.
var archiveExts = []string{".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tbz2", ".tar.xz", ".txz", ".tar.zst", ".tzst", ".tar.lz", ".tar.lzma", ".gz", ".bz2", ".xz", ".zst"}

func isArchive(s string) bool {
	l := strings.ToLower(s)
	for _, e := range archiveExts {
		if strings.HasSuffix(l, e) {
			return true
		}
	}
	return false
}

func hasFlagPrefix(flags []string, name string) bool {
	for _, f := range flags {
		if f == "--"+name || strings.HasPrefix(f, "--"+name+"=") {
			return true
		}
	}
	return false
}

// AddRemote flags ADD of a URL without a checksum.
func AddRemote() rule.Rule {
	return &rule.Dockerfile{
		M: rule.Meta{
			ID:    "dockerfile/add-remote",
			Title: "ADD downloads a URL without verifying it",
			Description: "ADD with a URL fetches whatever the server returns at build time, with no integrity check unless " +
				"--checksum is given: a compromised or changed download goes into the image unnoticed.",
			Remediation: "Give ADD the expected checksum, or download with curl and verify:\n\n" +
				"  ADD --checksum=sha256:<sha256> https://example.com/tool-1.2.3.tar.gz /tmp/",
			Severity:   finding.SeverityMedium,
			Category:   "Supply chain",
			Tags:       []string{"cis-docker"},
			References: []ref.Ref{ref.CISDocker("4.9"), ref.Weakness(494)},
			Extra:      equivalents("", "CIS-DI-0009"),
		},
		Fn: func(_ context.Context, m *rule.Meta, d *target.Dockerfile) []finding.Finding {
			var out []finding.Finding
			d.Instructions(func(in *target.Instruction) {
				if in.Cmd != "ADD" || in.Copy == nil || hasFlagPrefix(in.Flags, "checksum") {
					return
				}
				for _, s := range in.Copy.Sources {
					if isURL(s) {
						out = append(out, fail(m, d, in, 0, "ADD downloads "+s+" without --checksum"))
					}
				}
			})
			return out
		},
	}
}

// AddLocal flags ADD where COPY suffices.
func AddLocal() rule.Rule {
	return &rule.Dockerfile{
		M: rule.Meta{
			ID:    "dockerfile/add-local",
			Title: "ADD used where COPY suffices",
			Description: "ADD also unpacks archives and fetches URLs, so a reader (and a changed build context) can get " +
				"more than a file copy. For local files and directories that are not archives to unpack, COPY says " +
				"exactly what happens.",
			Remediation: "Use COPY for local files:\n\n  COPY requirements.txt /app/",
			Severity:    finding.SeverityLow,
			Category:    "Supply chain",
			Tags:        []string{"cis-docker"},
			References:  []ref.Ref{ref.CISDocker("4.9")},
			Extra:       equivalents("DL3020", "CIS-DI-0009"),
		},
		Fn: func(_ context.Context, m *rule.Meta, d *target.Dockerfile) []finding.Finding {
			var out []finding.Finding
			d.Instructions(func(in *target.Instruction) {
				if in.Cmd != "ADD" || in.Copy == nil {
					return
				}
				if in.Copy.Inline {
					out = append(out, fail(m, d, in, 0, "ADD of a here-document: use COPY"))
					return
				}
				for _, s := range in.Copy.Sources {
					if isURL(s) || isArchive(s) || strings.Contains(s, "$") {
						continue
					}
					out = append(out, fail(m, d, in, 0, "ADD copies local "+s+": use COPY"))
					return
				}
			})
			return out
		},
	}
}

var shells = map[string]bool{"sh": true, "bash": true, "zsh": true, "dash": true, "ash": true, "ksh": true, "mksh": true, "busybox": true}
var interpreters = map[string]bool{"python": true, "python3": true, "python2": true, "perl": true, "ruby": true, "node": true, "php": true}
var downloaders = map[string]bool{"curl": true, "wget": true, "fetch": true}

// readsStdin reports whether a shell or interpreter invocation runs a script read from
// standard input (no script file or -c argument).
func readsStdin(name string, args []target.Word) bool {
	for _, a := range args {
		v := a.Lit()
		switch {
		case v == "-" || v == "-s" || v == "--":
			return true
		case v == "-c" || name != "busybox" && !strings.HasPrefix(v, "-"):
			return false
		}
	}
	return true
}

// CurlPipeShell flags downloads piped into a shell.
func CurlPipeShell() rule.Rule {
	return &rule.Dockerfile{
		M: rule.Meta{
			ID:    "dockerfile/curl-pipe-shell",
			Title: "Download piped into a shell",
			Description: "curl | sh and wget | bash run whatever the server sends, unverified, with the build's privileges; " +
				"a truncated download can even run half a script. The same holds for sh -c \"$(curl ...)\" and " +
				"bash <(curl ...). RUN and HEALTHCHECK commands are checked: a probe that runs a downloaded script " +
				"runs remote code in the live container at every interval.",
			Remediation: "Download to a file, verify its checksum (or signature), then run it:\n\n" +
				"  RUN curl -fsSLo /tmp/install.sh https://example.com/install-1.2.3.sh \\\n   && echo \"<sha256>  /tmp/install.sh\" | sha256sum -c - \\\n   && sh /tmp/install.sh && rm /tmp/install.sh",
			Severity:   finding.SeverityHigh,
			Category:   "Supply chain",
			Tags:       []string{"cis-docker"},
			References: []ref.Ref{ref.CISDocker("4.11"), ref.Weakness(494)},
			Extra:      equivalents("", ""),
		},
		Fn: func(_ context.Context, m *rule.Meta, d *target.Dockerfile) []finding.Finding {
			var out []finding.Finding
			d.Instructions(func(in *target.Instruction) {
				x := in
				if in.OnBuild != nil {
					x = in.OnBuild
				}
				if x.Cmd != "RUN" && x.Cmd != "HEALTHCHECK" || x.Shell == nil {
					return
				}
				for _, p := range x.Shell.Pipelines {
					dl := ""
					for _, c := range p {
						name, args := program(c)
						if downloaders[name] {
							dl = name
							continue
						}
						if dl != "" && (shells[name] || interpreters[name]) && readsStdin(name, args) {
							out = append(out, fail(m, d, in, c.Line, dl+" output is piped into "+name))
							break
						}
					}
				}
				for _, c := range x.Shell.Commands {
					name, args := program(c)
					if !shells[name] && !interpreters[name] {
						continue
					}
					for _, a := range args {
						r := a.Raw
						for dl := range downloaders {
							if strings.Contains(r, "$("+dl+" ") || strings.Contains(r, "<("+dl+" ") || strings.Contains(r, "`"+dl+" ") {
								out = append(out, fail(m, d, in, c.Line, name+" runs a script downloaded by "+dl))
							}
						}
					}
				}
			})
			return dedupeLines(out)
		},
	}
}

// insecure reports the option that turns off TLS or signature verification in a
// command, or "".
func insecure(c *target.Command) string {
	name, args := program(c)
	lits := target.Strings(args)
	has := func(opts ...string) string {
		for _, a := range lits {
			n, _, _ := strings.Cut(a, "=")
			for _, o := range opts {
				if n == o {
					return a
				}
			}
		}
		return ""
	}
	contains := func(subs ...string) string {
		for _, a := range lits {
			l := strings.ToLower(a)
			for _, s := range subs {
				if strings.Contains(l, s) {
					return a
				}
			}
		}
		return ""
	}
	switch name {
	case "curl":
		if hasFlag(args, []string{"--insecure", "--proxy-insecure"}, "k") {
			return "-k/--insecure"
		}
	case "wget":
		return has("--no-check-certificate")
	case "apk":
		return has("--allow-untrusted")
	case "apt-get", "apt", "aptitude":
		if o := has("--allow-unauthenticated", "--allow-insecure-repositories", "--force-yes", "--no-check-signature"); o != "" {
			return o
		}
		return contains("verify-peer=false", "verify-host=false", "allowunauthenticated=true", "allowunauthenticated=1", "allow-insecure=yes", "trusted=yes")
	case "yum", "dnf", "microdnf", "dnf5", "tdnf":
		if o := has("--nogpgcheck", "--no-gpgchecks"); o != "" {
			return o
		}
		return contains("sslverify=0", "sslverify=false", "gpgcheck=0", "gpgcheck=false")
	case "rpm":
		return has("--nosignature", "--nodigest")
	case "pip", "pip3":
		return has("--trusted-host")
	case "npm", "yarn", "pnpm":
		if o := has("--strict-ssl"); strings.HasSuffix(o, "=false") {
			return o
		}
		if len(lits) >= 3 && lits[0] == "config" && lits[1] == "set" && strings.HasPrefix(lits[2], "strict-ssl") && (lits[len(lits)-1] == "false" || strings.HasSuffix(lits[2], "=false")) {
			return "strict-ssl false"
		}
	case "git":
		return contains("http.sslverify=false", "http.sslverify false")
	}
	return ""
}

// insecureEnv are environment variables that turn TLS verification off.
var insecureEnv = map[string][]string{
	"GIT_SSL_NO_VERIFY":            {"1", "true", "yes"},
	"NODE_TLS_REJECT_UNAUTHORIZED": {"0"},
	"PYTHONHTTPSVERIFY":            {"0"},
	"CURL_INSECURE":                {"1", "true"},
	"NPM_CONFIG_STRICT_SSL":        {"false"},
	"PIP_TRUSTED_HOST":             nil, // any value
}

// TLSVerify flags turned-off TLS and signature verification.
func TLSVerify() rule.Rule {
	return &rule.Dockerfile{
		M: rule.Meta{
			ID:    "dockerfile/insecure-download",
			Title: "TLS or signature verification turned off",
			Description: "curl -k, wget --no-check-certificate, apk --allow-untrusted, apt --allow-unauthenticated, " +
				"yum/dnf --nogpgcheck, pip --trusted-host, npm strict-ssl false, git http.sslVerify=false and the " +
				"matching environment variables let anyone on the network path swap what the build downloads. " +
				"HEALTHCHECK commands are checked too when they fetch from another host; a probe of the container " +
				"itself (https://localhost) is not flagged.",
			Remediation: "Keep verification on; install the CA certificate or signing key the source needs instead:\n\n" +
				"  COPY corp-ca.crt /usr/local/share/ca-certificates/\n  RUN update-ca-certificates && curl -fsSL https://internal.example.com/tool -o /usr/local/bin/tool",
			Severity:   finding.SeverityHigh,
			Category:   "Supply chain",
			Tags:       []string{"cis-docker"},
			References: []ref.Ref{ref.CISDocker("4.11"), ref.Weakness(295)},
			Extra:      equivalents("", ""),
		},
		Fn: func(_ context.Context, m *rule.Meta, d *target.Dockerfile) []finding.Finding {
			var out []finding.Finding
			d.Instructions(func(in *target.Instruction) {
				if in.Cmd == "ENV" || in.Cmd == "ARG" {
					for _, kv := range in.KV {
						vals, ok := insecureEnv[strings.ToUpper(kv.Key)]
						if !ok || !kv.HasValue || kv.Value == "" {
							continue
						}
						bad := vals == nil
						for _, v := range vals {
							bad = bad || strings.EqualFold(kv.Value, v)
						}
						if bad {
							out = append(out, fail(m, d, in, 0, in.Cmd+" "+kv.Key+"="+kv.Value+" turns off certificate verification"))
						}
					}
				}
				runCommands(in, func(in *target.Instruction, c *target.Command) {
					if o := insecure(c); o != "" {
						out = append(out, fail(m, d, in, c.Line, c.Name()+" "+o+" turns off verification"))
					}
				})
				// A health probe of the container itself (https://localhost with its own
				// certificate) exposes nothing; one that fetches from elsewhere does.
				probeCommands(in, func(in *target.Instruction, c *target.Command) {
					_, args := program(c)
					if o := insecure(c); o != "" {
						if u := remoteURL(args); u != "" {
							out = append(out, fail(m, d, in, c.Line, "HEALTHCHECK "+c.Name()+" "+o+" turns off verification of "+u))
						}
					}
				})
			})
			return out
		},
	}
}

// Secrets flags credentials written into the Dockerfile.
func Secrets() rule.Rule {
	return &rule.Dockerfile{
		M: rule.Meta{
			ID:    "dockerfile/secret",
			Title: "Secret in the Dockerfile",
			Description: "AWS access keys, private keys, tokens and passwords in ENV, ARG, LABEL or RUN end up in the image " +
				"configuration or its history, readable by anyone who can pull the image, and in the repository. Build " +
				"arguments named like secrets leak the same way when passed at build time. eksguard masks the value in " +
				"every output.",
			Remediation: "Pass build secrets with a secret mount and runtime secrets from Secrets Manager or a mounted Secret:\n\n" +
				"  RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci\n  # docker build --secret id=npm_token,env=NPM_TOKEN .",
			Severity:   finding.SeverityCritical,
			Category:   "Secrets",
			Tags:       []string{"cis-docker"},
			References: []ref.Ref{guide("Consider creating minimal images"), ref.CISDocker("4.10"), ref.Weakness(798)},
			Extra:      equivalents("", "CIS-DI-0010"),
		},
		Fn: func(_ context.Context, m *rule.Meta, d *target.Dockerfile) []finding.Finding {
			var out []finding.Finding
			check := func(in *target.Instruction) {
				switch in.Cmd {
				case "ENV", "ARG", "LABEL":
					for _, kv := range in.KV {
						if !kv.HasValue {
							if in.Cmd == "ARG" && secret.SecretName(kv.Key) {
								out = append(out, fail(m, d, in, 0, "build argument "+kv.Key+" looks like a secret: build arguments are recorded in the image history; use RUN --mount=type=secret"))
							}
							continue
						}
						if kind, ok := secret.Assignment(kv.Key, kv.Value); ok {
							out = append(out, fail(m, d, in, 0, in.Cmd+" "+kv.Key+" holds a secret ("+string(kind)+"; value redacted)"))
						}
					}
				case "RUN", "CMD", "ENTRYPOINT", "HEALTHCHECK":
					text := in.Original
					for _, h := range in.Heredocs {
						text += "\n" + h.Content
					}
					seen := map[secret.Kind]bool{}
					for _, s := range secret.Find(text) {
						if !seen[s.Kind] {
							seen[s.Kind] = true
							out = append(out, fail(m, d, in, 0, in.Cmd+" contains a secret ("+string(s.Kind)+"; redacted)"))
						}
					}
				}
			}
			for _, in := range d.Global {
				check(in)
			}
			d.Instructions(func(in *target.Instruction) {
				check(in)
				if in.OnBuild != nil {
					check(in.OnBuild)
				}
			})
			return out
		},
	}
}

// sensitive names files that hold credentials.
func sensitive(src string) string {
	p := strings.TrimSuffix(strings.ReplaceAll(src, `\`, "/"), "/")
	base := strings.ToLower(path.Base(p))
	switch {
	case base == ".env" || strings.HasPrefix(base, ".env.") && !strings.HasSuffix(base, ".example") && !strings.HasSuffix(base, ".sample") && !strings.HasSuffix(base, ".template") && !strings.HasSuffix(base, ".dist"):
		return "an environment file"
	case base == "id_rsa" || base == "id_dsa" || base == "id_ecdsa" || base == "id_ed25519" || base == ".ssh":
		return "an SSH private key"
	case base == "credentials" && strings.Contains(p, ".aws") || base == ".aws":
		return "AWS credentials"
	case base == ".git":
		return "the Git directory (history, remotes and possibly tokens)"
	case base == ".netrc" || base == ".npmrc" || base == ".pypirc" || base == ".git-credentials" || base == ".dockercfg":
		return "a credentials file"
	case base == "config.json" && strings.Contains(p, ".docker"):
		return "Docker registry credentials"
	case strings.HasSuffix(base, ".key") || strings.HasSuffix(base, ".p12") || strings.HasSuffix(base, ".pfx") || strings.HasSuffix(base, ".jks"):
		return "a private key or keystore"
	case base == "kubeconfig" || strings.HasSuffix(p, ".kube/config"):
		return "a kubeconfig"
	}
	return ""
}

// CopySecrets flags COPY or ADD of credential files.
func CopySecrets() rule.Rule {
	return &rule.Dockerfile{
		M: rule.Meta{
			ID:    "dockerfile/copy-secret-file",
			Title: "Credential file copied into the image",
			Description: "COPY or ADD of .env files, SSH keys, ~/.aws/credentials, .git, .npmrc and the like puts the " +
				"credentials into a layer, where deleting them later does not help. Copies from an earlier build stage " +
				"are not checked.",
			Remediation: "Keep such files out of the build context (.dockerignore) and use secret mounts for build-time credentials:\n\n" +
				"  # .dockerignore\n  .env\n  .git\n  **/id_rsa\n  # Dockerfile\n  RUN --mount=type=secret,id=aws,target=/root/.aws/credentials aws s3 cp s3://bucket/artifact /tmp/",
			Severity:   finding.SeverityHigh,
			Category:   "Secrets",
			Tags:       []string{"cis-docker"},
			References: []ref.Ref{ref.CISDocker("4.10"), ref.Weakness(538)},
			Extra:      equivalents("", "CIS-DI-0010"),
		},
		Fn: func(_ context.Context, m *rule.Meta, d *target.Dockerfile) []finding.Finding {
			var out []finding.Finding
			d.Instructions(func(in *target.Instruction) {
				if (in.Cmd != "COPY" && in.Cmd != "ADD") || in.Copy == nil || in.Copy.From != "" || in.Copy.Inline {
					return
				}
				for _, s := range in.Copy.Sources {
					if isURL(s) {
						continue
					}
					if what := sensitive(s); what != "" {
						out = append(out, fail(m, d, in, 0, in.Cmd+" "+s+" copies "+what+" into the image"))
					}
				}
			})
			return out
		},
	}
}
