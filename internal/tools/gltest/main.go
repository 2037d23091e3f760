// Command gltest loads a config, and optionally scans files single-threaded
// with the engine to measure throughput (a development aid).
package main

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"github.com/leakhound/leakhound/detect"
	"github.com/leakhound/leakhound/rules"
)

func main() {
	cfgPath := flag.String("c", "", "config (default: embedded)")
	dir := flag.String("dir", "", "scan files under dir")
	whole := flag.Bool("whole", false, "whole-chunk mode")
	prof := flag.String("cpuprofile", "", "write a CPU profile (with -labels: samples tagged by rule; go tool pprof -tags)")
	labels := flag.Bool("labels", false, "tag profile samples with rule ids")
	first := flag.Int("first", 0, "keep only the first N rules (0: all)")
	repeat := flag.Int("n", 1, "scan the files n times (use with -nocache)")
	nocache := flag.Bool("nocache", false, "turn off the regex result cache")
	drop := flag.String("drop", "", "drop the rules defined in this file (e.g. default/generic.toml)")
	flag.Parse()
	var cfg *rules.Config
	var err error
	if *cfgPath != "" {
		cfg, err = rules.Load(*cfgPath)
	} else {
		cfg, err = rules.Default()
	}
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	if *drop != "" {
		kept := cfg.Rules[:0]
		for _, r := range cfg.Rules {
			if r.File != *drop {
				kept = append(kept, r)
			}
		}
		cfg.Rules = kept
	}
	if *first > 0 && *first < len(cfg.Rules) {
		cfg.Rules = cfg.Rules[:*first]
	}
	e, err := detect.New(cfg, detect.Options{WholeChunk: *whole, LabelRules: *labels, NoCache: *nocache})
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	for _, err := range e.CompileErrors() {
		fmt.Println(err)
	}
	fmt.Println(len(cfg.Rules), "rules", len(cfg.Allowlists), "global allowlists")
	if *dir == "" {
		return
	}
	var files [][]byte
	var names []string
	var total int64
	filepath.WalkDir(*dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			b, _ := os.ReadFile(p)
			files = append(files, b)
			names = append(names, p)
			total += int64(len(b))
		}
		return nil
	})
	if *prof != "" {
		f, _ := os.Create(*prof)
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	n := 0
	for range *repeat {
		for i, b := range files {
			fs, _ := e.Scan(context.Background(), b, detect.Location{Path: names[i]})
			n += len(fs)
		}
	}
	total *= int64(*repeat)
	d := time.Since(start)
	fmt.Printf("%d files, %.1f MB in %v: %.1f MB/s, %d findings\n", len(files), float64(total)/1e6, d, float64(total)/1e6/d.Seconds(), n)
	calls, rb := e.Counters()
	fmt.Printf("regex: %d calls over %.1f MB (%.0f%% of input)\n", calls, float64(rb)/1e6, 100*float64(rb)/float64(total))
}
