package localcloud

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/greenlight/greenlight/localcloud/cfn"
	"github.com/greenlight/greenlight/localcloud/fault"
	"github.com/greenlight/greenlight/localcloud/sns"
)

// Client calls a running local cloud's control endpoints.
type Client struct {
	endpoint string
	http     *http.Client
	token    string
}

// WithToken returns a copy of the client that sends the control token of a
// cloud started with Options.ControlToken.
func (c *Client) WithToken(token string) *Client {
	cp := *c
	cp.token = token
	return &cp
}

// NewClient returns a client for the local cloud at endpoint (the
// AWS_ENDPOINT_URL it printed). A nil httpClient is http.DefaultClient.
func NewClient(endpoint string, httpClient *http.Client) (*Client, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("local cloud endpoint %q: want http://host:port", endpoint)
	}
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	return &Client{endpoint: strings.TrimSuffix(endpoint, "/"), http: httpClient}, nil
}

// ControlError is a failure reported by a control endpoint.
type ControlError struct {
	Status  int
	Message string
	// Stack is the stack as far as a failed deploy got.
	Stack *cfn.Stack
}

func (e *ControlError) Error() string {
	return fmt.Sprintf("local cloud: %s (HTTP %d)", e.Message, e.Status)
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.endpoint+ControlPrefix+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("local cloud at %s: %w", c.endpoint, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		var e ErrorBody
		if json.Unmarshal(b, &e) != nil || e.Error == "" {
			e.Error = strings.TrimSpace(string(b))
		}
		return &ControlError{Status: resp.StatusCode, Message: e.Error, Stack: e.Stack}
	}
	if out == nil || len(b) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("local cloud: decode %s answer: %w", path, err)
	}
	return nil
}

// Health reports whether the cloud is up and what it serves.
func (c *Client) Health(ctx context.Context) (Health, error) {
	var h Health
	return h, c.do(ctx, http.MethodGet, "health", nil, &h)
}

// Clock returns the cloud's clock.
func (c *Client) Clock(ctx context.Context) (ClockState, error) {
	var s ClockState
	return s, c.do(ctx, http.MethodGet, "clock", nil, &s)
}

// Deploy applies a template file (on the cloud's machine) and returns the
// applied stack. On failure the error is a *ControlError whose Stack shows
// how far it got.
func (c *Client) Deploy(ctx context.Context, req DeployRequest) (*cfn.Stack, error) {
	var st cfn.Stack
	if err := c.do(ctx, http.MethodPost, "stacks", req, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// Stacks lists the applied stacks.
func (c *Client) Stacks(ctx context.Context) ([]*cfn.Stack, error) {
	var out []*cfn.Stack
	return out, c.do(ctx, http.MethodGet, "stacks", nil, &out)
}

// Inbox returns the messages published to a topic (ARN or name), oldest
// first.
func (c *Client) Inbox(ctx context.Context, topic string) ([]sns.Message, error) {
	var out struct {
		Messages []sns.Message `json:"messages"`
	}
	err := c.do(ctx, http.MethodGet, "sns/inbox?topic="+url.QueryEscape(topic), nil, &out)
	return out.Messages, err
}

// Inboxes returns every topic's messages, by topic ARN.
func (c *Client) Inboxes(ctx context.Context) (map[string][]sns.Message, error) {
	var out struct {
		Topics map[string][]sns.Message `json:"topics"`
	}
	err := c.do(ctx, http.MethodGet, "sns/inbox", nil, &out)
	return out.Topics, err
}

// AddFault installs a fault rule.
func (c *Client) AddFault(ctx context.Context, r fault.Rule) error {
	return c.do(ctx, http.MethodPost, "faults", r, nil)
}

// Faults lists the active fault rules.
func (c *Client) Faults(ctx context.Context) ([]fault.Rule, error) {
	var out []fault.Rule
	return out, c.do(ctx, http.MethodGet, "faults", nil, &out)
}

// ResetFaults removes every fault rule.
func (c *Client) ResetFaults(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "faults", nil, nil)
}
