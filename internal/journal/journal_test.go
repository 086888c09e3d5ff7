package journal

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestConcurrentAppendsAreNeverLostOrTorn(t *testing.T) {
	j, err := Open(filepath.Join(t.TempDir(), "x", "journal.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 8, 200
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				// Separate Journal values model separate processes: nothing shared but the file.
				jj := &Journal{Path: j.Path}
				if err := jj.Append(Entry{User: fmt.Sprintf("w%d", w), Action: ActionAck, Target: fmt.Sprintf("%d", i), Result: "ok", Comment: string(make([]byte, 0, 1)) + "padding padding padding padding padding padding"}); err != nil {
					t.Error(err)
				}
			}
		}(w)
	}
	wg.Wait()
	res, err := j.Read(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) != 0 {
		t.Fatalf("problems: %v", res.Problems)
	}
	if len(res.Entries) != writers*each {
		t.Fatalf("entries = %d, want %d", len(res.Entries), writers*each)
	}
	seen := map[string]bool{}
	for _, e := range res.Entries {
		seen[e.User+"/"+e.Target] = true
	}
	if len(seen) != writers*each {
		t.Fatalf("distinct entries = %d", len(seen))
	}
}

func TestTornLineSkippedAndNextAppendReadable(t *testing.T) {
	p := filepath.Join(t.TempDir(), "journal.jsonl")
	j, _ := Open(p)
	if err := j.Append(Entry{User: "a", Action: ActionSilence, Result: "ok"}); err != nil {
		t.Fatal(err)
	}
	f, _ := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"time":"2026-01-01T00:00:00Z","user":"crash","act`) // crash mid-append
	f.Close()
	if err := j.Append(Entry{User: "b", Action: ActionAck, Result: "error", Error: "boom"}); err != nil {
		t.Fatal(err)
	}
	res, err := j.Read(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != 2 || res.Entries[0].User != "a" || res.Entries[1].User != "b" || res.Entries[1].Error != "boom" {
		t.Fatalf("entries = %+v", res.Entries)
	}
	if len(res.Problems) != 1 || res.Problems[0].Line != 2 {
		t.Fatalf("problems = %+v", res.Problems)
	}
}

func TestReadSince(t *testing.T) {
	j, _ := Open(filepath.Join(t.TempDir(), "j.jsonl"))
	now := time.Now()
	j.Append(Entry{Time: now.Add(-2 * time.Hour), Action: "old"})
	j.Append(Entry{Time: now.Add(-time.Minute), Action: "new"})
	res, _ := j.Read(now.Add(-time.Hour))
	if len(res.Entries) != 1 || res.Entries[0].Action != "new" {
		t.Fatalf("since filter: %+v", res.Entries)
	}
}
