package report

import (
	"bytes"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/detect"
)

func TestRedactFields(t *testing.T) {
	const s = "abcdefghij0123456789"
	for _, c := range []struct {
		name           string
		secret, line   string
		percent        int
		want, wantLine string
	}{
		{"full", s, "key = " + s + " # x", 100, "REDACTED", "key = REDACTED # x"},
		{"half", s, "key=" + s, 50, "abcdefghij...", "key=abcdefghij..."},
		{"twenty", s, s, 80, "abcd...", "abcd..."},
		{"over 100", s, s, 300, "REDACTED", "REDACTED"},
		{"twice", s, s + "," + s, 100, "REDACTED", "REDACTED,REDACTED"},
		{"overlapping", "aaaa", "xaaaaaay", 100, "REDACTED", "xREDACTEDy"},
		// Excerpts cut a long secret: the piece left is hidden.
		{"cut at end", s, `token: "abcdefghij012`, 100, "REDACTED", `token: "REDACTED`},
		{"cut at start", s, `456789" # end`, 100, "REDACTED", `REDACTED" # end`},
		{"line inside secret", s, "defghij01", 100, "REDACTED", "REDACTED"},
		{"unicode", "pässwört-ünïcødé", "pw: pässwört-ünïcødé", 50, "pässwört...", "pw: pässwört..."},
		{"tiny share kept", "abc", "abc", 99, "REDACTED", "REDACTED"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := detect.Finding{Secret: c.secret, Match: "k=" + c.secret, Line: c.line}
			got := Redact(f, c.percent)
			if got.Secret != c.want || got.Line != c.wantLine || got.Match != "k="+c.want {
				t.Errorf("Redact = secret %q match %q line %q; want %q, %q, %q", got.Secret, got.Match, got.Line, c.want, "k="+c.want, c.wantLine)
			}
		})
	}
}

func TestRedactZeroAndEmpty(t *testing.T) {
	f := allFindings()[0]
	if got := Redact(f, 0); got.Secret != f.Secret || got.Line != f.Line {
		t.Error("Redact(0) changed the finding")
	}
	p := detect.Finding{Path: "certs/a.p12", Line: "", Match: ""}
	if got := Redact(p, 100); got.Secret != "" || got.Line != "" || got.Match != "" {
		t.Errorf("path-only finding: %+v", got)
	}
	// An empty secret must not be "found" between every character.
	q := detect.Finding{Line: "some line", Match: "m"}
	if got := Redact(q, 100); got.Line != "some line" || got.Match != "m" {
		t.Errorf("empty secret: line %q match %q", got.Line, got.Match)
	}
}

func TestRedactDoesNotMutateInput(t *testing.T) {
	for _, x := range fixtures() {
		orig := x.f
		var gitMsg, createdBy string
		if orig.Git != nil {
			gitMsg = orig.Git.Message
		}
		if orig.Image != nil {
			createdBy = orig.Image.CreatedBy
		}
		_ = Redact(orig, 100)
		if orig.Git != nil && orig.Git.Message != gitMsg || orig.Image != nil && orig.Image.CreatedBy != createdBy {
			t.Errorf("%s: Redact changed the caller's provenance", x.name)
		}
	}
	fs := allFindings()
	var buf bytes.Buffer
	if err := Write(&buf, FormatSARIF, fs, fixMeta(), Options{}); err != nil {
		t.Fatal(err)
	}
	for i, x := range fixtures() {
		if fs[i].Secret != x.f.Secret || fs[i].Line != x.f.Line {
			t.Errorf("%s: Write changed the caller's finding", x.name)
		}
	}
}

func TestRedactDecoded(t *testing.T) {
	secret := "sk_live_0123456789abcdefABCDEF"
	inner := "key=" + secret
	for name, line := range map[string]string{
		"base64":     "data: " + base64.StdEncoding.EncodeToString([]byte(inner)) + " end",
		"base64url":  "data: " + base64.RawURLEncoding.EncodeToString([]byte(inner+"??>>")),
		"hex":        "data: 6b65793d" + strings.Repeat("ab", 30) + " end",
		"percent":    "url: https://x.test/?k=" + url.QueryEscape(inner+"&x=ü") + " end",
		"percent-pl": `u="` + strings.Replace(secret, "_", "%5F", 1) + `"`,
	} {
		f := detect.Finding{Secret: secret, Match: inner, Line: line, Decoded: []string{"x"}}
		got := Redact(f, 100)
		if !strings.Contains(got.Line, "REDACTED") {
			t.Errorf("%s: encoded run not hidden: %q", name, got.Line)
		}
		for _, keep := range []string{"data: ", "url: ", " end", `u="`} {
			if strings.Contains(line, keep) && !strings.Contains(got.Line, keep) {
				t.Errorf("%s: hid too much: %q", name, got.Line)
			}
		}
		for i := 0; i+8 <= len(secret); i++ {
			if strings.Contains(got.Line, secret[i:i+8]) {
				t.Errorf("%s: line %q still holds %q", name, got.Line, secret[i:i+8])
			}
		}
		if got.Match != "key=REDACTED" {
			t.Errorf("%s: match %q", name, got.Match)
		}
	}
}

// TestReportsHideSecrets renders every format and checks that no 8-byte
// piece of any secret (or of its encoded form) survives redaction: by
// default in sarif, gitlab and junit, with --redact in all formats.
func TestReportsHideSecrets(t *testing.T) {
	meta := fixMeta()
	check := func(t *testing.T, format string, out []byte) {
		for _, x := range fixtures() {
			for _, h := range x.hidden {
				for i := 0; i+8 <= len(h); i++ {
					if piece := h[i : i+8]; bytes.Contains(out, []byte(piece)) || bytes.Contains(out, []byte(xmlEscape(piece))) {
						t.Errorf("%s: fixture %s: %q of a secret is in the report", format, x.name, piece)
						break
					}
				}
			}
		}
	}
	for _, format := range Formats() {
		t.Run(format+"/default", func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, format, allFindings(), meta, Options{}); err != nil {
				t.Fatal(err)
			}
			switch format {
			case FormatSARIF, FormatGitLab, FormatJUnit:
				check(t, format, buf.Bytes())
			default:
				// Not redacted by default: the secrets must be there.
				if !bytes.Contains(buf.Bytes(), []byte(fixAWSKey)) {
					t.Errorf("%s shows no secret without --redact", format)
				}
			}
		})
		t.Run(format+"/redact100", func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, format, allFindings(), meta, Options{Redact: 100, NoRedact: true}); err != nil {
				t.Fatal(err)
			}
			check(t, format, buf.Bytes())
		})
		t.Run(format+"/noredact", func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, format, allFindings(), meta, Options{NoRedact: true}); err != nil {
				t.Fatal(err)
			}
			if format != FormatGitLab && !bytes.Contains(buf.Bytes(), []byte(fixAWSKey)) {
				t.Errorf("%s hides the secret despite --no-redact", format)
			}
		})
	}
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

func TestWriteRejectsBadInput(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, "yaml", nil, fixMeta(), Options{}); err == nil || !strings.Contains(err.Error(), "sarif") {
		t.Errorf("unknown format: err = %v, want one listing the formats", err)
	}
	for _, p := range []int{-1, 101} {
		if err := Write(&buf, FormatJSON, nil, fixMeta(), Options{Redact: p}); err == nil {
			t.Errorf("Redact %d accepted", p)
		}
	}
	if got := Formats(); strings.Join(got, ",") != "human,json,sarif,gitlab,junit,csv" {
		t.Errorf("Formats() = %v", got)
	}
}
