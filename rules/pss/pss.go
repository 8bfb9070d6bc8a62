// Package pss runs every Pod Security Standards control through the upstream
// implementation (k8s.io/pod-security-admission/policy), one eksguard rule per upstream
// check, at the level and version the run selects (--pss-level, --pss-version).
package pss

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// control describes one upstream check in eksguard's terms.
type control struct {
	id          policy.CheckID
	name        string // control name in the Pod Security Standards
	ruleID      string
	podField    string // field below the pod spec the check reads, when pod level ("a|b": the one the detail names)
	ctrField    string // field below a container the check reads, when container level ("a|b": the first one set)
	remediation string
	severity    finding.Severity
}

// controls maps every upstream check to its rule. The meta-test fails when upstream adds a
// check this table lacks.
var controls = []control{
	{"privileged", "Privileged Containers", "pss/privileged", "", "securityContext.privileged",
		"securityContext:\n  privileged: false", finding.SeverityCritical},
	{"hostNamespaces", "Host Namespaces", "pss/host-namespaces", "hostNetwork|hostPID|hostIPC", "",
		"spec:\n  hostNetwork: false\n  hostPID: false\n  hostIPC: false", finding.SeverityHigh},
	{"hostPathVolumes", "HostPath Volumes", "pss/host-path-volumes", "volumes", "",
		"volumes:\n- name: data\n  emptyDir: {}   # instead of hostPath", finding.SeverityHigh},
	{"hostPorts", "Host Ports", "pss/host-ports", "", "ports",
		"ports:\n- containerPort: 8080   # no hostPort", finding.SeverityMedium},
	{"capabilities_baseline", "Capabilities", "pss/capabilities-baseline", "", "securityContext.capabilities.add",
		"securityContext:\n  capabilities:\n    add: [\"NET_BIND_SERVICE\"]   # only capabilities from the baseline list", finding.SeverityHigh},
	{"appArmorProfile", "AppArmor", "pss/apparmor", "securityContext.appArmorProfile", "securityContext.appArmorProfile",
		"securityContext:\n  appArmorProfile:\n    type: RuntimeDefault", finding.SeverityMedium},
	{"seLinuxOptions", "SELinux", "pss/selinux", "securityContext.seLinuxOptions", "securityContext.seLinuxOptions",
		"securityContext:\n  seLinuxOptions:\n    type: container_t   # no user or role, an allowed type", finding.SeverityMedium},
	{"procMount", "/proc Mount Type", "pss/proc-mount-baseline", "", "securityContext.procMount",
		"securityContext:\n  procMount: Default", finding.SeverityMedium},
	{"seccompProfile_baseline", "Seccomp", "pss/seccomp-baseline", "securityContext.seccompProfile", "securityContext.seccompProfile",
		"securityContext:\n  seccompProfile:\n    type: RuntimeDefault   # never Unconfined", finding.SeverityMedium},
	{"sysctls", "Sysctls", "pss/sysctls", "securityContext.sysctls", "",
		"securityContext:\n  sysctls: []   # only the namespaced, safe sysctls of the baseline list", finding.SeverityMedium},
	{"windowsHostProcess", "HostProcess", "pss/windows-host-process", "securityContext.windowsOptions.hostProcess", "securityContext.windowsOptions.hostProcess",
		"securityContext:\n  windowsOptions:\n    hostProcess: false", finding.SeverityHigh},
	{"hostProbesAndHostLifecycle", "Probes and Lifecycle Hooks", "pss/host-probes-and-lifecycle", "",
		"livenessProbe|readinessProbe|startupProbe|lifecycle.postStart|lifecycle.preStop",
		"livenessProbe:\n  httpGet:\n    path: /healthz\n    port: 8080   # no host field", finding.SeverityMedium},
	{"restrictedVolumes", "Volume Types", "pss/restricted-volumes", "volumes", "",
		"volumes:\n- name: data\n  persistentVolumeClaim:\n    claimName: data   # configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret only", finding.SeverityMedium},
	{"allowPrivilegeEscalation", "Privilege Escalation", "pss/allow-privilege-escalation", "", "securityContext.allowPrivilegeEscalation",
		"securityContext:\n  allowPrivilegeEscalation: false", finding.SeverityMedium},
	{"runAsNonRoot", "Running as Non-root", "pss/run-as-non-root", "securityContext.runAsNonRoot", "securityContext.runAsNonRoot",
		"securityContext:\n  runAsNonRoot: true", finding.SeverityMedium},
	{"runAsUser", "Running as Non-root user", "pss/run-as-user", "securityContext.runAsUser", "securityContext.runAsUser",
		"securityContext:\n  runAsUser: 10001   # never 0", finding.SeverityMedium},
	{"seccompProfile_restricted", "Seccomp", "pss/seccomp-restricted", "securityContext.seccompProfile", "securityContext.seccompProfile",
		"securityContext:\n  seccompProfile:\n    type: RuntimeDefault", finding.SeverityMedium},
	{"capabilities_restricted", "Capabilities", "pss/capabilities-restricted", "", "securityContext.capabilities",
		"securityContext:\n  capabilities:\n    drop: [\"ALL\"]\n    add: [\"NET_BIND_SERVICE\"]   # the only one allowed", finding.SeverityMedium},
	{"procMount_restricted", "/proc Mount Type", "pss/proc-mount-restricted", "", "securityContext.procMount",
		"securityContext:\n  procMount: Default", finding.SeverityMedium},
}

// Rules returns one rule per upstream Pod Security Standards check.
func Rules() []rule.Rule {
	checks := policy.DefaultChecks()
	byID := map[policy.CheckID]policy.Check{}
	for _, c := range checks {
		byID[c.ID] = c
	}
	var out []rule.Rule
	for _, ctl := range controls {
		c, ok := byID[ctl.id]
		if !ok {
			panic(fmt.Sprintf("pss: upstream has no check %q", ctl.id))
		}
		eval, err := policy.NewEvaluator([]policy.Check{c}, nil)
		if err != nil {
			panic(fmt.Sprintf("pss: check %s: %v", c.ID, err))
		}
		out = append(out, &pssRule{ctl: ctl, check: c, eval: eval, all: checks, meta: metaFor(ctl, c)})
	}
	return out
}

// UpstreamCheckIDs lists the upstream checks, for the meta-test.
func UpstreamCheckIDs() []string {
	var ids []string
	for _, c := range policy.DefaultChecks() {
		ids = append(ids, string(c.ID))
	}
	return ids
}

// CoveredCheckIDs lists the upstream checks eksguard has a rule for.
func CoveredCheckIDs() []string {
	var ids []string
	for _, c := range controls {
		ids = append(ids, string(c.id))
	}
	return ids
}

func metaFor(ctl control, c policy.Check) rule.Meta {
	level := string(c.Level)
	return rule.Meta{
		ID:    ctl.ruleID,
		Title: fmt.Sprintf("Pod Security Standards %s: %s", level, ctl.name),
		Description: fmt.Sprintf("The %q control of the Pod Security Standards %s level, evaluated by the upstream Pod Security "+
			"Admission code at the version the run selects (--pss-version, default latest), exactly as the API server would. "+
			"It runs when --pss-level is %s.", ctl.name, level, levelsFor(c.Level)),
		Remediation: "Change the pod spec so the control passes, for example:\n\n" + indent(ctl.remediation),
		Severity:    ctl.severity,
		Category:    "Pod Security Standards",
		Tags:        []string{"pss", "pss-" + level},
		Settings:    []string{"PSSLevel", "PSSVersion"},
		References: []ref.Ref{ref.PodSecurity(level, ctl.name),
			ref.Guide("pod-security", "Pod Security Standards (PSS) and Pod Security Admission (PSA)")},
		Extra: map[string]string{"pss-check": string(c.ID), "pss-level": level},
	}
}

func levelsFor(l api.Level) string {
	if l == api.LevelRestricted {
		return "restricted"
	}
	return "baseline or restricted (unless a restricted control replaces it at that version)"
}

func indent(s string) string { return "  " + strings.ReplaceAll(s, "\n", "\n  ") }

type pssRule struct {
	ctl   control
	check policy.Check
	eval  policy.Evaluator
	all   []policy.Check
	meta  rule.Meta
}

func (r *pssRule) Meta() *rule.Meta {
	r.meta.Target = target.KindWorkload
	return &r.meta
}

// ParseLevelVersion validates --pss-level and --pss-version.
func ParseLevelVersion(level, version string) (api.LevelVersion, error) {
	l, err := api.ParseLevel(level)
	if err != nil {
		return api.LevelVersion{}, fmt.Errorf("--pss-level %q: want privileged, baseline or restricted", level)
	}
	v, err := api.ParseVersion(version)
	if err != nil {
		return api.LevelVersion{}, fmt.Errorf("--pss-version %q: want latest or v1.N", version)
	}
	return api.LevelVersion{Level: l, Version: v}, nil
}

// versioned returns the revision of c in force at v, or false when c does not exist yet.
func versioned(c policy.Check, v api.Version) (policy.VersionedCheck, bool) {
	var got policy.VersionedCheck
	found := false
	for _, vc := range c.Versions {
		if !v.Older(vc.MinimumVersion) {
			got, found = vc, true
		}
	}
	return got, found
}

// overridden reports whether a restricted check replaces baseline check id at v.
func (r *pssRule) overridden(v api.Version) bool {
	for _, c := range r.all {
		if c.Level != api.LevelRestricted {
			continue
		}
		if vc, ok := versioned(c, v); ok {
			for _, o := range vc.OverrideCheckIDs {
				if o == r.check.ID {
					return true
				}
			}
		}
	}
	return false
}

var quoted = regexp.MustCompile(`"([^"]*)"`)

func (r *pssRule) Check(ctx context.Context, t target.Target) ([]finding.Finding, error) {
	w, ok := t.(*target.Workload)
	if !ok {
		return nil, rule.ErrNotApplicable
	}
	s := rule.SettingsFrom(ctx)
	lv, err := ParseLevelVersion(s.PSSLevel, s.PSSVersion)
	if err != nil {
		return nil, err
	}
	switch {
	case lv.Level == api.LevelPrivileged:
		return nil, rule.ErrNotApplicable
	case r.check.Level == api.LevelRestricted && lv.Level != api.LevelRestricted:
		return nil, rule.ErrNotApplicable
	case r.check.Level == api.LevelBaseline && lv.Level == api.LevelRestricted && r.overridden(lv.Version):
		return nil, rule.ErrNotApplicable
	}
	results := r.eval.EvaluatePod(api.LevelVersion{Level: r.check.Level, Version: lv.Version}, w.PodMeta, defaulted(w.Spec))
	if len(results) == 0 {
		return nil, rule.ErrNotApplicable // the check does not exist at this version
	}
	var out []finding.Finding
	for _, res := range results {
		if res.Allowed {
			continue
		}
		msg := fmt.Sprintf("violates PSS %s (%s): %s", lv.Level, lv.Version, res.ForbiddenReason)
		if res.ForbiddenDetail != "" {
			msg += " (" + res.ForbiddenDetail + ")"
		}
		f := r.meta.Fail(w, r.path(w, res.ForbiddenDetail), msg)
		f.Evidence = map[string]string{"pssCheck": string(r.check.ID), "pssLevel": string(lv.Level), "pssVersion": lv.Version.String()}
		out = append(out, f)
	}
	return out, nil
}

// defaulted returns the pod spec as the API server stores it, for the defaults a Pod
// Security check reads: a volume that names no source is an emptyDir (SetDefaults_Volume).
// Without this, the restricted volume check rejects "- name: scratch", which the API server
// admits. The workload's own spec is never changed.
func defaulted(spec *corev1.PodSpec) *corev1.PodSpec {
	var out *corev1.PodSpec
	for i := range spec.Volumes {
		if spec.Volumes[i].VolumeSource != (corev1.VolumeSource{}) {
			continue
		}
		if out == nil {
			out = spec.DeepCopy()
		}
		out.Volumes[i].EmptyDir = &corev1.EmptyDirVolumeSource{}
	}
	if out == nil {
		return spec
	}
	return out
}

// path points the finding at the first container the upstream detail names, or at the
// pod-level field the check reads.
func (r *pssRule) path(w *target.Workload, detail string) string {
	if r.ctl.ctrField != "" {
		names := map[string]bool{}
		for _, m := range quoted.FindAllStringSubmatch(detail, -1) {
			names[m[1]] = true
		}
		for _, c := range w.Containers() {
			if names[c.Name] {
				return c.Path + "." + containerField(c, r.ctl.ctrField)
			}
		}
	}
	if r.ctl.podField != "" {
		return w.Spath(podField(r.ctl.podField, detail))
	}
	return w.SpecPath
}

// podField picks, among alternatives "a|b|c", the first one the upstream detail names
// ("hostPID=true"), or the first alternative.
func podField(fields, detail string) string {
	alts := strings.Split(fields, "|")
	for _, f := range alts {
		if strings.Contains(detail, f+"=") {
			return f
		}
	}
	return alts[0]
}

// containerField picks, among alternatives "a|b|c", the first one the container sets, or
// the first alternative.
func containerField(c target.Container, fields string) string {
	alts := strings.Split(fields, "|")
	if len(alts) == 1 {
		return alts[0]
	}
	set := map[string]bool{
		"livenessProbe":       c.LivenessProbe != nil && probeHost(c.LivenessProbe.ProbeHandler),
		"readinessProbe":      c.ReadinessProbe != nil && probeHost(c.ReadinessProbe.ProbeHandler),
		"startupProbe":        c.StartupProbe != nil && probeHost(c.StartupProbe.ProbeHandler),
		"lifecycle.postStart": c.Lifecycle != nil && c.Lifecycle.PostStart != nil && handlerHost(*c.Lifecycle.PostStart),
		"lifecycle.preStop":   c.Lifecycle != nil && c.Lifecycle.PreStop != nil && handlerHost(*c.Lifecycle.PreStop),
	}
	for _, f := range alts {
		if set[f] {
			return f
		}
	}
	return alts[0]
}

func probeHost(h corev1.ProbeHandler) bool {
	return (h.HTTPGet != nil && h.HTTPGet.Host != "") || (h.TCPSocket != nil && h.TCPSocket.Host != "")
}

func handlerHost(h corev1.LifecycleHandler) bool {
	return (h.HTTPGet != nil && h.HTTPGet.Host != "") || (h.TCPSocket != nil && h.TCPSocket.Host != "")
}
