package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/greenlight/greenlight/localcloud/bus"
	"github.com/greenlight/greenlight/localcloud/internal/awserr"
)

// maxRequestBody is the largest API request AWS accepts (CreateFunction and
// UpdateFunctionCode with an inline zip).
const maxRequestBody = 69905067

var (
	supportedRuntimes = []string{"provided.al2023", "provided.al2"}
	rolePattern       = regexp.MustCompile(`^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$`)
	// reservedEnv are the variables Lambda sets itself and refuses in a
	// function's Environment.
	reservedEnv = []string{"_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION",
		"AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
		"AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME",
		"AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
		"AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR"}
)

// decode reads a JSON request body into v.
func decode(r *http.Request, operation string, v any) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		return apiErr(codeInvalidParameter, "read request body: %v", err)
	}
	if len(body) > maxRequestBody {
		return apiErr(codeRequestTooLarge, "Request must be smaller than %d bytes for the %s operation", maxRequestBody, operation)
	}
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return apiErr(codeInvalidParameter, "could not parse request body into json: %v", err)
	}
	return nil
}

// codeIn is where new function code comes from.
type codeIn struct {
	ZipFile         []byte `json:"ZipFile"`
	S3Bucket        string `json:"S3Bucket"`
	S3Key           string `json:"S3Key"`
	S3ObjectVersion string `json:"S3ObjectVersion"`
	ImageURI        string `json:"ImageUri"`
}

// fetch returns the zip the request names, inline or from S3.
func (s *Service) fetch(ctx context.Context, c codeIn) ([]byte, error) {
	fromS3 := c.S3Bucket != "" || c.S3Key != "" || c.S3ObjectVersion != ""
	switch {
	case c.ImageURI != "":
		return nil, apiErr(codeInvalidParameter, "ImageUri is not supported here: functions run from zip packages with a bootstrap")
	case c.ZipFile != nil && fromS3:
		return nil, apiErr(codeInvalidParameter, "Please do not provide other FunctionCode properties when providing a ZipFile")
	case c.ZipFile != nil:
		if len(c.ZipFile) > maxZipSize {
			return nil, apiErr(codeRequestTooLarge, "Zipped size must be smaller than %d bytes", maxZipSize)
		}
		return c.ZipFile, nil
	case !fromS3:
		return nil, apiErr(codeInvalidParameter, "Please provide a source for function code.")
	case c.S3Bucket == "" || c.S3Key == "":
		return nil, apiErr(codeInvalidParameter, "Both S3Bucket and S3Key are required to get code from S3")
	case s.opts.Objects == nil:
		return nil, apiErr(codeInvalidParameter, "Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: no S3 service is connected")
	}
	b, err := s.opts.Objects.GetObject(ctx, c.S3Bucket, c.S3Key, c.S3ObjectVersion)
	if err != nil {
		code := "InternalError"
		var coded bus.APIError
		if errors.As(err, &coded) {
			code = coded.ErrorCode()
		}
		return nil, apiErr(codeInvalidParameter, "Error occurred while GetObject. S3 Error Code: %s. S3 Error Message: %v", code, err)
	}
	return b, nil
}

// Limits of a function's configuration, as Lambda enforces them.
const (
	minTimeout, maxTimeout                 = 1, 900
	minMemory, maxMemory                   = 128, 10240
	defaultEphemeralStorage, maxEphemeral  = 512, 10240
	maxLayers                              = 5
	maxEnvironmentBytes                    = 4096
	maxHandlerLength, maxDescriptionLength = 128, 256
	maxLogGroupLength                      = 512
)

// Patterns of Lambda's API model, as its validation messages quote them.
const (
	layerPatternText    = `(arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)`
	handlerPatternText  = `[^\s]+`
	logGroupPatternText = `[\.\-_/#A-Za-z0-9]+`
	layerConstraint     = "Member must satisfy constraint: [Member must have length less than or equal to 2048, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: " + layerPatternText + ", Member must not be null]"
)

var (
	layerPattern    = regexp.MustCompile(`^(?:` + layerPatternText + `)$`)
	handlerPattern  = regexp.MustCompile(`^` + handlerPatternText + `$`)
	logGroupPattern = regexp.MustCompile(`^` + logGroupPatternText + `$`)
	logFormats      = []string{logFormatJSON, logFormatText}
	appLogLevels    = []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}
	systemLogLevels = []string{"DEBUG", "INFO", "WARN"}
)

type ephemeralStorageIn struct {
	Size *int `json:"Size"`
}

type loggingConfigIn struct {
	LogFormat           *string `json:"LogFormat"`
	ApplicationLogLevel *string `json:"ApplicationLogLevel"`
	SystemLogLevel      *string `json:"SystemLogLevel"`
	LogGroup            *string `json:"LogGroup"`
}

// settings are the configuration fields shared by CreateFunction and
// UpdateFunctionConfiguration; nil means "not given".
type settings struct {
	Runtime          *string             `json:"Runtime"`
	Role             *string             `json:"Role"`
	Handler          *string             `json:"Handler"`
	Description      *string             `json:"Description"`
	Timeout          *int                `json:"Timeout"`
	MemorySize       *int                `json:"MemorySize"`
	Environment      *environmentIn      `json:"Environment"`
	EphemeralStorage *ephemeralStorageIn `json:"EphemeralStorage"`
	Layers           *[]string           `json:"Layers"`
	LoggingConfig    *loggingConfigIn    `json:"LoggingConfig"`
}

// validationErr is the restJson1 ValidationException Lambda answers for a
// value outside its API model's constraints.
func validationErr(field string, value any, constraint string) *awserr.Error {
	return apiErr(codeValidation, "1 validation error detected: Value '%v' at '%s' failed to satisfy constraint: %s", value, field, constraint)
}

// rangeErr checks that v lies within [lo, hi], answering as Lambda's model
// validation does for the bound that is broken.
func rangeErr(field string, v, lo, hi int) error {
	switch {
	case v < lo:
		return validationErr(field, v, fmt.Sprintf("Member must have value greater than or equal to %d", lo))
	case v > hi:
		return validationErr(field, v, fmt.Sprintf("Member must have value less than or equal to %d", hi))
	}
	return nil
}

// listValue renders a list as Lambda's validation messages quote it.
func listValue(l []string) string { return "[" + strings.Join(l, ", ") + "]" }

// apply validates the given settings and writes them into c.
func (in *settings) apply(c *fnConfig) error {
	if in.Runtime != nil {
		if !slices.Contains(supportedRuntimes, *in.Runtime) {
			return apiErr(codeInvalidParameter, "The runtime parameter of %s is not supported: functions run their own bootstrap, use %s", *in.Runtime, strings.Join(supportedRuntimes, " or "))
		}
		c.Runtime = *in.Runtime
	}
	if in.Role != nil {
		if !rolePattern.MatchString(*in.Role) {
			return validationErr("role", *in.Role, `Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+`)
		}
		c.Role = *in.Role
	}
	if in.Handler != nil {
		switch h := *in.Handler; {
		case len(h) > maxHandlerLength:
			return validationErr("handler", h, fmt.Sprintf("Member must have length less than or equal to %d", maxHandlerLength))
		case !handlerPattern.MatchString(h):
			return validationErr("handler", h, "Member must satisfy regular expression pattern: "+handlerPatternText)
		}
		c.Handler = *in.Handler
	}
	if in.Description != nil {
		if len(*in.Description) > maxDescriptionLength {
			return validationErr("description", *in.Description, fmt.Sprintf("Member must have length less than or equal to %d", maxDescriptionLength))
		}
		c.Description = *in.Description
	}
	if in.Timeout != nil {
		if err := rangeErr("timeout", *in.Timeout, minTimeout, maxTimeout); err != nil {
			return err
		}
		c.Timeout = *in.Timeout
	}
	if in.MemorySize != nil {
		if err := rangeErr("memorySize", *in.MemorySize, minMemory, maxMemory); err != nil {
			return err
		}
		c.MemorySize = *in.MemorySize
	}
	if in.EphemeralStorage != nil {
		if in.EphemeralStorage.Size == nil {
			return validationErr("ephemeralStorage.size", "null", "Member must not be null")
		}
		if err := rangeErr("ephemeralStorage.size", *in.EphemeralStorage.Size, defaultEphemeralStorage, maxEphemeral); err != nil {
			return err
		}
		c.EphemeralStorage = *in.EphemeralStorage.Size
	}
	if in.Environment != nil {
		if err := checkEnvironment(in.Environment.Variables); err != nil {
			return err
		}
		c.Environment = maps.Clone(in.Environment.Variables)
	}
	if in.Layers != nil {
		if err := checkLayers(*in.Layers); err != nil {
			return err
		}
		c.Layers = slices.Clone(*in.Layers)
	}
	if in.LoggingConfig != nil {
		next, err := in.LoggingConfig.merge(c.Logging)
		if err != nil {
			return err
		}
		c.Logging = next
	}
	return nil
}

// checkEnvironment refuses reserved keys and variables beyond Lambda's 4 KB,
// measured, as Lambda measures them, on their JSON encoding.
func checkEnvironment(vars map[string]string) error {
	var reserved []string
	for k := range vars {
		if slices.Contains(reservedEnv, k) {
			reserved = append(reserved, k)
		}
	}
	if len(reserved) > 0 {
		slices.Sort(reserved)
		return apiErr(codeInvalidParameter, "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: %s", strings.Join(reserved, ","))
	}
	measured, err := json.Marshal(vars)
	if err != nil {
		return fmt.Errorf("measure environment variables: %w", err)
	}
	if len(measured) > maxEnvironmentBytes {
		return apiErr(codeInvalidParameter, "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: %s", measured)
	}
	return nil
}

// checkLayers validates layer version ARNs. The local cloud publishes no
// layers, so a well-formed ARN names a layer version that does not exist,
// which Lambda refuses.
func checkLayers(layers []string) error {
	for _, l := range layers {
		if len(l) < 1 || len(l) > 2048 || !layerPattern.MatchString(l) {
			return validationErr("layers", listValue(layers), layerConstraint)
		}
	}
	if len(layers) > maxLayers {
		return apiErr(codeInvalidParameter, "Cannot reference more than %d layers.", maxLayers)
	}
	if len(layers) > 0 {
		return apiErr(codeInvalidParameter, "Layer version %s does not exist.", layers[0])
	}
	return nil
}

// merge applies a LoggingConfig request onto the current configuration:
// members not given keep their value, as UpdateFunctionConfiguration does.
func (in *loggingConfigIn) merge(cur logging) (logging, error) {
	if f := in.LogFormat; f != nil {
		if !slices.Contains(logFormats, *f) {
			return cur, validationErr("loggingConfig.logFormat", *f, "Member must satisfy enum value set: "+listValue(logFormats))
		}
		cur.Format = *f
	}
	if l := in.ApplicationLogLevel; l != nil {
		if !slices.Contains(appLogLevels, *l) {
			return cur, validationErr("loggingConfig.applicationLogLevel", *l, "Member must satisfy enum value set: "+listValue(appLogLevels))
		}
		cur.ApplicationLevel = *l
	}
	if l := in.SystemLogLevel; l != nil {
		if !slices.Contains(systemLogLevels, *l) {
			return cur, validationErr("loggingConfig.systemLogLevel", *l, "Member must satisfy enum value set: "+listValue(systemLogLevels))
		}
		cur.SystemLevel = *l
	}
	if g := in.LogGroup; g != nil {
		if len(*g) < 1 || len(*g) > maxLogGroupLength {
			return cur, validationErr("loggingConfig.logGroup", *g, fmt.Sprintf("Member must have length between 1 and %d", maxLogGroupLength))
		}
		if !logGroupPattern.MatchString(*g) {
			return cur, validationErr("loggingConfig.logGroup", *g, "Member must satisfy regular expression pattern: "+logGroupPatternText)
		}
		cur.Group = *g
	}
	if cur.Format != logFormatJSON {
		// Levels filter JSON logs only: asking for one with Text logs is
		// refused, and a switch back to Text drops the ones set before.
		if in.ApplicationLogLevel != nil || in.SystemLogLevel != nil {
			return cur, apiErr(codeInvalidParameter, `LogLevel is not supported when LogFormat is set to "Text". Remove LogLevel from your request or change the LogFormat to "Json" and try again.`)
		}
		cur.ApplicationLevel, cur.SystemLevel = "", ""
	}
	return cur, nil
}

func validArchitectures(a []string) error {
	if len(a) > 1 {
		return validationErr("architectures", a, "Member must have length less than or equal to 1")
	}
	if len(a) == 1 && a[0] != "x86_64" && a[0] != "arm64" {
		return validationErr("architectures", a, "Member must satisfy enum value set: [x86_64, arm64]")
	}
	return nil
}

type createIn struct {
	settings
	FunctionName  string            `json:"FunctionName"`
	Code          *codeIn           `json:"Code"`
	Publish       bool              `json:"Publish"`
	PackageType   string            `json:"PackageType"`
	Architectures []string          `json:"Architectures"`
	Tags          map[string]string `json:"Tags"`
}

func (s *Service) createFunction(r *http.Request) (int, any, error) {
	var in createIn
	if err := decode(r, "CreateFunction", &in); err != nil {
		return 0, nil, err
	}
	name, qualifier, err := parseFunctionRef(in.FunctionName)
	if err != nil {
		return 0, nil, err
	}
	if qualifier != "" {
		return 0, nil, apiErr(codeInvalidParameter, "FunctionName cannot carry a qualifier on CreateFunction")
	}
	switch {
	case in.Role == nil:
		return 0, nil, validationErr("role", "null", "Member must not be null")
	case in.PackageType != "" && in.PackageType != "Zip":
		return 0, nil, apiErr(codeInvalidParameter, "PackageType %s is not supported: functions run from zip packages", in.PackageType)
	case in.Runtime == nil:
		return 0, nil, apiErr(codeInvalidParameter, "Runtime is required for a function of package type Zip")
	case in.Code == nil:
		return 0, nil, validationErr("code", "null", "Member must not be null")
	}
	if err := validArchitectures(in.Architectures); err != nil {
		return 0, nil, err
	}
	cfg := fnConfig{Version: latest, Timeout: 3, MemorySize: minMemory, EphemeralStorage: defaultEphemeralStorage, Architectures: []string{"x86_64"}}
	if len(in.Architectures) == 1 {
		cfg.Architectures = in.Architectures
	}
	if err := in.settings.apply(&cfg); err != nil {
		return 0, nil, err
	}
	zipped, err := s.fetch(r.Context(), *in.Code)
	if err != nil {
		return 0, nil, err
	}
	code, err := s.store.putCode(zipped)
	if err != nil {
		return 0, nil, err
	}
	cfg.CodeSHA256, cfg.CodeSize = code.SHA256, code.Size
	cfg.RevisionID, cfg.LastModified = newRevisionID(), s.now()
	cfg.SettleAt, cfg.Creating = s.settleAt(), true

	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.functions[name]; ok {
		return 0, nil, apiErr(codeConflict, "Function already exist: %s", name)
	}
	f := &function{Name: name, Latest: cfg, Tags: maps.Clone(in.Tags)}
	out := f.Latest.out(name, s.now())
	if in.Publish {
		v := s.publish(f, "")
		out = v.out(name, s.now())
	}
	if err := s.persist(f, nil); err != nil {
		return 0, nil, err
	}
	s.functions[name] = f
	return http.StatusCreated, out, nil
}

// publish snapshots $LATEST as a new version, or returns the last version
// when nothing changed since it was published. The caller holds s.mu.
func (s *Service) publish(f *function, description string) *fnConfig {
	if n := len(f.Versions); n > 0 && f.Versions[n-1].fingerprint() == f.Latest.fingerprint() {
		return &f.Versions[n-1]
	}
	f.LastVersion++
	v := f.Latest
	v.Version = strconv.Itoa(f.LastVersion)
	v.Environment = maps.Clone(f.Latest.Environment)
	v.Architectures = slices.Clone(f.Latest.Architectures)
	v.Layers = slices.Clone(f.Latest.Layers)
	v.RevisionID, v.LastModified = newRevisionID(), s.now()
	v.SettleAt, v.Creating = f.Latest.SettleAt, false
	if description != "" {
		v.Description = description
	}
	f.Versions = append(f.Versions, v)
	return &f.Versions[len(f.Versions)-1]
}

// lookup finds a function by the reference in the request path. The caller
// holds s.mu.
func (s *Service) lookup(ref, explicit string) (*function, string, error) {
	name, qualifier, err := resolveRef(ref, explicit)
	if err != nil {
		return nil, "", err
	}
	f, ok := s.functions[name]
	if !ok {
		return nil, "", notFound(functionARN(name))
	}
	return f, qualifier, nil
}

// configFor resolves a qualifier ("" = $LATEST, a version or an alias) to the
// configuration it designates. The caller holds s.mu.
func configFor(f *function, qualifier string) (*fnConfig, error) {
	if qualifier == "" {
		return &f.Latest, nil
	}
	if a, ok := f.Aliases[qualifier]; ok {
		qualifier = a.FunctionVersion
	}
	if c := f.version(qualifier); c != nil {
		return c, nil
	}
	return nil, notFound(qualifiedARN(f.Name, qualifier))
}

func (s *Service) getFunctionConfiguration(r *http.Request) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, q, err := s.lookup(r.PathValue("name"), r.URL.Query().Get("Qualifier"))
	if err != nil {
		return 0, nil, err
	}
	c, err := configFor(f, q)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, c.out(f.Name, s.now()), nil
}

func (s *Service) getFunction(r *http.Request) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, q, err := s.lookup(r.PathValue("name"), r.URL.Query().Get("Qualifier"))
	if err != nil {
		return 0, nil, err
	}
	c, err := configFor(f, q)
	if err != nil {
		return 0, nil, err
	}
	out := map[string]any{
		"Configuration": c.out(f.Name, s.now()),
		"Code":          map[string]string{"RepositoryType": "S3"},
	}
	if len(f.Tags) > 0 {
		out["Tags"] = f.Tags
	}
	if f.Reserved != nil {
		out["Concurrency"] = map[string]int{"ReservedConcurrentExecutions": *f.Reserved}
	}
	return http.StatusOK, out, nil
}

func (s *Service) deleteFunction(r *http.Request) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, q, err := s.lookup(r.PathValue("name"), r.URL.Query().Get("Qualifier"))
	if err != nil {
		return 0, nil, err
	}
	switch {
	case q == "":
		if err := s.store.remove(f.Name); err != nil {
			return 0, nil, fmt.Errorf("delete function %s: %w", f.Name, err)
		}
		delete(s.functions, f.Name)
		s.envs.retire(f.Name, "")
		return http.StatusNoContent, nil, nil
	case q == latest:
		return 0, nil, apiErr(codeInvalidParameter, "$LATEST version cannot be deleted without deleting the function.")
	case !versionPattern.MatchString(q):
		return 0, nil, apiErr(codeInvalidParameter, "Deletion of aliases is not supported through DeleteFunction; use DeleteAlias")
	}
	i := slices.IndexFunc(f.Versions, func(c fnConfig) bool { return c.Version == q })
	if i < 0 {
		return 0, nil, notFound(qualifiedARN(f.Name, q))
	}
	var using []string
	for _, a := range f.Aliases {
		if _, routed := a.Weights[q]; a.FunctionVersion == q || routed {
			using = append(using, a.Name)
		}
	}
	if len(using) > 0 {
		slices.Sort(using)
		return 0, nil, apiErr(codeConflict, "Unable to delete version because the following aliases reference it: [%s]", strings.Join(using, ", "))
	}
	f.Versions = slices.Delete(f.Versions, i, i+1)
	if err := s.persist(f, nil); err != nil {
		return 0, nil, err
	}
	s.envs.retire(f.Name, q)
	return http.StatusNoContent, nil, nil
}

// checkUpdatable refuses changes to $LATEST while a create or update is in
// progress or when the caller's RevisionId is stale. The caller holds s.mu.
func (s *Service) checkUpdatable(f *function, revisionID string) error {
	if f.Latest.busy(s.now()) {
		if f.Latest.Creating {
			return apiErr(codeConflict, "The operation cannot be performed at this time. The function is currently in the following state: Pending")
		}
		return apiErr(codeConflict, "The operation cannot be performed at this time. An update is in progress for resource: %s", functionARN(f.Name))
	}
	if revisionID != "" && revisionID != f.Latest.RevisionID {
		return apiErr(codePrecondition, "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
	}
	return nil
}

type updateConfigIn struct {
	settings
	RevisionID string `json:"RevisionId"`
}

func (s *Service) updateFunctionConfiguration(r *http.Request) (int, any, error) {
	var in updateConfigIn
	if err := decode(r, "UpdateFunctionConfiguration", &in); err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, q, err := s.lookup(r.PathValue("name"), "")
	if err != nil {
		return 0, nil, err
	}
	if q != "" {
		return 0, nil, apiErr(codeInvalidParameter, "Only the unqualified function ($LATEST) can be updated")
	}
	if err := s.checkUpdatable(f, in.RevisionID); err != nil {
		return 0, nil, err
	}
	next := f.Latest
	if err := in.settings.apply(&next); err != nil {
		return 0, nil, err
	}
	s.commitLatest(f, next)
	if err := s.persist(f, nil); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, f.Latest.out(f.Name, s.now()), nil
}

// commitLatest installs a new $LATEST configuration and retires the warm
// environments that run the old one. The caller holds s.mu.
func (s *Service) commitLatest(f *function, next fnConfig) {
	next.RevisionID, next.LastModified = newRevisionID(), s.now()
	next.SettleAt, next.Creating = s.settleAt(), false
	f.Latest = next
	s.envs.retire(f.Name, latest)
}

type updateCodeIn struct {
	codeIn
	Publish       bool     `json:"Publish"`
	DryRun        bool     `json:"DryRun"`
	RevisionID    string   `json:"RevisionId"`
	Architectures []string `json:"Architectures"`
}

func (s *Service) updateFunctionCode(r *http.Request) (int, any, error) {
	var in updateCodeIn
	if err := decode(r, "UpdateFunctionCode", &in); err != nil {
		return 0, nil, err
	}
	if err := validArchitectures(in.Architectures); err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	_, q, err := s.lookup(r.PathValue("name"), "")
	s.mu.Unlock()
	if err != nil {
		return 0, nil, err
	}
	if q != "" {
		return 0, nil, apiErr(codeInvalidParameter, "Only the unqualified function ($LATEST) can be updated")
	}
	zipped, err := s.fetch(r.Context(), in.codeIn)
	if err != nil {
		return 0, nil, err
	}
	code, err := s.store.putCode(zipped)
	if err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, _, err := s.lookup(r.PathValue("name"), "")
	if err != nil {
		return 0, nil, err
	}
	if err := s.checkUpdatable(f, in.RevisionID); err != nil {
		return 0, nil, err
	}
	next := f.Latest
	next.CodeSHA256, next.CodeSize = code.SHA256, code.Size
	if len(in.Architectures) == 1 {
		next.Architectures = in.Architectures
	}
	if in.DryRun {
		return http.StatusOK, next.out(f.Name, s.now()), nil
	}
	s.commitLatest(f, next)
	out := f.Latest.out(f.Name, s.now())
	if in.Publish {
		out = s.publish(f, "").out(f.Name, s.now())
	}
	if err := s.persist(f, nil); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, out, nil
}

type publishIn struct {
	CodeSha256  string `json:"CodeSha256"`
	Description string `json:"Description"`
	RevisionID  string `json:"RevisionId"`
}

func (s *Service) publishVersion(r *http.Request) (int, any, error) {
	var in publishIn
	if err := decode(r, "PublishVersion", &in); err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, q, err := s.lookup(r.PathValue("name"), "")
	if err != nil {
		return 0, nil, err
	}
	if q != "" {
		return 0, nil, apiErr(codeInvalidParameter, "PublishVersion takes the unqualified function name")
	}
	if err := s.checkUpdatable(f, in.RevisionID); err != nil {
		return 0, nil, err
	}
	if in.CodeSha256 != "" && in.CodeSha256 != f.Latest.CodeSHA256 {
		return 0, nil, apiErr(codeInvalidParameter, "CodeSHA256 (%s) is different from current CodeSHA256 in $LATEST (%s). Please try again with the current CodeSHA256.", in.CodeSha256, f.Latest.CodeSHA256)
	}
	v := s.publish(f, in.Description)
	if err := s.persist(f, nil); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, v.out(f.Name, s.now()), nil
}

// page cuts items to one page: marker is the index to start at (as handed
// out in NextMarker), maxItems bounds the page (default 50, at most 10000).
func page[T any](r *http.Request, items []T) ([]T, string, error) {
	start, limit := 0, 50
	q := r.URL.Query()
	if m := q.Get("Marker"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 0 || n > len(items) {
			return nil, "", apiErr(codeInvalidParameter, "Invalid Marker: %s", m)
		}
		start = n
	}
	if m := q.Get("MaxItems"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 1 || n > 10000 {
			return nil, "", validationErr("maxItems", m, "Member must have value between 1 and 10000")
		}
		limit = n
	}
	end := min(start+limit, len(items))
	next := ""
	if end < len(items) {
		next = strconv.Itoa(end)
	}
	return items[start:end], next, nil
}

func (s *Service) listFunctions(r *http.Request) (int, any, error) {
	all := r.URL.Query().Get("FunctionVersion") == "ALL"
	s.mu.Lock()
	now := s.now()
	var items []configOut
	for _, name := range slices.Sorted(maps.Keys(s.functions)) {
		f := s.functions[name]
		items = append(items, f.Latest.out(name, now))
		if all {
			for i := range f.Versions {
				items = append(items, f.Versions[i].out(name, now))
			}
		}
	}
	s.mu.Unlock()
	got, next, err := page(r, items)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, listOut("Functions", got, next), nil
}

func (s *Service) listVersions(r *http.Request) (int, any, error) {
	s.mu.Lock()
	f, q, err := s.lookup(r.PathValue("name"), "")
	if err != nil {
		s.mu.Unlock()
		return 0, nil, err
	}
	now := s.now()
	items := []configOut{f.Latest.out(f.Name, now)}
	for i := range f.Versions {
		items = append(items, f.Versions[i].out(f.Name, now))
	}
	s.mu.Unlock()
	if q != "" {
		return 0, nil, apiErr(codeInvalidParameter, "ListVersionsByFunction takes the unqualified function name")
	}
	got, next, err := page(r, items)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, listOut("Versions", got, next), nil
}

func listOut[T any](key string, items []T, next string) map[string]any {
	if items == nil {
		items = []T{}
	}
	out := map[string]any{key: items}
	if next != "" {
		out["NextMarker"] = next
	}
	return out
}
