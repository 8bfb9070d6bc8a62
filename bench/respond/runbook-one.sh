#!/usr/bin/env bash
# The peer side of bench/respond: the EKS guide's incident-response steps for one pod done
# by hand with kubectl, as a responder would script them: capture the pod, its events,
# logs (current and previous), node, service account, Services and NetworkPolicies, hash
# them, apply a deny-all policy on a quarantine label, relabel the pod.
#   runbook-one.sh KUBECONFIG NAMESPACE POD INCIDENT OUTDIR
set -uo pipefail
export KUBECONFIG=$1
ns=$2 pod=$3 inc=$4 out=$5
mkdir -p "$out"
kubectl get pod "$pod" -n "$ns" -o json >"$out/pod.json"
kubectl get events -n "$ns" --field-selector "involvedObject.name=$pod" -o json >"$out/events.json"
for c in $(kubectl get pod "$pod" -n "$ns" -o jsonpath='{.spec.containers[*].name}'); do
  kubectl logs "$pod" -n "$ns" -c "$c" >"$out/$c.log" 2>/dev/null
  kubectl logs "$pod" -n "$ns" -c "$c" --previous >"$out/$c.previous.log" 2>/dev/null
done
node=$(kubectl get pod "$pod" -n "$ns" -o jsonpath='{.spec.nodeName}')
kubectl get node "$node" -o json >"$out/node.json"
kubectl get serviceaccount default -n "$ns" -o json >"$out/serviceaccount.json" 2>/dev/null
kubectl get services,networkpolicies -n "$ns" -o json >"$out/selecting.json"
(cd "$out" && sha256sum ./* >manifest.sha256)
kubectl apply -n "$ns" -f - >/dev/null <<YAML
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: quarantine-$inc}
spec:
  podSelector: {matchLabels: {quarantine: "$inc"}}
  policyTypes: [Ingress, Egress]
YAML
kubectl label pod "$pod" -n "$ns" "quarantine=$inc" app- pod-template-hash- >/dev/null
