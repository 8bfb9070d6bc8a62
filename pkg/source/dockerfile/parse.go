package dockerfile

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"runtime/debug"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/distribution/reference"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/secret"
	"github.com/eksguard/eksguard/pkg/target"
)

// Limits bound the work one Dockerfile may cause (see docs/limits.md).
type Limits struct {
	// MaxFileBytes caps one Dockerfile. Real ones are a few kilobytes.
	MaxFileBytes int64
	// MaxScriptBytes caps the shell script of one instruction handed to the shell parser.
	MaxScriptBytes int
	// MaxInstructions caps the instructions of one file.
	MaxInstructions int
}

// DefaultLimits are the limits of a normal run. BuildKit's parser itself rejects lines
// (after joining continuations) over 64 KiB.
func DefaultLimits() Limits {
	return Limits{MaxFileBytes: 4 << 20, MaxScriptBytes: 256 << 10, MaxInstructions: 20000}
}

// Result is a parsed Dockerfile and the problems met on the way. Target is nil when the
// file could not be read at all.
type Result struct {
	Target *target.Dockerfile
	Errors []finding.InputError
}

// Parse reads one Dockerfile. It never panics: a crash of a parser becomes an input
// error naming the file.
func Parse(name string, data []byte, lim Limits) (res Result) {
	defer func() {
		if p := recover(); p != nil {
			res = Result{Errors: []finding.InputError{{Input: name, Message: fmt.Sprintf("internal error parsing the Dockerfile (panic: %v) %s", p, firstFrame(debug.Stack()))}}}
		}
	}()
	fail := func(line int, format string, args ...any) Result {
		return Result{Errors: []finding.InputError{{Input: name, Line: line, Message: fmt.Sprintf(format, args...)}}}
	}
	if int64(len(data)) > lim.MaxFileBytes {
		return fail(0, "Dockerfile is %d bytes, over the %d-byte limit", len(data), lim.MaxFileBytes)
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return fail(1+bytes.Count(data[:i], []byte("\n")), "binary file (NUL byte at offset %d), not a Dockerfile", i)
	}
	if !utf8.Valid(data) {
		line := 1
		for i := 0; i < len(data); {
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			if data[i] == '\n' {
				line++
			}
			i += n
		}
		return fail(line, "not UTF-8 text, not a Dockerfile")
	}
	ast, err := parser.Parse(bytes.NewReader(data))
	if err != nil {
		line := errLine(err)
		if strings.Contains(err.Error(), "line greater than max allowed size") {
			line++ // BuildKit names the last line it read, not the one too long to read
		}
		return fail(line, "%s", parseMessage(err))
	}
	p := &builder{
		name: name, data: data, lim: lim, escape: ast.EscapeToken,
		df:     &target.Dockerfile{File: name},
		global: map[string]string{},
	}
	p.df.Redact = p.redact
	if n := len(ast.AST.Children); n > lim.MaxInstructions {
		return fail(0, "Dockerfile has %d instructions, over the limit of %d", n, lim.MaxInstructions)
	}
	p.lines = splitLines(data)
	for _, node := range ast.AST.Children {
		p.node(node)
	}
	p.finish()
	p.df.Ignores, p.errs = parseIgnores(name, p.lines, ast.AST.Children, p.errs)
	return Result{Target: p.df, Errors: p.errs}
}

func firstFrame(stack []byte) string {
	lines := strings.Split(string(stack), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "panic(") && i+3 < len(lines) {
			return "at " + strings.TrimSpace(lines[i+3])
		}
	}
	return ""
}

var lineRe = regexp.MustCompile(`^dockerfile parse error on line (\d+): `)

// errLine reads the line BuildKit attaches to its errors.
func errLine(err error) int {
	var loc *parser.LocationError
	if errors.As(err, &loc) && len(loc.Locations) > 0 && len(loc.Locations[0]) > 0 {
		return loc.Locations[0][0].Start.Line
	}
	return 0
}

// parseMessage words BuildKit's errors for a reader: which heredoc is unterminated, and
// what a too-long line means.
func parseMessage(err error) string {
	msg := err.Error()
	msg = lineRe.ReplaceAllString(msg, "")
	switch {
	case strings.Contains(msg, "unterminated heredoc"):
		return "unterminated heredoc: no line holds only its terminator (an indented terminator only counts with <<-)"
	case strings.Contains(msg, "line greater than max allowed size"):
		return "a line (after joining continuation lines) is longer than BuildKit's 64 KiB limit"
	case strings.Contains(msg, "file with no instructions"):
		return "file with no instructions"
	}
	return "Dockerfile does not parse: " + msg
}

type builder struct {
	name   string
	data   []byte
	lim    Limits
	escape rune
	lines  []string
	df     *target.Dockerfile
	errs   []finding.InputError
	// global ARGs (before the first FROM) with their defaults.
	global map[string]string
	// the current stage and its variables
	stage    *target.Stage
	env      map[string]string
	shellCmd []string
	// secrets to mask wherever they appear in this file's text
	secrets []string
}

func (p *builder) errorf(line int, format string, args ...any) {
	p.errs = append(p.errs, finding.InputError{Input: p.name, Line: line, Message: p.redact(fmt.Sprintf(format, args...))})
}

// redact masks this file's secrets in text shown to a user.
func (p *builder) redact(s string) string { return secret.RedactValues(s, p.secrets...) }

var defaultShell = []string{"/bin/sh", "-c"}

func (p *builder) node(node *parser.Node) {
	in := &target.Instruction{
		Cmd:      strings.ToUpper(node.Value),
		Line:     node.StartLine,
		EndLine:  node.EndLine,
		Original: node.Original,
		Flags:    node.Flags,
		JSON:     node.Attributes["json"],
	}
	for n := node.Next; n != nil; n = n.Next {
		in.Args = append(in.Args, n.Value)
	}
	for _, h := range node.Heredocs {
		in.Heredocs = append(in.Heredocs, target.Heredoc{Name: h.Name, Content: h.Content})
	}
	cmd, err := instructions.ParseInstruction(node)
	if err != nil {
		p.errorf(node.StartLine, "%s: %s", in.Cmd, strings.TrimPrefix(lineRe.ReplaceAllString(err.Error(), ""), "dockerfile parse error: "))
		// An unknown or malformed instruction is reported and left out; the rest of the
		// file is still checked.
		return
	}
	if st, ok := cmd.(*instructions.Stage); ok {
		p.from(in, st)
		return
	}
	in.Stage = p.stage
	env := p.env
	if p.stage == nil {
		env = p.global
	}
	in.Env = copyEnv(env)
	in.ShellCmd = p.shellCmd
	p.fill(in, node, cmd)
	if p.stage == nil {
		p.df.Global = append(p.df.Global, in)
	} else {
		p.stage.Instructions = append(p.stage.Instructions, in)
	}
}

func copyEnv(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// fill reads the typed instruction into the model and updates the variables in scope.
func (p *builder) fill(in *target.Instruction, node *parser.Node, cmd any) {
	switch c := cmd.(type) {
	case *instructions.ArgCommand:
		for _, a := range c.Args {
			kv := target.KeyValue{Key: a.Key}
			if a.Value != nil {
				kv.Value, kv.HasValue = p.expand(*a.Value, in.Env), true
			}
			in.KV = append(in.KV, kv)
			p.noteSecret(a.Key, kv.Value)
			switch {
			case p.stage == nil && kv.HasValue:
				p.global[a.Key] = kv.Value
			case p.stage == nil:
			case kv.HasValue:
				p.env[a.Key] = kv.Value
			default:
				if v, ok := p.global[a.Key]; ok { // a global ARG brought into the stage
					p.env[a.Key] = v
				}
			}
		}
	case *instructions.EnvCommand:
		for _, kv := range c.Env {
			v := p.expand(kv.Value, p.env)
			in.KV = append(in.KV, target.KeyValue{Key: kv.Key, Value: v, HasValue: true})
			p.noteSecret(kv.Key, v)
			if p.env != nil {
				p.env[kv.Key] = v
			}
		}
	case *instructions.LabelCommand:
		for _, kv := range c.Labels {
			in.KV = append(in.KV, target.KeyValue{Key: kv.Key, Value: kv.Value, HasValue: true})
			p.noteSecret(kv.Key, kv.Value)
		}
	case *instructions.ShellCommand:
		p.shellCmd = c.Shell
	case *instructions.RunCommand:
		env := in.Env
		if err := c.Expand(func(w string) (string, error) { return p.expand(w, env), nil }); err != nil {
			p.errorf(in.Line, "RUN --mount: %v", err)
		}
		for _, m := range instructions.GetMounts(c) {
			in.Mounts = append(in.Mounts, target.Mount{Type: string(m.Type), Target: m.Target, From: m.From, Source: m.Source})
		}
		p.script(in, node, c.ShellDependantCmdLine)
	case *instructions.CmdCommand:
		p.script(in, node, c.ShellDependantCmdLine)
	case *instructions.EntrypointCommand:
		p.script(in, node, c.ShellDependantCmdLine)
	case *instructions.HealthCheckCommand:
		in.HealthNone = c.Health != nil && len(c.Health.Test) > 0 && c.Health.Test[0] == "NONE"
		// The probe's command: CMD-SHELL runs its one string under the stage's SHELL (as
		// RUN does), CMD is an argv.
		if c.Health != nil && len(c.Health.Test) > 1 {
			switch c.Health.Test[0] {
			case "CMD-SHELL":
				p.script(in, node, instructions.ShellDependantCmdLine{CmdLine: c.Health.Test[1:], PrependShell: true})
			case "CMD":
				p.script(in, node, instructions.ShellDependantCmdLine{CmdLine: c.Health.Test[1:]})
			}
		}
	case *instructions.CopyCommand:
		in.Copy = &target.CopySpec{Sources: c.SourcePaths, Dest: c.DestPath, From: c.From, Chown: c.Chown, Chmod: c.Chmod, Inline: len(c.SourceContents) > 0}
	case *instructions.AddCommand:
		in.Copy = &target.CopySpec{Sources: c.SourcePaths, Dest: c.DestPath, Chown: c.Chown, Chmod: c.Chmod, Inline: len(c.SourceContents) > 0}
	case *instructions.OnbuildCommand:
		if inner, err := parser.Parse(strings.NewReader(c.Expression)); err == nil && len(inner.AST.Children) == 1 {
			n := inner.AST.Children[0]
			n.StartLine, n.EndLine = node.StartLine, node.EndLine
			if ic, err := instructions.ParseInstruction(n); err == nil {
				if _, isStage := ic.(*instructions.Stage); !isStage {
					sub := &target.Instruction{Cmd: strings.ToUpper(n.Value), Line: node.StartLine, EndLine: node.EndLine,
						Original: n.Original, Flags: n.Flags, JSON: n.Attributes["json"], Stage: in.Stage, Env: in.Env, ShellCmd: in.ShellCmd}
					for x := n.Next; x != nil; x = x.Next {
						sub.Args = append(sub.Args, x.Value)
					}
					saved := p.env
					p.env = map[string]string{} // ONBUILD defines nothing in this build
					p.fill(sub, n, ic)
					p.env = saved
					in.OnBuild = sub
				}
			}
		}
	}
}

// noteSecret remembers a value judged secret from its name, to mask it everywhere.
func (p *builder) noteSecret(key, value string) {
	if _, ok := secret.Assignment(key, value); ok {
		p.secrets = append(p.secrets, value)
	}
}

// envGetter adapts a map to BuildKit's variable lookup.
type envGetter map[string]string

func (e envGetter) Get(k string) (string, bool) { v, ok := e[k]; return v, ok }
func (e envGetter) Keys() []string {
	out := make([]string, 0, len(e))
	for k := range e {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// expand substitutes variables in a value the way BuildKit does for ENV and ARG; a value
// that does not expand is kept as written.
func (p *builder) expand(v string, env map[string]string) string {
	if !strings.Contains(v, "$") {
		return v
	}
	out, _, err := shell.NewLex(p.escape).ProcessWord(v, envGetter(env))
	if err != nil {
		return v
	}
	return out
}

// from starts a stage.
func (p *builder) from(in *target.Instruction, st *instructions.Stage) {
	s := &target.Stage{Index: len(p.df.Stages), Name: st.Name, From: in}
	in.Stage = s
	in.Env = copyEnv(p.global)
	s.BaseName = st.BaseName
	unresolved := false
	if strings.Contains(st.BaseName, "$") {
		res, err := shell.NewLex(p.escape).ProcessWordWithMatches(st.BaseName, envGetter(p.global))
		if err == nil {
			s.BaseName = res.Result
			unresolved = len(res.Unmatched) > 0
		} else {
			unresolved = true
		}
	}
	for _, prev := range p.df.Stages {
		if prev.Name != "" && strings.EqualFold(prev.Name, s.BaseName) {
			s.BaseStage = prev
			prev.UsedBy = append(prev.UsedBy, s)
		}
	}
	if s.BaseStage == nil {
		s.Base = ParseImage(s.BaseName)
		s.Base.Unresolved = s.Base.Unresolved || unresolved
	}
	p.df.Stages = append(p.df.Stages, s)
	p.stage = s
	// A stage starts with its base stage's variables and shell, or with none.
	p.env = map[string]string{}
	p.shellCmd = defaultShell
	if s.BaseStage != nil {
		for k, v := range stageEnd(s.BaseStage) {
			p.env[k] = v
		}
		p.shellCmd = stageShell(s.BaseStage)
	}
}

// stageEnd returns the ENV values at the end of a stage (what a stage built on it
// inherits: ENV, not ARG).
func stageEnd(s *target.Stage) map[string]string {
	out := map[string]string{}
	if s.BaseStage != nil {
		out = stageEnd(s.BaseStage)
	}
	for _, in := range s.Instructions {
		if in.Cmd == "ENV" {
			for _, kv := range in.KV {
				out[kv.Key] = kv.Value
			}
		}
	}
	return out
}

func stageShell(s *target.Stage) []string {
	for i := len(s.Instructions) - 1; i >= 0; i-- {
		if s.Instructions[i].Cmd == "SHELL" {
			return s.Instructions[i].Args
		}
	}
	if s.BaseStage != nil {
		return stageShell(s.BaseStage)
	}
	return defaultShell
}

// finish links stages that copy from or mount other stages and marks the final one.
func (p *builder) finish() {
	byName := map[string]*target.Stage{}
	for _, s := range p.df.Stages {
		if s.Name != "" {
			byName[s.Name] = s
		}
	}
	use := func(from string, by *target.Stage) {
		if from == "" {
			return
		}
		src := byName[strings.ToLower(from)]
		if src == nil {
			var idx int
			if _, err := fmt.Sscanf(from, "%d", &idx); err == nil && idx >= 0 && idx < len(p.df.Stages) && fmt.Sprint(idx) == from {
				src = p.df.Stages[idx]
			}
		}
		if src != nil && src != by {
			for _, u := range src.UsedBy {
				if u == by {
					return
				}
			}
			src.UsedBy = append(src.UsedBy, by)
		}
	}
	for _, s := range p.df.Stages {
		for _, in := range s.Instructions {
			if in.Copy != nil {
				use(in.Copy.From, s)
			}
			for _, m := range in.Mounts {
				use(m.From, s)
			}
		}
	}
	if f := p.df.Final(); f != nil {
		f.Final = true
	}
}

// ParseImage parses an image reference with the distribution reference grammar (the one
// Docker uses), normalising Docker Hub names.
func ParseImage(s string) *target.ImageRef {
	r := &target.ImageRef{Raw: s}
	if strings.EqualFold(s, "scratch") {
		r.Scratch = true
		return r
	}
	if strings.Contains(s, "$") {
		r.Unresolved = true
		return r
	}
	named, err := reference.ParseNormalizedNamed(s)
	if err != nil {
		r.Err = err.Error()
		return r
	}
	r.Registry = reference.Domain(named)
	r.Repository = reference.Path(named)
	if t, ok := named.(reference.Tagged); ok {
		r.Tag = t.Tag()
	}
	if d, ok := named.(reference.Digested); ok {
		r.Digest = d.Digest().String()
	}
	return r
}

// splitLines returns the file's lines without line ends (index 0 is line 1).
func splitLines(data []byte) []string {
	s := string(data)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}
