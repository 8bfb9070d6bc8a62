// Package vuln is the one call that turns a package inventory into vulnerability findings:
// open the local database, match, filter, and say what could not be matched. The CLI's
// `db match` and `scan binary` use it, and so does image scanning.
package vuln

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/inventory"
	"github.com/eksguard/eksguard/pkg/vuln/db"
	"github.com/eksguard/eksguard/pkg/vuln/match"
	"github.com/eksguard/eksguard/pkg/vuln/vex"
)

// DefaultMaxAge is the database age past which scans warn.
const DefaultMaxAge = 7 * 24 * time.Hour

// Options configure a vulnerability scan.
type Options struct {
	// DBDir is the database directory; db.DefaultDir() when empty.
	DBDir string
	// MaxAge: scans warn when the database is older (DefaultMaxAge when 0; negative never).
	MaxAge time.Duration
	// Severities keeps only these severities (nil keeps all).
	Severities    map[finding.Severity]bool
	IgnoreUnfixed bool
	VEX           *vex.Document
}

// Scanner holds an open database.
type Scanner struct {
	DB   *db.DB
	opts Options
	// Warnings are said once per scanner: the database's age.
	Warnings []string
}

// Open opens the database. With no database it returns an error wrapping
// db.ErrNoDatabase that tells how to get one: a scan never passes silently without data.
func Open(opts Options) (*Scanner, error) {
	dir := opts.DBDir
	if dir == "" {
		var err error
		if dir, err = db.DefaultDir(); err != nil {
			return nil, err
		}
	}
	d, err := db.Open(dir)
	if err != nil {
		return nil, err
	}
	s := &Scanner{DB: d, opts: opts}
	maxAge := opts.MaxAge
	if maxAge == 0 {
		maxAge = DefaultMaxAge
	}
	info := d.Info()
	if age := info.Age(time.Now()); maxAge > 0 && age > maxAge {
		s.Warnings = append(s.Warnings, fmt.Sprintf("the vulnerability database in %s is %s old (last written %s, warning after %s): run `eksguard db update`",
			dir, roundAge(age), info.Updated.Format(time.RFC3339), roundAge(maxAge)))
	}
	if info.Records == 0 {
		s.Warnings = append(s.Warnings, fmt.Sprintf("the vulnerability database in %s holds no records: run `eksguard db update`", dir))
	}
	return s, nil
}

// IsNoDatabase tells whether err is the absence of a database.
func IsNoDatabase(err error) bool { return errors.Is(err, db.ErrNoDatabase) }

func roundAge(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	}
	return d.Round(time.Minute).String()
}

// Close closes the database.
func (s *Scanner) Close() error { return s.DB.Close() }

// Report is the outcome of scanning one inventory.
type Report struct {
	Findings []finding.Finding
	Result   *match.Result
	// Notes explain what was not matched and why (packages without an OSV ecosystem,
	// record ranges that do not parse, GIT ranges skipped).
	Notes []string
}

// Scan matches one inventory; subject names what it came from (image or binary). Go
// binaries in it are taken as built for linux (see ScanPlatform).
func (s *Scanner) Scan(inv *inventory.Inventory, subject finding.Subject) (*Report, error) {
	return s.ScanPlatform(inv, subject, match.Platform{GOOS: "linux"})
}

// ScanPlatform is Scan for Go binaries built for a known platform.
func (s *Scanner) ScanPlatform(inv *inventory.Inventory, subject finding.Subject, platform match.Platform) (*Report, error) {
	res, err := match.RunPlatform(s.DB, inv, platform)
	if err != nil {
		return nil, err
	}
	fs := match.Findings(res, match.Options{Subject: subject, Severities: s.opts.Severities, IgnoreUnfixed: s.opts.IgnoreUnfixed, VEX: s.opts.VEX})
	return &Report{Findings: fs, Result: res, Notes: notes(res)}, nil
}

func notes(res *match.Result) []string {
	var out []string
	if n := len(res.Unsupported); n > 0 {
		why := map[string]int{}
		for _, p := range res.Unsupported {
			_, msg, _ := strings.Cut(p.Message, ": ")
			why[msg]++
		}
		var keys []string
		for k := range why {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, fmt.Sprintf("%d packages not matched: %s", why[k], k))
		}
	}
	if n := len(res.InvalidRanges); n > 0 {
		ex := res.InvalidRanges[0]
		out = append(out, fmt.Sprintf("%d advisory ranges skipped because a version in them does not parse (e.g. %s: %s)", n, ex.Record, ex.Message))
	}
	if res.GitRanges > 0 {
		out = append(out, fmt.Sprintf("%d GIT ranges skipped (they name commits, not package versions)", res.GitRanges))
	}
	return out
}
