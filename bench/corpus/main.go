// Command corpus builds the manifest corpus that bench/run.sh scans with
// eksguard and kube-score.
//
// Usage:
//
//	corpus -out DIR -kube-score BIN [-copies 10] LABEL=SRCDIR...
//
// It walks each SRCDIR (a module in the Go module cache) for *.yaml, *.yml
// and *.json files whose every document is a Kubernetes object (a mapping
// with string apiVersion and kind and a metadata mapping), skips Helm/Go
// templates, Lists and duplicate files, and drops every file that makes
// kube-score abort its run (tested in batches, bisecting failures down to
// single files). The kept
// files are copied to DIR/1x/LABEL/NNNNN.EXT and hard-linked COPIES times
// into DIR/10x/rI/. DIR/files.txt lists them relative to DIR/1x,
// DIR/manifest.tsv maps them to their sources, DIR/dropped.tsv lists the
// files kube-score aborts on and DIR/stats.env holds the counts as shell
// variables.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"sigs.k8s.io/yaml"
)

// workloadKinds are the kinds counted as workloads.
var workloadKinds = map[string]bool{
	"Pod": true, "Deployment": true, "StatefulSet": true, "DaemonSet": true,
	"ReplicaSet": true, "ReplicationController": true, "Job": true, "CronJob": true,
}

// kubeScoreKinds are the apiVersion/kind pairs kube-score v1.20.0 decodes and
// scores (parser/parse.go); it silently ignores every other kind.
var kubeScoreKinds = map[string]bool{}

func init() {
	for _, s := range []string{
		"v1/Pod", "v1/Service",
		"batch/v1/Job", "batch/v1/CronJob", "batch/v1beta1/CronJob",
		"apps/v1/Deployment", "apps/v1beta1/Deployment", "apps/v1beta2/Deployment", "extensions/v1beta1/Deployment",
		"apps/v1/StatefulSet", "apps/v1beta1/StatefulSet", "apps/v1beta2/StatefulSet",
		"apps/v1/DaemonSet", "apps/v1beta2/DaemonSet", "extensions/v1beta1/DaemonSet",
		"networking.k8s.io/v1/NetworkPolicy",
		"policy/v1/PodDisruptionBudget", "policy/v1beta1/PodDisruptionBudget",
		"extensions/v1beta1/Ingress", "networking.k8s.io/v1beta1/Ingress", "networking.k8s.io/v1/Ingress",
		"autoscaling/v1/HorizontalPodAutoscaler", "autoscaling/v2/HorizontalPodAutoscaler",
		"autoscaling/v2beta1/HorizontalPodAutoscaler", "autoscaling/v2beta2/HorizontalPodAutoscaler",
	} {
		kubeScoreKinds[s] = true
	}
}

const maxFileSize = 16 << 20

type object struct {
	apiVersion, kind, namespace, name string
}

type file struct {
	label, src, ext string
	data            []byte
	objects         []object
	rel             string // path under DIR/1x once kept
}

func main() {
	out := flag.String("out", "", "output directory (must not exist)")
	kubeScore := flag.String("kube-score", "", "kube-score binary")
	copies := flag.Int("copies", 10, "copies in the 10x corpus")
	batch := flag.Int("batch", 200, "files per kube-score test run")
	flag.Parse()
	if *out == "" || *kubeScore == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: corpus -out DIR -kube-score BIN LABEL=SRCDIR...")
		os.Exit(2)
	}
	if err := run(*out, *kubeScore, *copies, *batch, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "corpus:", err)
		os.Exit(1)
	}
}

func run(out, kubeScore string, copies, batch int, mods []string) error {
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("%s already exists", out)
	}
	var cands []*file
	seen := map[[32]byte]bool{}
	skipped := map[string]int{}
	for _, m := range mods {
		label, dir, ok := strings.Cut(m, "=")
		if !ok {
			return fmt.Errorf("bad module argument %q, want LABEL=DIR", m)
		}
		n := len(cands)
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if d.Name() == "node_modules" {
					return filepath.SkipDir
				}
				return nil
			}
			ext := strings.ToLower(filepath.Ext(path))
			if ext != ".yaml" && ext != ".yml" && ext != ".json" || !d.Type().IsRegular() {
				return nil
			}
			info, err := d.Info()
			if err != nil || info.Size() > maxFileSize {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			objs, why := parse(data)
			if why != "" {
				skipped[why]++
				return nil
			}
			sum := sha256.Sum256(data)
			if seen[sum] {
				skipped["duplicate file"]++
				return nil
			}
			seen[sum] = true
			cands = append(cands, &file{label: label, src: path, ext: ext, data: data, objects: objs})
			return nil
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "corpus: %s: %d candidate files\n", label, len(cands)-n)
	}
	for _, why := range sortedKeys(skipped) {
		fmt.Fprintf(os.Stderr, "corpus: skipped %d files: %s\n", skipped[why], why)
	}

	fmt.Fprintf(os.Stderr, "corpus: testing %d files with kube-score\n", len(cands))
	kept, dropped := filterKubeScore(kubeScore, cands, batch)
	fmt.Fprintf(os.Stderr, "corpus: kube-score aborts on %d files (listed in dropped.tsv)\n", len(dropped))

	tmp := out + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	var list bytes.Buffer
	var manifest bytes.Buffer
	perLabel := map[string]int{}
	for _, f := range kept {
		perLabel[f.label]++
		f.rel = fmt.Sprintf("%s/%05d%s", f.label, perLabel[f.label], f.ext)
		p := filepath.Join(tmp, "1x", f.rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.data, 0o644); err != nil {
			return err
		}
		for i := 0; i < copies; i++ {
			q := filepath.Join(tmp, "10x", fmt.Sprintf("r%d", i), f.rel)
			if err := os.MkdirAll(filepath.Dir(q), 0o755); err != nil {
				return err
			}
			if err := os.Link(p, q); err != nil {
				return err
			}
		}
		list.WriteString(f.rel + "\n")
		fmt.Fprintf(&manifest, "%s\t%s\t%d\n", f.rel, f.src, len(f.objects))
	}
	var rejects bytes.Buffer
	for _, d := range dropped {
		fmt.Fprintf(&rejects, "%s\t%s\n", d.f.src, d.why)
	}
	if err := os.WriteFile(filepath.Join(tmp, "dropped.tsv"), rejects.Bytes(), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, "files.txt"), list.Bytes(), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, "manifest.tsv"), manifest.Bytes(), 0o644); err != nil {
		return err
	}

	fmt.Fprintf(os.Stderr, "corpus: checking that kube-score scores the whole corpus in one run\n")
	scored, err := kubeScoreCount(kubeScore, filepath.Join(tmp, "1x"), kept)
	if err != nil {
		return fmt.Errorf("kube-score on the whole corpus: %w", err)
	}
	want := map[string]bool{}
	var objects, workloads, crds int
	kinds := map[string]int{}
	for _, f := range kept {
		for _, o := range f.objects {
			objects++
			kinds[o.kind]++
			if workloadKinds[o.kind] {
				workloads++
			}
			if o.kind == "CustomResourceDefinition" {
				crds++
			}
			if kubeScoreKinds[o.apiVersion+"/"+o.kind] {
				want[o.kind+"/"+o.apiVersion+"/"+o.namespace+"/"+o.name] = true
			}
		}
	}
	if scored != len(want) {
		return fmt.Errorf("kube-score scored %d objects, want %d (distinct objects of the kinds it knows)", scored, len(want))
	}

	var stats bytes.Buffer
	fmt.Fprintf(&stats, "CORPUS_FILES=%d\nCORPUS_OBJECTS=%d\nCORPUS_WORKLOADS=%d\nCORPUS_CRDS=%d\nCORPUS_KINDS=%d\nCORPUS_KUBE_SCORE_SCORED=%d\nCORPUS_DROPPED=%d\nCORPUS_COPIES=%d\n",
		len(kept), objects, workloads, crds, len(kinds), scored, len(dropped), copies)
	for _, m := range mods {
		label, _, _ := strings.Cut(m, "=")
		var nf, no int
		for _, f := range kept {
			if f.label == label {
				nf++
				no += len(f.objects)
			}
		}
		fmt.Fprintf(&stats, "CORPUS_MODULE_%s='%d files, %d objects'\n", strings.ToUpper(strings.ReplaceAll(label, "-", "_")), nf, no)
	}
	if err := os.WriteFile(filepath.Join(tmp, "stats.env"), stats.Bytes(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, out)
}

// parse splits data into documents the way kube-score does (on "\n---\n")
// and returns the objects, or why the file is not a clean manifest file.
func parse(data []byte) ([]object, string) {
	if !utf8.Valid(data) {
		return nil, "not UTF-8"
	}
	if bytes.Contains(data, []byte("{{")) {
		return nil, "template ({{)"
	}
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	for _, line := range bytes.Split(data, []byte("\n")) {
		// Document markers kube-score would not split on.
		if (bytes.HasPrefix(line, []byte("---")) && string(line) != "---") || string(line) == "..." {
			return nil, "unusual document marker"
		}
	}
	data = bytes.TrimPrefix(data, []byte("---\n"))
	var objs []object
	for _, doc := range bytes.Split(data, []byte("\n---\n")) {
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		var m map[string]any
		if err := yaml.Unmarshal(doc, &m); err != nil {
			return nil, "not a YAML/JSON mapping"
		}
		if m == nil {
			continue // comments only
		}
		av, _ := m["apiVersion"].(string)
		kind, _ := m["kind"].(string)
		if av == "" || kind == "" {
			return nil, "document without apiVersion and kind"
		}
		if strings.HasSuffix(kind, "List") {
			return nil, "List object"
		}
		md, ok := m["metadata"].(map[string]any)
		if !ok {
			return nil, "document without metadata"
		}
		o := object{apiVersion: av, kind: kind}
		o.name, _ = md["name"].(string)
		o.namespace, _ = md["namespace"].(string)
		objs = append(objs, o)
	}
	if len(objs) == 0 {
		return nil, "no objects"
	}
	return objs, ""
}

type drop struct {
	f   *file
	why string
}

// filterKubeScore runs kube-score on batches of files, bisecting failing
// batches, and returns the files it accepts in their original order.
func filterKubeScore(bin string, files []*file, batch int) (kept []*file, dropped []drop) {
	bad := make([]string, len(files))
	var mu sync.Mutex
	var check func(lo, hi int)
	check = func(lo, hi int) {
		paths := make([]string, 0, hi-lo)
		for _, f := range files[lo:hi] {
			paths = append(paths, f.src)
		}
		_, err := kubeScoreRun(bin, "", paths)
		if err == nil {
			return
		}
		if hi-lo == 1 {
			mu.Lock()
			bad[lo] = err.Error()
			mu.Unlock()
			return
		}
		mid := (lo + hi) / 2
		check(lo, mid)
		check(mid, hi)
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for lo := range jobs {
				check(lo, min(lo+batch, len(files)))
			}
		}()
	}
	for lo := 0; lo < len(files); lo += batch {
		jobs <- lo
	}
	close(jobs)
	wg.Wait()
	for i, f := range files {
		if bad[i] != "" {
			dropped = append(dropped, drop{f, bad[i]})
		} else {
			kept = append(kept, f)
		}
	}
	return kept, dropped
}

// kubeScoreRun runs "kube-score score -o json PATHS..." in dir and returns
// its JSON output. Exit code 1 with JSON on stdout only means findings.
func kubeScoreRun(bin, dir string, paths []string) ([]byte, error) {
	cmd := exec.Command(bin, append([]string{"score", "-o", "json", "--color", "never"}, paths...)...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
		return nil, err
	}
	if msg := strings.TrimSpace(stderr.String()); msg != "" || !json.Valid(stdout.Bytes()) {
		first, _, _ := strings.Cut(msg, "\n")
		return nil, fmt.Errorf("aborted: %s", first)
	}
	return stdout.Bytes(), nil
}

func kubeScoreCount(bin, dir string, files []*file) (int, error) {
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = f.rel
	}
	out, err := kubeScoreRun(bin, dir, paths)
	if err != nil {
		return 0, err
	}
	var objs []json.RawMessage
	if err := json.Unmarshal(out, &objs); err != nil {
		return 0, err
	}
	return len(objs), nil
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
