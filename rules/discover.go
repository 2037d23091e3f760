package rules

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Env names the environment variable that may hold a config path.
const Env = "LEAKHOUND_CONFIG"

// Discover finds and loads the configuration for a scan, in this order:
// the explicit path (from --config), the path in $LEAKHOUND_CONFIG,
// .leakhound.toml in the scan root, .gitleaks.toml in the scan root, and
// finally the embedded default ruleset. It returns the config and a label
// saying where it came from. getenv is os.Getenv in production.
func Discover(explicit, root string, getenv func(string) string) (*Config, string, error) {
	if explicit != "" {
		cfg, err := Load(explicit)
		return cfg, explicit, err
	}
	if p := getenv(Env); p != "" {
		cfg, err := Load(p)
		if err != nil {
			return nil, p, fmt.Errorf("%s=%s: %w", Env, p, err)
		}
		return cfg, p, nil
	}
	if root != "" {
		if st, err := os.Stat(root); err == nil && !st.IsDir() {
			root = filepath.Dir(root)
		}
		for _, name := range []string{".leakhound.toml", ".gitleaks.toml"} {
			p := filepath.Join(root, name)
			if _, err := os.Stat(p); err == nil {
				cfg, err := Load(p)
				return cfg, p, err
			} else if !errors.Is(err, fs.ErrNotExist) {
				return nil, p, fmt.Errorf("config %s: %w", p, err)
			}
		}
	}
	cfg, err := Default()
	return cfg, "default", err
}

// Select narrows cfg to the enabled rule ids (all when enable is empty) and
// drops the disabled ones. Unknown ids are an error. Rules that enabled
// rules require stay, so composite rules keep working.
func Select(cfg *Config, enable, disable []string) (*Config, error) {
	known := map[string]bool{}
	for _, r := range cfg.Rules {
		known[r.ID] = true
	}
	for _, id := range append(append([]string(nil), enable...), disable...) {
		if !known[id] {
			return nil, fmt.Errorf("unknown rule id %q (see `leakhound rules list`)", id)
		}
	}
	if len(enable) == 0 && len(disable) == 0 {
		return cfg, nil
	}
	keep := map[string]bool{}
	if len(enable) == 0 {
		for id := range known {
			keep[id] = true
		}
	}
	for _, id := range enable {
		keep[id] = true
		if r := cfg.Rule(id); r != nil {
			for _, q := range r.Required {
				keep[q.ID] = true
			}
		}
	}
	for _, id := range disable {
		delete(keep, id)
	}
	out := *cfg
	out.Rules = nil
	for _, r := range cfg.Rules {
		if keep[r.ID] {
			out.Rules = append(out.Rules, r)
		}
	}
	return &out, nil
}
