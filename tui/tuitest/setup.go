package tuitest

import (
	"testing"
	"time"

	"oncall/internal/config"
	"oncall/tui"
	"oncall/tui/kit"
	"oncall/tui/tuitest/fixture"
)

// Setup describes the model of a test. The zero value is the standard
// incident (fixture.Data) at 160×48 on a light background, context "prod",
// user alice@bastion, at fixture.Now, with no fetching and no dialog grace.
type Setup struct {
	Width, Height int
	Dark          bool
	// Config is the session's config (nil: the defaults, see above).
	Config *config.Config
	// Deps are the model's dependencies; Config and Now are filled in.
	Deps tui.Deps
	// Entries are the screens to register (appended to Deps.Entries).
	Entries []kit.Entry
	// Options are the session's options; Dark, NoFetch and Grace are set
	// unless Fetch or Grace is.
	Options tui.Options
	// Fetch lets the model fetch from Deps' sources (Init runs).
	Fetch bool
	// Grace is the dialogs' input grace (0: none).
	Grace time.Duration
	// NoData starts with no alerts (nothing fed).
	NoData bool
}

// Config is the test config: defaults, context "prod", user alice@bastion.
func Config() *config.Config {
	cfg := config.Defaults()
	cfg.CurrentContext = "prod"
	cfg.Identity.User = "alice@bastion"
	if cfg.Contexts["prod"] == nil {
		cfg.Contexts["prod"] = &config.Context{}
	}
	return cfg
}

// New builds the model of s and drives it.
func New(t testing.TB, s Setup) *Driver {
	t.Helper()
	if s.Width == 0 {
		s.Width, s.Height = 160, 48
	}
	d := s.Deps
	if s.Config != nil {
		d.Config = s.Config
	}
	if d.Config == nil {
		d.Config = Config()
	}
	if d.Now == nil {
		d.Now = fixture.Now
	}
	d.Entries = append(d.Entries, s.Entries...)
	o := s.Options
	dark := s.Dark
	o.Dark = &dark
	o.NoFetch = !s.Fetch
	grace := s.Grace
	o.Grace = &grace
	m, err := tui.New(d, o)
	if err != nil {
		t.Fatal(err)
	}
	drv := Drive(t, m, s.Width, s.Height)
	if s.Fetch {
		drv.Run(m.Init())
	}
	if !s.NoData && !s.Fetch {
		m.SetData(fixture.Data())
	}
	return drv
}

// Screen returns the named screen of the driven model.
func (d *Driver) ScreenNamed(name string) kit.Screen { return d.M.ScreenNamed(name) }

// ScreenAs is the driven model's screen called name as a T (its concrete
// type), failing t when no screen of that name and type is registered.
func ScreenAs[T kit.Screen](t testing.TB, d *Driver, name string) T {
	t.Helper()
	s, ok := d.ScreenNamed(name).(T)
	if !ok {
		t.Fatalf("no %s screen of type %T registered (got %T)", name, s, d.ScreenNamed(name))
	}
	return s
}
