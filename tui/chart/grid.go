package chart

import (
	"image/color"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/NimbleMarkets/ntcharts/v2/canvas"
)

// A grid is the drawn plot kept after a build: each cell's rune and an
// index into a table of the few styles the chart uses, each style's escape
// sequences computed once. A cursor move draws the cursor over it and
// writes the rows again, without ntcharts: a fraction of a build.
type grid struct {
	cells    [][]gcell
	styles   []lipgloss.Style // [0] is no style
	pre, suf []string
	ids      map[cellKey]int32
	rev      map[int32]int32 // a style's reversed twin
}

type gcell struct {
	r rune
	s int32
}

// cellKey is what decides how a cell is styled: its colours and the
// attributes the chart uses.
type cellKey struct {
	fg, bg                                   [4]uint32
	hasFg, hasBg                             bool
	bold, faint, italic, underline, reversed bool
}

func keyOf(st lipgloss.Style) cellKey {
	k := cellKey{bold: st.GetBold(), faint: st.GetFaint(), italic: st.GetItalic(), underline: st.GetUnderline(), reversed: st.GetReverse()}
	if c := st.GetForeground(); !isNoColor(c) {
		r, g, b, a := c.RGBA()
		k.fg, k.hasFg = [4]uint32{r, g, b, a}, true
	}
	if c := st.GetBackground(); !isNoColor(c) {
		r, g, b, a := c.RGBA()
		k.bg, k.hasBg = [4]uint32{r, g, b, a}, true
	}
	return k
}

// isNoColor reports an unset colour: lipgloss returns NoColor{}, never nil.
func isNoColor(c color.Color) bool {
	_, none := c.(lipgloss.NoColor)
	return c == nil || none
}

func newGrid() *grid {
	return &grid{styles: []lipgloss.Style{{}}, pre: []string{""}, suf: []string{""},
		ids: map[cellKey]int32{{}: 0}, rev: map[int32]int32{}}
}

// id is a style's index, added on first use.
func (g *grid) id(st lipgloss.Style) int32 {
	k := keyOf(st)
	if id, ok := g.ids[k]; ok {
		return id
	}
	id := int32(len(g.styles))
	r := st.Render("x")
	i := strings.LastIndex(r, "x")
	g.styles, g.pre, g.suf = append(g.styles, st), append(g.pre, r[:i]), append(g.suf, r[i+1:])
	g.ids[k] = id
	return id
}

// reversed is the index of a style with reverse video on.
func (g *grid) reversed(s int32) int32 {
	if r, ok := g.rev[s]; ok {
		return r
	}
	r := g.id(g.styles[s].Reverse(true))
	g.rev[s] = r
	return r
}

// snapshot keeps ntcharts' canvas as a grid.
func snapshot(cv *canvas.Model) *grid {
	g := newGrid()
	w, h := cv.Width(), cv.Height()
	g.cells = make([][]gcell, h)
	for y := range g.cells {
		row := make([]gcell, w)
		for x := range row {
			c := cv.Cell(canvas.Point{X: x, Y: y})
			if c.Rune == 0 {
				row[x] = gcell{r: ' '}
				continue
			}
			row[x] = gcell{r: c.Rune, s: g.id(c.Style)}
		}
		g.cells[y] = row
	}
	return g
}

// render writes the rows, each run of cells in one style styled once;
// over replaces the cells of column x where its rune is not 0.
func (g *grid) render(x int, over []gcell) []string {
	out := make([]string, len(g.cells))
	var b strings.Builder
	for y, row := range g.cells {
		b.Reset()
		start := 0
		for i := 1; i <= len(row); i++ {
			if i < len(row) && g.at(row, y, i, x, over).s == g.at(row, y, start, x, over).s {
				continue
			}
			s := g.at(row, y, start, x, over).s
			b.WriteString(g.pre[s])
			for j := start; j < i; j++ {
				b.WriteRune(g.at(row, y, j, x, over).r)
			}
			b.WriteString(g.suf[s])
			start = i
		}
		out[y] = b.String()
	}
	return out
}

func (g *grid) at(row []gcell, y, i, x int, over []gcell) gcell {
	if i == x && y < len(over) && over[y].r != 0 {
		return over[y]
	}
	return row[i]
}

// compose writes the view from the kept grid and legend: the cursor's
// column and readout are drawn here, so a cursor move costs no build.
func (c *Chart) compose() {
	if c.grid == nil {
		return
	}
	pal := c.palette()
	x, over := -1, []gcell(nil)
	if c.cursor >= 0 {
		x, over = c.geo.px+c.cursor, make([]gcell, c.geo.gh)
		for y := range over {
			cl := c.grid.cells[y][x]
			if cl.r == ' ' {
				over[y] = gcell{r: cursorRune, s: c.grid.id(pal.cursor)}
			} else {
				over[y] = gcell{r: cl.r, s: c.grid.reversed(cl.s)}
			}
		}
		_, _, rs := c.Cursor()
		for _, i := range c.drawOrder() {
			if rs[i].OK {
				over[c.geo.row(c.geo.value(rs[i].Value))] = gcell{r: []rune(rs[i].Glyph)[0], s: c.grid.reversed(c.grid.id(c.style(pal, i)))}
			}
		}
	}
	lines := c.grid.render(x, over)
	if c.opts.Variant == Full {
		lines = append(lines, c.readout(pal))
	}
	c.view = fitLines(append(lines, c.legendLines...), c.w, c.h)
}
