package lambda

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
)

// validateRouting applies AWS's rules for an alias's AdditionalVersionWeights:
// one additional version at most, a weight in [0, 1), a published version
// that exists and differs from the primary, and a primary that is not
// $LATEST. The caller holds s.mu.
func validateRouting(f *function, primary string, weights map[string]float64) error {
	if len(weights) > 1 {
		return apiErr(codeInvalidParameter, "Number of items in AdditionalVersionWeights cannot be greater than 1")
	}
	for v, w := range weights {
		if w < 0 || w >= 1 {
			return validationErr("routingConfig.additionalVersionWeights", fmt.Sprintf("{%s=%v}", v, w),
				"Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]")
		}
		if v == primary {
			return apiErr(codeInvalidParameter, "Invalid function version %s. Function version %s is already included in routing configuration.", v, v)
		}
		if primary == latest {
			return apiErr(codeInvalidParameter, "$LATEST is not supported for an alias pointing to more than 1 version")
		}
		if !versionPattern.MatchString(v) {
			return validationErr("routingConfig.additionalVersionWeights", fmt.Sprintf("{%s=%v}", v, w),
				"Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+]")
		}
		if f.version(v) == nil {
			return notFound(qualifiedARN(f.Name, v))
		}
	}
	return nil
}

// pick chooses the version that serves one invocation through a: the
// additional version with its weight's probability, the primary otherwise.
func (a *alias) pick() string {
	for v, w := range a.Weights {
		if rand.Float64() < w {
			return v
		}
	}
	return a.FunctionVersion
}

func validAliasName(name string) error {
	if !aliasPattern.MatchString(name) || versionPattern.MatchString(name) || name == latest {
		return validationErr("name", name, "Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)")
	}
	return nil
}

// checkPrimary makes sure an alias's FunctionVersion exists. The caller
// holds s.mu.
func checkPrimary(f *function, version string) error {
	if version != latest && !versionPattern.MatchString(version) {
		return validationErr("functionVersion", version, `Member must satisfy regular expression pattern: (\$LATEST|[0-9]+)`)
	}
	if f.version(version) == nil {
		return notFound(qualifiedARN(f.Name, version))
	}
	return nil
}

type createAliasIn struct {
	Name            string         `json:"Name"`
	FunctionVersion string         `json:"FunctionVersion"`
	Description     string         `json:"Description"`
	RoutingConfig   *routingConfig `json:"RoutingConfig"`
}

func (s *Service) createAlias(r *http.Request) (int, any, error) {
	var in createAliasIn
	if err := decode(r, "CreateAlias", &in); err != nil {
		return 0, nil, err
	}
	if err := validAliasName(in.Name); err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.unqualified(r)
	if err != nil {
		return 0, nil, err
	}
	if err := checkPrimary(f, in.FunctionVersion); err != nil {
		return 0, nil, err
	}
	var weights map[string]float64
	if in.RoutingConfig != nil {
		weights = in.RoutingConfig.AdditionalVersionWeights
	}
	if err := validateRouting(f, in.FunctionVersion, weights); err != nil {
		return 0, nil, err
	}
	if _, ok := f.Aliases[in.Name]; ok {
		return 0, nil, apiErr(codeConflict, "Alias already exists: %s", qualifiedARN(f.Name, in.Name))
	}
	a := &alias{Name: in.Name, FunctionVersion: in.FunctionVersion, Description: in.Description,
		Weights: maps.Clone(weights), RevisionID: newRevisionID()}
	if f.Aliases == nil {
		f.Aliases = map[string]*alias{}
	}
	f.Aliases[a.Name] = a
	if err := s.persist(f, func() { delete(f.Aliases, a.Name) }); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, a.out(f.Name), nil
}

// unqualified finds the function named in the path, which must not carry a
// qualifier. The caller holds s.mu.
func (s *Service) unqualified(r *http.Request) (*function, error) {
	f, q, err := s.lookup(r.PathValue("name"), "")
	if err != nil {
		return nil, err
	}
	if q != "" {
		return nil, apiErr(codeInvalidParameter, "The function name must not carry a qualifier for this operation")
	}
	return f, nil
}

// findAlias finds the alias named in the path. The caller holds s.mu.
func (s *Service) findAlias(r *http.Request) (*function, *alias, error) {
	f, err := s.unqualified(r)
	if err != nil {
		return nil, nil, err
	}
	name := r.PathValue("alias")
	a, ok := f.Aliases[name]
	if !ok {
		return nil, nil, apiErr(codeNotFound, "Alias not found: %s", qualifiedARN(f.Name, name))
	}
	return f, a, nil
}

func (s *Service) getAlias(r *http.Request) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, a, err := s.findAlias(r)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, a.out(f.Name), nil
}

type updateAliasIn struct {
	FunctionVersion *string        `json:"FunctionVersion"`
	Description     *string        `json:"Description"`
	RoutingConfig   *routingConfig `json:"RoutingConfig"`
	RevisionID      string         `json:"RevisionId"`
}

// updateAlias changes what an alias points to. A RoutingConfig that is
// absent keeps the current weights; an empty one clears them, as on AWS.
func (s *Service) updateAlias(r *http.Request) (int, any, error) {
	var in updateAliasIn
	if err := decode(r, "UpdateAlias", &in); err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, a, err := s.findAlias(r)
	if err != nil {
		return 0, nil, err
	}
	if in.RevisionID != "" && in.RevisionID != a.RevisionID {
		return 0, nil, apiErr(codePrecondition, "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
	}
	next := *a
	if in.FunctionVersion != nil {
		if err := checkPrimary(f, *in.FunctionVersion); err != nil {
			return 0, nil, err
		}
		next.FunctionVersion = *in.FunctionVersion
	}
	if in.Description != nil {
		next.Description = *in.Description
	}
	if in.RoutingConfig != nil {
		next.Weights = maps.Clone(in.RoutingConfig.AdditionalVersionWeights)
	}
	if err := validateRouting(f, next.FunctionVersion, next.Weights); err != nil {
		return 0, nil, err
	}
	next.RevisionID = newRevisionID()
	f.Aliases[a.Name] = &next
	if err := s.persist(f, func() { f.Aliases[a.Name] = a }); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, next.out(f.Name), nil
}

func (s *Service) deleteAlias(r *http.Request) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.unqualified(r)
	if err != nil {
		return 0, nil, err
	}
	a, ok := f.Aliases[r.PathValue("alias")]
	if !ok {
		// AWS answers a delete of a missing alias with success.
		return http.StatusNoContent, nil, nil
	}
	delete(f.Aliases, a.Name)
	if err := s.persist(f, func() { f.Aliases[a.Name] = a }); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

func (s *Service) listAliases(r *http.Request) (int, any, error) {
	version := r.URL.Query().Get("FunctionVersion")
	s.mu.Lock()
	f, err := s.unqualified(r)
	if err != nil {
		s.mu.Unlock()
		return 0, nil, err
	}
	var items []aliasOut
	for _, name := range slices.Sorted(maps.Keys(f.Aliases)) {
		a := f.Aliases[name]
		if _, routed := a.Weights[version]; version == "" || a.FunctionVersion == version || routed {
			items = append(items, a.out(f.Name))
		}
	}
	s.mu.Unlock()
	got, next, err := page(r, items)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, listOut("Aliases", got, next), nil
}
