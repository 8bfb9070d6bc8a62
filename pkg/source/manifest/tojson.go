package manifest

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/eksguard/eksguard/pkg/target"
)

// nodeToJSON writes the JSON form of a parsed document exactly as kubectl and the API
// server would produce it with sigs.k8s.io/yaml (YAMLToJSON over go-yaml v2): YAML 1.1
// scalar resolution (yes/no/on/off booleans, 0777 octal, 0x hex, 1_000 digits), merge keys,
// last-wins duplicate keys, map keys turned into strings. Building it from the tree that
// is already parsed for positions avoids parsing every workload twice; a differential
// test and a fuzz target hold it to sigs.k8s.io/yaml's output.
func nodeToJSON(n *yaml.Node, maxDepth, maxBytes, lineOffset int) ([]byte, []target.DuplicateKey, error) {
	c := converter{maxDepth: maxDepth, maxBytes: maxBytes, offset: lineOffset, checked: map[*yaml.Node]bool{}}
	if err := c.value(n, 0); err != nil {
		return nil, nil, err
	}
	return c.buf, c.dups, nil
}

type converter struct {
	buf      []byte
	maxDepth int
	maxBytes int // bound on the output: aliases can make it far larger than the input
	offset   int // lines before the document, for duplicate-key positions
	path     []pathSeg
	dups     []target.DuplicateKey
	checked  map[*yaml.Node]bool // mappings already checked for duplicate keys
}

// pathSeg is one step of the path to the node being converted; rendered only when needed.
type pathSeg struct {
	key   string
	index int // -1 for keys
}

func (c *converter) renderPath(last string) string {
	p := ""
	for _, s := range c.path {
		if s.index >= 0 {
			p = target.Index(p, s.index)
		} else {
			p = fieldPath(p, s.key)
		}
	}
	return fieldPath(p, last)
}

var errTooLarge = errors.New("document expands beyond the size limit (through aliases)")

var errAliasLoop = errors.New("alias refers to itself")

func (c *converter) value(n *yaml.Node, depth int) error {
	if len(c.buf) > c.maxBytes {
		return errTooLarge
	}
	if depth > c.maxDepth {
		return fmt.Errorf("%w: more than %d levels", errDepth, c.maxDepth)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			c.buf = append(c.buf, "null"...)
			return nil
		}
		return c.value(n.Content[0], depth)
	case yaml.AliasNode:
		if n.Alias == nil {
			return errAliasLoop
		}
		return c.value(n.Alias, depth+1)
	case yaml.SequenceNode:
		c.buf = append(c.buf, '[')
		for i, e := range n.Content {
			if i > 0 {
				c.buf = append(c.buf, ',')
			}
			c.path = append(c.path, pathSeg{index: i})
			err := c.value(e, depth+1)
			c.path = c.path[:len(c.path)-1]
			if err != nil {
				return err
			}
		}
		c.buf = append(c.buf, ']')
		return nil
	case yaml.MappingNode:
		return c.mapping(n, depth)
	case yaml.ScalarNode:
		v, err := resolveScalar(n)
		if err != nil {
			return err
		}
		return c.scalar(v)
	}
	return fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

// entry is one key of a mapping after merges and duplicates are applied.
type entry struct {
	key string
	val *yaml.Node
}

// mapping emits a mapping with go-yaml v2's semantics: keys in order of first appearance,
// later values replace earlier ones, `<<` merges mappings in.
func (c *converter) mapping(n *yaml.Node, depth int) error {
	var entries []entry
	index := map[string]int{}
	set := func(k string, v *yaml.Node) {
		if i, ok := index[k]; ok {
			entries[i].val = v
			return
		}
		index[k] = len(entries)
		entries = append(entries, entry{k, v})
	}
	if err := c.collect(n, set, depth, 0); err != nil {
		return err
	}
	if !c.checked[n] {
		c.checked[n] = true
		c.findDuplicates(n)
	}
	c.buf = append(c.buf, '{')
	for i, e := range entries {
		if i > 0 {
			c.buf = append(c.buf, ',')
		}
		c.buf = appendJSONString(c.buf, e.key)
		c.buf = append(c.buf, ':')
		c.path = append(c.path, pathSeg{key: e.key, index: -1})
		err := c.value(e.val, depth+1)
		c.path = c.path[:len(c.path)-1]
		if err != nil {
			return err
		}
	}
	c.buf = append(c.buf, '}')
	return nil
}

// findDuplicates records keys written more than once in mapping n itself (merged keys
// are not duplicates: overriding them is what merges are for).
func (c *converter) findDuplicates(n *yaml.Node) {
	if len(n.Content) <= 2 {
		return
	}
	first := make(map[string]int, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if isMerge(k) {
			continue
		}
		key, err := keyString(k)
		if err != nil {
			continue
		}
		if l, dup := first[key]; dup {
			c.dups = append(c.dups, target.DuplicateKey{Path: c.renderPath(key), Line: k.Line + c.offset, FirstLine: l + c.offset})
			continue
		}
		first[key] = k.Line
	}
}

// collect applies the keys of mapping n (and of the mappings it merges) through set.
func (c *converter) collect(n *yaml.Node, set func(string, *yaml.Node), depth, merges int) error {
	if merges > c.maxDepth {
		return fmt.Errorf("%w: merge keys nest more than %d levels", errDepth, c.maxDepth)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if isMerge(k) {
			if err := c.merge(v, set, depth, merges+1); err != nil {
				return err
			}
			continue
		}
		key, err := keyString(k)
		if err != nil {
			return err
		}
		set(key, v)
	}
	return nil
}

// merge applies `<<: *a` or `<<: [*a, *b]` (earlier mappings in the list win, as in v2).
func (c *converter) merge(v *yaml.Node, set func(string, *yaml.Node), depth, merges int) error {
	v = deref(v)
	switch v.Kind {
	case yaml.MappingNode:
		return c.collect(v, set, depth, merges)
	case yaml.SequenceNode:
		for i := len(v.Content) - 1; i >= 0; i-- {
			m := deref(v.Content[i])
			if m.Kind != yaml.MappingNode {
				return fmt.Errorf("line %d: map merge requires map or sequence of maps as the value", v.Line)
			}
			if err := c.collect(m, set, depth, merges); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("line %d: map merge requires map or sequence of maps as the value", v.Line)
}

func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 64; i++ {
		n = n.Alias
	}
	return n
}

func isMerge(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" && (k.Style == 0 || k.Style == yaml.TaggedStyle && k.Tag == "!!merge")
}

// keyString turns a key into the string sigs.k8s.io/yaml would use.
func keyString(k *yaml.Node) (string, error) {
	k = deref(k)
	if k.Kind != yaml.ScalarNode {
		return "", fmt.Errorf("line %d: unsupported map key (a %s)", k.Line, kindName(k.Kind))
	}
	v, err := resolveScalar(k)
	if err != nil {
		return "", err
	}
	switch x := v.(type) {
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case uint64:
		// go-yaml gives uint64 keys; sigs.k8s.io/yaml does not accept them.
		return "", fmt.Errorf("line %d: unsupported map key of type uint64", k.Line)
	case float64:
		s := strconv.FormatFloat(x, 'g', -1, 32)
		switch s {
		case "+Inf":
			s = ".inf"
		case "-Inf":
			s = "-.inf"
		case "NaN":
			s = ".nan"
		}
		return s, nil
	}
	return "", fmt.Errorf("line %d: unsupported map key %q (null)", k.Line, k.Value)
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "sequence"
	}
	return "node"
}

func (c *converter) scalar(v any) error {
	switch x := v.(type) {
	case nil:
		c.buf = append(c.buf, "null"...)
	case bool:
		c.buf = strconv.AppendBool(c.buf, x)
	case int64:
		c.buf = strconv.AppendInt(c.buf, x, 10)
	case uint64:
		c.buf = strconv.AppendUint(c.buf, x, 10)
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return fmt.Errorf("unsupported value: %v", x)
		}
		b, err := json.Marshal(x)
		if err != nil {
			return err
		}
		c.buf = append(c.buf, b...)
	case string:
		c.buf = appendJSONString(c.buf, x)
	}
	return nil
}

// appendJSONString quotes s as encoding/json does (invalid UTF-8 becomes U+FFFD).
func appendJSONString(buf []byte, s string) []byte {
	simple := true
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 || b == '"' || b == '\\' || b >= 0x80 || b == '<' || b == '>' || b == '&' {
			simple = false
			break
		}
	}
	if simple {
		buf = append(buf, '"')
		buf = append(buf, s...)
		return append(buf, '"')
	}
	b, _ := json.Marshal(s)
	return append(buf, b...)
}

var yamlStyleFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

// resolveScalar gives a scalar's value under go-yaml v2 (YAML 1.1) rules: plain scalars
// are resolved, quoted and block scalars are strings unless explicitly tagged.
func resolveScalar(n *yaml.Node) (any, error) {
	tag := ""
	if n.Style&yaml.TaggedStyle != 0 {
		tag = n.Tag
	} else if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return n.Value, nil
	}
	switch tag {
	case "", "!!str", "!!bool", "!!int", "!!float", "!!null", "!!timestamp":
	case "!!binary":
		b, err := base64.StdEncoding.DecodeString(n.Value)
		if err != nil {
			return nil, fmt.Errorf("line %d: !!binary value contains invalid base64 data", n.Line)
		}
		return string(b), nil
	default:
		return n.Value, nil // custom tags leave the text as it is
	}
	v, rtag := resolvePlain(n.Value, tag)
	switch {
	case tag == "" || tag == rtag || tag == "!!str" && rtag == "!!str":
		return v, nil
	case tag == "!!str":
		return n.Value, nil
	case tag == "!!float" && rtag == "!!int":
		switch x := v.(type) {
		case int64:
			return float64(x), nil
		case uint64:
			// go-yaml refuses this combination
		}
	}
	return nil, fmt.Errorf("line %d: cannot decode %s `%s` as a %s", n.Line, rtag, n.Value, tag)
}

var boolNull = map[string]any{
	"y": true, "Y": true, "yes": true, "Yes": true, "YES": true, "true": true, "True": true, "TRUE": true,
	"on": true, "On": true, "ON": true,
	"n": false, "N": false, "no": false, "No": false, "NO": false, "false": false, "False": false, "FALSE": false,
	"off": false, "Off": false, "OFF": false,
	"": nil, "~": nil, "null": nil, "Null": nil, "NULL": nil,
}

// resolvePlain mirrors go-yaml v2's resolve for a plain scalar. Timestamps stay strings, as
// go-yaml v2 keeps them when decoding into interface{}.
func resolvePlain(in, tag string) (any, string) {
	var hint byte = 'N'
	if in != "" {
		hint = in[0]
	}
	switch {
	case hint == 'N' || strings.IndexByte("yYnNtTfFoO~", hint) >= 0:
		if v, ok := boolNull[in]; ok {
			if v == nil {
				return nil, "!!null"
			}
			return v, "!!bool"
		}
	case hint == '.':
		switch in {
		case ".nan", ".NaN", ".NAN":
			return math.NaN(), "!!float"
		case ".inf", ".Inf", ".INF":
			return math.Inf(1), "!!float"
		}
		if f, err := strconv.ParseFloat(in, 64); err == nil {
			return f, "!!float"
		}
	case hint == '+' || hint == '-' || hint >= '0' && hint <= '9':
		switch in {
		case "+.inf", "+.Inf", "+.INF":
			return math.Inf(1), "!!float"
		case "-.inf", "-.Inf", "-.INF":
			return math.Inf(-1), "!!float"
		}
		if (tag == "" || tag == "!!timestamp") && isTimestamp(in) {
			return in, "!!timestamp"
		}
		plain := strings.ReplaceAll(in, "_", "")
		if i, err := strconv.ParseInt(plain, 0, 64); err == nil {
			return i, "!!int"
		}
		if u, err := strconv.ParseUint(plain, 0, 64); err == nil {
			return u, "!!int"
		}
		if yamlStyleFloat.MatchString(plain) {
			if f, err := strconv.ParseFloat(plain, 64); err == nil {
				return f, "!!float"
			}
		}
		if strings.HasPrefix(plain, "0b") {
			if i, err := strconv.ParseInt(plain[2:], 2, 64); err == nil {
				return i, "!!int"
			}
			if u, err := strconv.ParseUint(plain[2:], 2, 64); err == nil {
				return u, "!!int"
			}
		} else if strings.HasPrefix(plain, "-0b") {
			if i, err := strconv.ParseInt("-"+plain[3:], 2, 64); err == nil {
				return i, "!!int"
			}
		}
	}
	return in, "!!str"
}

var timestampFormats = []string{
	"2006-1-2T15:4:5.999999999Z07:00",
	"2006-1-2t15:4:5.999999999Z07:00",
	"2006-1-2 15:4:5.999999999",
	"2006-1-2",
}

// isTimestamp mirrors go-yaml v2's timestamp detection (YYYY- prefix, four layouts).
func isTimestamp(s string) bool {
	i := 0
	for ; i < len(s); i++ {
		if c := s[i]; c < '0' || c > '9' {
			break
		}
	}
	if i != 4 || i == len(s) || s[i] != '-' {
		return false
	}
	for _, f := range timestampFormats {
		if _, err := time.Parse(f, s); err == nil {
			return true
		}
	}
	return false
}
