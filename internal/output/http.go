package output

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vigil-sec/vigil/internal/engine"
)

// DefaultHTTPTimeout bounds one webhook request.
const DefaultHTTPTimeout = 10 * time.Second

// HTTPOptions configure NewHTTP.
type HTTPOptions struct {
	// URL receives a POST per alert (http or https).
	URL string
	// Format renders the body; default JSONFormat, Falco's alert JSON,
	// which is what falcosidekick's "/" endpoint takes.
	Format Formatter
	// ContentType of the body; default "application/json".
	ContentType string
	// Headers are added to every request (Authorization, ...).
	Headers map[string]string
	// Timeout bounds each request. Default DefaultHTTPTimeout.
	Timeout time.Duration
	// TLS configures https.
	TLS TLSOptions
	// MaxAttempts is how many times one alert is posted before it is
	// counted as failed. Default DefaultMaxAttempts.
	MaxAttempts int
	// InitialBackoff and MaxBackoff bound the waits between attempts.
	InitialBackoff, MaxBackoff time.Duration
}

// HTTP posts each alert to a webhook. A connection failure, a timeout,
// 408, 425, 429 and 5xx are retried with exponential backoff (a
// Retry-After up to MaxBackoff is honoured); any other status than 2xx
// fails the alert at once, as retrying cannot help. Proxies come from the
// environment (HTTPS_PROXY, NO_PROXY). WriteAlert is meant for one
// goroutine (Async's); Close may be called from another and cancels the
// request or wait in progress.
type HTTP struct {
	url         string
	host        string // a Host header given, which Go takes from Request.Host
	format      Formatter
	headers     http.Header
	client      *http.Client
	maxAttempts int
	bo          backoff

	ctx    context.Context
	cancel context.CancelFunc

	body    []byte
	retries atomic.Uint64
}

// NewHTTP checks the options and prepares the client.
func NewHTTP(opts HTTPOptions) (*HTTP, error) {
	u, err := url.Parse(opts.URL)
	if err != nil {
		return nil, fmt.Errorf("http output: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("http output: url %q: want http:// or https:// and a host", opts.URL)
	}
	if opts.Format == nil {
		opts.Format = JSONFormat{}
	}
	if opts.ContentType == "" {
		opts.ContentType = "application/json"
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultHTTPTimeout
	}
	tlsConf, err := opts.TLS.config()
	if err != nil {
		return nil, fmt.Errorf("http output: %w", err)
	}
	h := http.Header{}
	h.Set("Content-Type", opts.ContentType)
	h.Set("User-Agent", "vigil")
	for k, v := range opts.Headers {
		h.Set(k, v)
	}
	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		TLSClientConfig:       tlsConf,
		ForceAttemptHTTP2:     true,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   opts.Timeout,
		ResponseHeaderTimeout: opts.Timeout,
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &HTTP{
		url:         u.String(),
		host:        h.Get("Host"),
		format:      opts.Format,
		headers:     h,
		client:      &http.Client{Transport: transport, Timeout: opts.Timeout},
		maxAttempts: attempts(opts.MaxAttempts),
		bo:          newBackoff(opts.InitialBackoff, opts.MaxBackoff),
		ctx:         ctx,
		cancel:      cancel,
	}, nil
}

// Retries counts the resent requests.
func (h *HTTP) Retries() uint64 { return h.retries.Load() }

// errPermanent marks a response that retrying cannot change.
var errPermanent = errors.New("not retried")

// WriteAlert posts the alert, retrying as the type says.
func (h *HTTP) WriteAlert(a *engine.Alert) error {
	h.body = h.format.AppendAlert(h.body[:0], a)
	var last error
	for attempt := 1; attempt <= h.maxAttempts; attempt++ {
		var wait time.Duration
		wait, last = h.post()
		if last == nil {
			return nil
		}
		if errors.Is(last, errPermanent) || h.ctx.Err() != nil || attempt == h.maxAttempts {
			break
		}
		h.retries.Add(1)
		if wait > 0 {
			if err := sleepCtx(h.ctx, min(wait, h.bo.max)); err != nil {
				break
			}
		} else if err := h.bo.sleep(h.ctx, attempt); err != nil {
			break
		}
	}
	return fmt.Errorf("http output %s: %w", h.url, last)
}

// post sends one request; wait is the server's Retry-After, if any.
func (h *HTTP) post() (wait time.Duration, err error) {
	req, err := http.NewRequestWithContext(h.ctx, http.MethodPost, h.url, bytes.NewReader(h.body))
	if err != nil {
		return 0, fmt.Errorf("%w: %w", errPermanent, err)
	}
	req.Header = h.headers.Clone()
	if h.host != "" {
		req.Host = h.host
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	// Read a little of the body: enough for the error, and draining it
	// lets the connection be reused.
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return 0, nil
	}
	err = fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(snippet)))
	switch c := resp.StatusCode; {
	case c == http.StatusRequestTimeout, c == http.StatusTooEarly, c == http.StatusTooManyRequests, c >= 500:
		if s, perr := strconv.Atoi(resp.Header.Get("Retry-After")); perr == nil && s > 0 {
			wait = time.Duration(s) * time.Second
		}
		return wait, err
	}
	return 0, fmt.Errorf("%w: %w", errPermanent, err)
}

// Flush does nothing: every alert is posted as it comes.
func (h *HTTP) Flush() error { return nil }

// Close cancels any request or wait in progress and closes idle
// connections.
func (h *HTTP) Close() error {
	h.cancel()
	h.client.CloseIdleConnections()
	return nil
}
