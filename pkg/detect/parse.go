package detect

import (
	"fmt"
	"strings"
)

// Limits on conditions, so that a hostile rule file cannot exhaust memory or time.
const (
	maxConditionBytes = 64 << 10
	maxConditionDepth = 200
	maxPatternBytes   = 4096
)

// nodeKind is the kind of a condition syntax node.
type nodeKind int

const (
	nodeAnd nodeKind = iota
	nodeOr
	nodeNot
	nodeMacro
	nodeCheck
)

// value is one literal on the right of an operator.
type value struct {
	text   string
	quoted bool
}

// node is a parsed condition.
type node struct {
	kind   nodeKind
	kids   []*node
	name   string // macro name or field name
	arg    string
	hasArg bool
	op     string
	values []value
	list   bool // values came in parentheses
	pos    int  // byte offset in the condition
}

// opInfo lists the operators: whether they take no value, a list, or one value.
var opInfo = map[string]int{
	"=": 1, "==": 1, "!=": 1, "<": 1, "<=": 1, ">": 1, ">=": 1,
	"contains": 1, "icontains": 1, "bcontains": 1, "startswith": 1, "bstartswith": 1, "endswith": 1,
	"glob": 1, "regex": 1,
	"in": 2, "intersects": 2, "pmatch": 2,
	"exists": 0,
}

// ParseError is a syntax error at a byte offset of a condition.
type ParseError struct {
	Pos int
	Msg string
}

func (e *ParseError) Error() string { return fmt.Sprintf("offset %d: %s", e.Pos, e.Msg) }

type parser struct {
	s     string
	i     int
	depth int
}

// parseCondition parses a condition in the Falco filter grammar.
func parseCondition(s string) (*node, error) {
	if len(s) > maxConditionBytes {
		return nil, &ParseError{0, fmt.Sprintf("condition is %d bytes, over the %d limit", len(s), maxConditionBytes)}
	}
	p := &parser{s: s}
	p.ws()
	if p.i == len(p.s) {
		return nil, &ParseError{0, "empty condition"}
	}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.i < len(p.s) {
		return nil, p.errf("unexpected %q", p.rest())
	}
	return n, nil
}

func (p *parser) errf(format string, args ...any) error {
	return &ParseError{p.i, fmt.Sprintf(format, args...)}
}

func (p *parser) rest() string {
	r := p.s[p.i:]
	if len(r) > 20 {
		r = r[:20] + "..."
	}
	return r
}

func (p *parser) ws() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func isIdent(c byte) bool {
	return c == '_' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// keyword consumes kw when it stands alone at the cursor.
func (p *parser) keyword(kw string) bool {
	p.ws()
	if !strings.HasPrefix(p.s[p.i:], kw) {
		return false
	}
	end := p.i + len(kw)
	if end < len(p.s) && isIdent(p.s[end]) {
		return false
	}
	p.i = end
	return true
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxConditionDepth {
		return p.errf("condition nested deeper than %d", maxConditionDepth)
	}
	return nil
}

func (p *parser) or() (*node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	left, err := p.and()
	if err != nil {
		return nil, err
	}
	if !p.keyword("or") {
		return left, nil
	}
	n := &node{kind: nodeOr, kids: []*node{left}, pos: left.pos}
	for {
		right, err := p.and()
		if err != nil {
			return nil, err
		}
		n.kids = append(n.kids, right)
		if !p.keyword("or") {
			return n, nil
		}
	}
}

func (p *parser) and() (*node, error) {
	left, err := p.not()
	if err != nil {
		return nil, err
	}
	if !p.keyword("and") {
		return left, nil
	}
	n := &node{kind: nodeAnd, kids: []*node{left}, pos: left.pos}
	for {
		right, err := p.not()
		if err != nil {
			return nil, err
		}
		n.kids = append(n.kids, right)
		if !p.keyword("and") {
			return n, nil
		}
	}
}

func (p *parser) not() (*node, error) {
	p.ws()
	pos := p.i
	if p.keyword("not") {
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		k, err := p.not()
		if err != nil {
			return nil, err
		}
		return &node{kind: nodeNot, kids: []*node{k}, pos: pos}, nil
	}
	return p.primary()
}

func (p *parser) primary() (*node, error) {
	p.ws()
	if p.i >= len(p.s) {
		return nil, p.errf("unexpected end of condition")
	}
	if p.s[p.i] == '(' {
		p.i++
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != ')' {
			return nil, p.errf("missing ')'")
		}
		p.i++
		return n, nil
	}
	pos := p.i
	for p.i < len(p.s) && isIdent(p.s[p.i]) {
		p.i++
	}
	name := p.s[pos:p.i]
	if name == "" {
		return nil, p.errf("expected a field, a macro or '(' at %q", p.rest())
	}
	for _, kw := range []string{"and", "or", "not"} {
		if name == kw {
			p.i = pos
			return nil, p.errf("unexpected %q", kw)
		}
	}
	n := &node{kind: nodeCheck, name: name, pos: pos}
	if p.i < len(p.s) && p.s[p.i] == '[' {
		end := strings.IndexByte(p.s[p.i:], ']')
		if end < 0 {
			return nil, p.errf("missing ']' after field argument")
		}
		n.arg, n.hasArg = p.s[p.i+1:p.i+end], true
		p.i += end + 1
	}
	op := p.operator()
	if op == "" {
		if n.hasArg || strings.Contains(name, ".") {
			return nil, &ParseError{pos, fmt.Sprintf("field %s needs an operator", name)}
		}
		n.kind = nodeMacro
		return n, nil
	}
	n.op = op
	switch opInfo[op] {
	case 0:
	case 2:
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != '(' {
			return nil, p.errf("operator %s needs a list in parentheses", op)
		}
		vals, err := p.list()
		if err != nil {
			return nil, err
		}
		n.values, n.list = vals, true
	default:
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == '(' {
			// A one-element list, e.g. x = (a): accepted as a list.
			vals, err := p.list()
			if err != nil {
				return nil, err
			}
			n.values, n.list = vals, true
			break
		}
		v, err := p.value(false)
		if err != nil {
			return nil, err
		}
		n.values = []value{v}
	}
	return n, nil
}

// operator reads an operator at the cursor, or returns "".
func (p *parser) operator() string {
	p.ws()
	if p.i >= len(p.s) {
		return ""
	}
	for _, op := range []string{"==", "!=", "<=", ">=", "=", "<", ">"} {
		if strings.HasPrefix(p.s[p.i:], op) {
			p.i += len(op)
			return op
		}
	}
	start := p.i
	j := p.i
	for j < len(p.s) && isIdent(p.s[j]) {
		j++
	}
	word := p.s[start:j]
	if _, ok := opInfo[word]; ok && word != "" {
		p.i = j
		return word
	}
	return ""
}

// list reads ( v, v, ... ).
func (p *parser) list() ([]value, error) {
	p.i++ // (
	var out []value
	for {
		p.ws()
		if p.i >= len(p.s) {
			return nil, p.errf("missing ')' after list")
		}
		if p.s[p.i] == ')' {
			p.i++
			return out, nil
		}
		v, err := p.value(true)
		if err != nil {
			return nil, err
		}
		if v.text != "" || v.quoted {
			out = append(out, v)
		}
		p.ws()
		switch {
		case p.i < len(p.s) && p.s[p.i] == ',':
			p.i++
		case p.i < len(p.s) && p.s[p.i] != ')':
			return nil, p.errf("unexpected %q in list", p.rest())
		}
	}
}

// value reads a quoted string or a bare word. In lists a bare word ends at ',' or ')'.
func (p *parser) value(inList bool) (value, error) {
	p.ws()
	if p.i >= len(p.s) {
		return value{}, p.errf("missing value")
	}
	if q := p.s[p.i]; q == '"' || q == '\'' {
		var b strings.Builder
		p.i++
		for p.i < len(p.s) {
			c := p.s[p.i]
			switch {
			case c == '\\' && p.i+1 < len(p.s):
				p.i++
				switch e := p.s[p.i]; e {
				case 'n':
					b.WriteByte('\n')
				case 't':
					b.WriteByte('\t')
				default:
					b.WriteByte(e)
				}
			case c == q:
				p.i++
				return value{text: b.String(), quoted: true}, nil
			default:
				b.WriteByte(c)
			}
			p.i++
		}
		return value{}, p.errf("unterminated string")
	}
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ')' || c == '(' || c == ',' {
			break
		}
		p.i++
	}
	if p.i == start && !inList {
		return value{}, p.errf("missing value")
	}
	return value{text: p.s[start:p.i]}, nil
}
