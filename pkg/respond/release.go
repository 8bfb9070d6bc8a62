package respond

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
)

// Release undoes an incident's isolation in a namespace (every namespace when namespace is
// empty), from the journals on its quarantine NetworkPolicies: nodes this incident cordoned
// are uncordoned, pods get their removed labels back and lose the quarantine label and
// annotation, and the policy goes last, so a failure leaves a journal to run release again.
// Changes made by others since are kept. Releasing an incident with nothing left to undo
// changes nothing and says so.
func (r *Responder) Release(ctx context.Context, namespace, incident string, dryRun bool) (*Result, error) {
	if err := ValidIncident(incident); err != nil {
		return nil, err
	}
	if namespace != "" {
		if err := validName("namespace", namespace, false); err != nil {
			return nil, err
		}
	}
	res := &Result{Incident: incident, DryRun: dryRun, Steps: []Step{}}
	list, err := r.cs.NetworkingV1().NetworkPolicies(namespace).List(ctx, metav1.ListOptions{
		LabelSelector: labels.SelectorFromSet(labels.Set{IncidentLabel: incident}).String()})
	if err != nil {
		return nil, fmt.Errorf("listing the quarantine NetworkPolicies of incident %s: %w", incident, err)
	}
	var policies []networkingv1.NetworkPolicy
	for _, np := range list.Items {
		if np.Name == PolicyName(incident) {
			policies = append(policies, np)
		}
	}
	sort.Slice(policies, func(i, j int) bool { return policies[i].Namespace < policies[j].Namespace })
	if len(policies) == 0 {
		where := "any namespace"
		if namespace != "" {
			where = "namespace " + namespace
		}
		res.Warnings = append(res.Warnings, fmt.Sprintf("no quarantine NetworkPolicy of incident %s in %s: nothing to undo (released already?)", incident, where))
		return res, nil
	}

	type undo struct {
		step  Step
		do    func(context.Context) (string, error)
		batch bool // a pod restore, run several at once
	}
	var plan []undo
	for i := range policies {
		np := &policies[i]
		ns := np.Namespace
		j, err := ParseJournal(np.Annotations[JournalAnnotation])
		if err != nil {
			return nil, fmt.Errorf("NetworkPolicy %s/%s: %w; nothing was changed", ns, np.Name, err)
		}
		if j.Incident != incident || j.Namespace != ns {
			return nil, fmt.Errorf("NetworkPolicy %s/%s holds the journal of incident %s in %s; nothing was changed", ns, np.Name, j.Incident, j.Namespace)
		}
		// Newest first: cordons, then labels.
		for k := len(j.Entries) - 1; k >= 0; k-- {
			e := j.Entries[k]
			if e.Kind != EntryCordon {
				continue
			}
			node := strings.TrimPrefix(e.Object, "node/")
			plan = append(plan, undo{step: Step{Action: "uncordon", Object: "node/" + node}, do: func(ctx context.Context) (string, error) {
				return r.uncordon(ctx, node, incident)
			}})
		}
		for k := len(j.Entries) - 1; k >= 0; k-- {
			e := j.Entries[k]
			if e.Kind != EntryLabels {
				continue
			}
			pod, uid, removed := strings.TrimPrefix(e.Object, "pod/"), types.UID(e.UID), e.Removed
			plan = append(plan, undo{step: Step{Action: "restore", Object: ns + "/" + pod, Detail: restoreDetail(removed)}, batch: true, do: func(ctx context.Context) (string, error) {
				return r.restore(ctx, ns, pod, uid, incident, removed)
			}})
		}
		name, uid := np.Name, np.UID
		plan = append(plan, undo{step: Step{Action: "remove-policy", Object: ns + "/networkpolicy/" + name}, do: func(ctx context.Context) (string, error) {
			err := r.cs.NetworkingV1().NetworkPolicies(ns).Delete(ctx, name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
			if apierrors.IsNotFound(err) {
				return "already gone", nil
			}
			return "", err
		}})
	}
	if dryRun {
		for _, u := range plan {
			res.NotDone = append(res.NotDone, u.step)
		}
		return res, nil
	}

	// Run the plan in order; consecutive pod restores run several at once.
	workers := r.opts.Workers
	for i := 0; i < len(plan); {
		k := i + 1
		if plan[i].batch {
			for k < len(plan) && plan[k].batch {
				k++
			}
		}
		group := plan[i:k]
		details := make([]string, len(group))
		errs := make([]error, len(group))
		var wg sync.WaitGroup
		sem := make(chan struct{}, workers)
		for n := range group {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				details[n], errs[n] = group[n].do(ctx)
			}()
		}
		wg.Wait()
		var failed error
		for n, u := range group {
			s := u.step
			if errs[n] != nil {
				s.Error = errs[n].Error()
				res.NotDone = append(res.NotDone, s)
				if failed == nil {
					failed = fmt.Errorf("%s %s: %w", s.Action, s.Object, errs[n])
				}
				continue
			}
			if details[n] != "" {
				s.Detail = details[n]
			}
			res.Steps = append(res.Steps, s)
		}
		if failed != nil {
			for _, u := range plan[k:] {
				res.NotDone = append(res.NotDone, u.step)
			}
			return res, fmt.Errorf("%w; the quarantine policy and its journal are kept: run release again", failed)
		}
		i = k
	}
	return res, nil
}

func restoreDetail(removed map[string]string) string {
	d := "remove " + QuarantineLabel
	if len(removed) > 0 {
		d += "; restore " + strings.Join(slices.Sorted(maps.Keys(removed)), ", ")
	}
	return d
}

// restore gives a pod its removed labels back and takes the quarantine label and annotation
// off, when the pod is still the one this incident labelled (same UID) and still carries
// its label. The removed labels come from the pod's annotation (written in the same update
// as the label), else from the journal.
func (r *Responder) restore(ctx context.Context, ns, name string, uid types.UID, incident string, journal map[string]string) (string, error) {
	api := r.cs.CoreV1().Pods(ns)
	detail := ""
	err := retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		pod, err := api.Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) || (err == nil && uid != "" && pod.UID != uid) {
			detail = "the pod no longer exists: nothing to restore"
			return nil
		}
		if err != nil {
			return err
		}
		if pod.Labels[QuarantineLabel] != incident {
			detail = "not labelled by this incident: nothing to restore"
			return nil
		}
		removed := journal
		if text, ok := pod.Annotations[OriginalLabelsAnnotation]; ok {
			var m map[string]string
			if len(text) <= MaxJournalBytes && json.Unmarshal([]byte(text), &m) == nil {
				removed = m
			}
		}
		restorePod(pod, removed)
		_, err = api.Update(ctx, pod, metav1.UpdateOptions{})
		return err
	})
	return detail, err
}

// restorePod undoes the quarantine on a pod object: labels the pod gained since are kept.
func restorePod(pod *corev1.Pod, removed map[string]string) {
	delete(pod.Labels, QuarantineLabel)
	for k, v := range removed {
		if pod.Labels == nil {
			pod.Labels = map[string]string{}
		}
		if _, ok := pod.Labels[k]; !ok {
			pod.Labels[k] = v
		}
	}
	delete(pod.Annotations, OriginalLabelsAnnotation)
	if len(pod.Labels) == 0 {
		pod.Labels = nil
	}
	if len(pod.Annotations) == 0 {
		pod.Annotations = nil
	}
}

// uncordon makes a node schedulable again when this incident cordoned it (its annotation
// says so).
func (r *Responder) uncordon(ctx context.Context, name, incident string) (string, error) {
	api := r.cs.CoreV1().Nodes()
	detail := ""
	err := retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		node, err := api.Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			detail = "the node no longer exists"
			return nil
		}
		if err != nil {
			return err
		}
		if node.Annotations[CordonAnnotation] != incident {
			detail = "not cordoned by this incident: left as it is"
			return nil
		}
		node.Spec.Unschedulable = false
		delete(node.Annotations, CordonAnnotation)
		if len(node.Annotations) == 0 {
			node.Annotations = nil
		}
		_, err = api.Update(ctx, node, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		return "", err
	}
	return detail, nil
}
