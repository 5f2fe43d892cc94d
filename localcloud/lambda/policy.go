package lambda

import (
	"encoding/json"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

var statementIDPattern = regexp.MustCompile(`^[a-zA-Z0-9_.-]{1,100}$`)

type addPermissionIn struct {
	StatementID   string `json:"StatementId"`
	Action        string `json:"Action"`
	Principal     string `json:"Principal"`
	SourceArn     string `json:"SourceArn"`
	SourceAccount string `json:"SourceAccount"`
	RevisionID    string `json:"RevisionId"`
}

// policyStatement renders a permission the way GetPolicy reports it.
func policyStatement(in addPermissionIn, resource string) json.RawMessage {
	principal := map[string]string{"Service": in.Principal}
	if in.Principal == "*" || strings.HasPrefix(in.Principal, "arn:") || versionPattern.MatchString(in.Principal) {
		principal = map[string]string{"AWS": in.Principal}
	}
	doc := map[string]any{
		"Sid":       in.StatementID,
		"Effect":    "Allow",
		"Principal": principal,
		"Action":    in.Action,
		"Resource":  resource,
	}
	cond := map[string]any{}
	if in.SourceArn != "" {
		cond["ArnLike"] = map[string]string{"AWS:SourceArn": in.SourceArn}
	}
	if in.SourceAccount != "" {
		cond["StringEquals"] = map[string]string{"AWS:SourceAccount": in.SourceAccount}
	}
	if len(cond) > 0 {
		doc["Condition"] = cond
	}
	b, _ := json.Marshal(doc) // maps of strings always encode
	return b
}

// qualifiedTarget resolves the function and the qualifier a policy request
// addresses and checks the qualifier exists. The caller holds s.mu.
func (s *Service) qualifiedTarget(r *http.Request) (*function, string, error) {
	f, q, err := s.lookup(r.PathValue("name"), r.URL.Query().Get("Qualifier"))
	if err != nil {
		return nil, "", err
	}
	if _, err := configFor(f, q); err != nil {
		return nil, "", err
	}
	return f, q, nil
}

func (s *Service) addPermission(r *http.Request) (int, any, error) {
	var in addPermissionIn
	if err := decode(r, "AddPermission", &in); err != nil {
		return 0, nil, err
	}
	switch {
	case !statementIDPattern.MatchString(in.StatementID):
		return 0, nil, validationErr("statementId", in.StatementID, "Member must satisfy regular expression pattern: ([a-zA-Z0-9-_.]+)")
	case in.Action == "":
		return 0, nil, validationErr("action", "null", "Member must not be null")
	case in.Principal == "":
		return 0, nil, validationErr("principal", "null", "Member must not be null")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, q, err := s.qualifiedTarget(r)
	if err != nil {
		return 0, nil, err
	}
	if in.RevisionID != "" && in.RevisionID != f.Latest.RevisionID {
		return 0, nil, apiErr(codePrecondition, "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
	}
	for _, st := range f.Policy {
		if st.Sid == in.StatementID && st.Qualifier == q {
			return 0, nil, apiErr(codeConflict, "The statement id (%s) provided already exists. Please provide a new statement id, or remove the existing statement.", in.StatementID)
		}
	}
	st := statement{Sid: in.StatementID, Qualifier: q, Document: policyStatement(in, qualifiedARN(f.Name, q))}
	f.Policy = append(f.Policy, st)
	if err := s.persist(f, func() { f.Policy = f.Policy[:len(f.Policy)-1] }); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, map[string]string{"Statement": string(st.Document)}, nil
}

func (s *Service) getPolicy(r *http.Request) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, q, err := s.qualifiedTarget(r)
	if err != nil {
		return 0, nil, err
	}
	var docs []json.RawMessage
	for _, st := range f.Policy {
		if st.Qualifier == q {
			docs = append(docs, st.Document)
		}
	}
	if len(docs) == 0 {
		return 0, nil, apiErr(codeNotFound, "The resource you requested does not exist.")
	}
	policy, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Id": "default", "Statement": docs})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]string{"Policy": string(policy), "RevisionId": f.Latest.RevisionID}, nil
}

func (s *Service) removePermission(r *http.Request) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, q, err := s.qualifiedTarget(r)
	if err != nil {
		return 0, nil, err
	}
	sid := r.PathValue("sid")
	i := slices.IndexFunc(f.Policy, func(st statement) bool { return st.Sid == sid && st.Qualifier == q })
	if i < 0 {
		return 0, nil, apiErr(codeNotFound, "Statement %s is not found in resource policy.", sid)
	}
	old := f.Policy
	f.Policy = slices.Delete(slices.Clone(f.Policy), i, i+1)
	if err := s.persist(f, func() { f.Policy = old }); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

// tagged finds the function a tagging request's ARN names. The caller holds
// s.mu.
func (s *Service) tagged(r *http.Request) (*function, error) {
	name, q, err := parseFunctionRef(r.PathValue("arn"))
	if err != nil {
		return nil, err
	}
	if q != "" {
		return nil, apiErr(codeInvalidParameter, "Tags are not supported for resources with qualifier.")
	}
	f, ok := s.functions[name]
	if !ok {
		return nil, notFound(functionARN(name))
	}
	return f, nil
}

func (s *Service) tagResource(r *http.Request) (int, any, error) {
	var in struct {
		Tags map[string]string `json:"Tags"`
	}
	if err := decode(r, "TagResource", &in); err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.tagged(r)
	if err != nil {
		return 0, nil, err
	}
	old := f.Tags
	f.Tags = maps.Clone(f.Tags)
	if f.Tags == nil {
		f.Tags = map[string]string{}
	}
	maps.Copy(f.Tags, in.Tags)
	if len(f.Tags) > 50 {
		f.Tags = old
		return 0, nil, apiErr(codeInvalidParameter, "A function can have at most 50 tags")
	}
	if err := s.persist(f, func() { f.Tags = old }); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

func (s *Service) untagResource(r *http.Request) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.tagged(r)
	if err != nil {
		return 0, nil, err
	}
	old := f.Tags
	f.Tags = maps.Clone(f.Tags)
	for _, k := range r.URL.Query()["tagKeys"] {
		delete(f.Tags, k)
	}
	if err := s.persist(f, func() { f.Tags = old }); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

func (s *Service) listTags(r *http.Request) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.tagged(r)
	if err != nil {
		return 0, nil, err
	}
	tags := maps.Clone(f.Tags)
	if tags == nil {
		tags = map[string]string{}
	}
	return http.StatusOK, map[string]any{"Tags": tags}, nil
}

// accountConcurrency is the account's concurrent executions limit.
const accountConcurrency = 1000

func (s *Service) putConcurrency(r *http.Request) (int, any, error) {
	var in struct {
		ReservedConcurrentExecutions *int `json:"ReservedConcurrentExecutions"`
	}
	if err := decode(r, "PutFunctionConcurrency", &in); err != nil {
		return 0, nil, err
	}
	if in.ReservedConcurrentExecutions == nil {
		return 0, nil, validationErr("reservedConcurrentExecutions", "null", "Member must not be null")
	}
	n := *in.ReservedConcurrentExecutions
	if n < 0 || n > accountConcurrency {
		return 0, nil, apiErr(codeInvalidParameter, "Specified ReservedConcurrentExecutions for function must be between 0 and %d.", accountConcurrency)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.unqualified(r)
	if err != nil {
		return 0, nil, err
	}
	old := f.Reserved
	f.Reserved = &n
	if err := s.persist(f, func() { f.Reserved = old }); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]int{"ReservedConcurrentExecutions": n}, nil
}

func (s *Service) deleteConcurrency(r *http.Request) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.unqualified(r)
	if err != nil {
		return 0, nil, err
	}
	old := f.Reserved
	f.Reserved = nil
	if err := s.persist(f, func() { f.Reserved = old }); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

func (s *Service) getConcurrency(r *http.Request) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.unqualified(r)
	if err != nil {
		return 0, nil, err
	}
	out := map[string]int{}
	if f.Reserved != nil {
		out["ReservedConcurrentExecutions"] = *f.Reserved
	}
	return http.StatusOK, out, nil
}

func (s *Service) accountSettings(*http.Request) (int, any, error) {
	s.mu.Lock()
	count, reserved := len(s.functions), 0
	for _, f := range s.functions {
		if f.Reserved != nil {
			reserved += *f.Reserved
		}
	}
	s.mu.Unlock()
	return http.StatusOK, map[string]any{
		"AccountLimit": map[string]int64{
			"TotalCodeSize":                  s.opts.CodeStorage,
			"CodeSizeUnzipped":               maxUnzippedSize,
			"CodeSizeZipped":                 maxZipSize,
			"ConcurrentExecutions":           accountConcurrency,
			"UnreservedConcurrentExecutions": int64(accountConcurrency - reserved),
		},
		"AccountUsage": map[string]int64{"TotalCodeSize": s.store.codeUsage(), "FunctionCount": int64(count)},
	}, nil
}
