package imagescan

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/leakhound/leakhound/detect"
)

func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s not installed (apt-get install %s; .ci/run installs it): skipping the test with images built by it", name, name)
	}
}

func runTool(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

func writeFile(t *testing.T, p, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestUmociSkopeo scans an image built by umoci (whiteouts recorded with
// repack --refresh-bundle) and copied by skopeo to a docker-archive (legacy
// docker save, with symlinked layers) and an OCI archive.
func TestUmociSkopeo(t *testing.T) {
	needTool(t, "umoci")
	dir := t.TempDir()
	runTool(t, dir, "umoci", "init", "--layout", "L")
	runTool(t, dir, "umoci", "new", "--image", "L:app")
	runTool(t, dir, "umoci", "unpack", "--rootless", "--image", "L:app", "B")
	root := filepath.Join(dir, "B", "rootfs")
	writeFile(t, filepath.Join(root, "app", ".env"), "API="+tok(1)+"\n")
	writeFile(t, filepath.Join(root, "etc", "conf.d", "old.txt"), "old "+tok(2)+"\n")
	writeFile(t, filepath.Join(root, "keep.txt"), "keep "+tok(3)+"\n")
	writeFile(t, filepath.Join(root, "over.txt"), "v1 "+tok(6)+"\n")
	runTool(t, dir, "umoci", "repack", "--refresh-bundle", "--image", "L:app", "B")
	if err := os.Remove(filepath.Join(root, "app", ".env")); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(root, "etc", "conf.d")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(root, "over.txt"), "v2 "+tok(7)+"\n")
	runTool(t, dir, "umoci", "repack", "--refresh-bundle", "--image", "L:app", "B")
	runTool(t, dir, "umoci", "config", "--image", "L:app", "--config.env", "TOKEN="+tok(4), "--history.created_by", "ARG X="+tok(5))

	wants := map[string][]want{
		tok(1): {{path: "app/.env", layer: 0, status: detect.StatusDeleted}},
		tok(2): {{path: "etc/conf.d/old.txt", layer: 0, status: detect.StatusDeleted}},
		tok(3): {{path: "keep.txt", layer: 0, status: detect.StatusPresent}},
		tok(4): {{path: "config.Env[0]", layer: -1, field: "config.Env[0]"}},
		tok(5): {{path: "history[2].created_by", layer: -1, field: "history[2].created_by"}},
		tok(6): {{path: "over.txt", layer: 0, status: detect.StatusOverwritten}},
		tok(7): {{path: "over.txt", layer: 1, status: detect.StatusPresent}},
	}
	refs := map[string]string{"umoci layout": filepath.Join(dir, "L") + ":app"}
	if _, err := exec.LookPath("skopeo"); err == nil {
		runTool(t, dir, "skopeo", "copy", "--quiet", "oci:L:app", "docker-archive:"+filepath.Join(dir, "d.tar")+":app:1")
		runTool(t, dir, "skopeo", "copy", "--quiet", "oci:L:app", "oci-archive:"+filepath.Join(dir, "o.tar")+":app")
		refs["skopeo docker-archive"] = filepath.Join(dir, "d.tar")
		refs["skopeo oci-archive"] = filepath.Join(dir, "o.tar")
	} else {
		t.Log("skopeo not installed: docker-archive and oci-archive copies not tested")
	}
	for name, ref := range refs {
		t.Run(name, func(t *testing.T) {
			c, err := scanRefs(t, Options{}, ref)
			if err != nil {
				t.Fatal(err)
			}
			if msgs := c.errors(); len(msgs) > 0 {
				t.Errorf("errors: %q", msgs)
			}
			check(t, c, wants)
		})
	}
}
