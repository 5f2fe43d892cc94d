// Package sns is the local cloud's Amazon SNS: topics, subscriptions with
// filter policies (the EventBridge pattern language, package
// events/pattern) and Publish, spoken over the query protocol
// (Action=...&Version=2010-03-31, XML answers). Every published message is
// also kept in a per-topic inbox, bounded and persisted, that tests and the
// CLI read through Inbox or InboxHandler; that inbox is how email, SMS and
// any other non-HTTP subscription "receives" its messages. HTTP and HTTPS
// subscriptions are confirmed at once and receive the SNS JSON envelope
// (unsigned) by POST, like AWS sends it.
package sns

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/greenlight/greenlight/localcloud/bus"
	"github.com/greenlight/greenlight/localcloud/clock"
	"github.com/greenlight/greenlight/localcloud/events/pattern"
	"github.com/greenlight/greenlight/localcloud/fault"
	"github.com/greenlight/greenlight/localcloud/internal/awserr"
	"github.com/greenlight/greenlight/localcloud/internal/statefile"
)

// signingName is the SigV4 service name of SNS, used for fault rules.
const signingName = "sns"

// DefaultInboxLimit is how many messages a topic's inbox keeps by default.
const DefaultInboxLimit = 1000

// Options configures the service.
type Options struct {
	// Dir is the service's own folder: it keeps topics, subscriptions and
	// inboxes across restarts (in state.json); empty keeps them in memory.
	Dir string
	// Clock stamps messages; nil is the wall clock.
	Clock clock.Clock
	// Faults, when set, is consulted before every operation.
	Faults *fault.Injector
	// HTTPClient posts to http and https subscriptions; nil is a client with
	// a 15-second timeout.
	HTTPClient *http.Client
	// InboxLimit bounds each topic's inbox (the newest are kept); 0 is
	// DefaultInboxLimit.
	InboxLimit int
	// Logger reports deliveries that failed; nil discards.
	Logger *slog.Logger
}

// Service is the SNS HTTP handler and the local bus.Publisher.
type Service struct {
	opts Options

	mu     sync.Mutex
	topics map[string]*topic // by ARN
	closed bool

	ctx      context.Context // cancelled by Close, ends pending deliveries
	cancel   context.CancelFunc
	inflight sync.WaitGroup
}

var _ bus.Publisher = (*Service)(nil)

type topic struct {
	ARN           string            `json:"arn"`
	Attributes    map[string]string `json:"attributes,omitempty"`
	Subscriptions []*subscription   `json:"subscriptions,omitempty"`
	Inbox         []Message         `json:"inbox,omitempty"`
}

type subscription struct {
	ARN        string            `json:"arn"`
	Protocol   string            `json:"protocol"`
	Endpoint   string            `json:"endpoint"`
	Pending    bool              `json:"pending,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`

	filter *pattern.Pattern
}

// Message is a published message as the inbox keeps it.
type Message struct {
	MessageID  string               `json:"messageId"`
	TopicARN   string               `json:"topicArn"`
	Subject    string               `json:"subject,omitempty"`
	Message    string               `json:"message"`
	Attributes map[string]Attribute `json:"messageAttributes,omitempty"`
	Timestamp  time.Time            `json:"timestamp"`
	// DeliveredTo lists the subscriptions whose filter policy accepted the
	// message.
	DeliveredTo []string `json:"deliveredTo,omitempty"`
}

// Attribute is a message attribute.
type Attribute struct {
	DataType    string `json:"dataType"`
	StringValue string `json:"stringValue"`
}

// New loads the state kept under opts.Dir and returns the service.
func New(opts Options) (*Service, error) {
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if opts.InboxLimit <= 0 {
		opts.InboxLimit = DefaultInboxLimit
	}
	s := &Service{opts: opts, topics: map[string]*topic{}}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if err := s.load(); err != nil {
		return nil, err
	}
	return s, nil
}

// errClosed refuses a publication once Close has begun.
var errClosed = awserr.New("InternalError", http.StatusInternalServerError, "The service is shutting down.")

// Close stops pending deliveries and waits for them to end; a message
// published afterwards is refused.
func (s *Service) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.inflight.Wait()
	return nil
}

func (s *Service) statePath() string { return filepath.Join(s.opts.Dir, "state.json") }

func (s *Service) load() error {
	if s.opts.Dir == "" {
		return nil
	}
	var topics []*topic
	if _, err := statefile.ReadJSON(s.statePath(), &topics); err != nil {
		return fmt.Errorf("read sns state: %w", err)
	}
	for _, t := range topics {
		for _, sub := range t.Subscriptions {
			if err := sub.compileFilter(false); err != nil {
				return fmt.Errorf("subscription %s in %s: %w", sub.ARN, s.statePath(), err)
			}
		}
		s.topics[t.ARN] = t
	}
	return nil
}

// saveLocked writes the state; the caller holds s.mu.
func (s *Service) saveLocked() error {
	if s.opts.Dir == "" {
		return nil
	}
	if err := statefile.WriteJSON(s.statePath(), s.sortedTopicsLocked(), 0o644); err != nil {
		return fmt.Errorf("write sns state: %w", err)
	}
	return nil
}

func (s *Service) sortedTopicsLocked() []*topic {
	out := make([]*topic, 0, len(s.topics))
	for _, t := range s.topics {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ARN < out[j].ARN })
	return out
}

// TopicARN is the ARN of the local topic called name.
func TopicARN(name string) string {
	return "arn:aws:sns:" + bus.Region + ":" + bus.Account + ":" + name
}

// Inbox returns the messages published to a topic, oldest first. It is
// empty for a topic that does not exist.
func (s *Service) Inbox(topicARN string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.topics[topicARN]
	if t == nil {
		return nil
	}
	return append([]Message(nil), t.Inbox...)
}
