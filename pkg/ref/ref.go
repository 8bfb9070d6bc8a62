// Package ref holds typed references from rules to the documents they enforce: the CIS
// Amazon EKS Benchmark, the EKS Best Practices Guide, the Pod Security Standards, CWE and
// plain URLs. It depends on the standard library only.
package ref

import (
	"fmt"
	"regexp"
	"strings"
)

// Kind names a reference document.
type Kind string

// Reference kinds.
const (
	CISEKS Kind = "cis-eks" // CIS Amazon EKS Benchmark v1.8.0 control, e.g. 4.2.1
	// CISDockerKind is a CIS Docker Benchmark section 4 (container images and build
	// file) recommendation, e.g. 4.1.
	CISDockerKind Kind = "cis-docker"
	EKSBP         Kind = "eks-bp" // EKS Best Practices Guide, security section anchor
	PSS           Kind = "pss"    // Pod Security Standards control
	CWE           Kind = "cwe"    // Common Weakness Enumeration
	URL           Kind = "url"    // any other document
)

// CISEKSVersion is the benchmark version every CISEKS reference points into.
const CISEKSVersion = "1.8.0"

// Ref is one reference.
type Ref struct {
	Kind Kind   `json:"kind"`
	ID   string `json:"id"`
	// Title is optional human text; URL is derived when empty.
	Title string `json:"title,omitempty"`
}

// CIS references a CIS Amazon EKS Benchmark v1.8.0 control.
func CIS(id string) Ref { return Ref{Kind: CISEKS, ID: id, Title: cisTitles[id]} }

// CISDocker references a recommendation of section 4 (Container Images and Build File)
// of the CIS Docker Benchmark.
func CISDocker(id string) Ref { return Ref{Kind: CISDockerKind, ID: id, Title: cisDockerTitles[id]} }

// cisDockerTitles: CIS Docker Benchmark section 4 recommendation titles (facts from the
// benchmark; the section has kept these numbers since v1.2).
var cisDockerTitles = map[string]string{
	"4.1":  "Ensure that a user for the container has been created",
	"4.2":  "Ensure that containers use only trusted base images",
	"4.3":  "Ensure that unnecessary packages are not installed in the container",
	"4.4":  "Ensure images are scanned and rebuilt to include security patches",
	"4.5":  "Ensure Content trust for Docker is Enabled",
	"4.6":  "Ensure that HEALTHCHECK instructions have been added to container images",
	"4.7":  "Ensure update instructions are not used alone in the Dockerfile",
	"4.8":  "Ensure setuid and setgid permissions are removed",
	"4.9":  "Ensure that COPY is used instead of ADD in Dockerfiles",
	"4.10": "Ensure secrets are not stored in Dockerfiles",
	"4.11": "Ensure only verified packages are installed",
}

// Guide references a section of a security page of the EKS Best Practices Guide: the page
// (its file name, e.g. "pod-security") and the section's title.
func Guide(page, section string) Ref { return Ref{Kind: EKSBP, ID: page, Title: section} }

// guidePages are the security pages of the EKS Best Practices Guide.
var guidePages = map[string]string{
	"identity-and-access-management":         "Identity and Access Management",
	"pod-security":                           "Pod Security",
	"runtime-security":                       "Runtime Security",
	"network-security":                       "Network Security",
	"data-encryption-and-secrets-management": "Data encryption and secrets management",
	"image-security":                         "Image security",
	"multi-tenancy":                          "Tenant Isolation",
	"protecting-the-infrastructure":          "Protecting the infrastructure",
	"detective-controls":                     "Auditing and logging",
	"incident-response-and-forensics":        "Incident response and forensics",
	"compliance":                             "Compliance",
}

// PodSecurity references a Pod Security Standards control by its name in the standard,
// e.g. "Privileged Containers", at the given level.
func PodSecurity(level, control string) Ref {
	return Ref{Kind: PSS, ID: level + "/" + control}
}

// Weakness references a CWE by number.
func Weakness(n int) Ref { return Ref{Kind: CWE, ID: fmt.Sprintf("CWE-%d", n)} }

// Link references any other document.
func Link(url, title string) Ref { return Ref{Kind: URL, ID: url, Title: title} }

const (
	guideBase = "https://docs.aws.amazon.com/eks/latest/best-practices/"
	pssBase   = "https://kubernetes.io/docs/concepts/security/pod-security-standards/"
)

// URL returns a link a reader can open.
func (r Ref) URL() string {
	switch r.Kind {
	case CISEKS:
		return "https://www.cisecurity.org/benchmark/kubernetes"
	case CISDockerKind:
		return "https://www.cisecurity.org/benchmark/docker"
	case EKSBP:
		return guideBase + r.ID + ".html"
	case PSS:
		level, _, _ := strings.Cut(r.ID, "/")
		return pssBase + "#" + level
	case CWE:
		return "https://cwe.mitre.org/data/definitions/" + strings.TrimPrefix(r.ID, "CWE-") + ".html"
	case URL:
		return r.ID
	}
	return ""
}

// String renders the reference for text output.
func (r Ref) String() string {
	switch r.Kind {
	case CISEKS:
		s := "CIS EKS " + CISEKSVersion + " " + r.ID
		if r.Title != "" {
			s += " " + r.Title
		}
		return s
	case CISDockerKind:
		return "CIS Docker Benchmark " + r.ID + " " + r.Title
	case EKSBP:
		return "EKS Best Practices Guide, " + guidePages[r.ID] + ": " + r.Title
	case PSS:
		return "Pod Security Standards (" + strings.Replace(r.ID, "/", "): ", 1)
	case CWE:
		return r.ID
	}
	if r.Title != "" {
		return r.Title + ": " + r.ID
	}
	return r.ID
}

var (
	cisID  = regexp.MustCompile(`^[2-5](\.[0-9]+){2}$`)
	cweID  = regexp.MustCompile(`^CWE-[0-9]+$`)
	levels = map[string]bool{"baseline": true, "restricted": true}
)

// Validate checks the reference is well formed and, for CIS, names a known control.
func (r Ref) Validate() error {
	switch r.Kind {
	case CISEKS:
		if !cisID.MatchString(r.ID) {
			return fmt.Errorf("cis-eks reference %q is not a control id", r.ID)
		}
		if _, ok := cisTitles[r.ID]; !ok {
			return fmt.Errorf("cis-eks reference %q is not a CIS EKS %s control", r.ID, CISEKSVersion)
		}
	case CISDockerKind:
		if _, ok := cisDockerTitles[r.ID]; !ok {
			return fmt.Errorf("cis-docker reference %q is not a CIS Docker Benchmark section 4 recommendation", r.ID)
		}
	case EKSBP:
		if _, ok := guidePages[r.ID]; !ok {
			return fmt.Errorf("eks-bp reference names unknown guide page %q", r.ID)
		}
		if strings.TrimSpace(r.Title) == "" {
			return fmt.Errorf("eks-bp reference to %s names no section", r.ID)
		}
	case PSS:
		level, control, ok := strings.Cut(r.ID, "/")
		if !ok || !levels[level] || control == "" {
			return fmt.Errorf("pss reference %q is not level/control", r.ID)
		}
	case CWE:
		if !cweID.MatchString(r.ID) {
			return fmt.Errorf("cwe reference %q is not CWE-N", r.ID)
		}
	case URL:
		if !strings.HasPrefix(r.ID, "https://") {
			return fmt.Errorf("url reference %q is not https", r.ID)
		}
	default:
		return fmt.Errorf("unknown reference kind %q", r.Kind)
	}
	return nil
}

// CISControls lists the CIS Amazon EKS Benchmark v1.8.0 control IDs eksguard knows, with
// their titles. A test checks them against the published check list.
func CISControls() map[string]string {
	out := make(map[string]string, len(cisTitles))
	for k, v := range cisTitles {
		out[k] = v
	}
	return out
}

// cisTitles: CIS Amazon EKS Benchmark v1.8.0 control titles (facts from the benchmark).
var cisTitles = map[string]string{
	"2.1.1":  "Enable audit logs",
	"2.1.2":  "Ensure audit logs are collected and managed",
	"3.1.1":  "Ensure that the kubeconfig file permissions are set to 644 or more restrictive",
	"3.1.2":  "Ensure that the kubelet kubeconfig file ownership is set to root:root",
	"3.1.3":  "Ensure that the kubelet configuration file has permissions set to 644 or more restrictive",
	"3.1.4":  "Ensure that the kubelet configuration file ownership is set to root:root",
	"3.2.1":  "Ensure that the Anonymous Auth is Not Enabled",
	"3.2.2":  "Ensure that the --authorization-mode argument is not set to AlwaysAllow",
	"3.2.3":  "Ensure that a Client CA File is Configured",
	"3.2.4":  "Ensure that the --read-only-port is disabled",
	"3.2.5":  "Ensure that the --streaming-connection-idle-timeout argument is not set to 0",
	"3.2.6":  "Ensure that the --make-iptables-util-chains argument is set to true",
	"3.2.7":  "Ensure that the --eventRecordQPS argument is set to 0 or a level which ensures appropriate event capture",
	"3.2.8":  "Ensure that the --rotate-certificates argument is not present or is set to true",
	"3.2.9":  "Ensure that the RotateKubeletServerCertificate argument is set to true",
	"4.1.1":  "Ensure that the cluster-admin role is only used where required",
	"4.1.2":  "Minimize access to secrets",
	"4.1.3":  "Minimize wildcard use in Roles and ClusterRoles",
	"4.1.4":  "Minimize access to create pods",
	"4.1.5":  "Ensure that default service accounts are not actively used",
	"4.1.6":  "Ensure that Service Account Tokens are only mounted where necessary",
	"4.1.7":  "Cluster Access Manager API to streamline and enhance the management of access controls within EKS clusters",
	"4.1.8":  "Limit use of the Bind, Impersonate and Escalate permissions in the Kubernetes cluster",
	"4.1.9":  "Minimize access to create PersistentVolume objects",
	"4.1.10": "Minimize access to the proxy sub-resource of Node objects",
	"4.1.11": "Minimize access to webhook configuration objects",
	"4.1.12": "Minimize access to the service account token creation",
	"4.2.1":  "Minimize the admission of privileged containers",
	"4.2.2":  "Minimize the admission of containers wishing to share the host process ID namespace",
	"4.2.3":  "Minimize the admission of containers wishing to share the host IPC namespace",
	"4.2.4":  "Minimize the admission of containers wishing to share the host network namespace",
	"4.2.5":  "Minimize the admission of containers with allowPrivilegeEscalation",
	"4.3.1":  "Ensure CNI plugin supports network policies",
	"4.3.2":  "Ensure that all Namespaces have Network Policies defined",
	"4.4.1":  "Prefer using secrets as files over secrets as environment variables",
	"4.4.2":  "Consider external secret storage",
	"4.5.1":  "Create administrative boundaries between resources using namespaces",
	"4.5.2":  "The default namespace should not be used",
	"5.1.1":  "Ensure Image Vulnerability Scanning using Amazon ECR image scanning or a third party provider",
	"5.1.2":  "Minimize user access to Amazon ECR",
	"5.1.3":  "Minimize cluster access to read-only for Amazon ECR",
	"5.1.4":  "Minimize Container Registries to only those approved",
	"5.2.1":  "Prefer using dedicated Amazon EKS Service Accounts",
	"5.3.1":  "Ensure Kubernetes Secrets are encrypted using Customer Master Keys (CMKs) managed in AWS KMS",
	"5.4.1":  "Restrict Access to the Control Plane Endpoint",
	"5.4.2":  "Ensure clusters are created with Private Endpoint Enabled and Public Access Disabled",
	"5.4.3":  "Ensure clusters are created with Private Nodes",
	"5.4.4":  "Ensure Network Policy is Enabled and set as appropriate",
	"5.4.5":  "Encrypt traffic to HTTPS load balancers with TLS certificates",
	"5.5.1":  "Manage Kubernetes RBAC users with AWS IAM Authenticator for Kubernetes or Upgrade to AWS CLI v1.16.156 or greater",
}
