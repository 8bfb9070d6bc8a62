package admission

import (
	"fmt"
	"strings"
	"time"

	"github.com/eksguard/eksguard/internal/yamldocs"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// TLS sources for the serving certificate.
const (
	TLSSelfSigned  = "self-signed"  // a CA and certificate made by "eksguard webhook manifests"
	TLSCertManager = "cert-manager" // an Issuer and Certificate, caBundle injected by cert-manager
)

// ManifestOptions shape the install manifests.
type ManifestOptions struct {
	Name     string // name of every object (default eksguard-webhook)
	Image    string // the eksguard image
	Replicas int32  // default 3
	// FailurePolicy of the webhook for namespaces in enforce mode: Fail (default) or Ignore.
	FailurePolicy  admissionregistrationv1.FailurePolicyType
	TimeoutSeconds int32 // default 3
	TLS            string
	// CABundle, Cert and Key are the self-signed CA and serving certificate.
	CABundle, Cert, Key []byte
	// URL, when set, points the webhook configuration at a URL instead of the Service
	// (a webhook run outside the cluster, or tests on loopback); only the webhook
	// configurations are then useful.
	URL string
	// Config is the webhook config; ConfigText its file text, shipped in a ConfigMap.
	Config     *Config
	ConfigText []byte
}

func (o *ManifestOptions) complete() error {
	if o.Name == "" {
		o.Name = "eksguard-webhook"
	}
	if o.Replicas == 0 {
		o.Replicas = 3
	}
	if o.FailurePolicy == "" {
		o.FailurePolicy = admissionregistrationv1.Fail
	}
	if o.FailurePolicy != admissionregistrationv1.Fail && o.FailurePolicy != admissionregistrationv1.Ignore {
		return fmt.Errorf("failure policy %q: want Fail or Ignore", o.FailurePolicy)
	}
	if o.TimeoutSeconds == 0 {
		o.TimeoutSeconds = 3
	}
	if o.TimeoutSeconds < 1 || o.TimeoutSeconds > 30 {
		return fmt.Errorf("timeout %ds: the API server takes 1 to 30", o.TimeoutSeconds)
	}
	if o.Config == nil {
		o.Config = DefaultConfig()
	}
	if o.Config.Timeout.Duration >= secondsDuration(o.TimeoutSeconds) {
		return fmt.Errorf("the config's evaluation timeout %v is not below the webhook's timeoutSeconds %d: the API server would give up first", o.Config.Timeout.Duration, o.TimeoutSeconds)
	}
	switch o.TLS {
	case TLSSelfSigned:
		if o.URL == "" && (len(o.Cert) == 0 || len(o.Key) == 0) {
			return fmt.Errorf("self-signed TLS needs a certificate and key")
		}
	case TLSCertManager:
	default:
		return fmt.Errorf("tls %q: want %s or %s", o.TLS, TLSSelfSigned, TLSCertManager)
	}
	return nil
}

// Namespace is where the manifests install the webhook: the config's own namespace.
func (o *ManifestOptions) Namespace() string { return o.Config.OwnNamespace }

// ServiceHost is the DNS name the API server calls.
func (o *ManifestOptions) ServiceHost() string { return o.Name + "." + o.Namespace() + ".svc" }

// webhookRules are the kinds the validating webhook sees: Pods (and their ephemeral
// containers) and every kind with a pod template.
func webhookRules() []admissionregistrationv1.RuleWithOperations {
	scope := admissionregistrationv1.NamespacedScope
	ops := []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update}
	mk := func(group string, resources ...string) admissionregistrationv1.RuleWithOperations {
		return admissionregistrationv1.RuleWithOperations{Operations: ops, Rule: admissionregistrationv1.Rule{
			APIGroups: []string{group}, APIVersions: []string{"v1"}, Resources: resources, Scope: &scope,
		}}
	}
	return []admissionregistrationv1.RuleWithOperations{
		mk("", "pods", "pods/ephemeralcontainers", "podtemplates", "replicationcontrollers"),
		mk("apps", "deployments", "statefulsets", "daemonsets", "replicasets"),
		mk("batch", "jobs", "cronjobs"),
	}
}

// excludedCEL is the matchCondition that skips excluded namespaces before the API server
// makes a call.
func excludedCEL(excluded []string) string {
	q := make([]string, len(excluded))
	for i, ns := range excluded {
		q[i] = "'" + ns + "'"
	}
	return "!(request.namespace in [" + strings.Join(q, ", ") + "])"
}

func (o *ManifestOptions) clientConfig(path string) admissionregistrationv1.WebhookClientConfig {
	cc := admissionregistrationv1.WebhookClientConfig{CABundle: o.CABundle}
	if o.URL != "" {
		u := strings.TrimSuffix(o.URL, "/") + path
		cc.URL = &u
		return cc
	}
	port := int32(443)
	cc.Service = &admissionregistrationv1.ServiceReference{Namespace: o.Namespace(), Name: o.Name, Path: &path, Port: &port}
	return cc
}

// ValidatingWebhookConfiguration routes namespaces to the validating endpoint. Namespaces
// without the eksguard.io/mode label go to /validate; when the config lets labels change
// modes, each labelled value has its own entry routing to /validate/<mode>, so the webhook
// learns the label without reading namespaces; a label with any other value goes to
// /validate. Entries that can only warn or audit fail
// open (they never deny, so failing closed would deny what they would admit).
func (o *ManifestOptions) ValidatingWebhookConfiguration() (*admissionregistrationv1.ValidatingWebhookConfiguration, error) {
	if err := o.complete(); err != nil {
		return nil, err
	}
	excluded := o.Config.Excluded()
	none := admissionregistrationv1.SideEffectClassNone
	equivalent := admissionregistrationv1.Equivalent
	timeout := o.TimeoutSeconds
	notExcluded := metav1.LabelSelectorRequirement{Key: corev1.LabelMetadataName, Operator: metav1.LabelSelectorOpNotIn, Values: excluded}
	entry := func(name, path string, sel []metav1.LabelSelectorRequirement, fp admissionregistrationv1.FailurePolicyType) admissionregistrationv1.ValidatingWebhook {
		fp2 := fp
		return admissionregistrationv1.ValidatingWebhook{
			Name:                    name,
			ClientConfig:            o.clientConfig(path),
			Rules:                   webhookRules(),
			FailurePolicy:           &fp2,
			MatchPolicy:             &equivalent,
			NamespaceSelector:       &metav1.LabelSelector{MatchExpressions: append([]metav1.LabelSelectorRequirement{notExcluded}, sel...)},
			ObjectSelector:          &metav1.LabelSelector{},
			SideEffects:             &none,
			TimeoutSeconds:          &timeout,
			AdmissionReviewVersions: []string{"v1"},
			MatchConditions: []admissionregistrationv1.MatchCondition{
				{Name: "not-excluded-namespace", Expression: excludedCEL(excluded)},
			},
		}
	}
	policyFor := func(m Mode) admissionregistrationv1.FailurePolicyType {
		if m == ModeEnforce {
			return o.FailurePolicy
		}
		return admissionregistrationv1.Ignore
	}
	var hooks []admissionregistrationv1.ValidatingWebhook
	labels := o.Config.LabelOverrides != OverrideNone
	var defSel []metav1.LabelSelectorRequirement
	if labels {
		// NotIn also selects namespaces without the label, and those whose label names no
		// mode: a made-up value must not skip the webhook.
		defSel = []metav1.LabelSelectorRequirement{{Key: ModeLabel, Operator: metav1.LabelSelectorOpNotIn, Values: []string{string(ModeEnforce), string(ModeWarn), string(ModeAudit)}}}
	}
	// The default entry fails as configured if any namespace can be in enforce mode.
	defPolicy := policyFor(o.Config.DefaultMode)
	for _, m := range o.Config.Namespaces {
		if m == ModeEnforce {
			defPolicy = o.FailurePolicy
		}
	}
	hooks = append(hooks, entry("validate.eksguard.io", "/validate", defSel, defPolicy))
	if labels {
		for _, m := range []Mode{ModeEnforce, ModeWarn, ModeAudit} {
			sel := []metav1.LabelSelectorRequirement{{Key: ModeLabel, Operator: metav1.LabelSelectorOpIn, Values: []string{string(m)}}}
			fp := o.FailurePolicy // a label may be ignored by the config: the mode may still be enforce
			if o.Config.LabelOverrides == OverrideAny && m != ModeEnforce {
				fp = admissionregistrationv1.Ignore
			}
			hooks = append(hooks, entry(string(m)+".validate.eksguard.io", "/validate/"+string(m), sel, fp))
		}
	}
	v := &admissionregistrationv1.ValidatingWebhookConfiguration{
		TypeMeta:   metav1.TypeMeta{APIVersion: "admissionregistration.k8s.io/v1", Kind: "ValidatingWebhookConfiguration"},
		ObjectMeta: metav1.ObjectMeta{Name: o.Name, Labels: o.labels(), Annotations: o.caAnnotations()},
		Webhooks:   hooks,
	}
	return v, nil
}

// MutatingWebhookConfiguration calls /mutate on Pods being created. It always fails open:
// defaults are a convenience, and the validating webhook still judges the pod.
func (o *ManifestOptions) MutatingWebhookConfiguration() (*admissionregistrationv1.MutatingWebhookConfiguration, error) {
	if err := o.complete(); err != nil {
		return nil, err
	}
	excluded := o.Config.Excluded()
	none := admissionregistrationv1.SideEffectClassNone
	equivalent := admissionregistrationv1.Equivalent
	ignore := admissionregistrationv1.Ignore
	never := admissionregistrationv1.NeverReinvocationPolicy
	timeout := o.TimeoutSeconds
	scope := admissionregistrationv1.NamespacedScope
	return &admissionregistrationv1.MutatingWebhookConfiguration{
		TypeMeta:   metav1.TypeMeta{APIVersion: "admissionregistration.k8s.io/v1", Kind: "MutatingWebhookConfiguration"},
		ObjectMeta: metav1.ObjectMeta{Name: o.Name, Labels: o.labels(), Annotations: o.caAnnotations()},
		Webhooks: []admissionregistrationv1.MutatingWebhook{{
			Name:         "mutate.eksguard.io",
			ClientConfig: o.clientConfig("/mutate"),
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
				Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}, Scope: &scope},
			}},
			FailurePolicy:           &ignore,
			MatchPolicy:             &equivalent,
			NamespaceSelector:       &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: corev1.LabelMetadataName, Operator: metav1.LabelSelectorOpNotIn, Values: excluded}}},
			ObjectSelector:          &metav1.LabelSelector{},
			SideEffects:             &none,
			TimeoutSeconds:          &timeout,
			ReinvocationPolicy:      &never,
			AdmissionReviewVersions: []string{"v1"},
			MatchConditions: []admissionregistrationv1.MatchCondition{
				{Name: "not-excluded-namespace", Expression: excludedCEL(excluded)},
			},
		}},
	}, nil
}

func (o *ManifestOptions) labels() map[string]string {
	return map[string]string{"app.kubernetes.io/name": o.Name, "app.kubernetes.io/part-of": "eksguard"}
}

func (o *ManifestOptions) caAnnotations() map[string]string {
	if o.TLS == TLSCertManager {
		return map[string]string{"cert-manager.io/inject-ca-from": o.Namespace() + "/" + o.Name}
	}
	return nil
}

// Manifests renders every object of the install as multi-document YAML: Namespace,
// ServiceAccount (no API rights: the webhook reads nothing from the API), ConfigMap,
// TLS (Secret, or cert-manager Issuer and Certificate), Deployment, PodDisruptionBudget,
// NetworkPolicies, Service and the webhook configurations (the mutating one only when the config opts into
// a default).
func (o *ManifestOptions) Manifests() ([]byte, error) {
	if err := o.complete(); err != nil {
		return nil, err
	}
	if o.Image == "" {
		return nil, fmt.Errorf("an image is required")
	}
	ns, name := o.Namespace(), o.Name
	meta := func(n string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: n, Namespace: ns, Labels: o.labels()}
	}
	sel := map[string]string{"app.kubernetes.io/name": name}
	f := false
	t := true
	uid := int64(65532)
	var objs []any
	objs = append(objs, &corev1.Namespace{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{"pod-security.kubernetes.io/enforce": "restricted"}},
	})
	objs = append(objs, &corev1.ServiceAccount{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"}, ObjectMeta: meta(name),
		AutomountServiceAccountToken: &f,
	})
	cfgText := o.ConfigText
	if len(cfgText) == 0 {
		cfgText = []byte("# eksguard webhook config: see docs/admission.md\ndefaultMode: enforce\n")
	}
	objs = append(objs, &corev1.ConfigMap{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, ObjectMeta: meta(name + "-config"),
		Data: map[string]string{"webhook.yaml": string(cfgText)},
	})
	secret := name + "-tls"
	switch o.TLS {
	case TLSSelfSigned:
		objs = append(objs, &corev1.Secret{
			TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"}, ObjectMeta: meta(secret),
			Type: corev1.SecretTypeTLS,
			Data: map[string][]byte{corev1.TLSCertKey: o.Cert, corev1.TLSPrivateKeyKey: o.Key, "ca.crt": o.CABundle},
		})
	case TLSCertManager:
		objs = append(objs, certManagerObjects(ns, name, secret, o.ServiceHost(), o.labels())...)
	}
	args := []string{"webhook", "serve", "--config=/etc/eksguard/config/webhook.yaml", "--addr=:8443", "--probe-addr=:8080",
		"--tls-cert-file=/etc/eksguard/tls/tls.crt", "--tls-key-file=/etc/eksguard/tls/tls.key"}
	probe := func(path string) *corev1.Probe {
		return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromString("probes")}}, PeriodSeconds: 10}
	}
	res := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("256Mi")}
	req := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi")}
	replicas := o.Replicas
	objs = append(objs, &appsv1.Deployment{
		TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}, ObjectMeta: meta(name),
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: sel},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{
				MaxUnavailable: ptrIntStr(intstr.FromInt32(0)), MaxSurge: ptrIntStr(intstr.FromInt32(1)),
			}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: o.labels()},
				Spec: corev1.PodSpec{
					ServiceAccountName:           name,
					AutomountServiceAccountToken: &f,
					PriorityClassName:            "system-cluster-critical",
					SecurityContext: &corev1.PodSecurityContext{
						RunAsNonRoot: &t, RunAsUser: &uid, RunAsGroup: &uid,
						SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
					},
					Affinity: &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
						RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
							LabelSelector: &metav1.LabelSelector{MatchLabels: sel}, TopologyKey: corev1.LabelHostname,
						}},
						PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{Weight: 100, PodAffinityTerm: corev1.PodAffinityTerm{
							LabelSelector: &metav1.LabelSelector{MatchLabels: sel}, TopologyKey: corev1.LabelTopologyZone,
						}}},
					}},
					Containers: []corev1.Container{{
						Name: "webhook", Image: o.Image, Args: args,
						Ports: []corev1.ContainerPort{{Name: "https", ContainerPort: 8443}, {Name: "probes", ContainerPort: 8080}},
						SecurityContext: &corev1.SecurityContext{
							AllowPrivilegeEscalation: &f, Privileged: &f, ReadOnlyRootFilesystem: &t, RunAsNonRoot: &t,
							Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
						},
						Resources:      corev1.ResourceRequirements{Limits: res, Requests: req},
						ReadinessProbe: probe("/readyz"),
						LivenessProbe:  probe("/healthz"),
						VolumeMounts: []corev1.VolumeMount{
							{Name: "config", MountPath: "/etc/eksguard/config", ReadOnly: true},
							{Name: "tls", MountPath: "/etc/eksguard/tls", ReadOnly: true},
						},
					}},
					Volumes: []corev1.Volume{
						{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: name + "-config"}}}},
						{Name: "tls", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: secret}}},
					},
				},
			},
		},
	})
	minAvail := intstr.FromInt32(max(1, o.Replicas-1))
	objs = append(objs, &policyv1.PodDisruptionBudget{
		TypeMeta: metav1.TypeMeta{APIVersion: "policy/v1", Kind: "PodDisruptionBudget"}, ObjectMeta: meta(name),
		Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: &minAvail, Selector: &metav1.LabelSelector{MatchLabels: sel}},
	})
	// Nothing but the API server (and probes, metrics scrapes) needs to reach the webhook,
	// and it reaches nothing: it reads no API and no registry. Ingress is denied by default
	// in the namespace; egress is denied for the webhook's pods only (a scanner Job in the
	// same namespace needs the API server).
	tcp := corev1.ProtocolTCP
	objs = append(objs, &networkingv1.NetworkPolicy{
		TypeMeta: metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"}, ObjectMeta: meta(name + "-default-deny-ingress"),
		Spec: networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{}, PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}},
	}, &networkingv1.NetworkPolicy{
		TypeMeta: metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"}, ObjectMeta: meta(name),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: sel},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{Ports: []networkingv1.NetworkPolicyPort{
				{Protocol: &tcp, Port: ptrIntStr(intstr.FromInt32(8443))}, {Protocol: &tcp, Port: ptrIntStr(intstr.FromInt32(8080))},
			}}},
		},
	})
	objs = append(objs, &corev1.Service{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Service"}, ObjectMeta: meta(name),
		Spec: corev1.ServiceSpec{Selector: sel, Ports: []corev1.ServicePort{{Name: "https", Port: 443, TargetPort: intstr.FromString("https")}}},
	})
	vwc, err := o.ValidatingWebhookConfiguration()
	if err != nil {
		return nil, err
	}
	objs = append(objs, vwc)
	if o.Config.Mutate.Enabled() {
		mwc, err := o.MutatingWebhookConfiguration()
		if err != nil {
			return nil, err
		}
		objs = append(objs, mwc)
	}
	return yamldocs.Marshal(objs)
}

func certManagerObjects(ns, name, secret, host string, labels map[string]string) []any {
	issuer := map[string]any{
		"apiVersion": "cert-manager.io/v1", "kind": "Issuer",
		"metadata": map[string]any{"name": name + "-selfsigned", "namespace": ns, "labels": labels},
		"spec":     map[string]any{"selfSigned": map[string]any{}},
	}
	cert := map[string]any{
		"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
		"metadata": map[string]any{"name": name, "namespace": ns, "labels": labels},
		"spec": map[string]any{
			"secretName":  secret,
			"dnsNames":    []string{host, host[:strings.LastIndex(host, ".svc")]},
			"duration":    "2160h", // 90 days, renewed by cert-manager 30 days before
			"renewBefore": "720h",
			"privateKey":  map[string]any{"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
			"issuerRef":   map[string]any{"name": name + "-selfsigned", "kind": "Issuer"},
		},
	}
	return []any{issuer, cert}
}

func ptrIntStr(v intstr.IntOrString) *intstr.IntOrString { return &v }

func secondsDuration(s int32) time.Duration { return time.Duration(s) * time.Second }
