package cfn

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/greenlight/greenlight/localcloud/internal/uuid"
)

// Applier creates and updates a template's resources through the service
// clients it holds. NewFromConfig builds one from an aws.Config; tests fill
// the fields with fakes.
type Applier struct {
	S3         S3API
	Lambda     LambdaAPI
	SFN        SFNAPI
	Events     EventsAPI
	SNS        SNSAPI
	CloudWatch CloudWatchAPI

	// Account, Region, Partition and URLSuffix are the pseudo parameters.
	Account   string
	Region    string
	Partition string
	URLSuffix string

	// Now tells the time recorded on the stack; nil is time.Now.
	Now func() time.Time
	// WaitPoll is how often a function's state is polled after it was
	// created or updated; zero is one second.
	WaitPoll time.Duration
	// Logger, when not nil, receives one record per resource applied.
	Logger *slog.Logger
}

// NewFromConfig returns an Applier whose clients are built from cfg (S3 in
// path style, as an endpoint without bucket subdomains needs). account is the
// account the resources live in.
func NewFromConfig(cfg aws.Config, account string) *Applier {
	return &Applier{
		S3:         s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }),
		Lambda:     lambda.NewFromConfig(cfg),
		SFN:        sfn.NewFromConfig(cfg),
		Events:     eventbridge.NewFromConfig(cfg),
		SNS:        sns.NewFromConfig(cfg),
		CloudWatch: cloudwatch.NewFromConfig(cfg),
		Account:    account,
		Region:     cfg.Region,
		Partition:  "aws",
		URLSuffix:  "amazonaws.com",
	}
}

// Options are the inputs of one Apply.
type Options struct {
	// StackName names the stack; it prefixes generated physical names.
	StackName string
	// AssetDir is the cloud assembly directory (cdk.out) that holds the
	// folders named by the resources' aws:asset:path metadata.
	AssetDir string
	// Parameters override the template's parameter defaults.
	Parameters map[string]string
	// Previous is the stack as last applied; nil creates a new stack.
	Previous *Stack
}

// ApplyError reports the resource whose creation, update or deletion failed.
type ApplyError struct {
	LogicalID string
	Type      string
	Err       error
}

func (e *ApplyError) Error() string {
	return fmt.Sprintf("resource %s (%s): %v", e.LogicalID, e.Type, e.Err)
}

func (e *ApplyError) Unwrap() error { return e.Err }

// Apply creates, updates and deletes resources so that the stack matches t.
// Resources whose resolved properties (and code) did not change are left
// alone, so applying the same template twice changes nothing. On failure it
// returns the stack as far as it got (status CREATE_FAILED or UPDATE_FAILED)
// together with the error, so that the next Apply reuses what was created.
func (a *Applier) Apply(ctx context.Context, t *Template, opts Options) (*Stack, error) {
	if !ValidStackName(opts.StackName) {
		return nil, fmt.Errorf("invalid stack name %q", opts.StackName)
	}
	now := a.now()
	st := &Stack{Name: opts.StackName, CreatedAt: now, Resources: map[string]*Resource{}, Outputs: map[string]Output{}, Parameters: opts.Parameters}
	updating := opts.Previous != nil
	prev := map[string]*Resource{}
	if updating {
		if opts.Previous.Name != opts.StackName {
			return nil, fmt.Errorf("previous stack is %s, not %s", opts.Previous.Name, opts.StackName)
		}
		st.ID, st.CreatedAt = opts.Previous.ID, opts.Previous.CreatedAt
		for id, r := range opts.Previous.Resources {
			prev[id] = r
		}
	} else {
		st.ID = fmt.Sprintf("arn:%s:cloudformation:%s:%s:stack/%s/%s", a.partition(), a.Region, a.Account, opts.StackName, uuid.New())
	}
	fail := func(err error) (*Stack, error) {
		st.Status, st.StatusReason, st.UpdatedAt = StatusCreateFailed, err.Error(), a.now()
		if updating {
			st.Status = StatusUpdateFailed
		}
		// Keep the resources that were not reached, so they are found again.
		for id, r := range prev {
			if _, ok := st.Resources[id]; !ok {
				st.Resources[id] = r
			}
		}
		return st, err
	}

	pseudo := map[string]string{
		"AWS::Region":    a.Region,
		"AWS::AccountId": a.Account,
		"AWS::Partition": a.partition(),
		"AWS::URLSuffix": a.urlSuffix(),
		"AWS::StackName": opts.StackName,
		"AWS::StackId":   st.ID,
	}
	res, err := newResolver(t, pseudo, opts.Parameters, st.Resources)
	if err != nil {
		return fail(err)
	}
	order, err := creationOrder(t)
	if err != nil {
		return fail(err)
	}
	for _, id := range order {
		tr := t.Resources[id]
		if tr.Condition != "" {
			ok, err := res.condition(tr.Condition)
			if err != nil {
				return fail(fmt.Errorf("resource %s: %w", id, err))
			}
			if !ok {
				continue
			}
		}
		kind, ok := kinds[tr.Type]
		if !ok {
			return fail(&ApplyError{LogicalID: id, Type: tr.Type, Err: &UnsupportedError{Kind: "resource type", Name: tr.Type}})
		}
		old := prev[id]
		if old != nil && old.Type != tr.Type {
			return fail(&ApplyError{LogicalID: id, Type: tr.Type, Err: fmt.Errorf("type changed from %s; rename the resource to replace it", old.Type)})
		}
		r, err := a.applyResource(ctx, res, kind, id, tr, old, opts)
		if err != nil {
			return fail(&ApplyError{LogicalID: id, Type: tr.Type, Err: err})
		}
		st.Resources[id] = r
		delete(prev, id)
	}
	// What is left in prev is no longer in the template (or its condition
	// turned false): delete it, dependents first.
	for _, id := range deletionOrder(prev) {
		r := prev[id]
		if kind, ok := kinds[r.Type]; ok && kind.remove != nil && !r.Retain {
			if err := kind.remove(ctx, a, r); err != nil {
				return fail(&ApplyError{LogicalID: id, Type: r.Type, Err: fmt.Errorf("delete: %w", err)})
			}
			a.log("deleted", id, r.Type, r.PhysicalID)
		}
		delete(prev, id)
	}
	for _, name := range sortedKeys(t.Outputs) {
		o := t.Outputs[name]
		if o.Condition != "" {
			ok, err := res.condition(o.Condition)
			if err != nil {
				return fail(fmt.Errorf("output %s: %w", name, err))
			}
			if !ok {
				continue
			}
		}
		out, err := a.output(res, o)
		if err != nil {
			return fail(fmt.Errorf("output %s: %w", name, err))
		}
		st.Outputs[name] = out
	}
	st.Status, st.UpdatedAt = StatusCreateComplete, a.now()
	if updating {
		st.Status = StatusUpdateComplete
	}
	return st, nil
}

func (a *Applier) applyResource(ctx context.Context, res *resolver, kind kind, id string, tr TemplateResource, old *Resource, opts Options) (*Resource, error) {
	deps := dependencies(res.t, id)
	v, err := res.resolve(map[string]any(tr.Properties))
	if err != nil {
		return nil, err
	}
	props, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	req := &request{
		stack:     opts.StackName,
		logicalID: id,
		props:     props,
		metadata:  tr.Metadata,
		assetDir:  opts.AssetDir,
		prev:      old,
	}
	if kind.prepare != nil {
		if err := kind.prepare(req); err != nil {
			return nil, err
		}
	}
	h := sha256.New()
	for _, part := range [][]byte{[]byte(tr.Type), []byte(tr.DeletionPolicy), props, req.extraDigest} {
		h.Write(part)
		h.Write([]byte{0})
	}
	digest := hex.EncodeToString(h.Sum(nil))
	if old != nil && old.Digest == digest {
		old.Dependencies = deps
		return old, nil
	}
	physicalID, attrs, err := kind.apply(ctx, a, req)
	if err != nil {
		return nil, err
	}
	now := a.now()
	created := now
	switch {
	case old == nil:
		a.log("created", id, tr.Type, physicalID)
	case old.PhysicalID != physicalID:
		// A new name means a new resource: remove the one it replaces.
		if kind.remove != nil && !old.Retain {
			if err := kind.remove(ctx, a, old); err != nil {
				return nil, fmt.Errorf("delete replaced %s: %w", old.PhysicalID, err)
			}
		}
		a.log("replaced", id, tr.Type, physicalID, "replacing", old.PhysicalID)
	default:
		created = old.CreatedAt
		a.log("updated", id, tr.Type, physicalID)
	}
	return &Resource{
		Type:         tr.Type,
		PhysicalID:   physicalID,
		Attributes:   attrs,
		Properties:   props,
		Digest:       digest,
		Dependencies: deps,
		Retain:       tr.DeletionPolicy == "Retain",
		CreatedAt:    created,
		UpdatedAt:    now,
	}, nil
}

func (a *Applier) output(res *resolver, o TemplateOutput) (Output, error) {
	v, err := res.resolve(o.Value)
	if err != nil {
		return Output{}, err
	}
	var out Output
	if list, ok := v.([]any); ok {
		parts := make([]string, len(list))
		for i, e := range list {
			if parts[i], err = scalarString(e); err != nil {
				return Output{}, err
			}
		}
		out.Value = strings.Join(parts, ",")
	} else if out.Value, err = scalarString(v); err != nil {
		return Output{}, err
	}
	out.Description = o.Description
	if o.Export != nil {
		name, err := res.resolve(o.Export.Name)
		if err != nil {
			return Output{}, fmt.Errorf("export name: %w", err)
		}
		if out.ExportName, err = scalarString(name); err != nil {
			return Output{}, fmt.Errorf("export name: %w", err)
		}
	}
	return out, nil
}

// creationOrder sorts the resources so that each comes after everything it
// refers to or depends on; ties are broken by logical id.
func creationOrder(t *Template) ([]string, error) {
	deps := map[string][]string{}
	for id := range t.Resources {
		deps[id] = dependencies(t, id)
	}
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var order []string
	var visit func(id string, path []string) error
	visit = func(id string, path []string) error {
		switch state[id] {
		case done:
			return nil
		case visiting:
			return fmt.Errorf("circular dependency: %s", strings.Join(append(path, id), " -> "))
		}
		state[id] = visiting
		for _, dep := range deps[id] {
			if dep == id {
				return fmt.Errorf("resource %s refers to itself", id)
			}
			if err := visit(dep, append(path, id)); err != nil {
				return err
			}
		}
		state[id] = done
		order = append(order, id)
		return nil
	}
	for _, id := range sortedKeys(t.Resources) {
		if err := visit(id, nil); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// dependencies lists what resource id refers to or depends on, sorted.
func dependencies(t *Template, id string) []string {
	r := t.Resources[id]
	d := references(map[string]any(r.Properties), t.Resources)
	for _, dep := range r.DependsOn {
		if !slices.Contains(d, dep) {
			d = append(d, dep)
		}
	}
	sort.Strings(d)
	return d
}

// deletionOrder orders the resources to delete so that each goes before
// the resources it depended on when it was applied.
func deletionOrder(gone map[string]*Resource) []string {
	var order []string
	done := map[string]bool{}
	var visit func(id string)
	visit = func(id string) {
		if done[id] {
			return
		}
		done[id] = true
		for _, dep := range gone[id].Dependencies {
			if _, ok := gone[dep]; ok {
				visit(dep)
			}
		}
		order = append(order, id)
	}
	for _, id := range sortedKeys(gone) {
		visit(id)
	}
	slices.Reverse(order)
	return order
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (a *Applier) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *Applier) partition() string {
	if a.Partition == "" {
		return "aws"
	}
	return a.Partition
}

func (a *Applier) urlSuffix() string {
	if a.URLSuffix == "" {
		return "amazonaws.com"
	}
	return a.URLSuffix
}

// log records what happened to a resource.
func (a *Applier) log(what, logicalID, resourceType, physicalID string, args ...any) {
	if a.Logger != nil {
		a.Logger.Info(what, append([]any{"resource", logicalID, "type", resourceType, "physicalId", physicalID}, args...)...)
	}
}

func (a *Applier) arn(service, resource string) string {
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s", a.partition(), service, a.Region, a.Account, resource)
}

// physicalName generates a name the way CloudFormation does for resources
// without an explicit name: <stack>-<logicalId>-<random>, cut to max.
func physicalName(stack, logicalID string, max int, lower bool) string {
	suffix := rand.Text()[:12]
	base := stack + "-" + logicalID
	if room := max - len(suffix) - 1; len(base) > room {
		base = base[:room]
	}
	name := base + "-" + suffix
	if lower {
		name = strings.ToLower(name)
	}
	return name
}
