package dockerfile

import (
	"path"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"mvdan.cc/sh/v3/syntax"

	"github.com/eksguard/eksguard/pkg/target"
)

// maxShellDepth bounds the nesting the command walker follows.
const maxShellDepth = 64

// posixShells are the shells whose scripts mvdan.cc/sh parses.
var posixShells = map[string]bool{"sh": true, "bash": true, "ash": true, "dash": true, "ksh": true, "mksh": true, "zsh": true, "busybox": true}

// isPOSIX reports whether a SHELL command line runs a POSIX-style shell.
func isPOSIX(sh []string) bool {
	return len(sh) > 0 && posixShells[path.Base(strings.ReplaceAll(sh[0], `\`, "/"))]
}

// shellPipefail reports whether a SHELL command line sets -o pipefail.
func shellPipefail(sh []string) bool {
	for i, a := range sh {
		if a == "pipefail" && i > 0 && strings.HasPrefix(sh[i-1], "-") && strings.HasSuffix(sh[i-1], "o") {
			return true
		}
	}
	return false
}

// script parses the command of RUN, CMD, ENTRYPOINT or HEALTHCHECK into in.Shell.
func (p *builder) script(in *target.Instruction, node *parser.Node, cl instructions.ShellDependantCmdLine) {
	if !cl.PrependShell {
		// Exec form: the argv is known exactly; no shell runs.
		c := &target.Command{Line: in.Line}
		for _, a := range cl.CmdLine {
			c.Args = append(c.Args, target.Word{Raw: a, Parts: []target.WordPart{{Lit: a}}})
		}
		in.Shell = &target.Script{Commands: []*target.Command{c}}
		return
	}
	if !isPOSIX(in.ShellCmd) {
		return // PowerShell, cmd.exe: not a shell eksguard parses
	}
	if len(cl.CmdLine) == 0 {
		return
	}
	src := strings.Join(cl.CmdLine, " ")
	var lineOf func(l uint) int
	headerLines := p.lineMap(node)
	switch {
	case len(cl.Files) > 0 && len(cl.CmdLine) == 1 && parser.MustParseHeredoc(cl.CmdLine[0]) != nil:
		// RUN <<EOF: BuildKit runs the body as the script, or as a file when it starts
		// with #! naming another interpreter.
		body := cl.Files[0].Data
		if strings.HasPrefix(body, "#!") {
			first, _, _ := strings.Cut(body, "\n")
			f := strings.Fields(strings.TrimPrefix(first, "#!"))
			interp := ""
			if len(f) > 0 {
				interp = path.Base(f[0])
				if interp == "env" && len(f) > 1 {
					interp = path.Base(f[1])
				}
			}
			if !posixShells[interp] {
				return
			}
		}
		src = body
		start := in.Line
		if len(headerLines) > 0 {
			start = headerLines[len(headerLines)-1].line
		}
		lineOf = func(l uint) int { return start + int(l) }
	case len(cl.Files) > 0:
		// A command line with here-documents: the shell reads both.
		var b strings.Builder
		b.WriteString(src)
		b.WriteByte('\n')
		for _, f := range cl.Files {
			b.WriteString(f.Data)
			if !strings.HasSuffix(f.Data, "\n") && f.Data != "" {
				b.WriteByte('\n')
			}
			b.WriteString(f.Name)
			b.WriteByte('\n')
		}
		src = b.String()
		last := in.Line
		if len(headerLines) > 0 {
			last = headerLines[len(headerLines)-1].line
		}
		lineOf = func(l uint) int {
			if l <= 1 {
				return in.Line
			}
			return last + int(l) - 1
		}
	default:
		// The joined command line: map offsets back to the lines they came from.
		base := strings.Index(node.Original, src)
		lineOf = nil
		if base >= 0 && len(headerLines) > 0 {
			hl := headerLines
			src0 := src
			_ = src0
			offLine := func(off int) int {
				o := base + off
				for i := len(hl) - 1; i >= 0; i-- {
					if o >= hl[i].off {
						return hl[i].line
					}
				}
				return in.Line
			}
			in.Shell = p.parseShell(src, in, func(pos syntax.Pos) int { return offLine(int(pos.Offset())) })
			return
		}
	}
	if lineOf == nil {
		lineOf = func(uint) int { return in.Line }
	}
	in.Shell = p.parseShell(src, in, func(pos syntax.Pos) int { return lineOf(pos.Line()) })
}

type lineStart struct{ off, line int }

// lineMap rebuilds how BuildKit joined the instruction's lines (comment and blank lines
// inside continuations dropped, continuation characters removed) and returns where in
// node.Original each source line starts. It returns nil when the rebuild does not give
// node.Original back exactly.
func (p *builder) lineMap(node *parser.Node) []lineStart {
	var out []lineStart
	var b strings.Builder
	esc := string(p.escape)
	for ln := node.StartLine; ln >= 1 && ln <= len(p.lines); ln++ {
		raw := p.lines[ln-1]
		if ln == node.StartLine {
			raw = strings.TrimLeft(raw, " \t\v\f")
			if ln == 1 {
				raw = strings.TrimPrefix(raw, "\ufeff")
			}
		} else {
			t := strings.TrimLeft(raw, " \t\v\f")
			if strings.HasPrefix(t, "#") || t == "" {
				continue
			}
		}
		piece, cont := trimContinuation(raw, esc)
		out = append(out, lineStart{off: b.Len(), line: ln})
		b.WriteString(piece)
		if !cont || b.Len() > len(node.Original) {
			break
		}
	}
	if b.String() != node.Original {
		return nil
	}
	return out
}

// trimContinuation removes a trailing escape character (and blanks after it); cont is
// true when the line continues.
func trimContinuation(line, esc string) (string, bool) {
	t := strings.TrimRight(line, " \t")
	if !strings.HasSuffix(t, esc) {
		return line, false
	}
	t = t[:len(t)-len(esc)]
	if strings.HasSuffix(t, esc) && len(t) > 0 {
		// an escaped escape character: not a continuation
		return line, false
	}
	return t, true
}

// parseShell parses src and collects its commands.
func (p *builder) parseShell(src string, in *target.Instruction, line func(syntax.Pos) int) *target.Script {
	sc := &target.Script{Pipefail: shellPipefail(in.ShellCmd)}
	if len(src) > p.lim.MaxScriptBytes {
		sc.Err = "shell script over the size limit"
		p.errorf(in.Line, "%s: shell script is %d bytes, over the %d-byte limit; its commands are not checked", in.Cmd, len(src), p.lim.MaxScriptBytes)
		return sc
	}
	variant := syntax.LangBash
	if n := path.Base(in.ShellCmd[0]); n == "mksh" || n == "ksh" {
		variant = syntax.LangMirBSDKorn
	}
	f, err := syntax.NewParser(syntax.Variant(variant)).Parse(strings.NewReader(src), "")
	if err != nil {
		sc.Err = err.Error()
		l := in.Line
		var pe syntax.ParseError
		if e, ok := err.(syntax.ParseError); ok {
			pe = e
			l = line(pe.Pos)
		}
		p.errorf(l, "%s: shell does not parse: %s", in.Cmd, shortShellErr(err))
		return sc
	}
	w := &walker{sc: sc, src: src, line: line, assigns: map[string]string{}}
	for i, st := range f.Stmts {
		if i == 0 {
			w.setOpts(st)
		}
		w.chain++
		w.stmt(st, nil, 0)
	}
	return sc
}

func shortShellErr(err error) string {
	s := err.Error()
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

type walker struct {
	sc      *target.Script
	src     string
	line    func(syntax.Pos) int
	chain   int
	assigns map[string]string
}

// setOpts notices "set -o pipefail" (or -eo pipefail and the like) at the script's start.
func (w *walker) setOpts(st *syntax.Stmt) {
	for st != nil {
		var call *syntax.CallExpr
		switch c := st.Cmd.(type) {
		case *syntax.CallExpr:
			call = c
			st = nil
		case *syntax.BinaryCmd:
			if c.Op != syntax.AndStmt {
				return
			}
			if x, ok := c.X.Cmd.(*syntax.CallExpr); ok {
				call = x
			}
			st = nil
		default:
			return
		}
		if call == nil || len(call.Args) < 2 || call.Args[0].Lit() != "set" {
			return
		}
		for i, a := range call.Args[1:] {
			if a.Lit() == "pipefail" && i > 0 && strings.HasSuffix(call.Args[i].Lit(), "o") {
				w.sc.Pipefail = true
			}
		}
	}
}

// stmt walks one statement. pipe collects the commands of an enclosing pipeline.
func (w *walker) stmt(st *syntax.Stmt, pipe *[]*target.Command, depth int) {
	if st == nil || depth > maxShellDepth {
		return
	}
	switch c := st.Cmd.(type) {
	case *syntax.CallExpr:
		w.call(c, pipe, st.Negated, depth)
	case *syntax.BinaryCmd:
		switch c.Op {
		case syntax.Pipe, syntax.PipeAll:
			if pipe != nil {
				w.stmt(c.X, pipe, depth+1)
				w.stmt(c.Y, pipe, depth+1)
				return
			}
			var cmds []*target.Command
			w.stmt(c.X, &cmds, depth+1)
			w.stmt(c.Y, &cmds, depth+1)
			if len(cmds) > 1 {
				for i, x := range cmds {
					x.Pipeline, x.Pos = cmds, i
				}
				w.sc.Pipelines = append(w.sc.Pipelines, cmds)
			}
		default: // && and ||
			start := len(w.sc.Commands)
			w.stmt(c.X, pipe, depth+1)
			if c.Op == syntax.OrStmt {
				for _, x := range w.sc.Commands[start:] {
					x.Tolerated = true
				}
			}
			w.stmt(c.Y, pipe, depth+1)
		}
	case *syntax.Subshell:
		w.stmts(c.Stmts, depth)
	case *syntax.Block:
		w.stmts(c.Stmts, depth)
	case *syntax.IfClause:
		for ic := c; ic != nil; ic = ic.Else {
			w.stmts(ic.Cond, depth)
			w.stmts(ic.Then, depth)
		}
	case *syntax.WhileClause:
		w.stmts(c.Cond, depth)
		w.stmts(c.Do, depth)
	case *syntax.ForClause:
		w.stmts(c.Do, depth)
	case *syntax.CaseClause:
		for _, it := range c.Items {
			w.stmts(it.Stmts, depth)
		}
	case *syntax.FuncDecl:
		w.stmt(c.Body, nil, depth+1)
	case *syntax.TimeClause:
		w.stmt(c.Stmt, pipe, depth+1)
	case *syntax.DeclClause:
		for _, a := range c.Args {
			w.assign(a)
		}
	}
}

// stmts walks a statement list: each statement starts a new && / || chain.
func (w *walker) stmts(list []*syntax.Stmt, depth int) {
	for _, s := range list {
		w.chain++
		w.stmt(s, nil, depth+1)
	}
}

func (w *walker) assign(a *syntax.Assign) {
	if a.Name == nil || a.Naked {
		return
	}
	if a.Value == nil {
		w.assigns[a.Name.Value] = ""
		return
	}
	word := w.word(a.Value, 0)
	if v, ok := word.Expand(func(n string) (string, bool) { v, ok := w.assigns[n]; return v, ok }); ok {
		w.assigns[a.Name.Value] = v
	} else {
		delete(w.assigns, a.Name.Value)
	}
}

func (w *walker) call(c *syntax.CallExpr, pipe *[]*target.Command, negated bool, depth int) {
	if len(c.Args) == 0 {
		for _, a := range c.Assigns {
			w.assign(a)
		}
		return
	}
	cmd := &target.Command{Line: w.line(c.Pos()), Chain: w.chain, Tolerated: negated}
	if len(w.assigns) > 0 {
		cmd.Assigns = make(map[string]string, len(w.assigns))
		for k, v := range w.assigns {
			cmd.Assigns[k] = v
		}
	}
	for _, a := range c.Args {
		cmd.Args = append(cmd.Args, w.word(a, depth))
	}
	w.sc.Commands = append(w.sc.Commands, cmd)
	if pipe != nil {
		*pipe = append(*pipe, cmd)
	}
	if cmd.Name() == "export" {
		for _, a := range cmd.Args[1:] {
			if v, ok := a.Literal(); ok {
				if k, val, ok := strings.Cut(v, "="); ok {
					w.assigns[k] = val
				}
			}
		}
	}
}

// word converts a shell word; command substitutions inside it are walked as commands.
func (w *walker) word(x *syntax.Word, depth int) target.Word {
	out := target.Word{}
	if s, e := int(x.Pos().Offset()), int(x.End().Offset()); s >= 0 && e <= len(w.src) && s <= e {
		out.Raw = w.src[s:e]
	}
	w.parts(&out, x.Parts, false, depth)
	return out
}

func (w *walker) parts(out *target.Word, parts []syntax.WordPart, quoted bool, depth int) {
	for _, p := range parts {
		switch v := p.(type) {
		case *syntax.Lit:
			s := v.Value
			if !quoted {
				s = unescape(s)
			}
			out.Parts = append(out.Parts, target.WordPart{Lit: s})
		case *syntax.SglQuoted:
			out.Parts = append(out.Parts, target.WordPart{Lit: v.Value})
		case *syntax.DblQuoted:
			w.parts(out, v.Parts, true, depth)
		case *syntax.ParamExp:
			if v.Param != nil && simpleParam(v) {
				out.Parts = append(out.Parts, target.WordPart{Var: v.Param.Value})
			} else {
				out.Parts = append(out.Parts, target.WordPart{Unknown: true})
			}
		case *syntax.CmdSubst:
			out.Parts = append(out.Parts, target.WordPart{Unknown: true})
			for _, s := range v.Stmts {
				w.stmt(s, nil, depth+1)
			}
		case *syntax.ProcSubst:
			out.Parts = append(out.Parts, target.WordPart{Unknown: true})
			for _, s := range v.Stmts {
				w.stmt(s, nil, depth+1)
			}
		default:
			out.Parts = append(out.Parts, target.WordPart{Unknown: true})
		}
	}
}

func simpleParam(p *syntax.ParamExp) bool {
	return p.Flags == nil && !p.Excl && !p.Length && !p.Width && !p.IsSet && p.NestedParam == nil &&
		p.Index == nil && len(p.Modifiers) == 0 && p.Slice == nil && p.Repl == nil && p.Names == 0 && p.Exp == nil
}

// unescape removes the backslashes of an unquoted literal.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			if s[i] == '\n' {
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
