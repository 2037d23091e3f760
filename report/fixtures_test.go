package report

import (
	"encoding/base64"
	"strings"
	"time"

	"github.com/leakhound/leakhound/detect"
	"github.com/leakhound/leakhound/rules"
)

// Secrets of the fixtures. They are fake: none passes its token checksum.
const (
	fixGitHubToken = "ghp_R4nd0mLook1ngT0kenValue0123456789ab"
	fixAWSKey      = "AKIAZZTESTFAKEKEY123"
	fixSlackToken  = "xoxb-123456789012-abcdefFAKEtoken"
	fixStripeKey   = "sk_live_51FAKEfakeFAKEfakeFAKE00"
	fixNpmToken    = "npm_FakeTokenValueForTests0000000000000"
	fixDBPassword  = "Pr0d-P@ssw0rd!2024"
)

// fixPrivateKey is a multi-line secret (not a real key).
var fixPrivateKey = "-----BEGIN OPENSSH PRIVATE KEY-----\n" +
	"b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n" +
	"QyNTUxOQAAACBGYWtlS2V5Rm9yVGVzdHNPbmx5Tm90UmVhbEZha2VLZXkAAAAA\n" +
	"-----END OPENSSH PRIVATE KEY-----"

// fixEncoded is fixStripeKey inside a base64-encoded config line.
var fixEncoded = base64.StdEncoding.EncodeToString([]byte("STRIPE_KEY=" + fixStripeKey))

var fixDate = time.Date(2024, 5, 1, 12, 30, 0, 0, time.FixedZone("CEST", 2*3600))

// fixRules are the rules of the fixture run.
var fixRules = []*rules.Rule{
	{ID: "github-pat", Description: "GitHub personal access token", Severity: rules.SeverityCritical, Tags: []string{"github", "token"}, Checksum: "github"},
	{ID: "aws-access-key-id", Description: "AWS access key ID", Severity: rules.SeverityHigh, Tags: []string{"aws"}},
	{ID: "slack-bot-token", Description: "Slack bot token", Severity: rules.SeverityHigh, Tags: []string{"slack"}},
	{ID: "stripe-secret-key", Description: "Stripe secret key", Severity: rules.SeverityCritical, Tags: []string{"stripe"}},
	{ID: "npm-access-token", Description: "npm access token", Severity: rules.SeverityHigh, Tags: []string{"npm"}, Checksum: "npm"},
	{ID: "generic-password", Description: "Generic password assignment.", Severity: rules.SeverityMedium, Tags: []string{"generic"}},
	{ID: "private-key", Description: "Private key", Severity: rules.SeverityCritical, Tags: []string{"key"}},
	{ID: "pkcs12-file", Description: "PKCS #12 key store file", Severity: rules.SeverityLow, Tags: []string{"file"}},
	{ID: "unused-rule", Description: "A rule that fires nowhere", Severity: rules.SeverityInfo},
}

// finding builds a finding with fingerprints computed as detect does.
func finding(ruleID, path, secret, match, line string, sl, sc int) detect.Finding {
	var r *rules.Rule
	for _, x := range fixRules {
		if x.ID == ruleID {
			r = x
		}
	}
	el, ec := sl, sc+len([]rune(secret))
	if i := strings.LastIndexByte(secret, '\n'); i >= 0 {
		el = sl + strings.Count(secret, "\n")
		ec = len([]rune(secret[i+1:])) + 1
	}
	return detect.Finding{
		RuleID: r.ID, Description: r.Description, Severity: r.Severity, Tags: r.Tags,
		Source: detect.SourceFile, Path: path,
		StartLine: sl, StartColumn: sc, EndLine: el, EndColumn: ec,
		StartOffset: 100, EndOffset: 100 + int64(len(secret)),
		Secret: secret, Match: match, Line: line, Entropy: detect.ShannonEntropy(secret),
		Fingerprint:         detect.Fingerprint(r.ID, secret),
		LocationFingerprint: detect.LocationFingerprint(r.ID, path, secret),
	}
}

// fixture is a named finding, one per variant the formats must handle.
type fixture struct {
	name string
	f    detect.Finding
	// hidden are strings that must not appear in a redacted report.
	hidden []string
}

func fixtures() []fixture {
	file := finding("github-pat", "config/app.yml", fixGitHubToken,
		"token: "+fixGitHubToken, `token: "`+fixGitHubToken+`" # deploy`, 3, 9)

	git := finding("aws-access-key-id", "deploy/terraform.tfvars", fixAWSKey,
		fixAWSKey, `access_key = "`+fixAWSKey+`"`, 12, 15)
	git.Source = detect.SourceGit
	git.Git = &detect.GitInfo{
		Commit: "4b825dc642cb6eb9a060e54bf8d69288fbee4904", Author: "Jane Doe", Email: "jane@example.com",
		Date: fixDate, Message: "add terraform vars with " + fixAWSKey,
		Blob: "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391", Commits: 3, Blobs: 2, PresentAtHead: true,
	}

	image := finding("slack-bot-token", "/app/.env", fixSlackToken,
		"SLACK_TOKEN="+fixSlackToken, "SLACK_TOKEN="+fixSlackToken, 1, 13)
	image.Source = detect.SourceImage
	image.Image = &detect.ImageInfo{
		Ref: "registry.example.com/team/app:1.4", Digest: "sha256:" + strings.Repeat("ab", 32),
		LayerIndex: 3, LayerDigest: "sha256:" + strings.Repeat("cd", 32),
		CreatedBy: "/bin/sh -c echo SLACK_TOKEN=" + fixSlackToken + " > /app/.env",
		Platform:  "linux/amd64", Status: detect.StatusDeleted, ChangedByLayer: 5,
	}

	config := finding("npm-access-token", "", fixNpmToken, "NPM_TOKEN="+fixNpmToken, "NPM_TOKEN="+fixNpmToken, 1, 11)
	config.Source = detect.SourceImage
	config.Image = &detect.ImageInfo{Ref: "registry.example.com/team/app:1.4", LayerIndex: -1, Field: "config.Env[3]"}

	decoded := finding("stripe-secret-key", "k8s/secret.yaml", fixStripeKey,
		"STRIPE_KEY="+fixStripeKey, "payments: "+fixEncoded, 7, 13)
	decoded.Decoded = []string{detect.EncBase64}
	decoded.EndColumn = 13 + len(fixEncoded)

	archive := finding("generic-password", "dist/release bundle.zip!conf/db.properties", fixDBPassword,
		"password="+fixDBPassword, "password="+fixDBPassword, 2, 10)

	unicode := finding("github-pat", "docs/my notes/ünïcødé #1 100%.md", fixGitHubToken,
		fixGitHubToken, "Use "+fixGitHubToken+" <b>& friends</b>", 40, 5)

	key := finding("private-key", "/abs/checkout/keys/id_ed25519", fixPrivateKey, fixPrivateKey, fixPrivateKey, 1, 1)

	pathOnly := detect.Finding{
		RuleID: "pkcs12-file", Description: "PKCS #12 key store file", Severity: rules.SeverityLow, Tags: []string{"file"},
		Source: detect.SourceFile, Path: "certs/client.p12", StartLine: 1, StartColumn: 1, EndLine: 1, EndColumn: 1,
		Fingerprint:         detect.Fingerprint("pkcs12-file", "certs/client.p12"),
		LocationFingerprint: detect.LocationFingerprint("pkcs12-file", "certs/client.p12", ""),
	}

	stdin := finding("generic-password", "", "hunter2-but-longer-pw", "pw=hunter2-but-longer-pw", "pw=hunter2-but-longer-pw\x1b[2J", 1, 4)
	stdin.Source = detect.SourceStdin

	staged := finding("github-pat", "src/settings.py", fixGitHubToken, fixGitHubToken, `GH = "`+fixGitHubToken+`"`, 8, 7)
	staged.Source = detect.SourceGit
	staged.Git = &detect.GitInfo{Stage: detect.GitStageStaged}

	return []fixture{
		{"file", file, []string{fixGitHubToken}},
		{"git", git, []string{fixAWSKey}},
		{"image", image, []string{fixSlackToken}},
		{"image-config", config, []string{fixNpmToken}},
		{"decoded", decoded, []string{fixStripeKey, fixEncoded}},
		{"archive", archive, []string{fixDBPassword}},
		{"unicode", unicode, []string{fixGitHubToken}},
		{"multiline", key, []string{fixPrivateKey, "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ", "QyNTUxOQAAACBGYWtlS2V5Rm9yVGVzdHNPbmx5Tm90UmVhbEZha2VLZXkAAAAA"}},
		{"path-only", pathOnly, nil},
		{"stdin", stdin, []string{"hunter2-but-longer-pw"}},
		{"staged", staged, []string{fixGitHubToken}},
	}
}

// allFindings returns every fixture's finding.
func allFindings() []detect.Finding {
	var fs []detect.Finding
	for _, x := range fixtures() {
		fs = append(fs, x.f)
	}
	return fs
}

// fixMeta is the metadata of the fixture run.
func fixMeta() Meta {
	return Meta{
		ToolName: "leakhound", Version: "1.2.3", InformationURI: "https://github.com/leakhound/leakhound",
		Command: "dir",
		Start:   time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC), End: time.Date(2024, 6, 1, 10, 0, 2, 500e6, time.UTC),
		Rules: fixRules, Root: "/abs/checkout",
	}
}
