package report

import (
	"cmp"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/leakhound/leakhound/detect"
	"github.com/leakhound/leakhound/rules"
	"github.com/owenrumney/go-sarif/v2/sarif"
)

// GitHub code scanning's limits on an uploaded SARIF file.
const (
	// MaxSARIFResults is the most results GitHub accepts in one run; the
	// SARIF writer keeps the most severe findings up to it.
	MaxSARIFResults = 25000
	// MaxSARIFGzipBytes is the most bytes GitHub accepts for a gzipped
	// SARIF file (10 MB, counted conservatively).
	MaxSARIFGzipBytes = 10_000_000
)

// sizeCheckThreshold is the result count from which Warnings measures the
// gzipped size of a SARIF report.
const sizeCheckThreshold = 5000

// Keys of the SARIF partialFingerprints leakhound writes.
const (
	// sarifLineHashKey is the key GitHub uses to track alerts.
	sarifLineHashKey = "primaryLocationLineHash"
	// sarifFingerprintKey carries the content fingerprint (rule and secret).
	sarifFingerprintKey = "leakhound/fingerprint/v1"
)

// writeSARIF writes a SARIF 2.1.0 log with one run, shaped for GitHub code
// scanning.
func writeSARIF(w io.Writer, findings []detect.Finding, meta Meta, _ Options) error {
	log, err := buildSARIF(findings, meta)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

// gzippedSARIFSize renders findings as SARIF, redacted as Write would, and
// returns the gzipped size.
func gzippedSARIFSize(findings []detect.Finding, meta Meta, opts Options) (int64, error) {
	var n countWriter
	zw := gzip.NewWriter(&n)
	if err := Write(zw, FormatSARIF, findings, meta, opts); err != nil {
		return 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	return int64(n), nil
}

// countWriter counts the bytes written to it.
type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}

// keepMostSevere returns findings cut to at most limit, dropping the least
// severe (and, among equals, the last); kept findings stay in order.
func keepMostSevere(findings []detect.Finding, limit int) []detect.Finding {
	if len(findings) <= limit {
		return findings
	}
	idx := make([]int, len(findings))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		return cmp.Compare(severityRank(findings[b].Severity), severityRank(findings[a].Severity))
	})
	idx = idx[:limit]
	slices.Sort(idx)
	out := make([]detect.Finding, len(idx))
	for i, j := range idx {
		out[i] = findings[j]
	}
	return out
}

// buildSARIF builds the SARIF log for findings.
func buildSARIF(findings []detect.Finding, meta Meta) (*sarif.Report, error) {
	log, err := sarif.New(sarif.Version210)
	if err != nil {
		return nil, err
	}
	total := len(findings)
	findings = keepMostSevere(findings, MaxSARIFResults)

	driver := sarif.NewVersionedDriver(meta.toolName(), meta.version())
	if isSemver(meta.version()) {
		driver.WithSemanticVersion(meta.version())
	}
	if meta.InformationURI != "" {
		driver.WithInformationURI(meta.InformationURI)
	}
	run := sarif.NewRun(sarif.Tool{Driver: driver})
	run.WithColumnKind("unicodeCodePoints")

	known := ruleIndex(meta.Rules)
	index := map[string]int{}
	for _, id := range firedRuleIDs(findings) {
		index[id] = len(driver.Rules)
		driver.Rules = append(driver.Rules, sarifRule(id, known[id], findings))
	}

	occurrence := map[string]int{}
	for i := range findings {
		f := &findings[i]
		occurrence[f.LocationFingerprint]++
		run.Results = append(run.Results, sarifResult(f, index[f.RuleID], occurrence[f.LocationFingerprint], meta))
	}

	if meta.Category != "" {
		id := meta.Category
		if !strings.Contains(id, "/") {
			id += "/"
		}
		run.WithAutomationDetails(sarif.NewRunAutomationDetails().WithID(id))
	}
	run.AddInvocations(sarifInvocation(meta, total, len(findings)))
	log.AddRun(run)
	return log, nil
}

// sarifInvocation describes the scan: whether it completed, when it ran,
// and notes on incompleteness and truncation.
func sarifInvocation(meta Meta, total, kept int) *sarif.Invocation {
	inv := sarif.NewInvocation().WithExecutionSuccess(!meta.Incomplete)
	if !meta.Start.IsZero() {
		t := meta.Start.UTC()
		inv.StartTimeUTC = &t
	}
	if !meta.End.IsZero() {
		t := meta.End.UTC()
		inv.EndTimeUTC = &t
	}
	note := func(text string) {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications,
			sarif.NewNotification().WithLevel("warning").WithMessage(sarif.NewTextMessage(text)))
	}
	if meta.Incomplete {
		note("The scan was cut short (timeout or interrupt); results cover only part of the input.")
	}
	if kept < total {
		note(fmt.Sprintf("%d findings exceed GitHub code scanning's limit of %d results per run; the %d least severe were left out.",
			total, MaxSARIFResults, total-kept))
	}
	return inv
}

// sarifRule describes a rule that fired. r may be nil for a rule not in
// Meta.Rules; the finding then supplies what it can.
func sarifRule(id string, r *rules.Rule, findings []detect.Finding) *sarif.ReportingDescriptor {
	desc, sev, tags := "", "", []string(nil)
	var generic bool
	var checksum string
	if r != nil {
		desc, sev, tags, generic, checksum = r.Description, r.Severity, r.Tags, r.IsGeneric(), r.Checksum
	} else {
		for i := range findings {
			if f := &findings[i]; f.RuleID == id {
				desc, sev, tags = f.Description, f.Severity, f.Tags
				generic = slices.Contains(tags, "generic") || strings.HasPrefix(id, "generic")
				break
			}
		}
	}
	if desc == "" {
		desc = "Secret matched by rule " + id
	}

	full := sentence(desc) + fmt.Sprintf(" Reported by leakhound rule %s with %s severity.", id, orUnknown(sev))
	precision := "high"
	switch {
	case checksum != "":
		precision = "very-high"
		full += " Matches are confirmed by the token's built-in checksum."
	case generic:
		precision = "medium"
		full += " This generic rule recognises secrets by their context and randomness, so some of its findings are false positives."
	}

	allTags := append([]string{}, tags...)
	for _, t := range []string{"security", "secret", "external/cwe/cwe-798"} {
		if !slices.Contains(allTags, t) {
			allTags = append(allTags, t)
		}
	}

	text, markdown := ruleHelp(id, desc)
	rule := sarif.NewRule(id).
		WithName(pascalCase(id)).
		WithShortDescription(sarif.NewMultiformatMessageString(strings.TrimRight(strings.TrimSpace(desc), "."))).
		WithFullDescription(sarif.NewMultiformatMessageString(full)).
		WithTextHelp(text).
		WithMarkdownHelp(markdown).
		WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(sarifLevel(sev))).
		WithProperties(sarif.Properties{
			"tags":              allTags,
			"security-severity": securitySeverity(sev),
			"precision":         precision,
		})
	return rule
}

// ruleHelp returns the help text and markdown of a rule: what was found,
// how to rotate or revoke it, and how to suppress a false positive.
func ruleHelp(id, desc string) (text, markdown string) {
	what := sentence(desc)
	text = what + "\n\n" +
		"A secret committed to a repository can be used by anyone who can read the code or its history, including forks, clones and CI logs.\n\n" +
		"How to fix:\n" +
		"1. Revoke or rotate the secret with the service that issued it, now: deleting it from the code does not make it safe, since it stays in git history and in every clone.\n" +
		"2. Check the service's access logs for use of the secret since it was committed.\n" +
		"3. Load the new secret at run time from a secret manager or the CI system's secret store, not from the repository.\n" +
		"4. Optionally purge it from history (git filter-repo) once it is revoked.\n\n" +
		"If this is a false positive:\n" +
		"- add the comment leakhound:allow (or leakhound:allow rule=" + id + ") on the line, or leakhound:allow-next-line on the line before;\n" +
		"- or add the finding's fingerprint to .leakhoundignore at the repository root (leakhound fingerprint SECRET --rule " + id + " prints it without the secret being stored anywhere);\n" +
		"- or accept existing findings with a baseline: leakhound baseline create -o .leakhound-baseline.json, then scan with --baseline .leakhound-baseline.json.\n"
	markdown = "**" + what + "**\n\n" +
		"A secret committed to a repository can be used by anyone who can read the code or its history, including forks, clones and CI logs.\n\n" +
		"### How to fix\n\n" +
		"1. **Revoke or rotate** the secret with the service that issued it, now: deleting it from the code does not make it safe, since it stays in git history and in every clone.\n" +
		"2. Check the service's access logs for use of the secret since it was committed.\n" +
		"3. Load the new secret at run time from a secret manager or the CI system's secret store, not from the repository.\n" +
		"4. Optionally purge it from history (`git filter-repo`) once it is revoked.\n\n" +
		"### If this is a false positive\n\n" +
		"- Add the comment `leakhound:allow` (or `leakhound:allow rule=" + id + "`) on the line, or `leakhound:allow-next-line` on the line before.\n" +
		"- Or add the finding's fingerprint to `.leakhoundignore` at the repository root; `leakhound fingerprint SECRET --rule " + id + "` prints it without the secret being stored anywhere.\n" +
		"- Or accept existing findings with a baseline: `leakhound baseline create -o .leakhound-baseline.json`, then scan with `--baseline .leakhound-baseline.json`.\n"
	return text, markdown
}

// sarifResult builds the result for one finding. occ is the 1-based count
// of results so far with the same location fingerprint.
func sarifResult(f *detect.Finding, ruleIdx, occ int, meta Meta) *sarif.Result {
	file, member := repoPath(f, meta.Root)
	res := sarif.NewRuleResult(f.RuleID).
		WithRuleIndex(ruleIdx).
		WithLevel(sarifLevel(f.Severity)).
		WithMessage(sarif.NewTextMessage(sarifMessage(f, file, member))).
		WithPartialFingerPrints(map[string]interface{}{
			sarifLineHashKey:    f.LocationFingerprint + ":" + strconv.Itoa(occ),
			sarifFingerprintKey: f.Fingerprint,
		})

	region := sarif.NewRegion().WithStartLine(max(f.StartLine, 1))
	if f.Secret != "" || f.Match != "" {
		sl, sc := max(f.StartLine, 1), max(f.StartColumn, 1)
		el, ec := max(f.EndLine, sl), max(f.EndColumn, 1)
		if el == sl && ec <= sc {
			ec = sc + 1
		}
		region.WithStartColumn(sc).WithEndLine(el).WithEndColumn(ec)
		if f.Secret != "" {
			region.WithSnippet(sarif.NewArtifactContent().WithText(f.Secret))
		}
	}
	res.AddLocation(sarif.NewLocationWithPhysicalLocation(sarif.NewPhysicalLocation().
		WithArtifactLocation(sarif.NewSimpleArtifactLocation(encodeURI(file))).
		WithRegion(region)))

	props := sarif.Properties{
		"source":      f.Source,
		"severity":    orUnknown(f.Severity),
		"fingerprint": f.Fingerprint,
	}
	if member != "" {
		props["archiveMember"] = member
	}
	if len(f.Decoded) > 0 {
		props["decoded"] = f.Decoded
	}
	if g := f.Git; g != nil {
		if g.Commit != "" {
			props["commit"] = g.Commit
		}
		if g.Stage != "" {
			props["stage"] = g.Stage
		}
		if g.Author != "" {
			props["author"] = g.Author
		}
		if g.Email != "" {
			props["email"] = g.Email
		}
		if !g.Date.IsZero() {
			props["date"] = g.Date.UTC().Format(time.RFC3339)
		}
		if g.Commits > 0 {
			props["commits"] = g.Commits
		}
		if g.Stage == "" {
			props["presentAtHead"] = g.PresentAtHead
		}
	}
	if im := f.Image; im != nil {
		props["imageRef"] = im.Ref
		for k, v := range map[string]string{
			"imageName": im.Name, "imageDigest": im.Digest, "imageId": im.ID, "platform": im.Platform,
			"layerDigest": im.LayerDigest, "createdBy": im.CreatedBy, "field": im.Field, "fileStatus": im.Status,
		} {
			if v != "" {
				props[k] = v
			}
		}
		props["layerIndex"] = im.LayerIndex
		if im.ChangedByLayer > 0 {
			props["changedByLayer"] = im.ChangedByLayer
		}
	}
	res.Properties = props
	return res
}

// sarifMessage writes a result's message: a title sentence, then where the
// secret is and where it came from. It never contains the secret.
func sarifMessage(f *detect.Finding, file, member string) string {
	desc := strings.TrimSpace(f.Description)
	if desc == "" {
		desc = "Secret matched by rule " + f.RuleID
	}
	var b strings.Builder
	b.WriteString(sentence(strings.TrimRight(desc, ".") + " found"))
	if f.Secret == "" && f.Match == "" {
		fmt.Fprintf(&b, " Rule %s (%s severity) matched the file name", f.RuleID, orUnknown(f.Severity))
	} else {
		fmt.Fprintf(&b, " Rule %s (%s severity) matched at line %d, column %d", f.RuleID, orUnknown(f.Severity), max(f.StartLine, 1), max(f.StartColumn, 1))
	}
	if member != "" {
		fmt.Fprintf(&b, " of %s inside archive %s.", member, file)
	} else {
		fmt.Fprintf(&b, " of %s.", file)
	}
	if len(f.Decoded) > 0 {
		fmt.Fprintf(&b, " The secret is encoded (%s); it was found after decoding.", strings.Join(f.Decoded, ", then "))
	}
	if g := f.Git; g != nil {
		switch {
		case g.Stage == detect.GitStageStaged:
			b.WriteString(" It is in changes staged for the next commit.")
		case g.Stage != "":
			b.WriteString(" It is in uncommitted changes of the working tree.")
		case g.Commit != "":
			fmt.Fprintf(&b, " Introduced in commit %s", shortSHA(g.Commit))
			if g.Author != "" {
				fmt.Fprintf(&b, " by %s", g.Author)
			}
			if !g.Date.IsZero() {
				fmt.Fprintf(&b, " on %s", g.Date.UTC().Format("2006-01-02"))
			}
			b.WriteString(".")
			if g.PresentAtHead {
				b.WriteString(" It is still present at HEAD.")
			} else {
				b.WriteString(" It is no longer in the file at HEAD, but stays in history.")
			}
		}
	}
	if im := f.Image; im != nil {
		fmt.Fprintf(&b, " In image %s", im.Ref)
		switch {
		case im.Field != "":
			fmt.Fprintf(&b, ", config field %s", im.Field)
		case im.LayerIndex >= 0:
			fmt.Fprintf(&b, ", layer %d", im.LayerIndex)
		}
		b.WriteString(".")
		switch im.Status {
		case detect.StatusDeleted:
			fmt.Fprintf(&b, " Layer %d deletes the file, but it still ships in its own layer.", im.ChangedByLayer)
		case detect.StatusOverwritten:
			fmt.Fprintf(&b, " Layer %d overwrites the file, but this copy still ships in its own layer.", im.ChangedByLayer)
		}
	}
	b.WriteString(" Revoke or rotate it, then remove it from the code.")
	return b.String()
}

func shortSHA(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// sarifLevel maps a severity to a SARIF level.
func sarifLevel(sev string) string {
	switch sev {
	case rules.SeverityCritical, rules.SeverityHigh:
		return "error"
	case rules.SeverityLow, rules.SeverityInfo:
		return "note"
	}
	return "warning"
}

// securitySeverity maps a severity to GitHub's security-severity score.
// Unknown severities score as medium.
func securitySeverity(sev string) string {
	switch sev {
	case rules.SeverityCritical:
		return "9.5"
	case rules.SeverityHigh:
		return "8.0"
	case rules.SeverityLow:
		return "3.0"
	case rules.SeverityInfo:
		return "1.0"
	}
	return "5.5"
}

// pascalCase turns a rule id like "github-pat" into "GithubPat".
func pascalCase(id string) string {
	var b strings.Builder
	up := true
	for _, r := range id {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			up = true
			continue
		}
		if up {
			r = unicode.ToUpper(r)
			up = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isSemver reports whether v looks like a semantic version (MAJOR.MINOR.PATCH
// with optional pre-release and build parts).
func isSemver(v string) bool {
	core, _, _ := strings.Cut(v, "+")
	core, _, _ = strings.Cut(core, "-")
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return false
	}
	for _, p := range parts {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}
