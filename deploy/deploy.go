// Package deploy ships the manifests that run eksguard in a cluster, embedded so that tests
// apply exactly what users apply.
package deploy

import _ "embed"

// ScannerRBAC is scanner-rbac.yaml: the scanner's service account and its read-only,
// least-privilege ClusterRole, Role and bindings.
//
//go:embed scanner-rbac.yaml
var ScannerRBAC []byte

// Scanner identity defined by ScannerRBAC.
const (
	ScannerNamespace      = "eksguard"
	ScannerServiceAccount = "eksguard-scanner"
)

// ResponderRBAC is responder-rbac.yaml: the incident responder's service account and its
// least-privilege ClusterRole and binding (`eksguard respond`).
//
//go:embed responder-rbac.yaml
var ResponderRBAC []byte

// Responder identity defined by ResponderRBAC.
const (
	ResponderNamespace      = "eksguard"
	ResponderServiceAccount = "eksguard-responder"
)
