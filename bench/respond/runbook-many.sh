#!/usr/bin/env bash
# The peer side of bench/respond for many pods: the same runbook as runbook-one.sh over the
# pods a selector picks (logs per container, as kubectl takes them), relabelling them all
# in one command and cordoning their nodes.
#   runbook-many.sh KUBECONFIG NAMESPACE SELECTOR INCIDENT OUTDIR
set -uo pipefail
export KUBECONFIG=$1
ns=$2 sel=$3 inc=$4 out=$5
mkdir -p "$out"
kubectl get pods -n "$ns" -l "$sel" -o json >"$out/pods.json"
kubectl get events -n "$ns" -o json >"$out/events.json"
kubectl get services,networkpolicies,serviceaccounts -n "$ns" -o json >"$out/selecting.json"
for pod in $(kubectl get pods -n "$ns" -l "$sel" -o jsonpath='{.items[*].metadata.name}'); do
  for c in web sidecar; do
    kubectl logs "$pod" -n "$ns" -c "$c" >"$out/$pod.$c.log" 2>/dev/null
    kubectl logs "$pod" -n "$ns" -c "$c" --previous >"$out/$pod.$c.previous.log" 2>/dev/null
  done
done
nodes=$(kubectl get pods -n "$ns" -l "$sel" -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' | sort -u)
for n in $nodes; do kubectl get node "$n" -o json >"$out/node-$n.json"; done
(cd "$out" && sha256sum ./* >manifest.sha256)
kubectl apply -n "$ns" -f - >/dev/null <<YAML
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: quarantine-$inc}
spec:
  podSelector: {matchLabels: {quarantine: "$inc"}}
  policyTypes: [Ingress, Egress]
YAML
kubectl label pods -n "$ns" -l "$sel" "quarantine=$inc" app- pod-template-hash- >/dev/null
for n in $nodes; do kubectl cordon "$n" >/dev/null; done
