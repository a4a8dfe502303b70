package httpx

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Server is the HTTP server with the timeouts HotDash runs with.
type Server struct {
	srv      *http.Server
	listener net.Listener
}

// Listen binds addr ("host:port"; port 0 picks a free one) and returns a
// Server ready to Serve h behind cross-origin (CSRF) protection; refused
// requests are answered by denied (Go's plain-text 403 when nil).
func Listen(addr string, h, denied http.Handler, logger *slog.Logger) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	cop := http.NewCrossOriginProtection()
	if denied != nil {
		cop.SetDenyHandler(denied)
	}
	srv := &http.Server{
		Handler:           cop.Handler(h),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	return &Server{srv: srv, listener: ln}, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.listener.Addr().String() }

// Serve answers requests until Shutdown.
func (s *Server) Serve() error {
	if err := s.srv.Serve(s.listener); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve http: %w", err)
	}
	return nil
}

// OnShutdown registers f to run when Shutdown begins (to end long-lived
// streams, which Shutdown would otherwise wait for).
func (s *Server) OnShutdown(f func()) { s.srv.RegisterOnShutdown(f) }

// Shutdown stops accepting connections and waits for requests in flight to
// finish, so every write a client was told succeeded is committed.
func (s *Server) Shutdown(ctx context.Context) error {
	if err := s.srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("shut down http server: %w", err)
	}
	return nil
}
