package node

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/eksguard/eksguard/pkg/target"
)

// Known paths (facts from the EKS AMIs, nodeadm, Bottlerocket and kube-bench's node config).
var (
	// Kubelet configuration files: AL2 (bootstrap.sh), AL2023 (nodeadm), Bottlerocket,
	// kubeadm.
	configPaths = []string{
		"/etc/kubernetes/kubelet/kubelet-config.json",
		"/etc/kubernetes/kubelet/config.json",
		"/etc/kubernetes/kubelet/config",
		"/var/lib/kubelet/config.yaml",
	}
	// Kubelet kubeconfigs: AL2 and AL2023, Bottlerocket, kubeadm.
	kubeconfigPaths = []string{
		"/var/lib/kubelet/kubeconfig",
		"/etc/kubernetes/kubelet/kubeconfig",
		"/etc/kubernetes/kubelet.conf",
	}
	// Kubelet systemd units, first found wins; drop-ins of every directory apply.
	unitPaths = []string{
		"/etc/systemd/system/kubelet.service",
		"/run/systemd/system/kubelet.service",
		"/usr/lib/systemd/system/kubelet.service",
		"/lib/systemd/system/kubelet.service",
	}
	dropInDirs = []string{
		"/usr/lib/systemd/system/kubelet.service.d",
		"/lib/systemd/system/kubelet.service.d",
		"/run/systemd/system/kubelet.service.d",
		"/etc/systemd/system/kubelet.service.d",
	}
)

// boolFlags are the kubelet flags the checks read that are booleans: "--name" alone means
// true and a value must be attached with "=".
var boolFlags = map[string]bool{
	"anonymous-auth": true, "make-iptables-util-chains": true, "rotate-certificates": true,
	"rotate-server-certificates": true, "authentication-token-webhook": true,
}

// parseFlags reads kubelet command-line arguments (program name excluded) the way pflag
// does: --name=value, --name value, -name forms; booleans need "=" for a value. The last
// occurrence wins; --feature-gates accumulate.
func parseFlags(args []string) (flags, gates map[string]string) {
	flags, gates = map[string]string{}, map[string]string{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			continue
		}
		name := strings.TrimLeft(a, "-")
		val, hasVal := "", false
		if n, v, ok := strings.Cut(name, "="); ok {
			name, val, hasVal = n, v, true
		}
		if !hasVal {
			if boolFlags[name] {
				val = "true"
			} else if i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
				val = args[i+1]
				i++
			}
		}
		if name == "feature-gates" {
			for _, kv := range strings.Split(val, ",") {
				k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
				if k != "" {
					gates[k] = strings.TrimSpace(v)
				}
			}
		}
		flags[name] = val
	}
	return flags, gates
}

// loadConfig reads the kubelet configuration file and its drop-ins into k.
func (h *hostFS) loadConfig(k *target.Kubelet, cmdlineKnown bool) {
	if p, ok := k.Flags["config"]; ok && p != "" {
		k.ConfigFile = h.stat(p)
	} else {
		k.ConfigFile = h.stat(configPaths...)
	}
	if !k.ConfigFile.Exists {
		if k.ConfigFile.Err != "" {
			k.ConfigErr = fmt.Sprintf("kubelet config file %s: %s", k.ConfigFile.Path, k.ConfigFile.Err)
		} else {
			k.ConfigErr = "kubelet config file not found (tried " + k.ConfigFile.Where() + ")"
		}
		return
	}
	cfg, err := h.readConfig(k.ConfigFile.Path)
	if err != nil {
		k.ConfigErr = err.Error()
		return
	}
	// Drop-ins (--config-dir, kubelet 1.28+; AL2023's nodeadm writes config.json.d). When the
	// command line is unknown, the directory beside the file is assumed, as nodeadm sets it.
	dir, ok := k.Flags["config-dir"]
	if !ok && !cmdlineKnown {
		dir = k.ConfigFile.Path + ".d"
	}
	if dir != "" {
		names, err := h.readDir(dir, maxDropIns)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			k.ConfigErr = fmt.Sprintf("kubelet config drop-in directory %s: %v", dir, err)
			return
		}
		for _, n := range names {
			if !strings.HasSuffix(n, ".conf") {
				continue
			}
			p := path.Join(dir, n)
			d, err := h.readConfig(p)
			if err != nil {
				k.ConfigErr = err.Error()
				return
			}
			mergeJSON(cfg, d)
			k.DropIns = append(k.DropIns, p)
		}
	}
	k.Config = cfg
}

// readConfig reads one kubelet configuration file (JSON or YAML) into JSON values.
func (h *hostFS) readConfig(p string) (map[string]any, error) {
	data, err := h.read(p, maxFileBytes)
	if err != nil {
		return nil, fmt.Errorf("kubelet config %s: %v", p, err)
	}
	return parseConfig(p, data)
}

// parseConfig parses a kubelet configuration (JSON or YAML) into JSON values.
func parseConfig(p string, data []byte) (map[string]any, error) {
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, fmt.Errorf("kubelet config %s: %v", p, err)
	}
	var m map[string]any
	if err := json.Unmarshal(js, &m); err != nil {
		return nil, fmt.Errorf("kubelet config %s: not a mapping: %v", p, err)
	}
	if m == nil {
		m = map[string]any{}
	}
	return m, nil
}

// mergeJSON merges src over dst as kubelet merges drop-ins: mappings merge by key, every
// other value replaces.
func mergeJSON(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				mergeJSON(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

// unit is what the kubelet's systemd unit and drop-ins say.
type unit struct {
	files     []string
	execStart string
	env       map[string]string
}

// readUnit reads the kubelet unit and its drop-ins: ExecStart (a later empty ExecStart=
// resets it), Environment= and EnvironmentFile=.
func (h *hostFS) readUnit() (*unit, error) {
	u := &unit{env: map[string]string{}}
	var files []string
	for _, p := range unitPaths {
		if h.exists(p) {
			files = append(files, p)
			break
		}
	}
	if len(files) == 0 {
		return nil, nil
	}
	// Drop-ins: all directories, ordered by file name, a later directory's file of the same
	// name replacing an earlier one (systemd's rule).
	byName := map[string]string{}
	for _, d := range dropInDirs {
		names, err := h.readDir(d, maxDropIns)
		if err != nil {
			continue
		}
		for _, n := range names {
			if strings.HasSuffix(n, ".conf") {
				byName[n] = path.Join(d, n)
			}
		}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sortStrings(names)
	for _, n := range names {
		files = append(files, byName[n])
	}
	for _, f := range files {
		data, err := h.read(f, maxFileBytes)
		if err != nil {
			return nil, fmt.Errorf("kubelet unit %s: %v", f, err)
		}
		u.files = append(u.files, f)
		h.applyUnit(u, string(data))
	}
	return u, nil
}

func (h *hostFS) applyUnit(u *unit, text string) {
	text = strings.ReplaceAll(text, "\\\r\n", " ")
	text = strings.ReplaceAll(text, "\\\n", " ")
	section := ""
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			section = strings.Trim(line, "[]")
			continue
		}
		if section != "Service" {
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		switch key {
		case "ExecStart":
			u.execStart = val // "" resets
		case "Environment":
			for _, w := range splitWords(val) {
				if k, v, ok := strings.Cut(w, "="); ok {
					u.env[k] = v
				}
			}
		case "EnvironmentFile":
			p := strings.TrimPrefix(val, "-")
			data, err := h.read(p, maxFileBytes)
			if err != nil {
				continue // systemd fails the unit only without "-"; the command line says what ran
			}
			for _, l := range strings.Split(string(data), "\n") {
				l = strings.TrimSpace(l)
				if l == "" || l[0] == '#' {
					continue
				}
				l = strings.TrimPrefix(l, "export ")
				if k, v, ok := strings.Cut(l, "="); ok {
					u.env[strings.TrimSpace(k)] = unquote(strings.TrimSpace(v))
				}
			}
		}
	}
}

// args expands the unit's ExecStart the way systemd does: $VAR splits into words, ${VAR}
// stays one word.
func (u *unit) args() []string {
	cmd := strings.TrimLeft(u.execStart, "-@:+!")
	var out []string
	for _, w := range splitWords(cmd) {
		switch {
		case strings.HasPrefix(w, "${") && strings.HasSuffix(w, "}") && strings.Count(w, "$") == 1:
			if v := u.env[w[2:len(w)-1]]; v != "" {
				out = append(out, v)
			}
		case strings.HasPrefix(w, "$") && strings.Count(w, "$") == 1:
			out = append(out, strings.Fields(u.env[w[1:]])...)
		default:
			out = append(out, expandInline(w, u.env))
		}
	}
	return out
}

// expandInline replaces ${VAR} inside a word, once: substituted text is not scanned again.
func expandInline(w string, env map[string]string) string {
	var b strings.Builder
	for {
		i := strings.Index(w, "${")
		if i < 0 {
			b.WriteString(w)
			return b.String()
		}
		j := strings.IndexByte(w[i:], '}')
		if j < 0 {
			b.WriteString(w)
			return b.String()
		}
		b.WriteString(w[:i])
		b.WriteString(env[w[i+2:i+j]])
		w = w[i+j+1:]
	}
}

// splitWords splits a systemd value into words, honouring double and single quotes.
func splitWords(s string) []string {
	var out []string
	var b strings.Builder
	var quote byte
	in := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			b.WriteByte(c)
		case c == '"' || c == '\'':
			quote, in = c, true
		case c == ' ' || c == '\t':
			if in {
				out = append(out, b.String())
				b.Reset()
				in = false
			}
		default:
			b.WriteByte(c)
			in = true
		}
	}
	if in {
		out = append(out, b.String())
	}
	return out
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		return s[1 : len(s)-1]
	}
	return s
}
