package imagescan

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
	"time"
)

func TestReadahead(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 100_000) // 1.6 MB, several chunks
	boom := errors.New("boom")

	// All data, then the source's own error, unchanged.
	src := io.MultiReader(iotest.HalfReader(bytes.NewReader(data)), iotest.ErrReader(boom))
	ra := newReadahead(src)
	got, err := io.ReadAll(ra)
	ra.Close(nil)
	if !errors.Is(err, boom) || !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes, err %v; want %d bytes and boom", len(got), err, len(data))
	}

	// A clean end is io.EOF.
	ra = newReadahead(bytes.NewReader(data))
	got, err = io.ReadAll(ra)
	ra.Close(nil)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes, err %v", len(got), err)
	}

	// Close ends a read-ahead blocked on its source once unblocked.
	pr, pw := io.Pipe()
	go pw.Write(data[:1000])
	ra = newReadahead(pr)
	buf := make([]byte, 100)
	if _, err := io.ReadFull(ra, buf); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { ra.Close(pr.Close); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
}
