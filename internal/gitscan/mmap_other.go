//go:build !unix

package gitscan

import "github.com/go-git/go-billy/v5"

func mapFile(billy.Filesystem, string, int64) []byte { return nil }

func unmapFile([]byte) {}
