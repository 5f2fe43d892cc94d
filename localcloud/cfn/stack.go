package cfn

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"sync"
	"time"

	"github.com/greenlight/greenlight/localcloud/internal/statefile"
)

// Stack statuses, as CloudFormation reports them.
const (
	StatusCreateComplete = "CREATE_COMPLETE"
	StatusUpdateComplete = "UPDATE_COMPLETE"
	StatusCreateFailed   = "CREATE_FAILED"
	StatusUpdateFailed   = "UPDATE_FAILED"
)

// Stack is an applied template: what was created, under which physical ids,
// and the resolved outputs. It is saved as JSON and handed back to Apply to
// update the same resources in place.
type Stack struct {
	Name         string               `json:"name"`
	ID           string               `json:"id"`
	Status       string               `json:"status"`
	StatusReason string               `json:"statusReason,omitempty"`
	CreatedAt    time.Time            `json:"createdAt"`
	UpdatedAt    time.Time            `json:"updatedAt"`
	Parameters   map[string]string    `json:"parameters,omitempty"`
	Resources    map[string]*Resource `json:"resources"`
	Outputs      map[string]Output    `json:"outputs"`
}

// Resource is one applied resource.
type Resource struct {
	Type       string            `json:"type"`
	PhysicalID string            `json:"physicalId"`
	Attributes map[string]string `json:"attributes,omitempty"`
	// Properties are the resolved properties the resource was last applied
	// with; Digest also covers the function code, so an unchanged resource
	// is left alone.
	Properties json.RawMessage `json:"properties,omitempty"`
	Digest     string          `json:"digest"`
	// Dependencies are the logical ids the resource referred to, so that
	// removed resources are deleted in a safe order.
	Dependencies []string `json:"dependencies,omitempty"`
	// Retain is set by DeletionPolicy Retain: removing the resource from
	// the template leaves it in place.
	Retain    bool      `json:"retain,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Status is the resource's status as CloudFormation reports it.
func (r *Resource) Status() string {
	if r.UpdatedAt.After(r.CreatedAt) {
		return StatusUpdateComplete
	}
	return StatusCreateComplete
}

// Output is a resolved stack output.
type Output struct {
	Value       string `json:"value"`
	Description string `json:"description,omitempty"`
	ExportName  string `json:"exportName,omitempty"`
}

// LogicalIDs returns the stack's logical resource ids, sorted.
func (s *Stack) LogicalIDs() []string {
	ids := make([]string, 0, len(s.Resources))
	for id := range s.Resources {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// ErrStackNotFound is returned by Store.Get for an unknown stack.
var ErrStackNotFound = errors.New("stack not found")

var stackNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,127}$`)

// ValidStackName reports whether name is a valid CloudFormation stack name.
func ValidStackName(name string) bool { return stackNameRE.MatchString(name) }

// Store keeps applied stacks, in memory and, when Dir is not empty, as
// <Dir>/<name>.json. It is safe for concurrent use.
type Store struct {
	dir    string
	mu     sync.Mutex
	stacks map[string]*Stack
}

// NewStore returns a store that persists under dir ("" keeps stacks in
// memory only) and loads the stacks already saved there.
func NewStore(dir string) (*Store, error) {
	s := &Store{dir: dir, stacks: map[string]*Stack{}}
	if dir == "" {
		return s, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	for _, p := range paths {
		var st Stack
		found, err := statefile.ReadJSON(p, &st)
		if err != nil {
			return nil, fmt.Errorf("load stack: %w", err)
		}
		if found {
			s.stacks[st.Name] = &st
		}
	}
	return s, nil
}

// Get returns a copy of the named stack or ErrStackNotFound.
func (s *Store) Get(name string) (*Stack, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.stacks[name]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrStackNotFound, name)
	}
	return st.clone(), nil
}

// List returns copies of every stack, by name.
func (s *Store) List() []*Stack {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Stack, 0, len(s.stacks))
	for _, st := range s.stacks {
		out = append(out, st.clone())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Put records st, replacing a stack of the same name.
func (s *Store) Put(st *Stack) error {
	if !ValidStackName(st.Name) {
		return fmt.Errorf("invalid stack name %q", st.Name)
	}
	c := st.clone()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dir != "" {
		if err := statefile.WriteJSON(filepath.Join(s.dir, c.Name+".json"), c, 0o644); err != nil {
			return err
		}
	}
	s.stacks[c.Name] = c
	return nil
}

// clone deep-copies the stack through its JSON form, which is its contract.
func (s *Stack) clone() *Stack {
	b, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("cfn: stack is not JSON: %v", err))
	}
	var c Stack
	if err := json.Unmarshal(b, &c); err != nil {
		panic(fmt.Sprintf("cfn: stack is not JSON: %v", err))
	}
	return &c
}
