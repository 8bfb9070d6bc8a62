// Package node holds the worker node checks: CIS Amazon EKS Benchmark v1.8.0 section 3
// (kubelet files and settings, with kubelet's own precedence: command-line flags over the
// config file and its drop-ins over the defaults) and the node OS checks of the EKS Best
// Practices Guide. A check whose input is missing or unreadable is unknown, never a pass.
package node

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// nodeRule adapts a check over a node into a Rule.
type nodeRule struct {
	M  rule.Meta
	Fn func(m *rule.Meta, n *target.Node) []finding.Finding
}

func (r *nodeRule) Meta() *rule.Meta { r.M.Target = target.KindNode; return &r.M }

func (r *nodeRule) Check(_ context.Context, t target.Target) ([]finding.Finding, error) {
	n, ok := t.(*target.Node)
	if !ok {
		return nil, rule.ErrNotApplicable
	}
	return r.Fn(r.Meta(), n), nil
}

var hardeningGuide = ref.Guide("protecting-the-infrastructure", "Use an OS optimized for running containers")

// setting is the effective value of one kubelet setting.
type setting struct {
	value  string
	set    bool   // given on the command line or in the config file (else a default)
	source string // where the value comes from
	at     string // location: "file#field" or the command-line source
}

// kubeletSetting says how to find one setting: its flag, its config field, and its
// defaults when the config file is in use (KubeletConfiguration v1beta1) and when it is not
// (the flag's default). gate names a feature gate instead of a flag.
type kubeletSetting struct {
	flag, field, gate         string
	configDefault, flagDflt   string
	hasConfigDflt, hasFlagDef bool
}

// effective resolves a setting with kubelet's precedence; a non-empty reason means unknown.
func (s kubeletSetting) effective(n *target.Node) (setting, string) {
	k := &n.Kubelet
	if s.gate != "" {
		if v, ok := k.FeatureGates[s.gate]; ok {
			return setting{value: strings.ToLower(v), set: true, source: "--feature-gates on the command line (" + k.Source + ")", at: k.Source}, ""
		}
	} else if v, ok := k.Flags[s.flag]; ok {
		return setting{value: v, set: true, source: "--" + s.flag + " on the command line (" + k.Source + ")", at: k.Source}, ""
	}
	// A kubelet whose command line is known uses a config file only with --config; with an
	// unknown command line, the file found at a known path is assumed to be in use.
	configInUse := !k.Found() || k.Flags["config"] != ""
	if configInUse {
		if !k.ConfigLoaded() {
			why := k.ConfigErr
			if !k.Found() {
				why = "no kubelet command line found (" + k.SearchNote + ") and " + why
			}
			return setting{}, why
		}
		file := k.ConfigFile.Path
		if len(k.DropIns) > 0 {
			file += " (with drop-ins " + strings.Join(k.DropIns, ", ") + ")"
		}
		if v, ok := k.ConfigValue(s.field); ok {
			return setting{value: jsonString(v), set: true, source: s.field + " in " + file, at: k.ConfigFile.Path + "#" + s.field}, ""
		}
		if s.hasConfigDflt {
			return setting{value: s.configDefault, source: "kubelet config default (" + s.field + " not set in " + file + ")", at: k.ConfigFile.Path + "#" + s.field}, ""
		}
		return setting{source: s.field + " not set in " + file, at: k.ConfigFile.Path + "#" + s.field}, ""
	}
	if s.hasFlagDef {
		return setting{value: s.flagDflt, source: "kubelet flag default (no --" + s.flag + " and no --config on " + k.Source + ")", at: k.Source}, ""
	}
	return setting{source: "no --" + s.flag + " and no --config on " + k.Source, at: k.Source}, ""
}

func jsonString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []any:
		var parts []string
		for _, e := range x {
			parts = append(parts, jsonString(e))
		}
		return strings.Join(parts, ",")
	}
	return fmt.Sprint(v)
}

// settingRule is the family of CIS 3.2 checks: resolve one setting, then judge it.
func settingRule(m rule.Meta, s kubeletSetting, judge func(st setting) (ok bool, why string)) rule.Rule {
	return &nodeRule{M: m, Fn: func(m *rule.Meta, n *target.Node) []finding.Finding {
		st, unknown := s.effective(n)
		if unknown != "" {
			return []finding.Finding{m.Unknown(n, "", unknown)}
		}
		ok, why := judge(st)
		if ok {
			return nil
		}
		f := m.Fail(n, st.at, why+" (from "+st.source+")")
		f.Evidence = map[string]string{"value": st.value, "source": st.source}
		return []finding.Finding{f}
	}}
}

func isFalse(v string) bool { return strings.EqualFold(strings.TrimSpace(v), "false") }
func isTrue(v string) bool  { return strings.EqualFold(strings.TrimSpace(v), "true") }

func restart(snippet string) string {
	return snippet + "\n\nThen restart the kubelet: systemctl daemon-reload && systemctl restart kubelet"
}

// AnonymousAuth is CIS 3.2.1.
func AnonymousAuth() rule.Rule {
	return settingRule(rule.Meta{
		ID:          "node/kubelet-anonymous-auth",
		Title:       "Kubelet allows anonymous requests",
		Description: "With anonymous authentication on, requests to the kubelet API (port 10250) that carry no credentials are served as system:anonymous. The flag default is true; KubeletConfiguration defaults it to false.",
		Remediation: restart("Set anonymous authentication off in the kubelet config file, and do not pass --anonymous-auth=true.\n\n" +
			`"authentication": {"anonymous": {"enabled": false}}`),
		Severity: finding.SeverityHigh, Category: "Node", Tags: []string{"cis", "kubelet"},
		References: []ref.Ref{ref.CIS("3.2.1"), ref.Guide("protecting-the-infrastructure", "Minimize access to worker nodes")},
	}, kubeletSetting{flag: "anonymous-auth", field: "authentication.anonymous.enabled",
		configDefault: "false", hasConfigDflt: true, flagDflt: "true", hasFlagDef: true},
		func(st setting) (bool, string) {
			if isFalse(st.value) {
				return true, ""
			}
			return false, "anonymous authentication is " + orUnset(st.value)
		})
}

// AuthorizationMode is CIS 3.2.2.
func AuthorizationMode() rule.Rule {
	return settingRule(rule.Meta{
		ID:          "node/kubelet-authorization-mode",
		Title:       "Kubelet authorizes every request (AlwaysAllow)",
		Description: "With authorization mode AlwaysAllow the kubelet API serves any authenticated (or anonymous) caller: exec into pods, read logs and secrets mounted in pods. The flag default is AlwaysAllow; KubeletConfiguration defaults it to Webhook.",
		Remediation: restart("Use Webhook authorization (and webhook authentication) in the kubelet config file.\n\n" +
			`"authentication": {"webhook": {"enabled": true}}, "authorization": {"mode": "Webhook"}`),
		Severity: finding.SeverityHigh, Category: "Node", Tags: []string{"cis", "kubelet"},
		References: []ref.Ref{ref.CIS("3.2.2")},
	}, kubeletSetting{flag: "authorization-mode", field: "authorization.mode",
		configDefault: "Webhook", hasConfigDflt: true, flagDflt: "AlwaysAllow", hasFlagDef: true},
		func(st setting) (bool, string) {
			if st.value == "" {
				return false, "authorization mode is not set"
			}
			for _, m := range strings.Split(st.value, ",") {
				if strings.TrimSpace(m) == "AlwaysAllow" {
					return false, "authorization mode is " + st.value
				}
			}
			return true, ""
		})
}

// ClientCA is CIS 3.2.3.
func ClientCA() rule.Rule {
	return settingRule(rule.Meta{
		ID:          "node/kubelet-client-ca",
		Title:       "Kubelet has no client CA file",
		Description: "Without a client CA file the kubelet cannot authenticate clients by certificate, so the API server's own calls to the kubelet are not verified.",
		Remediation: restart("Name the cluster CA in the kubelet config file.\n\n" +
			`"authentication": {"x509": {"clientCAFile": "/etc/kubernetes/pki/ca.crt"}}`),
		Severity: finding.SeverityHigh, Category: "Node", Tags: []string{"cis", "kubelet"},
		References: []ref.Ref{ref.CIS("3.2.3")},
	}, kubeletSetting{flag: "client-ca-file", field: "authentication.x509.clientCAFile"},
		func(st setting) (bool, string) {
			if strings.TrimSpace(st.value) != "" {
				return true, ""
			}
			return false, "no client CA file is configured"
		})
}

// ReadOnlyPort is CIS 3.2.4.
func ReadOnlyPort() rule.Rule {
	return settingRule(rule.Meta{
		ID:          "node/kubelet-read-only-port",
		Title:       "Kubelet serves the unauthenticated read-only port",
		Description: "The read-only port (10255 by flag default) serves pod specs and metrics with no authentication or authorization. KubeletConfiguration defaults it to 0 (off).",
		Remediation: restart("Turn the read-only port off in the kubelet config file, and do not pass --read-only-port.\n\n" +
			`"readOnlyPort": 0`),
		Severity: finding.SeverityMedium, Category: "Node", Tags: []string{"cis", "kubelet"},
		References: []ref.Ref{ref.CIS("3.2.4")},
	}, kubeletSetting{flag: "read-only-port", field: "readOnlyPort",
		configDefault: "0", hasConfigDflt: true, flagDflt: "10255", hasFlagDef: true},
		func(st setting) (bool, string) {
			if strings.TrimSpace(st.value) == "0" {
				return true, ""
			}
			return false, "the read-only port is " + orUnset(st.value)
		})
}

// StreamingIdleTimeout is CIS 3.2.5.
func StreamingIdleTimeout() rule.Rule {
	return settingRule(rule.Meta{
		ID:          "node/kubelet-streaming-idle-timeout",
		Title:       "Kubelet streaming connections never time out",
		Description: "A streaming connection idle timeout of 0 keeps exec, attach and port-forward sessions open forever, exhausting the node and leaving sessions behind.",
		Remediation: restart("Set a non-zero timeout in the kubelet config file (the default is 4h).\n\n" +
			`"streamingConnectionIdleTimeout": "4h0m0s"`),
		Severity: finding.SeverityLow, Category: "Node", Tags: []string{"cis", "kubelet"},
		References: []ref.Ref{ref.CIS("3.2.5")},
	}, kubeletSetting{flag: "streaming-connection-idle-timeout", field: "streamingConnectionIdleTimeout",
		configDefault: "4h0m0s", hasConfigDflt: true, flagDflt: "4h0m0s", hasFlagDef: true},
		func(st setting) (bool, string) {
			v := strings.TrimSpace(st.value)
			d, err := time.ParseDuration(v)
			if err != nil {
				return false, fmt.Sprintf("the streaming connection idle timeout %q is not a duration", v)
			}
			if d == 0 {
				return false, "the streaming connection idle timeout is 0 (never)"
			}
			return true, ""
		})
}

// IPTablesUtilChains is CIS 3.2.6.
func IPTablesUtilChains() rule.Rule {
	return settingRule(rule.Meta{
		ID:          "node/kubelet-iptables-util-chains",
		Title:       "Kubelet does not manage its iptables chains",
		Description: "With make-iptables-util-chains off, the kubelet does not keep the iptables utility chains that network rules rely on, so they can drift from what pods need.",
		Remediation: restart("Leave the setting at its default (true), in the config file and on the command line.\n\n" +
			`"makeIPTablesUtilChains": true`),
		Severity: finding.SeverityLow, Category: "Node", Tags: []string{"cis", "kubelet"},
		References: []ref.Ref{ref.CIS("3.2.6")},
	}, kubeletSetting{flag: "make-iptables-util-chains", field: "makeIPTablesUtilChains",
		configDefault: "true", hasConfigDflt: true, flagDflt: "true", hasFlagDef: true},
		func(st setting) (bool, string) {
			if isTrue(st.value) {
				return true, ""
			}
			return false, "make-iptables-util-chains is " + orUnset(st.value)
		})
}

// EventQPS is CIS 3.2.7.
func EventQPS() rule.Rule {
	return settingRule(rule.Meta{
		ID:          "node/kubelet-event-qps",
		Title:       "Kubelet event rate limit is invalid",
		Description: "The event record QPS must be 0 (no limit) or a positive rate that keeps events; a negative value is rejected upstream and signals a broken configuration.",
		Remediation: restart("Set eventRecordQPS to 0 or a positive rate in the kubelet config file.\n\n" +
			`"eventRecordQPS": 50`),
		Severity: finding.SeverityLow, Category: "Node", Tags: []string{"cis", "kubelet"},
		References: []ref.Ref{ref.CIS("3.2.7")},
	}, kubeletSetting{flag: "event-qps", field: "eventRecordQPS",
		configDefault: "50", hasConfigDflt: true, flagDflt: "50", hasFlagDef: true},
		func(st setting) (bool, string) {
			q, err := strconv.ParseFloat(strings.TrimSpace(st.value), 64)
			if err != nil {
				return false, fmt.Sprintf("event QPS %q is not a number", st.value)
			}
			if q < 0 {
				return false, "event QPS is " + st.value
			}
			return true, ""
		})
}

// RotateCertificates is CIS 3.2.8.
func RotateCertificates() rule.Rule {
	return settingRule(rule.Meta{
		ID:          "node/kubelet-rotate-certificates",
		Title:       "Kubelet client certificate rotation is off",
		Description: "With rotate-certificates set to false the kubelet keeps its client certificate until it expires; CIS asks that the setting be absent or true.",
		Remediation: restart("Remove --rotate-certificates=false and set the field to true in the kubelet config file.\n\n" +
			`"rotateCertificates": true`),
		Severity: finding.SeverityMedium, Category: "Node", Tags: []string{"cis", "kubelet"},
		References: []ref.Ref{ref.CIS("3.2.8")},
	}, kubeletSetting{flag: "rotate-certificates", field: "rotateCertificates"},
		func(st setting) (bool, string) {
			if !st.set || isTrue(st.value) {
				return true, ""
			}
			return false, "rotate-certificates is " + st.value
		})
}

// RotateServerCertificate is CIS 3.2.9.
func RotateServerCertificate() rule.Rule {
	return settingRule(rule.Meta{
		ID:          "node/kubelet-rotate-server-certificate",
		Title:       "Kubelet server certificate rotation is turned off",
		Description: "The RotateKubeletServerCertificate feature gate lets the kubelet request and renew its serving certificate; it has defaulted to true since Kubernetes 1.12, so only an explicit false turns it off.",
		Remediation: restart("Remove RotateKubeletServerCertificate=false from --feature-gates and set it in the kubelet config file.\n\n" +
			`"featureGates": {"RotateKubeletServerCertificate": true}, "serverTLSBootstrap": true`),
		Severity: finding.SeverityMedium, Category: "Node", Tags: []string{"cis", "kubelet"},
		References: []ref.Ref{ref.CIS("3.2.9")},
	}, kubeletSetting{gate: "RotateKubeletServerCertificate", flag: "feature-gates", field: "featureGates.RotateKubeletServerCertificate",
		configDefault: "true", hasConfigDflt: true, flagDflt: "true", hasFlagDef: true},
		func(st setting) (bool, string) {
			if isTrue(st.value) {
				return true, ""
			}
			return false, "the RotateKubeletServerCertificate feature gate is " + orUnset(st.value)
		})
}

func orUnset(v string) string {
	if strings.TrimSpace(v) == "" {
		return "not set"
	}
	return v
}
