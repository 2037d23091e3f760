package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"regexp"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/detect"
)

func write(t *testing.T, format string, fs []detect.Finding, meta Meta, opts Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, format, fs, meta, opts); err != nil {
		t.Fatalf("Write(%s): %v", format, err)
	}
	return buf.Bytes()
}

func TestJSON(t *testing.T) {
	if got := string(write(t, FormatJSON, nil, fixMeta(), Options{})); got != "[]\n" {
		t.Errorf("no findings: %q, want []", got)
	}
	in := allFindings()
	in[0].Tags = nil
	out := write(t, FormatJSON, in, fixMeta(), Options{})
	var back []detect.Finding
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	if len(back) != len(in) {
		t.Fatalf("%d findings back, want %d", len(back), len(in))
	}
	for i := range in {
		if back[i].Fingerprint != in[i].Fingerprint || back[i].Secret != in[i].Secret || back[i].Path != in[i].Path {
			t.Errorf("finding %d does not round-trip", i)
		}
	}
	if !bytes.Contains(out, []byte(`"tags": []`)) || bytes.Contains(out, []byte(`"tags": null`)) {
		t.Error("nil tags not written as []")
	}
	// Not HTML-escaped: lines are shown as they are.
	if !bytes.Contains(out, []byte("<b>& friends</b>")) {
		t.Error("JSON escapes HTML characters")
	}
	// Field order is the struct's: ruleId first, provenance last.
	keys := regexp.MustCompile(`(?m)^    "(\w+)":`).FindAllSubmatch(out, 20)
	if len(keys) < 3 || string(keys[0][1]) != "ruleId" || string(keys[1][1]) != "description" {
		t.Errorf("unexpected field order: %q", keys)
	}
}

func TestGitLab(t *testing.T) {
	out := write(t, FormatGitLab, allFindings(), fixMeta(), Options{})
	var rep struct {
		Version         string `json:"version"`
		Vulnerabilities []struct {
			ID          string `json:"id"`
			Category    *string
			Name        string `json:"name"`
			Description string `json:"description"`
			Severity    string `json:"severity"`
			Identifiers []struct {
				Type, Name, Value string
			} `json:"identifiers"`
			Location struct {
				File      string `json:"file"`
				StartLine int    `json:"start_line"`
				EndLine   int    `json:"end_line"`
				Commit    *struct {
					SHA    string `json:"sha"`
					Author string `json:"author"`
				} `json:"commit"`
			} `json:"location"`
		} `json:"vulnerabilities"`
		Scan struct {
			Analyzer, Scanner struct {
				ID, Name, Version string
				Vendor            struct{ Name string }
			}
			Type      string `json:"type"`
			StartTime string `json:"start_time"`
			EndTime   string `json:"end_time"`
			Status    string `json:"status"`
		} `json:"scan"`
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Version != "15.0.2" {
		t.Errorf("version %q", rep.Version)
	}
	s := rep.Scan
	timeRE := regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$`)
	if s.Type != "secret_detection" || s.Status != "success" || !timeRE.MatchString(s.StartTime) || !timeRE.MatchString(s.EndTime) ||
		s.StartTime != "2024-06-01T10:00:00" || s.EndTime != "2024-06-01T10:00:02" {
		t.Errorf("scan %+v", s)
	}
	for _, tool := range []struct {
		ID, Name, Version string
		Vendor            struct{ Name string }
	}{s.Analyzer, s.Scanner} {
		if tool.ID == "" || tool.Name == "" || tool.Version != "1.2.3" || tool.Vendor.Name == "" {
			t.Errorf("tool %+v", tool)
		}
	}
	ids := map[string]bool{}
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	sevs := map[string]bool{"Critical": true, "High": true, "Medium": true, "Low": true, "Info": true, "Unknown": true}
	for i, v := range rep.Vulnerabilities {
		if !uuid.MatchString(v.ID) || ids[v.ID] {
			t.Errorf("vulnerability %d: id %q not a fresh UUID", i, v.ID)
		}
		ids[v.ID] = true
		if !sevs[v.Severity] || v.Name == "" || v.Description == "" || len(v.Identifiers) == 0 {
			t.Errorf("vulnerability %d: %+v", i, v)
		}
		if v.Category != nil {
			t.Errorf("vulnerability %d has category, which schema 15 removed", i)
		}
		l := v.Location
		if l.File == "" || strings.HasPrefix(l.File, "/") || l.StartLine < 1 || l.EndLine < l.StartLine || l.Commit == nil || l.Commit.SHA == "" {
			t.Errorf("vulnerability %d: location %+v", i, l)
		}
	}
	git := rep.Vulnerabilities[1]
	if git.Location.Commit.SHA != "4b825dc642cb6eb9a060e54bf8d69288fbee4904" || git.Location.Commit.Author != "Jane Doe" || git.Severity != "High" {
		t.Errorf("git finding %+v", git)
	}
	if rep.Vulnerabilities[0].Location.Commit.SHA != "0000000" {
		t.Errorf("non-git commit sha %q", rep.Vulnerabilities[0].Location.Commit.SHA)
	}
	if got := rep.Vulnerabilities[5].Location.File; got != "dist/release bundle.zip" {
		t.Errorf("archive file %q", got)
	}
	// Ids are stable across runs.
	again := write(t, FormatGitLab, allFindings(), fixMeta(), Options{})
	if !bytes.Equal(out, again) {
		t.Error("two runs differ")
	}
	// Incomplete scans fail.
	m := fixMeta()
	m.Incomplete = true
	if inc := write(t, FormatGitLab, nil, m, Options{}); !bytes.Contains(inc, []byte(`"status": "failure"`)) || !bytes.Contains(inc, []byte(`"vulnerabilities": []`)) {
		t.Errorf("incomplete report:\n%s", inc)
	}
}

func TestJUnit(t *testing.T) {
	type testcase struct {
		Name    string `xml:"name,attr"`
		Failure *struct {
			Message string `xml:"message,attr"`
			Body    string `xml:",chardata"`
		} `xml:"failure"`
		Error *struct {
			Message string `xml:"message,attr"`
		} `xml:"error"`
	}
	type suites struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
		Suites   []struct {
			Name  string     `xml:"name,attr"`
			Tests int        `xml:"tests,attr"`
			Cases []testcase `xml:"testcase"`
		} `xml:"testsuite"`
	}
	parse := func(out []byte) suites {
		var s suites
		if err := xml.Unmarshal(out, &s); err != nil {
			t.Fatalf("invalid XML: %v\n%s", err, out)
		}
		return s
	}
	s := parse(write(t, FormatJUnit, allFindings(), fixMeta(), Options{NoRedact: true}))
	n := len(allFindings())
	if s.Tests != n || s.Failures != n || s.Errors != 0 || len(s.Suites) != 1 || len(s.Suites[0].Cases) != n {
		t.Fatalf("counts: %+v", s)
	}
	for i, c := range s.Suites[0].Cases {
		if c.Failure == nil || c.Failure.Message == "" {
			t.Errorf("case %d (%s) is not a failure", i, c.Name)
		}
	}
	// XML special characters and control characters survive as text.
	u := s.Suites[0].Cases[6].Failure.Body
	if !strings.Contains(u, "<b>& friends</b>") {
		t.Errorf("escaped text lost: %q", u)
	}
	if strings.Contains(s.Suites[0].Cases[9].Failure.Body, "\x1b") {
		t.Error("control character in XML")
	}

	empty := parse(write(t, FormatJUnit, nil, fixMeta(), Options{}))
	if empty.Tests != 1 || empty.Failures != 0 || empty.Suites[0].Cases[0].Failure != nil {
		t.Errorf("no findings: %+v", empty)
	}
	m := fixMeta()
	m.Incomplete = true
	inc := parse(write(t, FormatJUnit, nil, m, Options{}))
	if inc.Errors != 1 || inc.Tests != 2 || inc.Suites[0].Cases[1].Error == nil {
		t.Errorf("incomplete: %+v", inc)
	}
}

func TestCSV(t *testing.T) {
	out := write(t, FormatCSV, allFindings(), fixMeta(), Options{})
	if !bytes.Contains(out, []byte("\r\n")) {
		t.Error("rows not CRLF-terminated (RFC 4180)")
	}
	recs, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1+len(allFindings()) {
		t.Fatalf("%d records", len(recs))
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for i, r := range recs[1:] {
		if len(r) != len(csvColumns) {
			t.Fatalf("row %d has %d fields", i, len(r))
		}
		f := allFindings()[i]
		if r[col["ruleId"]] != f.RuleID || r[col["secret"]] != f.Secret || r[col["line"]] != f.Line || r[col["path"]] != f.Path {
			t.Errorf("row %d does not match finding: %q", i, r)
		}
	}
	if r := recs[2]; r[col["commit"]] != "4b825dc642cb6eb9a060e54bf8d69288fbee4904" || r[col["date"]] != "2024-05-01T10:30:00Z" {
		t.Errorf("git columns %q", r)
	}
	if r := recs[3]; r[col["layerIndex"]] != "3" || r[col["imageRef"]] == "" {
		t.Errorf("image columns %q", r)
	}
	// Multi-line secrets are quoted, not split into rows.
	if r := recs[8]; !strings.Contains(r[col["secret"]], "\n") {
		t.Errorf("multi-line secret %q", r[col["secret"]])
	}
	if empty := write(t, FormatCSV, nil, fixMeta(), Options{}); strings.Count(string(empty), "\r\n") != 1 {
		t.Errorf("empty CSV %q, want a header row only", empty)
	}
}

func TestHuman(t *testing.T) {
	if out := write(t, FormatHuman, nil, fixMeta(), Options{Color: true}); len(out) != 0 {
		t.Errorf("no findings printed %q", out)
	}
	plain := write(t, FormatHuman, allFindings(), fixMeta(), Options{})
	if bytes.Contains(plain, []byte("\x1b")) {
		t.Error("escape sequence in colourless output (from the stdin fixture's line?)")
	}
	if blocks := strings.Split(strings.TrimSpace(string(plain)), "\n\n"); len(blocks) != len(allFindings()) {
		t.Errorf("%d blocks for %d findings", len(blocks), len(allFindings()))
	}
	for _, want := range []string{
		"Location:    config/app.yml:3:9", "Commit:      4b825dc6", "Image:       registry.example.com/team/app:1.4@sha256:",
		"Layer:       3 (sha256:", "Decoded:     base64", "Field:       config.Env[3]", `\x1b[2J`, "Fingerprint: ",
	} {
		if !bytes.Contains(plain, []byte(want)) {
			t.Errorf("human output lacks %q", want)
		}
	}
	color := write(t, FormatHuman, allFindings(), fixMeta(), Options{Color: true})
	if !bytes.Contains(color, []byte(ansiBold+"github-pat"+ansiReset)) || !bytes.Contains(color, []byte(ansiBrRed+"critical")) {
		t.Error("no colours with Color set")
	}
	// The only escapes are ours: the scanned line's ESC is neutralised.
	stripped := regexp.MustCompile(`\x1b\[[0-9;]*m`).ReplaceAll(color, nil)
	if bytes.Contains(stripped, []byte("\x1b")) {
		t.Error("a foreign escape sequence reaches the terminal")
	}
	if !bytes.Equal(stripped, plain) {
		t.Error("colour output differs from plain output beyond colours")
	}
}

func TestSafe(t *testing.T) {
	for in, want := range map[string]string{
		"plain ü text\twith tab": "plain ü text\twith tab",
		"a\x1b[31mred":           `a\x1b[31mred`,
		"nl\nand\r":              `nl\nand\r`,
		"bad\xffbyte":            `bad\xffbyte`,
		"c1\u009bx":              `c1\u009bx`,
		"del\x7f":                `del\x7f`,
	} {
		if got := safe(in); got != want {
			t.Errorf("safe(%q) = %q, want %q", in, got, want)
		}
	}
}
