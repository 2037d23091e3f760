package detect

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/rules"
)

// gitleaksConfig is written the way teams write .gitleaks.toml for gitleaks
// v8: legacy [allowlist] tables, [rules.allowlist], regexTarget, stopwords,
// entropy, secretGroup, path rules and an [extend] of a base file.
const gitleaksBase = `
title = "company base"

[[rules]]
id = "company-api-token"
description = "Company API token"
regex = '''(?i)(?:company)(?:[0-9a-z\-_\t .]{0,20})(?:[\s|']|[\s|"]){0,3}(?:=|>|:{1,3}=|\|\|:|<=|=>|:|\?=)(?:'|\"|\s|=|\x60){0,5}([0-9a-f]{32})(?:['|\"|\n|\r|\s|\x60|;]|$)'''
secretGroup = 1
entropy = 3.0
keywords = ["company"]

[[rules]]
id = "internal-jwt"
description = "Internal JWT"
regex = '''\b(ey[a-zA-Z0-9]{17,}\.ey[a-zA-Z0-9\/\\_-]{17,}\.(?:[a-zA-Z0-9\/\\_-]{10,}={0,2})?)(?:['|\"|\n|\r|\s|\x60|;]|$)'''
keywords = ["ey"]
[rules.allowlist]
description = "test tokens"
regexTarget = "line"
regexes = ['''(?i)test_token''']
`

const gitleaksConfig = `
title = "service config"

[extend]
path = "base.toml"

[[rules]]
id = "password-in-yaml"
description = "Password in YAML"
regex = '''password:\s*["']?([^\s"']{8,64})'''
keywords = ["password"]
path = '''\.ya?ml$'''
[[rules.allowlists]]
stopwords = ["changeme", "example"]

[[rules]]
id = "keystore-file"
description = "Java keystore"
path = '''\.jks$'''

[allowlist]
description = "global"
paths = ['''(^|/)third_party/''']
regexTarget = "match"
regexes = ['''EXAMPLE''']
`

func TestGitleaksStyleConfig(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "base.toml"), []byte(gitleaksBase), 0o644)
	p := filepath.Join(dir, ".gitleaks.toml")
	os.WriteFile(p, []byte(gitleaksConfig), 0o644)
	cfg, err := rules.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Rules) != 4 {
		t.Fatalf("%d rules, want 4 (2 extended + 2 own)", len(cfg.Rules))
	}
	e, err := New(cfg, Options{MaxDecodeDepth: -1})
	if err != nil {
		t.Fatal(err)
	}
	jwt := "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
	cases := []struct {
		path, text string
		want       []string // "rule=secret"
	}{
		{"app.py", "COMPANY_TOKEN = 'f3a9c1d27b6e4085a1c3e5f7092b4d6e'", []string{"company-api-token=f3a9c1d27b6e4085a1c3e5f7092b4d6e"}},
		// Entropy at or below 3.0 is dropped (gitleaks: entropy <= threshold).
		{"app.py", "company_token = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab'", nil},
		{"auth.go", "token := \"" + jwt + "\"", []string{"internal-jwt=" + jwt}},
		// regexTarget = line: the allowlist regex is matched against the whole line.
		{"auth_test.go", "test_token := \"" + jwt + "\"", nil},
		{"deploy.yaml", "password: S3cur3Pa55w0rd!", []string{"password-in-yaml=S3cur3Pa55w0rd!"}},
		{"deploy.yaml", "password: changeme-later", nil},                     // stopword
		{"deploy.txt", "password: S3cur3Pa55w0rd!", nil},                     // rule path does not match
		{"certs/server.jks", "\xfe\xed\xfe\xed", []string{"keystore-file="}}, // path-only rule
		{"third_party/lib/conf.yaml", "password: S3cur3Pa55w0rd!", nil},      // global path allowlist
		{"app.py", "company_key = 'EXAMPLE0d27b6e4085a1c3e5f7092b4d6'", nil}, // global regex on match: too short anyway
		{"app.py", "company = \"c0ffee0d27b6e4085a1c3e5f7092b4d6\" # gitleaks:allow", nil},
	}
	for _, c := range cases {
		fs, err := e.Scan(context.Background(), []byte(c.text), Location{Path: c.path})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range fs {
			got = append(got, f.RuleID+"="+f.Secret)
		}
		sort.Strings(got)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("%s %q:\n got  %q\n want %q", c.path, c.text, got, c.want)
		}
	}
}

// TestGitleaksDisabledRules checks [extend] useDefault with disabledRules.
func TestGitleaksDisabledRules(t *testing.T) {
	def, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	if len(def.Rules) == 0 {
		t.Skip("no default rules yet")
	}
	victim := def.Rules[0].ID
	cfg, err := rules.LoadBytes("x.toml", []byte("[extend]\nuseDefault = true\ndisabledRules = [\""+victim+"\"]\n"), ".")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Rule(victim) != nil || len(cfg.Rules) != len(def.Rules)-1 {
		t.Errorf("disabledRules: %d rules, %s present: %v", len(cfg.Rules), victim, cfg.Rule(victim) != nil)
	}
}
