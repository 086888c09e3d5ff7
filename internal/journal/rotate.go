package journal

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"time"
)

// due reports whether the active file (st, locked) must be rotated before
// the next append: it is not empty and either reached MaxSize or was last
// written in an earlier month (UTC) than now.
func (j *Journal) due(st os.FileInfo) bool {
	// Only a regular file is rotated: a journal pointed at a device or a
	// pipe (/dev/full in tests) is never renamed.
	if st.Size() == 0 || !st.Mode().IsRegular() {
		return false
	}
	if st.Size() >= j.maxSize() {
		return true
	}
	return monthOf(st.ModTime()) != monthOf(j.now())
}

func monthOf(t time.Time) string { return t.UTC().Format("200601") }

// rotateLocked renames the active file, which the caller holds locked, to
// the first free rotated name for the month of its last write, then deletes
// rotated files past retention. Appenders that opened the old file see that
// the path names another file once they get the lock, and reopen it.
func (j *Journal) rotateLocked(st os.FileInfo) error {
	month := monthOf(st.ModTime())
	var target string
	for n := 0; ; n++ {
		target = j.rotatedName(month, n)
		if _, err := os.Lstat(target); os.IsNotExist(err) {
			break
		}
		if n > 100000 {
			return fmt.Errorf("journal: no free rotated name for %s", month)
		}
	}
	if err := os.Rename(j.Path, target); err != nil {
		return fmt.Errorf("journal rotate: %w", unwrapPath(err))
	}
	j.prune()
	return nil
}

// rotatedName is <stem>-YYYYMM<ext> for n = 0, else <stem>-YYYYMM.n<ext>.
func (j *Journal) rotatedName(month string, n int) string {
	stem, ext := j.stemExt()
	name := stem + "-" + month
	if n > 0 {
		name += "." + strconv.Itoa(n)
	}
	return filepath.Join(filepath.Dir(j.Path), name+ext)
}

func (j *Journal) stemExt() (stem, ext string) {
	base := filepath.Base(j.Path)
	ext = filepath.Ext(base)
	return base[:len(base)-len(ext)], ext
}

// rotatedFile is one rotated journal file.
type rotatedFile struct {
	path  string
	month time.Time // first instant of the month (UTC) it was written in
	n     int
}

// Rotated lists the rotated files, oldest first.
func (j *Journal) Rotated() ([]string, error) {
	rs, err := j.rotated()
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.path
	}
	return out, err
}

func (j *Journal) rotated() ([]rotatedFile, error) {
	dir := filepath.Dir(j.Path)
	ents, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("journal: %w", unwrapPath(err))
	}
	stem, ext := j.stemExt()
	re := regexp.MustCompile(`^` + regexp.QuoteMeta(stem) + `-(\d{6})(?:\.(\d+))?` + regexp.QuoteMeta(ext) + `$`)
	var out []rotatedFile
	for _, e := range ents {
		m := re.FindStringSubmatch(e.Name())
		if m == nil || e.IsDir() {
			continue
		}
		month, err := time.Parse("200601", m[1])
		if err != nil {
			continue
		}
		n := 0
		if m[2] != "" {
			if n, err = strconv.Atoi(m[2]); err != nil {
				continue
			}
		}
		out = append(out, rotatedFile{path: filepath.Join(dir, e.Name()), month: month, n: n})
	}
	sort.Slice(out, func(a, b int) bool {
		if !out[a].month.Equal(out[b].month) {
			return out[a].month.Before(out[b].month)
		}
		return out[a].n < out[b].n
	})
	return out, nil
}

// prune deletes rotated files last written before now - retention. Errors
// are ignored: an undeleted old file is only kept longer.
func (j *Journal) prune() {
	rs, err := j.rotated()
	if err != nil {
		return
	}
	cutoff := j.now().Add(-j.retention())
	for _, r := range rs {
		st, err := os.Stat(r.path)
		if err == nil && st.ModTime().Before(cutoff) {
			os.Remove(r.path) //nolint:errcheck
		}
	}
}
