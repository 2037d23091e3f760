package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/xeipuuv/gojsonschema"

	"github.com/leakhound/leakhound/detect"
	"github.com/leakhound/leakhound/rules"
)

// The SARIF 2.1.0 JSON schema (OASIS errata 01), embedded in testdata so
// that validation needs no network.
var (
	schemaOnce sync.Once
	schema     *gojsonschema.Schema
	schemaErr  error
)

func sarifSchema(t *testing.T) *gojsonschema.Schema {
	t.Helper()
	schemaOnce.Do(func() {
		var data []byte
		data, schemaErr = os.ReadFile(filepath.Join("testdata", "sarif-schema-2.1.0.json"))
		if schemaErr == nil {
			schema, schemaErr = gojsonschema.NewSchema(gojsonschema.NewBytesLoader(data))
		}
	})
	if schemaErr != nil {
		t.Fatalf("load SARIF schema: %v", schemaErr)
	}
	return schema
}

// validateSARIF checks doc against the SARIF 2.1.0 schema.
func validateSARIF(t *testing.T, doc []byte) []string {
	t.Helper()
	res, err := sarifSchema(t).Validate(gojsonschema.NewBytesLoader(doc))
	if err != nil {
		t.Fatalf("validate: %v", err)
	}
	var errs []string
	for _, e := range res.Errors() {
		errs = append(errs, e.String())
	}
	return errs
}

// sarifVariants are every kind of SARIF the writer produces.
func sarifVariants() map[string]struct {
	findings []detect.Finding
	meta     Meta
	opts     Options
} {
	type variant = struct {
		findings []detect.Finding
		meta     Meta
		opts     Options
	}
	vs := map[string]variant{
		"empty": {meta: fixMeta()},
		"all":   {findings: allFindings(), meta: fixMeta()},
	}
	for _, x := range fixtures() {
		vs["one-"+x.name] = variant{findings: []detect.Finding{x.f}, meta: fixMeta()}
	}
	m := fixMeta()
	m.Incomplete, m.Category = true, "leakhound/secrets"
	vs["incomplete-category"] = variant{findings: allFindings(), meta: m}
	vs["noredact"] = variant{findings: allFindings(), meta: fixMeta(), opts: Options{NoRedact: true}}
	vs["redact30"] = variant{findings: allFindings(), meta: fixMeta(), opts: Options{Redact: 30}}
	bare := Meta{} // no name, version, times, rules or root
	vs["bare-meta"] = variant{findings: allFindings(), meta: bare}
	return vs
}

func TestSARIFValidatesAgainstSchema(t *testing.T) {
	for name, v := range sarifVariants() {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, FormatSARIF, v.findings, v.meta, v.opts); err != nil {
				t.Fatal(err)
			}
			if errs := validateSARIF(t, buf.Bytes()); len(errs) > 0 {
				t.Fatalf("schema errors:\n%s", strings.Join(errs, "\n"))
			}
			checkGitHubRules(t, buf.Bytes(), len(v.findings))
		})
	}
}

// TestSchemaRejectsBrokenSARIF shows that the validation above can fail.
func TestSchemaRejectsBrokenSARIF(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, FormatSARIF, allFindings()[:1], fixMeta(), Options{}); err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(map[string]any){
		"column 0": func(d map[string]any) {
			region(d)["startColumn"] = 0
		},
		"unknown property": func(d map[string]any) {
			d["runs"].([]any)[0].(map[string]any)["bogus"] = true
		},
		"level": func(d map[string]any) {
			d["runs"].([]any)[0].(map[string]any)["results"].([]any)[0].(map[string]any)["level"] = "critical"
		},
	} {
		var d map[string]any
		if err := json.Unmarshal(buf.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
		edit(d)
		bad, _ := json.Marshal(d)
		if errs := validateSARIF(t, bad); len(errs) == 0 {
			t.Errorf("%s: schema accepted a broken log", name)
		}
	}
}

func region(d map[string]any) map[string]any {
	res := d["runs"].([]any)[0].(map[string]any)["results"].([]any)[0].(map[string]any)
	return res["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)["region"].(map[string]any)
}

// sarifLog is the part of a SARIF log that GitHub code scanning reads.
type sarifLog struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name           string `json:"name"`
				Version        string `json:"version"`
				Semantic       string `json:"semanticVersion"`
				InformationURI string `json:"informationUri"`
				Rules          []struct {
					ID               string                 `json:"id"`
					ShortDescription *struct{ Text string } `json:"shortDescription"`
					FullDescription  *struct{ Text string } `json:"fullDescription"`
					Help             *struct {
						Text     string `json:"text"`
						Markdown string `json:"markdown"`
					} `json:"help"`
					DefaultConfiguration *struct{ Level string } `json:"defaultConfiguration"`
					Properties           struct {
						Tags             []string `json:"tags"`
						SecuritySeverity string   `json:"security-severity"`
						Precision        string   `json:"precision"`
					} `json:"properties"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			RuleIndex *int   `json:"ruleIndex"`
			Level     string `json:"level"`
			Message   struct {
				Text string `json:"text"`
			} `json:"message"`
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI string `json:"uri"`
					} `json:"artifactLocation"`
					Region struct {
						StartLine   int `json:"startLine"`
						StartColumn int `json:"startColumn"`
						EndLine     int `json:"endLine"`
						EndColumn   int `json:"endColumn"`
						Snippet     *struct {
							Text string `json:"text"`
						} `json:"snippet"`
					} `json:"region"`
				} `json:"physicalLocation"`
			} `json:"locations"`
			PartialFingerprints map[string]string `json:"partialFingerprints"`
			Properties          map[string]any    `json:"properties"`
		} `json:"results"`
		AutomationDetails *struct {
			ID string `json:"id"`
		} `json:"automationDetails"`
		Invocations []struct {
			ExecutionSuccessful bool `json:"executionSuccessful"`
		} `json:"invocations"`
	} `json:"runs"`
}

func parseSARIF(t *testing.T, doc []byte) sarifLog {
	t.Helper()
	var log sarifLog
	if err := json.Unmarshal(doc, &log); err != nil {
		t.Fatalf("parse SARIF: %v", err)
	}
	return log
}

// checkGitHubRules checks what GitHub code scanning requires of a log
// (FACTS.md), beyond the schema.
func checkGitHubRules(t *testing.T, doc []byte, nFindings int) {
	t.Helper()
	if !bytes.Contains(doc, []byte(`"results": [`)) {
		t.Error(`"results" missing: GitHub needs it even when empty`)
	}
	log := parseSARIF(t, doc)
	if log.Schema == "" || log.Version != "2.1.0" {
		t.Errorf("$schema %q, version %q", log.Schema, log.Version)
	}
	if len(log.Runs) != 1 {
		t.Fatalf("%d runs, want 1", len(log.Runs))
	}
	run := log.Runs[0]
	d := run.Tool.Driver
	if d.Name == "" || d.Version == "" || strings.HasPrefix(d.Version, "v") {
		t.Errorf("driver name %q version %q", d.Name, d.Version)
	}
	fired := map[string]bool{}
	for _, r := range run.Results {
		fired[r.RuleID] = true
	}
	if len(d.Rules) != len(fired) {
		t.Errorf("%d rules for %d fired rules", len(d.Rules), len(fired))
	}
	for _, r := range d.Rules {
		if r.ID == "" || r.ShortDescription == nil || r.ShortDescription.Text == "" ||
			r.FullDescription == nil || r.FullDescription.Text == "" ||
			r.Help == nil || r.Help.Text == "" || r.Help.Markdown == "" || r.DefaultConfiguration == nil {
			t.Errorf("rule %q lacks a description, help or default configuration", r.ID)
		}
		for _, want := range []string{"leakhound:allow", ".leakhoundignore", "baseline", "Revoke or rotate"} {
			if !strings.Contains(r.Help.Text, want) || !strings.Contains(r.Help.Markdown, want) {
				t.Errorf("rule %q help does not mention %q", r.ID, want)
			}
		}
		if !contains(r.Properties.Tags, "security") {
			t.Errorf("rule %q tags %v lack security", r.ID, r.Properties.Tags)
		}
		if s, err := strconv.ParseFloat(r.Properties.SecuritySeverity, 64); err != nil || s < 0.1 || s > 10 {
			t.Errorf("rule %q security-severity %q", r.ID, r.Properties.SecuritySeverity)
		}
		switch r.Properties.Precision {
		case "very-high", "high", "medium", "low":
		default:
			t.Errorf("rule %q precision %q", r.ID, r.Properties.Precision)
		}
	}
	if len(run.Results) != min(nFindings, MaxSARIFResults) {
		t.Errorf("%d results for %d findings", len(run.Results), nFindings)
	}
	for i, r := range run.Results {
		if r.RuleIndex == nil || *r.RuleIndex < 0 || *r.RuleIndex >= len(d.Rules) || d.Rules[*r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %d: ruleIndex does not point at rule %q", i, r.RuleID)
		}
		if r.Message.Text == "" || !strings.Contains(r.Message.Text, ". ") {
			t.Errorf("result %d: message %q has no title sentence", i, r.Message.Text)
		}
		if len(r.Locations) != 1 {
			t.Fatalf("result %d: %d locations", i, len(r.Locations))
		}
		pl := r.Locations[0].PhysicalLocation
		uri := pl.ArtifactLocation.URI
		u, err := url.Parse(uri)
		if err != nil || u.IsAbs() || strings.HasPrefix(uri, "/") || strings.HasPrefix(uri, "..") ||
			strings.ContainsAny(uri, " \\#?") || uri == "" {
			t.Errorf("result %d: URI %q is not a clean repository-relative URI", i, uri)
		}
		reg := pl.Region
		if reg.StartLine < 1 || reg.StartColumn < 0 || reg.EndColumn < 0 || (reg.EndLine != 0 && reg.EndLine < reg.StartLine) {
			t.Errorf("result %d: region %+v", i, reg)
		}
		if reg.StartColumn == 0 && reg.EndColumn != 0 {
			t.Errorf("result %d: end column without start column", i)
		}
		if r.PartialFingerprints["primaryLocationLineHash"] == "" || r.PartialFingerprints[sarifFingerprintKey] == "" {
			t.Errorf("result %d: partialFingerprints %v", i, r.PartialFingerprints)
		}
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func TestSARIFContent(t *testing.T) {
	meta := fixMeta()
	meta.Category = "secrets"
	var buf bytes.Buffer
	if err := Write(&buf, FormatSARIF, allFindings(), meta, Options{}); err != nil {
		t.Fatal(err)
	}
	run := parseSARIF(t, buf.Bytes()).Runs[0]
	if run.AutomationDetails == nil || run.AutomationDetails.ID != "secrets/" {
		t.Errorf("automationDetails = %+v, want id secrets/", run.AutomationDetails)
	}
	byURI := map[string]int{}
	for i, r := range run.Results {
		byURI[r.Locations[0].PhysicalLocation.ArtifactLocation.URI] = i
	}
	// Paths: relative to Root, archive member split off, percent-encoded.
	for uri, check := range map[string]func(i int){
		"keys/id_ed25519": func(i int) {
			reg := run.Results[i].Locations[0].PhysicalLocation.Region
			if reg.StartLine != 1 || reg.EndLine != 4 || reg.StartColumn != 1 || reg.EndColumn != 34 {
				t.Errorf("multi-line region %+v", reg)
			}
		},
		"dist/release%20bundle.zip": func(i int) {
			if got := run.Results[i].Properties["archiveMember"]; got != "conf/db.properties" {
				t.Errorf("archiveMember = %v", got)
			}
		},
		"docs/my%20notes/%C3%BCn%C3%AFc%C3%B8d%C3%A9%20%231%20100%25.md": func(int) {},
		"app/.env": func(i int) {
			p := run.Results[i].Properties
			if p["imageRef"] != "registry.example.com/team/app:1.4" || p["layerIndex"] != float64(3) {
				t.Errorf("image properties %v", p)
			}
		},
		"deploy/terraform.tfvars": func(i int) {
			p := run.Results[i].Properties
			if p["commit"] != "4b825dc642cb6eb9a060e54bf8d69288fbee4904" || p["author"] != "Jane Doe" || p["date"] != "2024-05-01T10:30:00Z" {
				t.Errorf("git properties %v", p)
			}
			if !strings.Contains(run.Results[i].Message.Text, "Introduced in commit 4b825dc642cb by Jane Doe on 2024-05-01.") {
				t.Errorf("git message %q", run.Results[i].Message.Text)
			}
		},
		"k8s/secret.yaml": func(i int) {
			if d, _ := run.Results[i].Properties["decoded"].([]any); len(d) != 1 || d[0] != "base64" {
				t.Errorf("decoded = %v", run.Results[i].Properties["decoded"])
			}
		},
		"certs/client.p12": func(i int) {
			reg := run.Results[i].Locations[0].PhysicalLocation.Region
			if reg.StartLine != 1 || reg.StartColumn != 0 || reg.Snippet != nil {
				t.Errorf("path-only region %+v", reg)
			}
		},
	} {
		i, ok := byURI[uri]
		if !ok {
			t.Errorf("no result with URI %q (have %v)", uri, byURI)
			continue
		}
		check(i)
	}
	for i, r := range run.Results {
		if s := r.Locations[0].PhysicalLocation.Region.Snippet; s != nil && s.Text != "REDACTED" {
			t.Errorf("result %d: snippet %q not redacted by default", i, s.Text)
		}
		if want := sarifLevel(allFindings()[i].Severity); r.Level != want {
			t.Errorf("result %d: level %q, want %q", i, r.Level, want)
		}
	}
}

func TestSARIFSeverityMapping(t *testing.T) {
	for sev, want := range map[string][2]string{
		rules.SeverityCritical: {"9.5", "error"},
		rules.SeverityHigh:     {"8.0", "error"},
		rules.SeverityMedium:   {"5.5", "warning"},
		rules.SeverityLow:      {"3.0", "note"},
		rules.SeverityInfo:     {"1.0", "note"},
		"":                     {"5.5", "warning"},
	} {
		if got := securitySeverity(sev); got != want[0] {
			t.Errorf("securitySeverity(%q) = %q, want %q", sev, got, want[0])
		}
		if got := sarifLevel(sev); got != want[1] {
			t.Errorf("sarifLevel(%q) = %q, want %q", sev, got, want[1])
		}
	}
}

func TestSARIFTruncatesToMostSevere(t *testing.T) {
	base := allFindings()
	var fs []detect.Finding
	sevs := []string{rules.SeverityInfo, rules.SeverityLow, rules.SeverityMedium, rules.SeverityHigh, rules.SeverityCritical}
	count := map[string]int{}
	n := MaxSARIFResults + 1000
	for i := range n {
		f := base[0]
		f.Severity = sevs[i%len(sevs)]
		f.StartLine = i + 1
		f.LocationFingerprint = fmt.Sprintf("%032x", i)
		fs = append(fs, f)
		count[f.Severity]++
	}
	meta := fixMeta()
	ws := Warnings(FormatSARIF, fs, meta, Options{})
	if len(ws) != 1 || !strings.Contains(ws[0], "dropped 1000") {
		t.Errorf("Warnings = %q, want one about 1000 dropped results", ws)
	}
	if ws := Warnings(FormatJSON, fs, meta, Options{}); ws != nil {
		t.Errorf("json warnings %q", ws)
	}
	var buf bytes.Buffer
	if err := Write(&buf, FormatSARIF, fs, meta, Options{}); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct {
			Results []struct {
				Level     string
				Locations []struct {
					PhysicalLocation struct{ Region struct{ StartLine int } }
				}
			}
			Invocations []struct {
				ToolExecutionNotifications []struct{ Message struct{ Text string } }
			}
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	res := log.Runs[0].Results
	if len(res) != MaxSARIFResults {
		t.Fatalf("%d results, want %d", len(res), MaxSARIFResults)
	}
	// 1000 of the info findings are dropped; order is kept.
	notes, last := 0, 0
	for _, r := range res {
		line := r.Locations[0].PhysicalLocation.Region.StartLine
		if line <= last {
			t.Fatalf("results out of order: line %d after %d", line, last)
		}
		last = line
		if (line-1)%len(sevs) == 0 {
			notes++
		}
	}
	if want := count[rules.SeverityInfo] - 1000; notes != want {
		t.Errorf("kept %d info results, want %d", notes, want)
	}
	inv := log.Runs[0].Invocations
	if len(inv) != 1 || len(inv[0].ToolExecutionNotifications) != 1 ||
		!strings.Contains(inv[0].ToolExecutionNotifications[0].Message.Text, "least severe were left out") {
		t.Errorf("no truncation notification: %+v", inv)
	}
}

func TestSARIFPrimaryLocationLineHash(t *testing.T) {
	f := allFindings()[0]
	moved := f
	moved.StartLine, moved.EndLine = 99, 99 // line shift, e.g. after a rebase
	twice := []detect.Finding{f, f}
	var a, b, c bytes.Buffer
	for _, w := range []struct {
		buf *bytes.Buffer
		fs  []detect.Finding
	}{{&a, []detect.Finding{f}}, {&b, []detect.Finding{moved}}, {&c, twice}} {
		if err := Write(w.buf, FormatSARIF, w.fs, fixMeta(), Options{}); err != nil {
			t.Fatal(err)
		}
	}
	ha := parseSARIF(t, a.Bytes()).Runs[0].Results[0].PartialFingerprints
	hb := parseSARIF(t, b.Bytes()).Runs[0].Results[0].PartialFingerprints
	if ha["primaryLocationLineHash"] != hb["primaryLocationLineHash"] || ha[sarifFingerprintKey] != f.Fingerprint {
		t.Errorf("fingerprints change with the line: %v vs %v", ha, hb)
	}
	rc := parseSARIF(t, c.Bytes()).Runs[0].Results
	if rc[0].PartialFingerprints["primaryLocationLineHash"] == rc[1].PartialFingerprints["primaryLocationLineHash"] {
		t.Error("two occurrences in one file share a primaryLocationLineHash")
	}
	// The same secret in another file is another alert.
	other := f
	other.Path = "other.yml"
	other.LocationFingerprint = detect.LocationFingerprint(f.RuleID, other.Path, f.Secret)
	var d bytes.Buffer
	if err := Write(&d, FormatSARIF, []detect.Finding{other}, fixMeta(), Options{}); err != nil {
		t.Fatal(err)
	}
	if hd := parseSARIF(t, d.Bytes()).Runs[0].Results[0].PartialFingerprints; hd["primaryLocationLineHash"] == ha["primaryLocationLineHash"] {
		t.Error("same secret in another file has the same primaryLocationLineHash")
	}
}

func TestRepoPathAndURI(t *testing.T) {
	for _, c := range []struct {
		path, root, file, member, uri string
	}{
		{"src/a.go", ".", "src/a.go", "", "src/a.go"},
		{"./src/a.go", "", "src/a.go", "", "src/a.go"},
		{"/repo/src/a.go", "/repo", "src/a.go", "", "src/a.go"},
		{"/repo/src/a.go", "/repo/", "src/a.go", "", "src/a.go"},
		{"/elsewhere/a.go", "/repo", "elsewhere/a.go", "", "elsewhere/a.go"},
		{"../sibling/a.go", ".", "sibling/a.go", "", "sibling/a.go"},
		{"../../x", "", "x", "", "x"},
		{"src/a.go", "src", "src/a.go", "", "src/a.go"},
		{"../repo/a.go", "../repo", "a.go", "", "a.go"},
		{"/repo", "/repo", "repo", "", "repo"},
		{"C:/work/a b.txt", "", "work/a b.txt", "", "work/a%20b.txt"},
		{`odd\name.txt`, ".", `odd\name.txt`, "", "odd%5Cname.txt"},
		{"a.zip!inner/b.txt", ".", "a.zip", "inner/b.txt", "a.zip"},
		{"a.zip!b.tar!c.txt", ".", "a.zip", "b.tar!c.txt", "a.zip"},
		{"x:y#z?.txt", "", "x:y#z?.txt", "", "x%3Ay%23z%3F.txt"},
		{"100%.txt", "", "100%.txt", "", "100%25.txt"},
		{"日本/ファイル.txt", "", "日本/ファイル.txt", "", "%E6%97%A5%E6%9C%AC/%E3%83%95%E3%82%A1%E3%82%A4%E3%83%AB.txt"},
		{"/", "", "unknown", "", "unknown"},
	} {
		f := detect.Finding{Path: c.path, Source: detect.SourceFile}
		file, member := repoPath(&f, c.root)
		if file != c.file || member != c.member {
			t.Errorf("repoPath(%q, %q) = %q, %q; want %q, %q", c.path, c.root, file, member, c.file, c.member)
		}
		if got := encodeURI(file); got != c.uri {
			t.Errorf("encodeURI(%q) = %q, want %q", file, got, c.uri)
		}
		if u, err := url.Parse(encodeURI(file)); err != nil || u.IsAbs() || u.Path != file {
			t.Errorf("URI %q does not parse back to %q: %v %v", encodeURI(file), file, u, err)
		}
	}
}
