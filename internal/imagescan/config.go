package imagescan

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/leakhound/leakhound/detect"
	"github.com/leakhound/leakhound/internal/scan"
)

// configItem is one scanned piece of an image config.
type configItem struct {
	field string // config.Env[3], history[5].created_by, ...
	text  string
}

// configItems lists what of the config is scanned: Env, Labels, Entrypoint,
// Cmd, OnBuild, Healthcheck and every history step's created_by.
func (img *image) configItems() []configItem {
	cf := img.config
	if cf == nil {
		return nil
	}
	var items []configItem
	c := cf.Config
	for i, e := range c.Env {
		items = append(items, configItem{fmt.Sprintf("config.Env[%d]", i), e})
	}
	keys := make([]string, 0, len(c.Labels))
	for k := range c.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		items = append(items, configItem{"config.Labels[" + k + "]", k + "=" + c.Labels[k]})
	}
	if len(c.Entrypoint) > 0 {
		items = append(items, configItem{"config.Entrypoint", strings.Join(c.Entrypoint, " ")})
	}
	if len(c.Cmd) > 0 {
		items = append(items, configItem{"config.Cmd", strings.Join(c.Cmd, " ")})
	}
	for i, o := range c.OnBuild {
		items = append(items, configItem{fmt.Sprintf("config.OnBuild[%d]", i), o})
	}
	if c.Healthcheck != nil && len(c.Healthcheck.Test) > 0 {
		items = append(items, configItem{"config.Healthcheck", strings.Join(c.Healthcheck.Test, " ")})
	}
	for i, h := range cf.History {
		if h.CreatedBy != "" {
			items = append(items, configItem{fmt.Sprintf("history[%d].created_by", i), h.CreatedBy})
		}
	}
	return items
}

// scanConfig scans img's config items, each as its own item whose path is
// the field name.
func (r *run) scanConfig(ctx context.Context, img *image) []found {
	var out []found
	c := *r.sc
	c.Emit = func(f detect.Finding) { out = append(out, found{f: f}) }
	for _, it := range img.configItems() {
		loc := detect.Location{Source: detect.SourceImage, Path: it.field}
		if err := c.ScanItem(ctx, loc, strings.NewReader(it.text), int64(len(it.text))); err != nil {
			if ctx.Err() != nil {
				return out
			}
			r.sc.Stats.Error(scan.SkipUnreadable, fmt.Errorf("image %s: %w", img.display(), err))
		}
	}
	return out
}
