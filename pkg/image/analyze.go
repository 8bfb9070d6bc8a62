package image

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/eksguard/eksguard/pkg/image/pkgdb"
	"github.com/eksguard/eksguard/pkg/image/secret"
	"github.com/eksguard/eksguard/pkg/imagefs"
	"github.com/eksguard/eksguard/pkg/inventory"
	"github.com/eksguard/eksguard/pkg/inventory/gobinary"
	"github.com/eksguard/eksguard/pkg/target"
)

// Analyser names.
const (
	anOS      = "os-release"
	anDpkg    = "dpkg"
	anAPK     = "apk"
	anRPM     = "rpm"
	anGo      = "go-binary"
	anPasswd  = "passwd"
	anGroup   = "group"
	anSecrets = "secrets"
	anNPM     = "npm"
	anNPMLock = "npm-lock"
	anYarn    = "yarn-lock"
	anPNPM    = "pnpm-lock"
	anPython  = "python"
	anJava    = "java"
)

// MaxRPMDBBytes bounds an rpm database (read whole into memory: its pages point
// anywhere in the file). Real ones are a few MiB to a few tens of MiB.
const MaxRPMDBBytes = 128 << 20

// MaxJavaArchiveBytes bounds the jar, war or ear files read (held in memory while read).
const MaxJavaArchiveBytes = 64 << 20

// inNodeModules says whether p is node_modules/<name>/package.json or
// node_modules/@scope/<name>/package.json.
func inNodeModules(p string) bool {
	if path.Base(p) != "package.json" {
		return false
	}
	d := path.Dir(path.Dir(p))
	if path.Base(d) == "node_modules" {
		return true
	}
	return strings.HasPrefix(path.Base(d), "@") && path.Base(path.Dir(d)) == "node_modules"
}

// fnAnalyzer adapts functions to imagefs.Analyzer.
type fnAnalyzer struct {
	name    string
	history bool
	stream  bool // reads the content as a stream, whatever its size
	wants   func(p string, e *imagefs.Entry) bool
	read    func(p string, e *imagefs.Entry, r io.Reader) (any, error)
}

func (a *fnAnalyzer) Name() string                          { return a.name }
func (a *fnAnalyzer) Wants(p string, e *imagefs.Entry) bool { return a.wants(p, e) }
func (a *fnAnalyzer) KeepHistory() bool                     { return a.history }
func (a *fnAnalyzer) Streams() bool                         { return a.stream }
func (a *fnAnalyzer) Analyze(p string, e *imagefs.Entry, r io.Reader) (any, error) {
	return a.read(p, e, r)
}

// MaxSecretScanBytes bounds the files the secret detector reads.
const MaxSecretScanBytes = 512 << 10

// secretSkipDirs hold documentation and data that packages ship, not secrets of the image.
var secretSkipDirs = []string{"/usr/share/doc/", "/usr/share/man/", "/usr/share/locale/", "/usr/share/zoneinfo/",
	"/usr/share/i18n/", "/usr/share/info/", "/usr/share/perl", "/proc/", "/sys/"}

// Analyzers returns the analysers of an image scan. secrets may be nil to skip content
// secret scanning.
func Analyzers(secrets secret.Detector) []imagefs.Analyzer {
	as := []imagefs.Analyzer{
		&fnAnalyzer{name: anOS, wants: func(p string, _ *imagefs.Entry) bool {
			return p == "/etc/os-release" || p == "/usr/lib/os-release"
		}, read: func(_ string, _ *imagefs.Entry, r io.Reader) (any, error) { return pkgdb.OSRelease(r) }},
		&fnAnalyzer{name: anDpkg, history: true, wants: func(p string, _ *imagefs.Entry) bool {
			if p == "/var/lib/dpkg/status" {
				return true
			}
			d, f := path.Split(p)
			return d == "/var/lib/dpkg/status.d/" && !strings.HasSuffix(f, ".md5sums")
		}, read: func(p string, _ *imagefs.Entry, r io.Reader) (any, error) { return pkgdb.Dpkg(r, p) }},
		&fnAnalyzer{name: anAPK, history: true, wants: func(p string, _ *imagefs.Entry) bool {
			return p == "/lib/apk/db/installed"
		}, read: func(p string, _ *imagefs.Entry, r io.Reader) (any, error) { return pkgdb.APK(r, p) }},
		&fnAnalyzer{name: anRPM, history: true, stream: true, wants: func(p string, _ *imagefs.Entry) bool {
			return slices.Contains(pkgdb.RPMPaths, p)
		}, read: func(p string, e *imagefs.Entry, r io.Reader) (any, error) {
			if e.Size > MaxRPMDBBytes {
				return nil, fmt.Errorf("rpm database of %s is over the %s limit", mib(e.Size), mib(MaxRPMDBBytes))
			}
			b := make([]byte, e.Size)
			if _, err := io.ReadFull(r, b); err != nil {
				return nil, err
			}
			return pkgdb.RPM(b, p)
		}},
		&fnAnalyzer{name: anGo, stream: true, wants: func(_ string, e *imagefs.Entry) bool {
			return e.Mode&0111 != 0 && e.Size > 64<<10
		}, read: func(p string, _ *imagefs.Entry, r io.Reader) (any, error) {
			// The path and layer are set when the inventory is collected; the
			// analyser's errors are named by layer and entry already.
			b, err := gobinary.ReadBinary(r, "", "")
			if errors.Is(err, gobinary.ErrNotGo) {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			return b.Packages, nil
		}},
		&fnAnalyzer{name: anNPM, wants: func(p string, e *imagefs.Entry) bool { return inNodeModules(p) },
			read: func(p string, _ *imagefs.Entry, r io.Reader) (any, error) { return pkgdb.NPMPackage(r, p) }},
		&fnAnalyzer{name: anNPMLock, wants: func(p string, e *imagefs.Entry) bool {
			return path.Base(p) == "package-lock.json" && !strings.Contains(p, "/node_modules/")
		}, read: func(p string, _ *imagefs.Entry, r io.Reader) (any, error) { return pkgdb.NPMLock(r, p) }},
		&fnAnalyzer{name: anYarn, wants: func(p string, e *imagefs.Entry) bool {
			return path.Base(p) == "yarn.lock" && !strings.Contains(p, "/node_modules/")
		}, read: func(p string, _ *imagefs.Entry, r io.Reader) (any, error) { return pkgdb.YarnLock(r, p) }},
		&fnAnalyzer{name: anPNPM, wants: func(p string, e *imagefs.Entry) bool {
			return path.Base(p) == "pnpm-lock.yaml" && !strings.Contains(p, "/node_modules/")
		}, read: func(p string, _ *imagefs.Entry, r io.Reader) (any, error) { return pkgdb.PNPMLock(r, p) }},
		&fnAnalyzer{name: anPython, wants: func(p string, e *imagefs.Entry) bool {
			return strings.HasSuffix(p, ".dist-info/METADATA") || strings.HasSuffix(p, ".egg-info/PKG-INFO") || strings.HasSuffix(p, ".egg-info")
		}, read: func(p string, _ *imagefs.Entry, r io.Reader) (any, error) { return pkgdb.PythonMetadata(r, p) }},
		&fnAnalyzer{name: anJava, wants: func(p string, e *imagefs.Entry) bool {
			return e.Size <= MaxJavaArchiveBytes && (strings.HasSuffix(p, ".jar") || strings.HasSuffix(p, ".war") || strings.HasSuffix(p, ".ear"))
		}, read: func(p string, e *imagefs.Entry, r io.Reader) (any, error) {
			data, err := io.ReadAll(io.LimitReader(r, MaxJavaArchiveBytes))
			if err != nil {
				return nil, err
			}
			return pkgdb.JavaArchive(data, p)
		}},
		&fnAnalyzer{name: anPasswd, wants: func(p string, _ *imagefs.Entry) bool { return p == "/etc/passwd" },
			read: func(_ string, _ *imagefs.Entry, r io.Reader) (any, error) { return pkgdb.Passwd(r) }},
		&fnAnalyzer{name: anGroup, wants: func(p string, _ *imagefs.Entry) bool { return p == "/etc/group" },
			read: func(_ string, _ *imagefs.Entry, r io.Reader) (any, error) { return pkgdb.Passwd(r) }},
	}
	if secrets != nil {
		as = append(as, &fnAnalyzer{name: anSecrets, wants: func(p string, e *imagefs.Entry) bool {
			if e.Size == 0 || e.Size > MaxSecretScanBytes {
				return false
			}
			for _, d := range secretSkipDirs {
				if strings.HasPrefix(p, d) {
					return false
				}
			}
			return true
		}, read: func(_ string, _ *imagefs.Entry, r io.Reader) (any, error) {
			b, err := io.ReadAll(r)
			if err != nil {
				return nil, err
			}
			if bytes.HasPrefix(b, []byte("\x7fELF")) {
				return nil, nil
			}
			if m := secrets.Detect(b); len(m) > 0 {
				return m, nil
			}
			return nil, nil
		}})
	}
	return as
}

// Scan reads the image into a merged filesystem with the analysers and builds the target
// rules see. The returned error is only for a scan that could not start or was cancelled;
// problems with layers and entries are in target.FS.Problems.
func Scan(ctx context.Context, im *Image, lim imagefs.Limits, secrets secret.Detector) (*target.Image, error) {
	as := Analyzers(secrets)
	var f *imagefs.FS
	var err error
	if im.Ref.Kind == KindDir {
		f, err = imagefs.FromDir(ctx, im.Ref.Path, lim, as...)
	} else {
		var ls []imagefs.Layer
		var read atomic.Int64
		stop := func() {}
		var fn func(int)
		if im.opts.Progress != nil && im.Ref.Kind == KindRegistry {
			fn = func(n int) { read.Add(int64(n)) }
			stop = progress(im, &read)
		}
		ls, err = im.FSLayers(fn)
		if err != nil {
			return nil, fmt.Errorf("image %s: %w", im.Ref, err)
		}
		f, err = imagefs.NewBuilder(lim, as...).Build(ctx, ls)
		stop()
	}
	if err != nil && f == nil {
		return nil, err
	}
	t := &target.Image{Name: im.Ref.String(), Digest: im.Digest, Platform: im.Platform, FS: f}
	if im.Config != nil {
		t.HasConfig = true
		c := im.Config.Config
		t.Config = target.ImageConfig{User: c.User, Env: c.Env, Labels: c.Labels, Entrypoint: c.Entrypoint, Cmd: c.Cmd}
		if c.Healthcheck != nil {
			t.Config.Healthcheck = append([]string{}, c.Healthcheck.Test...)
			if t.Config.Healthcheck == nil {
				t.Config.Healthcheck = []string{}
			}
		}
		for _, h := range im.Config.History {
			t.Config.History = append(t.Config.History, target.ImageHistory{CreatedBy: h.CreatedBy, EmptyLayer: h.EmptyLayer})
		}
	}
	for _, l := range im.Layers {
		t.Layers = append(t.Layers, target.ImageLayer{Digest: l.Digest, Size: l.Size, CreatedBy: l.CreatedBy})
	}
	layerOf := t.LayerDigest
	if im.Ref.Kind == KindDir {
		layerOf = func(int) string { return "" } // a plain filesystem has no layers
	}
	t.Inventory = inventoryOf(f, layerOf)
	if rs := f.Results(anPasswd); len(rs) > 0 {
		t.Users = rs[0].Value.(map[string]int)
	}
	if rs := f.Results(anGroup); len(rs) > 0 {
		t.Groups = rs[0].Value.(map[string]int)
	}
	for _, r := range f.Results(anSecrets) {
		if t.Secrets == nil {
			t.Secrets, t.SecretLayer = map[string][]target.SecretMatch{}, map[string]int{}
		}
		t.Secrets[r.Path] = r.Value.([]target.SecretMatch)
		t.SecretLayer[r.Path] = r.Layer
	}
	return t, err
}

// ProgressInterval is how often a registry pull reports progress.
var ProgressInterval = 2 * time.Second

// progress prints a line to opts.Progress every ProgressInterval once a pull has taken more
// than one; the returned function stops it and prints the final figure.
func progress(im *Image, read *atomic.Int64) func() {
	var total int64
	for _, l := range im.Layers {
		total += l.Size
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	start := Clock()
	go func() {
		defer close(stopped)
		t := time.NewTicker(ProgressInterval)
		defer t.Stop()
		printed := false
		for {
			select {
			case <-done:
				if printed || Clock().Sub(start) >= ProgressInterval {
					fmt.Fprintf(im.opts.Progress, "pulled %s: %s in %s\n", im.Ref, mib(read.Load()), Clock().Sub(start).Round(time.Millisecond))
				}
				return
			case <-t.C:
				printed = true
				fmt.Fprintf(im.opts.Progress, "pulling %s: %s of %s\n", im.Ref, mib(read.Load()), mib(total))
			}
		}
	}()
	return func() { close(done); <-stopped }
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// rpmDatabase keeps one rpm database when an image holds several (a stale Berkeley DB
// Packages left beside the sqlite database a migration wrote): sqlite first, then ndb, then
// Berkeley DB, as rpm itself only reads its configured backend.
func rpmDatabase(rs []imagefs.Result) []imagefs.Result {
	if len(rs) < 2 {
		return rs
	}
	rank := func(p string) int {
		switch path.Base(p) {
		case "rpmdb.sqlite":
			return 0
		case "Packages.db":
			return 1
		}
		return 2
	}
	best := rs[0]
	for _, r := range rs[1:] {
		if rank(r.Path) < rank(best.Path) {
			best = r
		}
	}
	return []imagefs.Result{best}
}

// inventoryOf collects the OS and packages of the files present in the final image; each
// package records the layer that introduced it.
func inventoryOf(f *imagefs.FS, layer func(int) string) *inventory.Inventory {
	inv := &inventory.Inventory{Packages: []inventory.Package{}}
	for _, r := range f.Results(anOS) {
		os := r.Value.(*inventory.OS)
		if inv.OS == nil || r.Path == "/etc/os-release" {
			inv.OS = os
		}
	}
	for _, an := range []string{anDpkg, anAPK, anRPM} {
		results := f.Results(an)
		if an == anRPM {
			results = rpmDatabase(results)
		}
		for _, r := range results {
			hist := f.History(r.Path, an)
			for _, p := range r.Value.([]inventory.Package) {
				idx := r.Layer
				for _, h := range hist {
					if h.Layer < idx && slices.ContainsFunc(h.Value.([]inventory.Package), func(q inventory.Package) bool {
						return q.Name == p.Name && q.Version == p.Version && q.Arch == p.Arch
					}) {
						idx = h.Layer
					}
				}
				p.Layer = layer(idx)
				inv.Packages = append(inv.Packages, p)
			}
		}
	}
	for _, r := range f.Results(anGo) {
		for _, p := range r.Value.([]inventory.Package) {
			p.Layer = layer(r.Layer)
			p.Path = r.Path
			inv.Packages = append(inv.Packages, p)
		}
	}
	// Installed npm packages, then lockfile entries that no installed package.json covers.
	installed := map[string]bool{}
	for _, an := range []string{anNPM, anNPMLock, anYarn, anPNPM, anPython, anJava} {
		lock := an == anNPMLock || an == anYarn || an == anPNPM
		for _, r := range f.Results(an) {
			for _, p := range r.Value.([]inventory.Package) {
				key := p.Name + "@" + p.Version
				if an == anNPM {
					installed[key] = true
				}
				if lock && installed[key] {
					continue
				}
				p.Layer = layer(r.Layer)
				inv.Packages = append(inv.Packages, p)
			}
		}
	}
	pkgdb.FinishPURLs(inv.Packages, inv.OS)
	return inv
}
