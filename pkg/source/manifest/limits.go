package manifest

// Limits bound the work one input may cause. Every limit is documented in docs/limits.md.
type Limits struct {
	// MaxFileBytes caps one file (or stdin). Larger inputs are an input error.
	MaxFileBytes int64
	// MaxDocumentBytes caps one YAML document (the API server rejects requests over 3 MiB).
	MaxDocumentBytes int
	// MaxDocuments caps the documents in one file.
	MaxDocuments int
	// MaxDepth caps nesting of mappings and sequences in a document.
	MaxDepth int
	// MaxListItems caps the items of one List object.
	MaxListItems int
}

// DefaultLimits are the limits of a normal run.
func DefaultLimits() Limits {
	return Limits{
		MaxFileBytes:     64 << 20,
		MaxDocumentBytes: 3 << 20,
		MaxDocuments:     20000,
		MaxDepth:         256,
		MaxListItems:     20000,
	}
}
