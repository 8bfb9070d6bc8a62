// Package dockerfile reads Dockerfiles (and Containerfiles) into the typed model rules
// see (target.Dockerfile). Instructions are parsed with BuildKit's own parser, the one
// `docker build` uses: here-documents, the escape directive, line continuations and ARG
// substitution in FROM behave as in a build. The shell of every RUN (and of shell-form
// CMD and ENTRYPOINT) is parsed with mvdan.cc/sh into commands and words, so rules look
// at argv, pipelines and && chains instead of matching text. The directory walker that
// finds Dockerfiles beside manifests is manifest.Walk.
package dockerfile
