package report

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// multitool returns the path of .ci/sarif-validate.sh, or skips the test
// when the validator cannot run here.
func multitool(t *testing.T) string {
	t.Helper()
	if os.Getenv("LEAKHOUND_SKIP_MULTITOOL") != "" {
		t.Skip("LEAKHOUND_SKIP_MULTITOOL is set")
	}
	if testing.Short() {
		t.Skip("-short: skipping the SARIF multitool (it installs from npm on first use)")
	}
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skipf("the SARIF multitool's npm package has no binary for %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	for _, cmd := range []string{"node", "npm", "bash"} {
		if _, err := exec.LookPath(cmd); err != nil {
			t.Skipf("%s not found: install Node.js and npm to validate SARIF with Microsoft's multitool", cmd)
		}
	}
	script, err := filepath.Abs(filepath.Join("..", ".ci", "sarif-validate.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(script); err != nil {
		t.Fatal(err)
	}
	return script
}

// TestSARIFMultitool validates the golden SARIF files and a few more
// variants with Microsoft's SARIF multitool and GitHub's rules (GH1001-
// GH1018) enabled as errors.
func TestSARIFMultitool(t *testing.T) {
	script := multitool(t)
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*.sarif"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden SARIF files: %v", err)
	}
	dir := t.TempDir()
	for name, v := range sarifVariants() {
		if !strings.HasPrefix(name, "one-") && name != "bare-meta" {
			continue
		}
		var buf bytes.Buffer
		if err := Write(&buf, FormatSARIF, v.findings, v.meta, v.opts); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name+".sarif")
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	cmd := exec.Command("bash", append([]string{script}, files...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sarif-validate.sh failed: %v\n%s", err, out)
	}
	t.Logf("%s", out)
	if n := strings.Count(string(out), " 0 error(s)"); n != len(files) {
		t.Errorf("validated %d of %d files cleanly:\n%s", n, len(files), out)
	}
}

// TestSARIFMultitoolRejects shows that the script fails on a log GitHub
// would reject (absolute URI, column 0), despite the multitool's exit 0.
func TestSARIFMultitoolRejects(t *testing.T) {
	script := multitool(t)
	var buf bytes.Buffer
	if err := Write(&buf, FormatSARIF, allFindings()[:1], fixMeta(), Options{}); err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	if err := json.Unmarshal(buf.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	reg := region(d)
	reg["startColumn"] = 0
	res := d["runs"].([]any)[0].(map[string]any)["results"].([]any)[0].(map[string]any)
	res["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)["artifactLocation"].(map[string]any)["uri"] = "/home/ci/config/app.yml"
	bad, _ := json.Marshal(d)
	p := filepath.Join(t.TempDir(), "bad.sarif")
	if err := os.WriteFile(p, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("bash", script, p).CombinedOutput()
	if err == nil {
		t.Fatalf("sarif-validate.sh accepted a broken log:\n%s", out)
	}
	for _, want := range []string{"SARIF1004", "error"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
