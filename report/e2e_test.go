package report

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/detect"
	"github.com/leakhound/leakhound/rules"
)

const e2eConfig = `
title = "report end-to-end"

[[rules]]
id = "acme-api-key"
description = "Acme API key"
regex = '''\b(acme_[A-Za-z0-9]{32})\b'''
keywords = ["acme_"]
severity = "high"
tags = ["acme"]

[[rules]]
id = "private-key"
description = "Private key"
regex = '''-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]{10,200}?-----END [A-Z ]*PRIVATE KEY-----'''
keywords = ["-----begin"]
severity = "critical"
`

// scanRepo scans an in-memory tree with the detect engine, the way the
// CLI does, and returns the findings in path order.
func scanRepo(t *testing.T, e *detect.Engine, files map[string]string) []detect.Finding {
	t.Helper()
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	var out []detect.Finding
	for _, p := range paths {
		fs, err := e.Scan(context.Background(), []byte(files[p]), detect.Location{Source: detect.SourceFile, Path: p})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fs...)
	}
	return out
}

// TestFingerprintsStableAcrossRuns scans the same tree twice, and once more
// after edits that move the secrets, and checks that findings keep their
// fingerprints and SARIF alert keys.
func TestFingerprintsStableAcrossRuns(t *testing.T) {
	cfg, err := rules.LoadBytes("e2e.toml", []byte(e2eConfig), ".")
	if err != nil {
		t.Fatal(err)
	}
	e, err := detect.New(cfg, detect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	key := "acme_" + strings.Repeat("Xy7Q", 8)
	pem := "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----"
	encoded := base64.StdEncoding.EncodeToString([]byte("api_key=" + key))
	tree := map[string]string{
		"app/config.yml":       "name: demo\napi_key: " + key + "\n",
		"deploy/my secrets.md": "# keys\n\n" + pem + "\n",
		"k8s/secret.yaml":      "data:\n  creds: " + encoded + "\n",
	}
	moved := map[string]string{
		"app/config.yml":       "# a comment\n\nname: demo\nother: 1\n    api_key: " + key + "\n",
		"deploy/my secrets.md": "# keys\n\nmore text first\n\n" + pem + "\n",
		"k8s/secret.yaml":      "data:\n  other: x\n  creds: " + encoded + "\n",
	}
	meta := Meta{ToolName: "leakhound", Version: "1.0.0", Rules: cfg.Rules, Root: "."}

	run1 := scanRepo(t, e, tree)
	run2 := scanRepo(t, e, tree)
	run3 := scanRepo(t, e, moved)
	if len(run1) != 3 {
		t.Fatalf("scan found %d findings, want 3: %+v", len(run1), run1)
	}
	if slices.IndexFunc(run1, func(f detect.Finding) bool { return len(f.Decoded) > 0 }) < 0 {
		t.Fatal("the base64-encoded key was not found decoded")
	}

	sarif := func(fs []detect.Finding) []byte { return write(t, FormatSARIF, fs, meta, Options{}) }
	s1, s2, s3 := sarif(run1), sarif(run2), sarif(run3)
	if !bytes.Equal(s1, s2) {
		t.Error("two runs over the same tree give different SARIF")
	}
	hashes := func(doc []byte) []string {
		var hs []string
		for _, r := range parseSARIF(t, doc).Runs[0].Results {
			hs = append(hs, r.RuleID+" "+r.PartialFingerprints["primaryLocationLineHash"]+" "+r.PartialFingerprints[sarifFingerprintKey])
		}
		slices.Sort(hs)
		return hs
	}
	if h1, h3 := hashes(s1), hashes(s3); !slices.Equal(h1, h3) {
		t.Errorf("moving secrets changed the fingerprints:\n%q\n%q", h1, h3)
	}
	lines := func(fs []detect.Finding) []int {
		var ls []int
		for _, f := range fs {
			ls = append(ls, f.StartLine)
		}
		return ls
	}
	if slices.Equal(lines(run1), lines(run3)) {
		t.Fatal("the edit did not move any secret; the test proves nothing")
	}
	g1, g3 := write(t, FormatGitLab, run1, meta, Options{}), write(t, FormatGitLab, run3, meta, Options{})
	if ids := func(doc []byte) string {
		var r struct{ Vulnerabilities []struct{ ID string } }
		if err := json.Unmarshal(doc, &r); err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, v := range r.Vulnerabilities {
			s = append(s, v.ID)
		}
		slices.Sort(s)
		return strings.Join(s, ",")
	}; ids(g1) != ids(g3) {
		t.Error("GitLab vulnerability ids change when secrets move")
	}
	if errs := validateSARIF(t, s3); len(errs) > 0 {
		t.Errorf("schema: %v", errs)
	}
	checkGitHubRules(t, s3, len(run3))
	for _, f := range run1 {
		if bytes.Contains(s1, []byte(f.Secret[len(f.Secret)-12:])) {
			t.Errorf("secret of %s in SARIF", f.RuleID)
		}
	}
}
