package intake

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/rectify-dev/rectify/internal/engine"
	"github.com/rectify-dev/rectify/internal/event"
	"github.com/rectify-dev/rectify/internal/store"
)

// The HTTP intake's paths.
const (
	EventsPath = "/events"
	HealthPath = "/healthz"
)

// SecretHeader is the header that may carry the shared secret instead of
// Authorization: Bearer.
const SecretHeader = "X-Rectify-Secret"

// DefaultMaxEvents bounds the events of one request when
// HTTPOptions.MaxEvents is zero.
const DefaultMaxEvents = 1000

// HTTPOptions configure the HTTP intake.
type HTTPOptions struct {
	// MaxBody is the largest accepted request body, in bytes; 0 means
	// event.MaxSize.
	MaxBody int64
	// MaxEvents is the most events one request may hold; 0 means
	// DefaultMaxEvents.
	MaxEvents int
	// Secret, when not empty, must be presented by every request to
	// /events, as "Authorization: Bearer <secret>" or in the
	// X-Rectify-Secret header.
	Secret string
	// Logger receives one line per request; nil means slog.Default. The
	// secret is never logged.
	Logger *slog.Logger
}

// Response is the body of the HTTP intake's answer to POST /events.
type Response struct {
	// Events holds one Outcome per event, in the order of the request.
	Events []Outcome `json:"events"`
}

// ErrorResponse is the body of an answer that handled no event.
type ErrorResponse struct {
	Error string `json:"error"`
}

type httpIntake struct {
	h      Handler
	opts   HTTPOptions
	secret [sha256.Size]byte
	log    *slog.Logger
}

// NewHTTP returns the HTTP intake, which passes events to h:
//
//   - POST /events takes one JSON event, a JSON array of events, or JSON
//     Lines (also chosen by the content type application/x-ndjson or
//     application/jsonl), and answers with a Response: 200 when every
//     event was handled (a failed remediation included; see its runs), 400
//     when an event was rejected (each is still recorded), 500 when an
//     event could not be handled at all, such as on a store failure.
//   - A body over MaxBody, or with more than MaxEvents events, is refused
//     with 413; a missing or wrong secret with 401; another method with 405.
//   - GET /healthz answers 200 {"status":"ok"}, without the secret.
//
// Every other answer is an ErrorResponse. Events are handled one after the
// other; a client that disconnects does not interrupt the handling.
func NewHTTP(h Handler, opts HTTPOptions) http.Handler {
	if opts.MaxBody <= 0 {
		opts.MaxBody = event.MaxSize
	}
	if opts.MaxEvents <= 0 {
		opts.MaxEvents = DefaultMaxEvents
	}
	s := &httpIntake{h: h, opts: opts, log: opts.Logger}
	if s.log == nil {
		s.log = slog.Default()
	}
	if opts.Secret != "" {
		s.secret = sha256.Sum256([]byte(opts.Secret))
	}
	mux := http.NewServeMux()
	mux.HandleFunc(EventsPath, s.events)
	mux.HandleFunc(HealthPath, s.health)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, ErrorResponse{Error: "no such path; events go to POST " + EventsPath})
	})
	return mux
}

func (s *httpIntake) health(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeJSON(w, http.StatusMethodNotAllowed, ErrorResponse{Error: "method " + r.Method + " is not allowed; use GET"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *httpIntake) events(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, ErrorResponse{Error: "method " + r.Method + " is not allowed; use POST"})
		return
	}
	if !s.authorized(r) {
		s.log.Warn("intake: request refused: missing or wrong shared secret", "remote", r.RemoteAddr)
		w.Header().Set("WWW-Authenticate", `Bearer realm="rectify"`)
		writeJSON(w, http.StatusUnauthorized, ErrorResponse{Error: "missing or wrong shared secret"})
		return
	}
	tooLarge := func() {
		s.log.Warn("intake: request refused: body too large", "remote", r.RemoteAddr, "limit", s.opts.MaxBody)
		writeJSON(w, http.StatusRequestEntityTooLarge, ErrorResponse{Error: fmt.Sprintf(
			"request body exceeds the limit of %s (%d bytes)", sizeString(s.opts.MaxBody), s.opts.MaxBody)})
	}
	if r.ContentLength > s.opts.MaxBody {
		tooLarge()
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			tooLarge()
			return
		}
		writeJSON(w, http.StatusBadRequest, ErrorResponse{Error: "reading the request body: " + err.Error()})
		return
	}

	var items []item
	tooMany := false
	yield := func(it item) bool {
		if len(items) == s.opts.MaxEvents {
			tooMany = true
			return false
		}
		items = append(items, it)
		return true
	}
	if isLinesType(r.Header.Get("Content-Type")) {
		// The error of a bytes.Reader is never anything but io.EOF.
		_ = splitLines(bytes.NewReader(body), 0, 1, yield)
	} else {
		splitBytes(body, yield)
	}
	if tooMany {
		s.log.Warn("intake: request refused: too many events", "remote", r.RemoteAddr, "limit", s.opts.MaxEvents)
		writeJSON(w, http.StatusRequestEntityTooLarge, ErrorResponse{Error: fmt.Sprintf(
			"request holds more than the limit of %d events", s.opts.MaxEvents)})
		return
	}
	if len(items) == 0 {
		writeJSON(w, http.StatusBadRequest, ErrorResponse{Error: "request body holds no event"})
		return
	}

	// The handling outlives a client that gives up: runs are persisted
	// step by step, and a half-done run would otherwise wait for Resume.
	ctx := context.WithoutCancel(r.Context())
	resp := Response{Events: make([]Outcome, 0, len(items))}
	code := http.StatusOK
	counts := map[string]int{}
	for _, it := range items {
		m := Meta{Source: "http", Line: it.line, Index: it.index, Offset: it.end,
			Origin: "request[" + strconv.Itoa(it.index) + "]"}
		var o Outcome
		if it.err != nil {
			o = Outcome{Index: it.index, Line: it.line, Status: string(store.EventRejected), Error: it.err.Error()}
		} else {
			o = s.handle(WithMeta(ctx, m), m, it.raw)
		}
		switch o.Status {
		case StatusError:
			code = http.StatusInternalServerError
		case string(store.EventRejected):
			if code == http.StatusOK {
				code = http.StatusBadRequest
			}
		}
		counts[o.Status]++
		resp.Events = append(resp.Events, o)
	}
	s.log.Info("intake: request", "remote", r.RemoteAddr, "events", len(items), "statuses", counts, "code", code)
	writeJSON(w, code, resp)
}

// handle passes one event to the handler; a panic in the handler is the
// event's error, not the server's end.
func (s *httpIntake) handle(ctx context.Context, m Meta, raw []byte) (o Outcome) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("intake: handler panicked", "origin", m.Origin, "panic", fmt.Sprint(p))
			o = Outcome{Index: m.Index, Line: m.Line, Status: StatusError, Error: "internal error"}
		}
	}()
	res, err := s.h.Handle(ctx, raw)
	if err != nil && !errors.Is(err, engine.ErrRejected) {
		s.log.Error("intake: event not handled", "origin", m.Origin, "err", err)
	}
	return Summarize(m, res, err)
}

// authorized reports whether r presents the shared secret, comparing in
// constant time.
func (s *httpIntake) authorized(r *http.Request) bool {
	if s.opts.Secret == "" {
		return true
	}
	var presented string
	if auth := r.Header.Get("Authorization"); auth != "" {
		scheme, token, ok := strings.Cut(auth, " ")
		if ok && strings.EqualFold(scheme, "Bearer") {
			presented = strings.TrimSpace(token)
		}
	}
	if presented == "" {
		presented = r.Header.Get(SecretHeader)
	}
	if presented == "" {
		return false
	}
	sum := sha256.Sum256([]byte(presented))
	return subtle.ConstantTimeCompare(sum[:], s.secret[:]) == 1
}

func isLinesType(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch mt {
	case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines", "application/jsonlines":
		return true
	}
	return false
}

func sizeString(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	default:
		return strconv.FormatInt(n, 10) + " bytes"
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
