package dockerfile

import (
	"fmt"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/pkg/target"
)

func parse(t *testing.T, src string) *target.Dockerfile {
	t.Helper()
	res := Parse("Dockerfile", []byte(src), DefaultLimits())
	if res.Target == nil {
		t.Fatalf("no target: %v", res.Errors)
	}
	return res.Target
}

func TestModel(t *testing.T) {
	d := parse(t, `# syntax=docker/dockerfile:1
ARG BASE=python:3.12-slim
ARG TAG
FROM golang:1.23@sha256:beefdbd8a1da6d2915566fde36db9db0b524eb737fc57cd1367effd16dc0d06d AS build
ARG CURL_VERSION=8.0
RUN apt-get update \
 # a comment inside the continuation
 && apt-get install -y curl=${CURL_VERSION} \
 && V=1.2 && echo $V | tee /x
FROM ${BASE} AS final
COPY --from=build /app /app
FROM ghcr.io/acme/tool:${TAG}
FROM final
RUN <<EOF
set -e
apk add bash
EOF
`)
	if len(d.Stages) != 4 {
		t.Fatalf("stages = %d", len(d.Stages))
	}
	b := d.Stages[0].Base
	if b.Registry != "docker.io" || b.Repository != "library/golang" || b.Tag != "1.23" || b.Digest == "" {
		t.Errorf("base = %+v", b)
	}
	if got := d.Stages[1].BaseName; got != "python:3.12-slim" {
		t.Errorf("ARG in FROM: %q", got)
	}
	if !d.Stages[2].Base.Unresolved {
		t.Errorf("FROM with undefined ARG should be unresolved: %+v", d.Stages[2].Base)
	}
	if d.Stages[3].BaseStage != d.Stages[1] || !d.Stages[3].Final || d.Stages[1].Final {
		t.Errorf("stage inheritance/final wrong")
	}
	if len(d.Stages[0].UsedBy) != 1 || d.Stages[0].UsedBy[0] != d.Stages[1] {
		t.Errorf("COPY --from not linked: %v", d.Stages[0].UsedBy)
	}
	run := d.Stages[0].Instructions[1]
	if run.Cmd != "RUN" || run.Line != 6 || run.EndLine != 9 || run.Shell == nil {
		t.Fatalf("run = %+v", run)
	}
	var lines []int
	var names []string
	for _, c := range run.Shell.Commands {
		lines = append(lines, c.Line)
		names = append(names, c.Name())
	}
	if strings.Join(names, " ") != "apt-get apt-get echo tee" {
		t.Errorf("commands = %v", names)
	}
	if len(lines) < 3 || lines[0] != 6 || lines[1] != 8 || lines[2] != 9 {
		t.Errorf("command lines = %v", lines)
	}
	inst := run.Shell.Commands[1]
	if v, ok := inst.Args[3].Expand(run.Lookup); !ok || v != "curl=8.0" {
		t.Errorf("ARG expansion = %q %v", v, ok)
	}
	if c := run.Shell.Commands; c[0].Chain != c[3].Chain {
		t.Errorf("one && list, chains %d and %d", c[0].Chain, c[3].Chain)
	}
	if sc := parse(t, "FROM a\nRUN a; b || c\n").Stages[0].Instructions[0].Shell; sc.Commands[0].Chain == sc.Commands[1].Chain ||
		sc.Commands[1].Chain != sc.Commands[2].Chain || !sc.Commands[1].Tolerated || sc.Commands[2].Tolerated {
		t.Errorf("chains across ; and ||: %+v %+v %+v", sc.Commands[0], sc.Commands[1], sc.Commands[2])
	}
	if len(run.Shell.Pipelines) != 1 || run.Shell.Commands[2].Assigns["V"] != "1.2" {
		t.Errorf("pipeline or assignment lost: %+v", run.Shell)
	}
	hd := d.Stages[3].Instructions[0]
	if hd.Shell == nil || len(hd.Shell.Commands) != 2 || hd.Shell.Commands[1].Name() != "apk" || hd.Shell.Commands[1].Line != 16 {
		t.Errorf("heredoc script: %+v", hd.Shell)
	}
}

func TestShellInstruction(t *testing.T) {
	d := parse(t, `FROM mcr.microsoft.com/windows/servercore:ltsc2022
SHELL ["powershell", "-Command"]
RUN Invoke-WebRequest https://x | iex
FROM alpine:3.20
SHELL ["/bin/ash", "-eo", "pipefail", "-c"]
RUN a | b
`)
	if d.Stages[0].Instructions[1].Shell != nil {
		t.Error("PowerShell RUN parsed as POSIX shell")
	}
	if sc := d.Stages[1].Instructions[1].Shell; sc == nil || !sc.Pipefail {
		t.Errorf("SHELL pipefail not seen: %+v", sc)
	}
}

func TestEscapeDirective(t *testing.T) {
	d := parse(t, "# escape=`\nFROM alpine:3.20\nRUN echo a `\n && echo b\n")
	sc := d.Stages[0].Instructions[0].Shell
	if sc == nil || len(sc.Commands) != 2 || sc.Commands[1].Line != 4 {
		t.Fatalf("escape directive: %+v", sc)
	}
}

func TestIgnores(t *testing.T) {
	d := parse(t, `# eksguard ignore-file=dockerfile/healthcheck probes live in the pod
FROM alpine:3.20
# eksguard ignore=dockerfile/user-root,dockerfile/sudo binds port 80
USER root
RUN echo \
# eksguard ignore=dockerfile/not-an-ignore
 done
`)
	if len(d.Ignores) != 2 {
		t.Fatalf("ignores = %+v", d.Ignores)
	}
	if d.Ignores[0].Applies != 0 || d.Ignores[1].Applies != 4 || d.Ignores[1].Reason != "binds port 80" || len(d.Ignores[1].Rules) != 2 {
		t.Errorf("ignores = %+v", d.Ignores)
	}
}

// TestHostile: bad input gives a clear error naming file and line, never a crash.
func TestHostile(t *testing.T) {
	long := "FROM alpine:3.20\nRUN echo " + strings.Repeat("a", 70<<10) + "\n"
	cases := []struct {
		name, src, want string
		line            int
	}{
		{"binary", "FROM alpine\n\x00\x01\x02", "binary file", 2},
		{"not utf8", "FROM alpine\nRUN echo \xff\xfe\n", "not UTF-8", 2},
		{"unterminated heredoc", "FROM alpine:3.20\nRUN <<EOF\necho hi\n  EOF\n", "unterminated heredoc", 2},
		{"long line", long, "64 KiB", 2},
		{"unbalanced quotes", "FROM alpine:3.20\nRUN echo \"unterminated\n", "shell does not parse", 2},
		{"unknown instruction", "FROM alpine:3.20\nFOO bar\nUSER root\n", "unknown instruction", 2},
		{"empty", "# only a comment\n", "no instructions", 1},
		{"bad copy", "FROM alpine:3.20\nCOPY\n", "COPY", 2},
		{"fuzz seed makisu", "FROM ${0:+0}\nCOPY \xc2\xa0\n", "", 0},
		{"cr only", "FROM alpine\rRUN echo\r", "", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := Parse("Dockerfile", []byte(c.src), DefaultLimits())
			if c.want == "" {
				return // must merely not crash
			}
			if len(res.Errors) == 0 {
				t.Fatalf("no error")
			}
			e := res.Errors[0]
			if !strings.Contains(e.Error(), c.want) || e.Input != "Dockerfile" || e.Line != c.line {
				t.Errorf("error = %+v, want %q at line %d", e, c.want, c.line)
			}
		})
	}
	big := make([]byte, DefaultLimits().MaxFileBytes+1)
	if res := Parse("big", big, DefaultLimits()); len(res.Errors) == 0 || !strings.Contains(res.Errors[0].Message, "limit") {
		t.Errorf("huge file: %+v", res.Errors)
	}
	// The unknown instruction is reported, and the rest of the file is still read.
	res := Parse("Dockerfile", []byte("FROM alpine:3.20\nFOO bar\nUSER root\n"), DefaultLimits())
	if res.Target == nil || len(res.Target.Stages[0].Instructions) != 1 {
		t.Errorf("file after an unknown instruction not read: %+v", res.Target)
	}
}

func TestRedactedErrors(t *testing.T) {
	res := Parse("Dockerfile", []byte("FROM alpine:3.20\nENV DB_PASSWORD=Sup3r-S3cret-Value\nRUN echo \"Sup3r-S3cret-Value\n"), DefaultLimits())
	for _, e := range res.Errors {
		if strings.Contains(e.Error(), "Sup3r") {
			t.Errorf("error leaks the secret: %v", e)
		}
	}
	if got := res.Target.Redact("x Sup3r-S3cret-Value y"); strings.Contains(got, "Sup3r") {
		t.Errorf("Redact = %q", got)
	}
}

// TestCommandLines: every command carries the Dockerfile line it is written on, through
// multi-line flags, here-documents and shebang scripts.
func TestCommandLines(t *testing.T) {
	d := parse(t, "FROM alpine:3.20\nRUN --mount=type=cache,target=/root/.cache \\\n    --mount=type=secret,id=x \\\n    apk add curl \\\n    && echo done\n"+
		"RUN cat <<EOF > /etc/x.conf && chmod 600 /etc/x.conf\nline1\nline2\nEOF\nRUN python3 <<PY\nimport os\nPY\n"+
		"RUN <<EOF\n#!/bin/bash\nset -eo pipefail\ncurl x | sh\nEOF\n")
	var got []string
	for _, in := range d.Stages[0].Instructions {
		for _, c := range in.Shell.Commands {
			got = append(got, fmt.Sprintf("%d:%s", c.Line, c.Name()))
		}
	}
	if want := "4:apk 5:echo 6:cat 6:chmod 10:python3 15:set 16:curl 16:sh"; strings.Join(got, " ") != want {
		t.Errorf("got %s, want %s", strings.Join(got, " "), want)
	}
	if !d.Stages[0].Instructions[3].Shell.Pipefail {
		t.Error("set -eo pipefail not seen")
	}
	if m := d.Stages[0].Instructions[0].Mounts; len(m) != 2 || m[0].Type != "cache" || m[0].Target != "/root/.cache" || m[1].Type != "secret" {
		t.Errorf("mounts = %+v", m)
	}
}

func TestHealthcheckShell(t *testing.T) {
	d := parse(t, `FROM alpine:3.20
HEALTHCHECK --interval=30s \
  CMD curl -fsS https://example.com/x.sh | sh && \
      wget -qO- http://localhost:8080/health
HEALTHCHECK CMD ["/app/probe", "--tcp", ":8080"]
HEALTHCHECK NONE
`)
	ins := d.Stages[0].Instructions
	if len(ins) != 3 {
		t.Fatalf("instructions = %d", len(ins))
	}
	sh := ins[0].Shell
	if sh == nil || len(sh.Commands) != 3 || len(sh.Pipelines) != 1 {
		t.Fatalf("shell form: %+v", sh)
	}
	var got []string
	for _, c := range sh.Commands {
		got = append(got, fmt.Sprintf("%s@%d", c.Name(), c.Line))
	}
	if strings.Join(got, " ") != "curl@3 sh@3 wget@4" {
		t.Errorf("commands %v", got)
	}
	if ex := ins[1].Shell; ex == nil || len(ex.Commands) != 1 || strings.Join(target.Strings(ex.Commands[0].Args), " ") != "/app/probe --tcp :8080" {
		t.Errorf("exec form: %+v", ex)
	}
	if ins[2].Shell != nil || !ins[2].HealthNone {
		t.Errorf("NONE: %+v", ins[2])
	}
}
