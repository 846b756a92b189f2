package admin

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
)

// Console is one /debug/<name> endpoint, run on the loop's thread and
// answered as JSON. Get only reads; Post changes the process (collects,
// reloads, runs code) and needs a token: without Options.Token the
// console is read-only and a POST answers 403.
type Console struct {
	Name string
	Get  func(query url.Values) (any, error)
	Post func(query url.Values, body []byte) (any, error)
}

// maxConsoleBody bounds what a POST to the console may carry.
const maxConsoleBody = 1 << 20

func (s *Server) console(c Console) http.Handler {
	return s.guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var run func(url.Values, []byte) (any, error)
		switch {
		case r.Method == http.MethodGet && c.Get != nil:
			run = func(q url.Values, _ []byte) (any, error) { return c.Get(q) }
		case r.Method == http.MethodPost && c.Post != nil:
			if s.opts.Token == nil {
				http.Error(w, "a POST to /debug/"+c.Name+" needs LUNA_ADMIN_TOKEN_FILE: without a token the console is read-only",
					http.StatusForbidden)
				return
			}
			run = c.Post
		default:
			http.Error(w, "/debug/"+c.Name+": method not allowed", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxConsoleBody+1))
		if err != nil || len(body) > maxConsoleBody {
			http.Error(w, "the body is over 1 MiB, or could not be read", http.StatusRequestEntityTooLarge)
			return
		}
		var out any
		var runErr error
		if err := s.OnLoop(func() { out, runErr = run(r.URL.Query(), body) }); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if runErr != nil {
			w.WriteHeader(http.StatusUnprocessableEntity)
			enc.Encode(map[string]string{"error": runErr.Error()})
			return
		}
		enc.Encode(out)
	}))
}
