package match

import (
	"encoding/json"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/eksguard/eksguard/pkg/inventory"
	"github.com/eksguard/eksguard/pkg/vuln/db"
)

// BenchmarkRun matches a large inventory against a database: bench/vuln/run.sh sets
// EKSGUARD_VULN_BENCH_DB (a database directory) and EKSGUARD_VULN_BENCH_INVENTORY (the
// 10,000-package inventory it generates). Each iteration is one scan: a fresh run with
// empty caches, findings included.
func BenchmarkRun(b *testing.B) {
	dir, invPath := os.Getenv("EKSGUARD_VULN_BENCH_DB"), os.Getenv("EKSGUARD_VULN_BENCH_INVENTORY")
	if dir == "" || invPath == "" {
		b.Skip("EKSGUARD_VULN_BENCH_DB and EKSGUARD_VULN_BENCH_INVENTORY are set by bench/vuln/run.sh")
	}
	d, err := db.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	data, err := os.ReadFile(invPath)
	if err != nil {
		b.Fatal(err)
	}
	var inv inventory.Inventory
	if err := json.Unmarshal(data, &inv); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	// The machine may be shared: CPU time (all threads, GC included) says what wall time
	// cannot when other processes hold the processors.
	cpu := func() time.Duration {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	b.ResetTimer()
	c0 := cpu()
	var n int
	for i := 0; i < b.N; i++ {
		res, err := Run(d, &inv)
		if err != nil {
			b.Fatal(err)
		}
		n = len(Findings(res, Options{}))
	}
	b.ReportMetric(float64((cpu()-c0).Milliseconds())/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(len(inv.Packages)), "packages")
	b.ReportMetric(float64(n), "findings")
}
