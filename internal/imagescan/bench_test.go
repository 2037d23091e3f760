package imagescan

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/leakhound/leakhound/internal/scan"
)

// benchImage builds an image of layers × about perLayer bytes: source-like
// text files, binaries and a few secrets, compressed with comp.
func benchImage(b *testing.B, comp string, layers, perLayer int) (v1.Image, int64) {
	rnd := rand.New(rand.NewPCG(1, 2))
	words := strings.Fields("the config value return error func string token name path data index user client server")
	var total int64
	var steps []step
	for l := 0; l < layers; l++ {
		var ents []ent
		size := 0
		for n := 0; size < perLayer; n++ {
			var body string
			if n%4 == 3 {
				buf := make([]byte, 64<<10)
				for i := range buf {
					buf[i] = byte(rnd.Uint32())
				}
				buf[0], buf[1], buf[2], buf[3] = 0x7f, 'E', 'L', 'F'
				body = string(buf)
			} else {
				var sb strings.Builder
				for sb.Len() < 16<<10 {
					sb.WriteString(words[rnd.IntN(len(words))])
					if rnd.IntN(8) == 0 {
						sb.WriteByte('\n')
					} else {
						sb.WriteByte(' ')
					}
				}
				if n%50 == 0 {
					sb.WriteString("\nkey=" + tok(l*1000+n) + "\n")
				}
				body = sb.String()
			}
			ents = append(ents, file(fmt.Sprintf("layer%d/f%d", l, n), body))
			size += len(body)
		}
		total += int64(size)
		steps = append(steps, step{layer(b, comp, ents...), fmt.Sprintf("COPY layer%d", l)})
	}
	return buildImage(b, "linux/amd64", []string{"A=1"}, nil, steps...), total
}

// BenchmarkScan measures image scanning (decompression, tar streaming,
// content hashing, status) with a one-rule engine, so that the engine's
// cost stays small. MB/s is of uncompressed layer content.
func BenchmarkScan(b *testing.B) {
	for _, comp := range []string{"gzip", "gzip-1layer", "zstd", "docker-save"} {
		b.Run(comp, func(b *testing.B) {
			c, layers := comp, 4
			switch c {
			case "docker-save":
				c = "none"
			case "gzip-1layer":
				c, layers = "gzip", 1
			}
			img, total := benchImage(b, c, layers, 32<<20/layers)
			dir := b.TempDir()
			ref := filepath.Join(dir, "layout")
			if comp == "docker-save" {
				ref = filepath.Join(dir, "save.tar")
				writeTar(b, ref, dockerSaveFiles(b, img, "bench:1", false))
			} else {
				writeLayout(b, ref, map[string]v1.Image{"bench": img})
			}
			b.SetBytes(total)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				sc, col := newScanner(b, scan.DefaultOptions())
				if err := Scan(context.Background(), []string{ref}, Options{}, sc); err != nil {
					b.Fatal(err)
				}
				if len(col.found) == 0 {
					b.Fatal("no findings")
				}
			}
		})
	}
}
