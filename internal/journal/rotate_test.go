package journal

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func appendOK(t *testing.T, j *Journal, e Entry) {
	t.Helper()
	if err := j.Append(e); err != nil {
		t.Fatal(err)
	}
}

func TestMonthlyRotationAndReadAcrossFiles(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	j := &Journal{Path: filepath.Join(dir, "journal.jsonl"), Now: func() time.Time { return now }}
	appendOK(t, j, Entry{Time: time.Date(2026, 2, 27, 9, 0, 0, 0, time.UTC), Action: ActionSilence, User: "feb"})
	// The file was last written in February.
	feb := time.Date(2026, 2, 27, 9, 0, 0, 0, time.UTC)
	if err := os.Chtimes(j.Path, feb, feb); err != nil {
		t.Fatal(err)
	}
	appendOK(t, j, Entry{Time: now, Action: ActionAck, User: "mar"})
	rs, err := j.Rotated()
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || filepath.Base(rs[0]) != "journal-202602.jsonl" {
		t.Fatalf("rotated = %v, want journal-202602.jsonl", rs)
	}
	data, _ := os.ReadFile(j.Path)
	if strings.Contains(string(data), `"feb"`) || !strings.Contains(string(data), `"mar"`) {
		t.Fatalf("active file after rotation = %s", data)
	}
	res, err := j.Read(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != 2 || res.Entries[0].User != "feb" || res.Entries[1].User != "mar" {
		t.Fatalf("read across files = %+v", res.Entries)
	}
	// A window starting in March does not need February's file.
	res, _ = j.Read(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	if len(res.Entries) != 1 || res.Entries[0].User != "mar" {
		t.Fatalf("read since March = %+v", res.Entries)
	}
	// A window starting late February reads both files, filtered by time.
	res, _ = j.Read(time.Date(2026, 2, 27, 8, 0, 0, 0, time.UTC))
	if len(res.Entries) != 2 {
		t.Fatalf("read since Feb 27 = %+v", res.Entries)
	}
}

func TestSizeRotationNamesAndRetention(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	j := &Journal{Path: filepath.Join(dir, "journal.jsonl"), MaxSize: 200, Retention: 30 * 24 * time.Hour}
	month := now.UTC().Format("200601")
	// An old rotated file (last written 40 days ago) and a recent one (20 days ago).
	old := filepath.Join(dir, "journal-200001.jsonl")
	recent := filepath.Join(dir, "journal-200002.jsonl")
	for p, age := range map[string]time.Duration{old: 40 * 24 * time.Hour, recent: 20 * 24 * time.Hour} {
		if err := os.WriteFile(p, []byte(`{"time":"2000-01-01T00:00:00Z","action":"ack"}`+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		ts := now.Add(-age)
		if err := os.Chtimes(p, ts, ts); err != nil {
			t.Fatal(err)
		}
	}
	// Each entry is over 200 bytes: every append after the first rotates.
	for i := range 4 {
		appendOK(t, j, Entry{Action: ActionNote, Comment: strings.Repeat("n", 200), Target: string(rune('a' + i))})
	}
	rs, _ := j.Rotated()
	var names []string
	for _, r := range rs {
		names = append(names, filepath.Base(r))
	}
	want := []string{"journal-200002.jsonl", "journal-" + month + ".jsonl", "journal-" + month + ".1.jsonl", "journal-" + month + ".2.jsonl"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("rotated files = %v, want %v (the 40-day-old file pruned, the 20-day-old kept)", names, want)
	}
	res, err := j.Read(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var targets string
	for _, e := range res.Entries {
		targets += e.Target
	}
	if targets != "abcd" {
		t.Fatalf("entries in order = %q (of %d), want the 4 notes in order after the kept old entry", targets, len(res.Entries))
	}
}

func TestTornLineInRotatedFileIsReportedWithItsFile(t *testing.T) {
	dir := t.TempDir()
	j := &Journal{Path: filepath.Join(dir, "journal.jsonl")}
	rot := filepath.Join(dir, "journal-202601.jsonl")
	body := `{"time":"2026-01-05T00:00:00Z","action":"ack","user":"a"}` + "\n" + `{"time":"2026-01-05T00:01:00Z","act` + "\n" +
		`{"time":"2026-01-05T00:02:00Z","action":"ack","user":"b"}` + "\n" + "not json\n"
	if err := os.WriteFile(rot, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := j.Read(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != 2 {
		t.Fatalf("entries = %+v", res.Entries)
	}
	if len(res.Problems) != 2 || res.Problems[0].String() != "journal-202601.jsonl line 2: torn line (interrupted write)" ||
		res.Problems[1].String() != "journal-202601.jsonl line 4: corrupt line" {
		t.Fatalf("problems = %v", res.Problems)
	}
}

func TestAppendToUnwritableDirIsOneLineError(t *testing.T) {
	j := &Journal{Path: t.TempDir()} // a directory, not a file
	err := j.Append(Entry{Action: ActionAck})
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), "journal") {
		t.Fatalf("err = %v", err)
	}
}

func TestAppendContextGivesUpWhileLocked(t *testing.T) {
	j := &Journal{Path: filepath.Join(t.TempDir(), "journal.jsonl")}
	appendOK(t, j, Entry{Action: ActionAck, User: "first"})
	f, err := os.OpenFile(j.Path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err = j.AppendContext(ctx, Entry{Action: ActionAck, User: "blocked"})
	if err == nil || !strings.Contains(err.Error(), "still locked by another process") {
		t.Fatalf("err = %v", err)
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	ctx2, cancel2 := context.WithTimeout(context.Background(), time.Second)
	defer cancel2()
	if err := j.AppendContext(ctx2, Entry{Action: ActionAck, User: "second"}); err != nil {
		t.Fatal(err)
	}
	res, _ := j.Read(time.Time{})
	if len(res.Entries) != 2 || res.Entries[1].User != "second" {
		t.Fatalf("entries = %+v", res.Entries)
	}
}
