package junit

import (
	"strconv"
	"strings"

	"github.com/eksguard/eksguard/pkg/compliance"
)

// ComplianceSuitePrefix starts the name of the test suite of a benchmark view.
const ComplianceSuitePrefix = "compliance "

// compliance writes one test suite per benchmark view, one test case per control: a
// failed control is a failure, an unknown one an error, manual and not-evaluated controls
// are skipped with their reason.
func (j *writer) compliance(reps []*compliance.Report) {
	for _, r := range reps {
		if r == nil {
			continue
		}
		var c counts
		for _, s := range r.Sections {
			for _, ctl := range s.Controls {
				c.tests++
				switch ctl.Status {
				case compliance.Fail:
					c.failures++
				case compliance.Unknown:
					c.errors++
				case compliance.Manual, compliance.NotEvaluated:
					c.skipped++
				}
			}
		}
		j.w.WriteString("  <testsuite name=\"" + attr(ComplianceSuitePrefix+r.Benchmark) + "\"" + c.attrs() + ">\n")
		for _, s := range r.Sections {
			for _, ctl := range s.Controls {
				j.cases++
				open := "    <testcase classname=\"" + attr(r.Benchmark+"."+s.ID) + "\" name=\"" + attr(ctl.ID+" "+ctl.Title) + "\" time=\"0\""
				var body strings.Builder
				body.WriteString(r.Title + " " + ctl.ID + ": " + string(ctl.Status))
				if ctl.Failures > 0 {
					body.WriteString("\nfailing findings: " + strconv.Itoa(ctl.Failures))
				}
				if ctl.Exempted > 0 {
					body.WriteString("\nexempted findings: " + strconv.Itoa(ctl.Exempted))
				}
				if len(ctl.Rules) > 0 {
					body.WriteString("\nrules: " + strings.Join(ctl.Rules, ", "))
				}
				if ctl.Reason != "" {
					body.WriteString("\nreason: " + ctl.Reason)
				}
				body.WriteString("\n")
				switch ctl.Status {
				case compliance.Fail:
					j.w.WriteString(open + ">\n      <failure message=\"" + attr(strconv.Itoa(ctl.Failures)+" failing findings") + "\" type=\"compliance\">" + text(body.String()) + "</failure>\n    </testcase>\n")
				case compliance.Unknown:
					j.w.WriteString(open + ">\n      <error message=\"" + attr(ctl.Reason) + "\" type=\"compliance\">" + text(body.String()) + "</error>\n    </testcase>\n")
				case compliance.Manual, compliance.NotEvaluated:
					j.w.WriteString(open + ">\n      <skipped message=\"" + attr(string(ctl.Status)+": "+ctl.Reason) + "\"/>\n    </testcase>\n")
				default:
					j.w.WriteString(open + "/>\n")
				}
			}
		}
		j.w.WriteString("  </testsuite>\n")
	}
}
