package serve

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// screenOf replays a terminal output stream on a w×h screen and returns its
// text, one line per row (trailing spaces trimmed). It understands what
// Bubble Tea's renderer emits: cursor movement, erase, insert/delete of
// characters and lines, repeat, scroll regions, insert mode and the
// alternate screen; styles and OSC strings are ignored.
func screenOf(stream []byte, w, h int) string {
	v := newVT(w, h)
	v.feed(string(stream))
	return v.text()
}

type vt struct {
	w, h        int
	cells       [][]rune
	x, y        int
	top, bottom int // scroll region, inclusive
	insert      bool
	last        rune
	savedX      int
	savedY      int
}

func newVT(w, h int) *vt {
	v := &vt{w: w, h: h, bottom: h - 1}
	v.cells = make([][]rune, h)
	for i := range v.cells {
		v.cells[i] = blank(w)
	}
	return v
}

func blank(n int) []rune { return []rune(strings.Repeat(" ", n)) }

func (v *vt) text() string {
	lines := make([]string, v.h)
	for i, row := range v.cells {
		lines[i] = strings.TrimRight(strings.ReplaceAll(string(row), "\x00", ""), " ")
	}
	return strings.Join(lines, "\n")
}

func (v *vt) clamp() {
	v.x = min(max(v.x, 0), v.w-1)
	v.y = min(max(v.y, 0), v.h-1)
}

func (v *vt) scrollUp(n int) {
	for range n {
		copy(v.cells[v.top:v.bottom], v.cells[v.top+1:v.bottom+1])
		v.cells[v.bottom] = blank(v.w)
	}
}

func (v *vt) scrollDown(n int) {
	for range n {
		copy(v.cells[v.top+1:v.bottom+1], v.cells[v.top:v.bottom])
		v.cells[v.top] = blank(v.w)
	}
}

func (v *vt) lineFeed() {
	if v.y == v.bottom {
		v.scrollUp(1)
		return
	}
	v.y = min(v.y+1, v.h-1)
}

func (v *vt) put(r rune, width int) {
	if v.x >= v.w {
		v.x = v.w - 1 // autowrap is off in the renderer
	}
	row := v.cells[v.y]
	if v.insert {
		copy(row[v.x+width:], row[v.x:])
	}
	row[v.x] = r
	for i := 1; i < width && v.x+i < v.w; i++ {
		row[v.x+i] = 0 // the second cell of a wide character
	}
	v.x += width
	v.last = r
}

func (v *vt) feed(s string) {
	var state byte
	for len(s) > 0 {
		seq, width, n, st := ansi.DecodeSequence(s, state, nil)
		state = st
		if n <= 0 {
			return
		}
		s = s[n:]
		switch {
		case width > 0:
			r := []rune(seq)
			v.put(r[0], width)
		case seq == "\r":
			v.x = 0
		case seq == "\n":
			v.lineFeed()
		case seq == "\b":
			v.x = max(v.x-1, 0)
		case seq == "\t":
			v.x = min((v.x/8+1)*8, v.w-1)
		case strings.HasPrefix(seq, "\x1b["):
			v.csi(seq[2:])
		case seq == "\x1bM":
			if v.y == v.top {
				v.scrollDown(1)
			} else {
				v.y = max(v.y-1, 0)
			}
		case seq == "\x1b7":
			v.savedX, v.savedY = v.x, v.y
		case seq == "\x1b8":
			v.x, v.y = v.savedX, v.savedY
		}
	}
}

func (v *vt) csi(body string) {
	if body == "" {
		return
	}
	final := body[len(body)-1]
	params := body[:len(body)-1]
	private := strings.HasPrefix(params, "?")
	params = strings.TrimLeft(params, "?>=<")
	var ps []int
	for _, p := range strings.Split(params, ";") {
		p, _, _ = strings.Cut(p, ":")
		n, err := strconv.Atoi(p)
		if err != nil {
			n = -1
		}
		ps = append(ps, n)
	}
	arg := func(i, def int) int {
		if i < len(ps) && ps[i] > 0 {
			return ps[i]
		}
		return def
	}
	arg0 := func(i int) int {
		if i < len(ps) && ps[i] >= 0 {
			return ps[i]
		}
		return 0
	}
	switch final {
	case 'H', 'f':
		v.y, v.x = arg(0, 1)-1, arg(1, 1)-1
	case 'A':
		v.y -= arg(0, 1)
	case 'B', 'e':
		v.y += arg(0, 1)
	case 'C', 'a':
		v.x += arg(0, 1)
	case 'D':
		v.x -= arg(0, 1)
	case 'E':
		v.y, v.x = v.y+arg(0, 1), 0
	case 'F':
		v.y, v.x = v.y-arg(0, 1), 0
	case 'G', '`':
		v.x = arg(0, 1) - 1
	case 'd':
		v.y = arg(0, 1) - 1
	case 'I':
		v.x = min((v.x/8+arg(0, 1))*8, v.w-1)
	case 'Z':
		v.x = max((v.x-1)/8*8-(arg(0, 1)-1)*8, 0)
	case 'K':
		row := v.cells[v.y]
		switch arg0(0) {
		case 0:
			copy(row[v.x:], blank(v.w-v.x))
		case 1:
			copy(row[:v.x+1], blank(v.x+1))
		case 2:
			v.cells[v.y] = blank(v.w)
		}
	case 'J':
		switch arg0(0) {
		case 0:
			copy(v.cells[v.y][v.x:], blank(v.w-v.x))
			for i := v.y + 1; i < v.h; i++ {
				v.cells[i] = blank(v.w)
			}
		case 1:
			for i := 0; i < v.y; i++ {
				v.cells[i] = blank(v.w)
			}
			copy(v.cells[v.y][:v.x+1], blank(v.x+1))
		case 2, 3:
			for i := range v.cells {
				v.cells[i] = blank(v.w)
			}
		}
	case 'X':
		n := min(arg(0, 1), v.w-v.x)
		copy(v.cells[v.y][v.x:], blank(n))
	case 'b':
		for range arg(0, 1) {
			v.put(v.last, 1)
		}
	case '@':
		n := min(arg(0, 1), v.w-v.x)
		row := v.cells[v.y]
		copy(row[v.x+n:], row[v.x:])
		copy(row[v.x:], blank(n))
	case 'P':
		n := min(arg(0, 1), v.w-v.x)
		row := v.cells[v.y]
		copy(row[v.x:], row[v.x+n:])
		copy(row[v.w-n:], blank(n))
	case 'L', 'M':
		if v.y < v.top || v.y > v.bottom {
			break
		}
		top := v.top
		v.top = v.y
		if final == 'L' {
			v.scrollDown(arg(0, 1))
		} else {
			v.scrollUp(arg(0, 1))
		}
		v.top = top
	case 'S':
		v.scrollUp(arg(0, 1))
	case 'T':
		v.scrollDown(arg(0, 1))
	case 'r':
		v.top, v.bottom = arg(0, 1)-1, arg(1, v.h)-1
		v.x, v.y = 0, 0
	case 'h', 'l':
		on := final == 'h'
		for _, p := range ps {
			switch {
			case !private && p == 4:
				v.insert = on
			case private && (p == 1049 || p == 47 || p == 1047):
				for i := range v.cells {
					v.cells[i] = blank(v.w)
				}
			}
		}
	}
	v.clamp()
}
