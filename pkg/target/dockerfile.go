package target

import (
	"strconv"
	"strings"

	"github.com/eksguard/eksguard/pkg/finding"
)

// KindDockerfile is a parsed Dockerfile (or Containerfile).
const KindDockerfile Kind = "dockerfile"

// Dockerfile is one parsed Dockerfile: its build stages in order, each with its
// instructions, and the shell commands of every RUN parsed into words. The source
// (pkg/source/dockerfile) builds it; rules only read it.
type Dockerfile struct {
	File string
	// Global holds the instructions before the first FROM (ARGs that FROM lines may use).
	Global []*Instruction
	Stages []*Stage
	// Ignores are the inline "# eksguard ignore=" comments, by the line of the
	// instruction they apply to; line 0 applies to the whole file.
	Ignores []Ignore
	// Redact masks the secrets in a piece of this file's text before a finding shows it.
	Redact func(string) string
	// Context describes the build context the file is assumed to be built from, read on
	// first call (only rules that need it touch the file system); nil when the file has
	// no directory (read from stdin).
	Context func() *BuildContext
}

// BuildContext is the directory a Dockerfile is built from and its .dockerignore.
type BuildContext struct {
	// Dir is the context directory: the nearest directory at or above the Dockerfile's
	// that holds a .dockerignore, else the Dockerfile's own.
	Dir string
	// IgnoreFile is the ignore file that applies (<Dockerfile>.dockerignore beside the
	// file first, as BuildKit does, then Dir/.dockerignore); "" when none does.
	IgnoreFile string
	// IgnoreErr is set when the ignore file could not be read or parsed.
	IgnoreErr string
	// Excluded reports whether the ignore file keeps a context-relative path (slash
	// separated) out of the context; always false without one.
	Excluded func(rel string) bool
	// Exists reports whether a context-relative path exists.
	Exists func(rel string) bool
}

// Ignore is one inline ignore comment.
type Ignore struct {
	Rules  []string
	Reason string
	// Line is the comment's own line; Applies is the line of the instruction it covers
	// (0 when it covers the whole file).
	Line, Applies int
}

// TargetKind implements Target.
func (d *Dockerfile) TargetKind() Kind { return KindDockerfile }

// Subject implements Target: kind Dockerfile, named by its path.
func (d *Dockerfile) Subject() finding.Subject {
	return finding.Subject{Kind: "Dockerfile", Name: d.File}
}

// Locate implements Target. Paths are built by Instruction.Path ("stage[1].RUN@12");
// the line is read back from them.
func (d *Dockerfile) Locate(path string) finding.Location {
	loc := finding.Location{File: d.File, Path: path}
	if i := strings.LastIndexByte(path, '@'); i >= 0 {
		loc.Line, _ = strconv.Atoi(path[i+1:])
	}
	return loc
}

// Final is the last stage: the one that becomes the image when no --target is given.
func (d *Dockerfile) Final() *Stage {
	if len(d.Stages) == 0 {
		return nil
	}
	return d.Stages[len(d.Stages)-1]
}

// Instructions calls fn on every instruction of every stage, in file order.
func (d *Dockerfile) Instructions(fn func(*Instruction)) {
	for _, s := range d.Stages {
		for _, in := range s.Instructions {
			fn(in)
		}
	}
}

// Stage is one FROM and the instructions up to the next.
type Stage struct {
	Index int
	// Name is the lower-cased AS alias, empty when the stage has none.
	Name string
	// From is the FROM instruction itself.
	From *Instruction
	// BaseName is FROM's image argument with global ARGs substituted.
	BaseName string
	// Base is BaseName parsed as an image reference; nil when it names an earlier stage.
	Base *ImageRef
	// BaseStage is the earlier stage FROM names, when it does.
	BaseStage *Stage
	// Instructions are the stage's instructions after FROM, in order.
	Instructions []*Instruction
	// Final is true for the last stage.
	Final bool
	// UsedBy lists the later stages that build on this one (FROM) or copy from it
	// (COPY --from, RUN --mount from=).
	UsedBy []*Stage
}

// Label names the stage in findings: its alias, or its index.
func (s *Stage) Label() string {
	if s.Name != "" {
		return s.Name
	}
	return strconv.Itoa(s.Index)
}

// Root follows BaseStage links to the stage whose base is an image.
func (s *Stage) Root() *Stage {
	r := s
	for i := 0; r.BaseStage != nil && i < 1000; i++ {
		r = r.BaseStage
	}
	return r
}

// Chain lists this stage and the stages it inherits from (FROM an earlier stage), this
// one first.
func (s *Stage) Chain() []*Stage {
	out := []*Stage{s}
	for r := s.BaseStage; r != nil && len(out) < 1000; r = r.BaseStage {
		out = append(out, r)
	}
	return out
}

// ImageRef is a parsed image reference.
type ImageRef struct {
	Raw        string
	Registry   string // docker.io when the reference names none
	Repository string // path below the registry, library/ added for Docker Hub short names
	Tag        string
	Digest     string
	// Scratch is FROM scratch: an empty image.
	Scratch bool
	// Unresolved is set when the reference still holds a variable the Dockerfile does not
	// define (a build argument without default): its parts are then unknown.
	Unresolved bool
	// Err is set when the reference does not parse.
	Err string
}

// Repo is registry/repository, what an allow-list entry matches against.
func (r *ImageRef) Repo() string { return r.Registry + "/" + r.Repository }

// Instruction is one Dockerfile instruction.
type Instruction struct {
	// Cmd is the instruction keyword in upper case: RUN, COPY, FROM, ...
	Cmd string
	// Line and EndLine are the 1-based lines the instruction spans (heredocs included).
	Line, EndLine int
	// Stage is the stage it belongs to; nil for instructions before the first FROM.
	Stage *Stage
	// Original is the instruction's text as written (first line and continuations).
	Original string
	// Args are the instruction's arguments after parsing (flags removed, JSON form decoded).
	Args []string
	// Flags are the --flag=value options as written.
	Flags []string
	// JSON is true for the exec (JSON array) form of RUN, CMD, ENTRYPOINT and SHELL.
	JSON bool
	// Env is the build-time environment before this instruction: ARG and ENV values
	// in scope (values are as written, with references to other variables expanded).
	Env map[string]string
	// KV are the key-value pairs of ENV, ARG (value nil: no default) and LABEL.
	KV []KeyValue
	// Heredocs are the here-documents attached to the instruction.
	Heredocs []Heredoc
	// Shell is the parsed shell script of RUN (and of shell-form CMD, ENTRYPOINT and
	// HEALTHCHECK CMD); nil for the exec form or when the stage's SHELL is not a POSIX shell.
	Shell *Script
	// ShellCmd is the shell the instruction runs under (SHELL, default /bin/sh -c).
	ShellCmd []string
	// Copy describes COPY and ADD.
	Copy *CopySpec
	// Mounts are RUN --mount options (type, target, from).
	Mounts []Mount
	// Health is set for HEALTHCHECK: "NONE" or the command.
	HealthNone bool
	// OnBuild is the instruction inside ONBUILD, when Cmd is ONBUILD.
	OnBuild *Instruction
}

// Path locates the instruction in findings: stage label, keyword and line, e.g.
// "stage[builder].RUN@12"; global instructions are "global.ARG@1".
func (in *Instruction) Path() string {
	p := "global"
	if in.Stage != nil {
		p = "stage[" + in.Stage.Label() + "]"
	}
	return p + "." + in.Cmd + "@" + strconv.Itoa(in.Line)
}

// Lookup returns a build-time variable in scope, or a shell variable the script set.
func (in *Instruction) Lookup(name string) (string, bool) {
	v, ok := in.Env[name]
	return v, ok
}

// KeyValue is one key=value of ENV, ARG or LABEL.
type KeyValue struct {
	Key   string
	Value string
	// HasValue is false for ARG without a default.
	HasValue bool
}

// Heredoc is one here-document.
type Heredoc struct {
	Name    string
	Content string
}

// CopySpec is what COPY or ADD copies.
type CopySpec struct {
	Sources []string
	Dest    string
	From    string // COPY --from
	Chown   string
	Chmod   string
	// Inline is true when the sources are here-documents.
	Inline bool
}

// Mount is one RUN --mount.
type Mount struct {
	Type, Target, From, Source string
}

// Script is a parsed shell script.
type Script struct {
	// Err is set when the script does not parse; Commands then holds nothing.
	Err string
	// Commands lists every simple command in source order, nested ones (in $(...),
	// subshells, if/for bodies) included.
	Commands []*Command
	// Pipelines lists the pipelines of two or more commands.
	Pipelines [][]*Command
	// Pipefail is true when the shell runs with -o pipefail (set by SHELL or set -o
	// pipefail at the script's start).
	Pipefail bool
}

// Command is one simple command.
type Command struct {
	// Args are the argv words; Args[0] is the program (possibly a path).
	Args []Word
	// Line is the Dockerfile line the command starts on.
	Line int
	// Pipeline is the pipeline the command is part of (nil when alone) and Pos its place.
	Pipeline []*Command
	Pos      int
	// Chain is an identifier shared by the commands of one && / || list (a statement);
	// commands separated by ";" or a newline have different chains.
	Chain int
	// Assigns are the variables the script set before this command (NAME=value words and
	// export), as far as they are literal.
	Assigns map[string]string
	// Tolerated is true under "!" or on the left of "||": its failure does not fail the RUN.
	Tolerated bool
}

// Name is the program's base name ("/usr/bin/apt-get" gives "apt-get"), or "" when the
// program is not a literal.
func (c *Command) Name() string {
	if len(c.Args) == 0 {
		return ""
	}
	v, ok := c.Args[0].Literal()
	if !ok {
		return ""
	}
	if i := strings.LastIndexByte(v, '/'); i >= 0 {
		v = v[i+1:]
	}
	return v
}

// Word is one shell word, split into literal text and variable references.
type Word struct {
	// Raw is the word as written.
	Raw string
	// Parts are the word's pieces in order.
	Parts []WordPart
}

// WordPart is literal text, a plain variable reference ($NAME or ${NAME}), or an
// expansion that cannot be known statically (command substitution, ${X:-...}, globs).
type WordPart struct {
	Lit     string
	Var     string
	Unknown bool
}

// Literal returns the word's value when it holds no expansion.
func (w Word) Literal() (string, bool) {
	if len(w.Parts) == 1 && w.Parts[0].Var == "" && !w.Parts[0].Unknown {
		return w.Parts[0].Lit, true
	}
	var b strings.Builder
	for _, p := range w.Parts {
		if p.Var != "" || p.Unknown {
			return "", false
		}
		b.WriteString(p.Lit)
	}
	return b.String(), true
}

// Lit returns the word's literal text with expansions left out; use it for option names
// and the like where a variable part does not change the meaning.
func (w Word) Lit() string {
	var b strings.Builder
	for _, p := range w.Parts {
		b.WriteString(p.Lit)
	}
	return b.String()
}

// HasVar reports whether the word holds a variable reference or unknown expansion.
func (w Word) HasVar() bool {
	for _, p := range w.Parts {
		if p.Var != "" || p.Unknown {
			return true
		}
	}
	return false
}

// Expand returns the word's value with variables replaced through lookup; ok is false
// when a part is unknown or a variable is not found.
func (w Word) Expand(lookup func(string) (string, bool)) (string, bool) {
	var b strings.Builder
	for _, p := range w.Parts {
		switch {
		case p.Unknown:
			return "", false
		case p.Var != "":
			v, ok := lookup(p.Var)
			if !ok {
				return "", false
			}
			b.WriteString(v)
		default:
			b.WriteString(p.Lit)
		}
	}
	return b.String(), true
}

// Strings returns the literal values of words, "" for non-literal ones.
func Strings(ws []Word) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i], _ = w.Literal()
	}
	return out
}

// Suppressor is a target that carries its own exemptions (inline ignore comments). The
// engine asks it about every finding after the configured exemptions.
type Suppressor interface {
	Suppress(f *finding.Finding) *finding.Suppression
}

// Suppress implements Suppressor: an ignore comment naming the finding's rule (or its
// area) on the line before the finding's instruction, or a file-wide one, exempts it.
func (d *Dockerfile) Suppress(f *finding.Finding) *finding.Suppression {
	area, _, _ := strings.Cut(f.RuleID, "/")
	line := d.instructionAt(f.Location.Line)
	for _, ig := range d.Ignores {
		if ig.Applies != 0 && ig.Applies != line {
			continue
		}
		for _, r := range ig.Rules {
			if r == f.RuleID || r == area || r == "*" {
				reason := ig.Reason
				if reason == "" {
					reason = "(no reason given)"
				}
				return &finding.Suppression{Reason: reason, Source: "inline"}
			}
		}
	}
	return nil
}

// instructionAt returns the first line of the instruction spanning line.
func (d *Dockerfile) instructionAt(line int) int {
	for _, s := range d.Stages {
		if s.From != nil && s.From.Line <= line && line <= s.From.EndLine {
			return s.From.Line
		}
		for _, in := range s.Instructions {
			if in.Line <= line && line <= in.EndLine {
				return in.Line
			}
		}
	}
	for _, in := range d.Global {
		if in.Line <= line && line <= in.EndLine {
			return in.Line
		}
	}
	return line
}
