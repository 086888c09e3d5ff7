package serve

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2/bubbletea"
	gossh "golang.org/x/crypto/ssh"

	"oncall/internal/actions"
	"oncall/internal/sanitize"
	"oncall/tui"
)

// sessionCtxKey is the context key under which a session's state travels
// from the session middleware to the program handler.
type sessionCtxKey struct{}

// session is one SSH session's state; nothing in it is shared with others.
type session struct {
	srv     *Server
	num     int
	id      Identity
	started time.Time

	lastInput atomic.Int64 // unix nanoseconds

	mu       sync.Mutex
	program  *tea.Program
	inflight map[string]int // "what target" → count
	reason   string         // why the session ended
	farewell string         // printed after the screen closes
	ended    bool
}

// sessionMiddleware identifies the session, enforces the limits, logs the
// start and end, and prints the final message once the screen has closed.
func (s *Server) sessionMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		pk := sess.PublicKey()
		if pk == nil {
			fmt.Fprintln(sess.Stderr(), "oncall: public-key authentication is required")
			_ = sess.Exit(1)
			return
		}
		ss := &session{srv: s, started: time.Now(), inflight: map[string]int{}}
		ss.id = s.identify(sess.User(), pk)
		ss.lastInput.Store(time.Now().UnixNano())
		remote := sess.RemoteAddr().String()
		if len(sess.Command()) > 0 {
			fmt.Fprintln(sess.Stderr(), "oncall: this server only offers the interactive screen: connect without a command (ssh -t)")
			_ = sess.Exit(1)
			return
		}
		if err := s.register(ss); err != nil {
			s.log.Warn("session refused", "identity", ss.id.Name(), "remote", remote, "reason", err.Error())
			fmt.Fprintf(sess.Stderr(), "oncall: %s\n", err)
			_ = sess.Exit(1)
			return
		}
		defer s.unregister(ss)
		pty, _, _ := sess.Pty()
		s.log.Info("session start", "session", ss.num, "identity", ss.id.Name(), "fingerprint", ss.id.Fingerprint,
			"role", string(ss.id.Role), "remote", remote, "term", sanitize.Truncate(pty.Term, 40),
			"width", pty.Window.Width, "height", pty.Window.Height)
		sess.Context().SetValue(sessionCtxKey{}, ss)
		next(sess)
		ss.mu.Lock()
		reason, farewell := ss.reason, ss.farewell
		ss.mu.Unlock()
		if reason == "" {
			reason = "closed"
		}
		if farewell != "" {
			fmt.Fprintf(sess, "\r\noncall: %s\r\n", s.scrub(farewell))
		}
		s.log.Info("session end", "session", ss.num, "identity", ss.id.Name(), "reason", reason,
			"duration", time.Since(ss.started).Round(time.Second).String())
	}
}

// identify resolves who a key is and what role it has.
func (s *Server) identify(user string, pk ssh.PublicKey) Identity {
	id := Identity{User: cleanUser(user), Fingerprint: gossh.FingerprintSHA256(pk)}
	if keys, _, err := loadAuthorizedKeys(s.cfg.AuthorizedKeys); err == nil {
		if k, ok := findKey(keys, pk); ok {
			id.Owner = k.comment
		}
	}
	id.Role = s.cfg.Roles.Resolve(user, id.Fingerprint, id.Owner)
	return id
}

// backgroundWait is how long a session's first frame waits for the
// client terminal to say its background colour (one network round trip).
const backgroundWait = 300 * time.Millisecond

// program builds the session's own model and program (called by the Bubble
// Tea middleware). nil means no screen; the reason is in the farewell.
func (s *Server) program(sess ssh.Session) *tea.Program {
	ss, _ := sess.Context().Value(sessionCtxKey{}).(*session)
	if ss == nil {
		return nil
	}
	deps, err := s.cfg.Deps(ss.id)
	if err != nil {
		ss.finish("error", "cannot open the screen: "+sanitize.Line(err.Error()))
		s.log.Error("session setup failed", "session", ss.num, "identity", ss.id.Name(), "err", s.scrub(sanitize.Line(err.Error())))
		return nil
	}
	opts := tui.Options{Role: string(ss.id.Role), OnAction: ss.onAction, BackgroundWait: backgroundWait}
	if ss.id.Role != RoleResponder {
		// The UI says so, and every action service refuses the writes
		// itself, whatever the deps builder handed over.
		opts.ReadOnly = true
		deps.Actions = readOnly(deps.Actions)
		for _, c := range deps.Clusters {
			c.Actions = readOnly(c.Actions)
		}
	}
	if s.cfg.Options != nil {
		s.cfg.Options(ss.id, &opts)
	}
	m, err := tui.New(deps, opts)
	if err != nil {
		ss.finish("error", "cannot open the screen: "+sanitize.Line(err.Error()))
		return nil
	}
	popts := append(bubbletea.MakeOptions(sess),
		tea.WithInput(&activityReader{r: sess, last: &ss.lastInput}),
		tea.WithoutSignalHandler(), // the server, not each session, handles signals
	)
	p := tea.NewProgram(m, popts...)
	ss.mu.Lock()
	ss.program = p
	ss.mu.Unlock()
	go func() {
		<-sess.Context().Done()
		m.Stop()
	}()
	if s.cfg.IdleTimeout > 0 {
		go ss.watchIdle(sess.Context().Done(), s.cfg.IdleTimeout)
	}
	return p
}

// viewerReason is why a viewer's writes are refused.
const viewerReason = "viewer"

// readOnly is a copy of svc that refuses every write as a viewer's (nil
// stays nil). A service already read-only keeps its reason.
func readOnly(svc *actions.Service) *actions.Service {
	if svc == nil {
		return nil
	}
	c := *svc
	if c.ReadOnly == "" {
		c.ReadOnly = viewerReason
	}
	return &c
}

// onAction logs every write of the session and counts the ones in flight.
func (ss *session) onAction(ev tui.ActionEvent) {
	key := strings.TrimSpace(ev.What + " " + ev.Target)
	ss.mu.Lock()
	if ev.Done {
		if ss.inflight[key]--; ss.inflight[key] <= 0 {
			delete(ss.inflight, key)
		}
	} else {
		ss.inflight[key]++
	}
	ss.mu.Unlock()
	log := ss.srv.log
	args := []any{"session", ss.num, "identity", ss.id.Name(), "action", ev.What, "target", sanitize.Truncate(ev.Target, 200)}
	var je *actions.JournalError
	switch {
	case !ev.Done:
		log.Info("action start", args...)
	case errors.As(ev.Err, &je) && je.Done != "":
		log.Warn("action done", append(args, "result", "ok", "journal", "failed", "silence", ev.ID, "err", ss.srv.scrub(sanitize.Line(ev.Err.Error())))...)
	case ev.Err != nil:
		log.Warn("action done", append(args, "result", "error", "err", ss.srv.scrub(sanitize.Line(ev.Err.Error())))...)
	default:
		log.Info("action done", append(args, "result", "ok", "silence", ev.ID)...)
	}
}

// inFlight lists the actions still running.
func (ss *session) inFlight() []string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	out := make([]string, 0, len(ss.inflight))
	for k := range ss.inflight {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// send delivers a message to the session's program without blocking.
func (ss *session) send(msg tea.Msg) {
	ss.mu.Lock()
	p := ss.program
	ss.mu.Unlock()
	if p != nil {
		go p.Send(msg)
	}
}

// finish records why the session ends and what it is told.
func (ss *session) finish(reason, farewell string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.reason == "" {
		ss.reason, ss.farewell = reason, farewell
	}
}

// end closes the session's screen with a final message.
func (ss *session) end(reason, farewell string) {
	ss.finish(reason, farewell)
	ss.mu.Lock()
	p, already := ss.program, ss.ended
	ss.ended = true
	ss.mu.Unlock()
	if p != nil && !already {
		go p.Quit()
	}
}

// watchIdle ends the session after idle without input.
func (ss *session) watchIdle(done <-chan struct{}, idle time.Duration) {
	every := min(max(idle/10, 100*time.Millisecond), 15*time.Second)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			last := time.Unix(0, ss.lastInput.Load())
			if time.Since(last) >= idle {
				ss.srv.log.Info("session idle", "session", ss.num, "identity", ss.id.Name(), "idle", idle.String())
				ss.end("idle", fmt.Sprintf("disconnected after %s without input.", idle))
				return
			}
		}
	}
}

// activityReader records when the client last sent input.
type activityReader struct {
	r    io.Reader
	last *atomic.Int64
}

func (a *activityReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if n > 0 {
		a.last.Store(time.Now().UnixNano())
	}
	return n, err
}
