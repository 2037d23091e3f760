package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/leakhound/leakhound/detect"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr,omitempty"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

// writeJUnit writes a JUnit XML report: one failing test case per finding,
// a single passing one when there are none, and an error test case when the
// scan was cut short. encoding/xml escapes all text and replaces characters
// XML cannot hold.
func writeJUnit(w io.Writer, findings []detect.Finding, meta Meta, _ Options) error {
	suite := junitSuite{
		Name: strings.TrimSpace(meta.toolName() + " " + meta.Command),
		Time: "0",
	}
	if !meta.Start.IsZero() {
		suite.Timestamp = meta.Start.UTC().Format("2006-01-02T15:04:05")
		if meta.End.After(meta.Start) {
			suite.Time = fmt.Sprintf("%.3f", meta.End.Sub(meta.Start).Seconds())
		}
	}
	class := meta.toolName()
	for i := range findings {
		f := &findings[i]
		body := junitBody(f)
		suite.Cases = append(suite.Cases, junitCase{
			Name:      f.RuleID + " at " + location(f),
			Classname: class + "." + f.RuleID,
			File:      displayPath(f),
			Line:      max(f.StartLine, 1),
			Time:      "0",
			Failure: &junitProblem{
				Message: sentence(strings.TrimRight(strings.TrimSpace(orRule(f.Description, f.RuleID)), ".") + " found at " + location(f)),
				Type:    f.RuleID,
				Body:    body,
			},
		})
		suite.Failures++
	}
	if len(findings) == 0 {
		suite.Cases = append(suite.Cases, junitCase{Name: "no leaks found", Classname: class, Time: "0"})
	}
	if meta.Incomplete {
		suite.Cases = append(suite.Cases, junitCase{
			Name: "scan completed", Classname: class, Time: "0",
			Error: &junitProblem{
				Message: "The scan was cut short (timeout or interrupt); results cover only part of the input.",
				Type:    "incomplete",
			},
		})
		suite.Errors++
	}
	suite.Tests = len(suite.Cases)
	root := junitSuites{
		Name: meta.toolName(), Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors,
		Time: suite.Time, Suites: []junitSuite{suite},
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(root); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// junitBody is the text of a failure: the finding's fields, one per line.
func junitBody(f *detect.Finding) string {
	var b strings.Builder
	add := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	add("Rule", f.RuleID)
	add("Description", f.Description)
	add("Severity", orUnknown(f.Severity))
	add("Location", location(f))
	add("Secret", f.Secret)
	add("Line", f.Line)
	add("Decoded", strings.Join(f.Decoded, " > "))
	if g := f.Git; g != nil {
		add("Commit", g.Commit)
		add("Stage", g.Stage)
		add("Author", person(g.Author, g.Email))
		if !g.Date.IsZero() {
			add("Date", g.Date.UTC().Format(time.RFC3339))
		}
		if g.Commit != "" {
			add("Present at HEAD", strconv.FormatBool(g.PresentAtHead))
		}
	}
	if im := f.Image; im != nil {
		add("Image", im.Ref)
		add("Image digest", im.Digest)
		if im.LayerIndex >= 0 {
			add("Layer", fmt.Sprintf("%d %s", im.LayerIndex, im.LayerDigest))
		}
		add("Platform", im.Platform)
		add("Created by", im.CreatedBy)
		add("Field", im.Field)
		if im.Status != "" {
			status := im.Status
			if im.ChangedByLayer > 0 {
				status += fmt.Sprintf(" by layer %d", im.ChangedByLayer)
			}
			add("File status", status)
		}
	}
	add("Fingerprint", f.Fingerprint)
	return b.String()
}

func orRule(desc, id string) string {
	if strings.TrimSpace(desc) == "" {
		return "Secret matched by rule " + id
	}
	return desc
}
