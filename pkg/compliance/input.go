package compliance

import "github.com/eksguard/eksguard/pkg/target"

// Input is a kind of input a scan reads, as the benchmark view names it.
type Input string

// Inputs of the CIS EKS view.
const (
	// InputKubernetes: Kubernetes objects, from manifests (eksguard scan) or a live
	// cluster (eksguard scan cluster).
	InputKubernetes Input = "kubernetes"
	// InputNode: a worker node's host (eksguard scan node).
	InputNode Input = "node"
	// InputAWS: the AWS account around the cluster (eksguard scan aws).
	InputAWS Input = "aws"
)

// InputOf is the input rules of a target kind read ("" for kinds no benchmark control
// depends on alone).
func InputOf(k target.Kind) Input {
	switch k {
	case target.KindNode:
		return InputNode
	case target.KindAWS:
		return InputAWS
	case target.KindObject, target.KindWorkload, target.KindCluster, target.KindDockerfile:
		return InputKubernetes
	}
	return ""
}

// Hint says which scan would evaluate the input's controls.
func (i Input) Hint() string {
	switch i {
	case InputNode:
		return "no worker node was scanned: run eksguard scan node on a node (or with --host-root)"
	case InputAWS:
		return "the AWS account was not scanned: run eksguard scan aws (--cluster or --snapshot)"
	case InputKubernetes:
		return "no Kubernetes objects were scanned: scan manifests (eksguard scan PATH) or a cluster (eksguard scan cluster)"
	}
	return "not scanned"
}
