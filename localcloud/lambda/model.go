package lambda

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// fnConfig is the configuration of $LATEST or of one published version. It is
// what the service persists; configOut is what the API answers with.
type fnConfig struct {
	Version     string            `json:"version"`
	Runtime     string            `json:"runtime"`
	Role        string            `json:"role"`
	Handler     string            `json:"handler,omitempty"`
	Description string            `json:"description,omitempty"`
	Timeout     int               `json:"timeout"`
	MemorySize  int               `json:"memorySize"`
	Environment map[string]string `json:"environment,omitempty"`
	// EphemeralStorage is the size of /tmp in MB (512 when zero, for
	// state persisted before the field existed).
	EphemeralStorage int       `json:"ephemeralStorage,omitempty"`
	Layers           []string  `json:"layers,omitempty"`
	Logging          logging   `json:"logging"`
	Architectures    []string  `json:"architectures"`
	CodeSHA256       string    `json:"codeSha256"` // base64, as AWS reports it
	CodeSize         int64     `json:"codeSize"`
	RevisionID       string    `json:"revisionId"`
	LastModified     time.Time `json:"lastModified"`
	// SettleAt is the clock time at which the last create or update
	// completes; until then the function reports Pending or InProgress.
	SettleAt time.Time `json:"settleAt"`
	// Creating tells whether the change in progress is the creation.
	Creating bool `json:"creating,omitempty"`
}

// logging is a function's LoggingConfig. Empty fields are Lambda's
// defaults: Text format, the /aws/lambda/<name> log group, and INFO levels
// once the format is JSON.
type logging struct {
	Format           string `json:"format,omitempty"`
	ApplicationLevel string `json:"applicationLevel,omitempty"`
	SystemLevel      string `json:"systemLevel,omitempty"`
	Group            string `json:"group,omitempty"`
}

// Log formats and the default level of LoggingConfig.
const (
	logFormatText   = "Text"
	logFormatJSON   = "JSON"
	defaultLogLevel = "INFO"
)

// resolved returns the configuration with Lambda's defaults filled in for
// function fn, as GetFunctionConfiguration reports it.
func (l logging) resolved(fn string) logging {
	if l.Format == "" {
		l.Format = logFormatText
	}
	if l.Group == "" {
		l.Group = "/aws/lambda/" + fn
	}
	if l.Format == logFormatJSON {
		if l.ApplicationLevel == "" {
			l.ApplicationLevel = defaultLogLevel
		}
		if l.SystemLevel == "" {
			l.SystemLevel = defaultLogLevel
		}
	}
	return l
}

// storage returns the ephemeral storage size in MB.
func (c *fnConfig) storage() int {
	if c.EphemeralStorage == 0 {
		return defaultEphemeralStorage
	}
	return c.EphemeralStorage
}

// fingerprint identifies what PublishVersion compares: a version is only
// published when code or configuration differ from the last version.
// Description is left out, as on AWS: PublishVersion's own Description
// describes the version.
func (c *fnConfig) fingerprint() string {
	keys := slices.Sorted(maps.Keys(c.Environment))
	var b strings.Builder
	for _, s := range []string{c.CodeSHA256, c.Runtime, c.Role, c.Handler, strings.Join(c.Architectures, ","),
		strings.Join(c.Layers, ","), c.Logging.Format, c.Logging.ApplicationLevel, c.Logging.SystemLevel, c.Logging.Group} {
		b.WriteString(s)
		b.WriteByte(0)
	}
	for _, k := range keys {
		b.WriteString(k + "=" + c.Environment[k])
		b.WriteByte(0)
	}
	fmt.Fprintf(&b, "%d/%d/%d", c.Timeout, c.MemorySize, c.storage())
	return b.String()
}

// alias is a named pointer to a version, optionally splitting traffic with a
// second version.
type alias struct {
	Name            string             `json:"name"`
	FunctionVersion string             `json:"functionVersion"`
	Description     string             `json:"description,omitempty"`
	Weights         map[string]float64 `json:"weights,omitempty"`
	RevisionID      string             `json:"revisionId"`
}

// statement is one permission added with AddPermission.
type statement struct {
	Sid       string          `json:"sid"`
	Qualifier string          `json:"qualifier,omitempty"`
	Document  json.RawMessage `json:"document"`
}

// function is everything the service holds about one function.
type function struct {
	Name        string            `json:"name"`
	Latest      fnConfig          `json:"latest"`
	Versions    []fnConfig        `json:"versions,omitempty"`
	LastVersion int               `json:"lastVersion"`
	Aliases     map[string]*alias `json:"aliases,omitempty"`
	Policy      []statement       `json:"policy,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	Reserved    *int              `json:"reservedConcurrency,omitempty"`
}

func (f *function) version(v string) *fnConfig {
	if v == latest {
		return &f.Latest
	}
	for i := range f.Versions {
		if f.Versions[i].Version == v {
			return &f.Versions[i]
		}
	}
	return nil
}

// The API's wire shapes (restJson1, member names as AWS spells them).

type environmentIn struct {
	Variables map[string]string `json:"Variables"`
}

type environmentOut struct {
	Variables map[string]string `json:"Variables"`
}

type ephemeralStorage struct {
	Size int `json:"Size"`
}

type loggingConfig struct {
	LogFormat           string `json:"LogFormat,omitempty"`
	ApplicationLogLevel string `json:"ApplicationLogLevel,omitempty"`
	SystemLogLevel      string `json:"SystemLogLevel,omitempty"`
	LogGroup            string `json:"LogGroup,omitempty"`
}

type layerOut struct {
	Arn      string `json:"Arn"`
	CodeSize int64  `json:"CodeSize"`
}

type configOut struct {
	FunctionName           string            `json:"FunctionName"`
	FunctionArn            string            `json:"FunctionArn"`
	Runtime                string            `json:"Runtime"`
	Role                   string            `json:"Role"`
	Handler                string            `json:"Handler,omitempty"`
	CodeSize               int64             `json:"CodeSize"`
	Description            string            `json:"Description"`
	Timeout                int               `json:"Timeout"`
	MemorySize             int               `json:"MemorySize"`
	LastModified           string            `json:"LastModified"`
	CodeSha256             string            `json:"CodeSha256"`
	Version                string            `json:"Version"`
	Environment            *environmentOut   `json:"Environment,omitempty"`
	RevisionID             string            `json:"RevisionId"`
	State                  string            `json:"State"`
	StateReason            string            `json:"StateReason,omitempty"`
	StateReasonCode        string            `json:"StateReasonCode,omitempty"`
	LastUpdateStatus       string            `json:"LastUpdateStatus"`
	LastUpdateStatusReason string            `json:"LastUpdateStatusReason,omitempty"`
	PackageType            string            `json:"PackageType"`
	Architectures          []string          `json:"Architectures"`
	EphemeralStorage       ephemeralStorage  `json:"EphemeralStorage"`
	Layers                 []layerOut        `json:"Layers,omitempty"`
	LoggingConfig          loggingConfig     `json:"LoggingConfig"`
	TracingConfig          map[string]string `json:"TracingConfig"`
}

type routingConfig struct {
	AdditionalVersionWeights map[string]float64 `json:"AdditionalVersionWeights"`
}

type aliasOut struct {
	AliasArn        string         `json:"AliasArn"`
	Name            string         `json:"Name"`
	FunctionVersion string         `json:"FunctionVersion"`
	Description     string         `json:"Description"`
	RoutingConfig   *routingConfig `json:"RoutingConfig,omitempty"`
	RevisionID      string         `json:"RevisionId"`
}

func (a *alias) out(fn string) aliasOut {
	o := aliasOut{
		AliasArn:        qualifiedARN(fn, a.Name),
		Name:            a.Name,
		FunctionVersion: a.FunctionVersion,
		Description:     a.Description,
		RevisionID:      a.RevisionID,
	}
	if len(a.Weights) > 0 {
		o.RoutingConfig = &routingConfig{AdditionalVersionWeights: maps.Clone(a.Weights)}
	}
	return o
}

// lastModifiedLayout is how Lambda formats LastModified.
const lastModifiedLayout = "2006-01-02T15:04:05.000-0700"

// out renders a configuration as the API reports it at time now.
func (c *fnConfig) out(fn string, now time.Time) configOut {
	arn := functionARN(fn)
	if c.Version != latest {
		arn = qualifiedARN(fn, c.Version)
	}
	o := configOut{
		FunctionName:     fn,
		FunctionArn:      arn,
		Runtime:          c.Runtime,
		Role:             c.Role,
		Handler:          c.Handler,
		CodeSize:         c.CodeSize,
		Description:      c.Description,
		Timeout:          c.Timeout,
		MemorySize:       c.MemorySize,
		LastModified:     c.LastModified.UTC().Format(lastModifiedLayout),
		CodeSha256:       c.CodeSHA256,
		Version:          c.Version,
		RevisionID:       c.RevisionID,
		State:            "Active",
		LastUpdateStatus: "Successful",
		PackageType:      "Zip",
		Architectures:    slices.Clone(c.Architectures),
		EphemeralStorage: ephemeralStorage{Size: c.storage()},
		TracingConfig:    map[string]string{"Mode": "PassThrough"},
	}
	lg := c.Logging.resolved(fn)
	o.LoggingConfig = loggingConfig{LogFormat: lg.Format, ApplicationLogLevel: lg.ApplicationLevel, SystemLogLevel: lg.SystemLevel, LogGroup: lg.Group}
	for _, l := range c.Layers {
		o.Layers = append(o.Layers, layerOut{Arn: l})
	}
	if len(c.Environment) > 0 {
		o.Environment = &environmentOut{Variables: maps.Clone(c.Environment)}
	}
	if now.Before(c.SettleAt) {
		o.LastUpdateStatus = "InProgress"
		if c.Creating {
			o.State, o.StateReason, o.StateReasonCode = "Pending", "The function is being created.", "Creating"
		} else {
			o.LastUpdateStatusReason = "The function is being updated."
		}
	}
	return o
}

// busy tells whether a create or update of c is still in progress at now.
func (c *fnConfig) busy(now time.Time) bool { return now.Before(c.SettleAt) }
