package respond

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
)

// Labels and annotations eksguard sets.
const (
	// QuarantineLabel marks a quarantined pod; its value is the incident ID. The quarantine
	// NetworkPolicy selects it.
	QuarantineLabel = "eksguard.io/quarantine"
	// IncidentLabel names the incident of a quarantine NetworkPolicy, so release finds it.
	IncidentLabel = "eksguard.io/incident"
	// OriginalLabelsAnnotation keeps, on a quarantined pod, the labels isolation removed
	// (a JSON object of name to value).
	OriginalLabelsAnnotation = "eksguard.io/quarantine-removed-labels"
	// JournalAnnotation holds the journal (JSON) on the quarantine NetworkPolicy.
	JournalAnnotation = "eksguard.io/journal"
	// CordonAnnotation marks a node eksguard cordoned; its value is the incident ID.
	CordonAnnotation = "eksguard.io/cordoned-by"
)

// MaxJournalBytes bounds a journal: it must fit in an annotation (the API server allows
// 256 KiB for all of an object's annotations together).
const MaxJournalBytes = 200 << 10

// JournalFormat names the journal's format.
const JournalFormat = "eksguard-journal/v1"

// Journal is the record of every change an incident made in one namespace (and to the nodes
// of its pods). Each change is written here before it is made (State "intent") and marked
// after (State "done" or "failed"); release reads the objects themselves to see whether an
// intent took effect, so a journal cut short by a failure still undoes exactly what was done.
type Journal struct {
	Format    string    `json:"format"`
	Incident  string    `json:"incident"`
	Namespace string    `json:"namespace"`
	Actor     string    `json:"actor,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	Version   string    `json:"version"`
	Created   time.Time `json:"created"`
	// Bundle is where the evidence went and BundleSHA256 the hash of its manifest.
	Bundle       string  `json:"bundle,omitempty"`
	BundleSHA256 string  `json:"bundleSHA256,omitempty"`
	Entries      []Entry `json:"entries"`
}

// Entry kinds.
const (
	EntryPolicy = "policy" // the quarantine NetworkPolicy was created
	EntryLabels = "labels" // a pod was labelled and its selected labels removed
	EntryCordon = "cordon" // a node was cordoned
)

// Entry states.
const (
	StateIntent = "intent" // recorded before the change; it may or may not have happened
	StateDone   = "done"
	StateFailed = "failed"
)

// Entry is one change.
type Entry struct {
	Kind  string `json:"kind"`
	State string `json:"state"`
	// Object is "pod/NAME", "node/NAME" or "networkpolicy/NAME".
	Object string `json:"object"`
	UID    string `json:"uid,omitempty"`
	// Removed are the labels removed from a pod, with their values (EntryLabels).
	Removed map[string]string `json:"removed,omitempty"`
	// Node is the pod's node (EntryLabels) for the record.
	Node  string    `json:"node,omitempty"`
	Time  time.Time `json:"time"`
	Error string    `json:"error,omitempty"`
}

// Encode writes the journal as compact JSON.
func (j *Journal) Encode() (string, error) {
	b, err := json.Marshal(j)
	if err != nil {
		return "", err
	}
	if len(b) > MaxJournalBytes {
		return "", fmt.Errorf("journal of incident %s in namespace %s is %d bytes, over the %d-byte annotation budget: isolate fewer pods per command", j.Incident, j.Namespace, len(b), MaxJournalBytes)
	}
	return string(b), nil
}

// ParseJournal reads a journal annotation. It accepts only the journal format, bounded in
// size, with known entry kinds and states and valid object names; anything else is an
// error, so release never acts on a journal it does not understand.
func ParseJournal(text string) (*Journal, error) {
	if len(text) > MaxJournalBytes {
		return nil, fmt.Errorf("journal: %d bytes, over the %d-byte limit", len(text), MaxJournalBytes)
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(text)))
	dec.DisallowUnknownFields()
	var j Journal
	if err := dec.Decode(&j); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("journal: data after the JSON object")
	}
	if j.Format != JournalFormat {
		return nil, fmt.Errorf("journal: format %q, want %q", j.Format, JournalFormat)
	}
	if err := ValidIncident(j.Incident); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	if errs := validation.IsDNS1123Label(j.Namespace); len(errs) > 0 {
		return nil, fmt.Errorf("journal: namespace %q: %s", j.Namespace, errs[0])
	}
	for i, e := range j.Entries {
		if err := e.validate(); err != nil {
			return nil, fmt.Errorf("journal: entry %d: %w", i+1, err)
		}
	}
	return &j, nil
}

func (e *Entry) validate() error {
	switch e.State {
	case StateIntent, StateDone, StateFailed:
	default:
		return fmt.Errorf("unknown state %q", e.State)
	}
	var prefix string
	switch e.Kind {
	case EntryPolicy:
		prefix = "networkpolicy/"
	case EntryLabels:
		prefix = "pod/"
	case EntryCordon:
		prefix = "node/"
	default:
		return fmt.Errorf("unknown kind %q", e.Kind)
	}
	if len(e.Object) <= len(prefix) || e.Object[:len(prefix)] != prefix {
		return fmt.Errorf("%s entry names %q, want %sNAME", e.Kind, e.Object, prefix)
	}
	if errs := validation.IsDNS1123Subdomain(e.Object[len(prefix):]); len(errs) > 0 {
		return fmt.Errorf("object %q: %s", e.Object, errs[0])
	}
	for k, v := range e.Removed {
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			return fmt.Errorf("removed label %q: %s", k, errs[0])
		}
		if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
			return fmt.Errorf("removed label %s=%q: %s", k, v, errs[0])
		}
	}
	return nil
}

// find returns the last entry of kind for object, or nil.
func (j *Journal) find(kind, object string) *Entry {
	for i := len(j.Entries) - 1; i >= 0; i-- {
		if j.Entries[i].Kind == kind && j.Entries[i].Object == object {
			return &j.Entries[i]
		}
	}
	return nil
}
