package cloudwatch

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
)

const listDashboardsPage = 1000

func validDashboardName(n string) bool {
	if n == "" || len(n) > 255 {
		return false
	}
	for _, c := range n {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func (in *PutDashboardInput) resource() string { return in.DashboardName }

func (s *Service) putDashboard(_ context.Context, in *PutDashboardInput) (*PutDashboardOutput, error) {
	switch {
	case in.DashboardName == "":
		return nil, missingParam("The parameter DashboardName is required.")
	case !validDashboardName(in.DashboardName):
		return nil, invalidParam("The value " + in.DashboardName + " for parameter DashboardName is invalid; use up to 255 letters, digits, - and _.")
	case in.DashboardBody == "":
		return nil, missingParam("The parameter DashboardBody is required.")
	}
	var body struct {
		Widgets []json.RawMessage `json:"widgets"`
	}
	if err := json.Unmarshal([]byte(in.DashboardBody), &body); err != nil {
		return nil, apiErr(codeDashboardInput, "The dashboard body is invalid, there are 1 validation errors: [ { \"dataPath\": \"\", \"message\": \"Should be an object with a widgets array: "+err.Error()+"\" } ]")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dashboards[in.DashboardName] = &dashboard{Name: in.DashboardName, Body: in.DashboardBody, Modified: s.clock.Now()}
	if err := s.saveDashboards(); err != nil {
		return nil, err
	}
	return &PutDashboardOutput{DashboardValidationMessages: []DashboardValidationMessage{}}, nil
}

func (in *GetDashboardInput) resource() string { return in.DashboardName }

func (s *Service) getDashboard(_ context.Context, in *GetDashboardInput) (*GetDashboardOutput, error) {
	if in.DashboardName == "" {
		return nil, missingParam("The parameter DashboardName is required.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.dashboards[in.DashboardName]
	if d == nil {
		return nil, apiErr(codeDashboardNotFound, "Dashboard "+in.DashboardName+" does not exist")
	}
	arn, name, body := dashboardARN(d.Name), d.Name, d.Body
	return &GetDashboardOutput{DashboardArn: &arn, DashboardName: &name, DashboardBody: &body}, nil
}

func (in *ListDashboardsInput) resource() string { return deref(in.DashboardNamePrefix) }

func (s *Service) listDashboards(_ context.Context, in *ListDashboardsInput) (*ListDashboardsOutput, error) {
	var entries []DashboardEntry
	s.mu.Lock()
	for name, d := range s.dashboards {
		if in.DashboardNamePrefix != nil && !strings.HasPrefix(name, *in.DashboardNamePrefix) {
			continue
		}
		arn, n, modified, size := dashboardARN(name), name, d.Modified, int64(len(d.Body))
		entries = append(entries, DashboardEntry{DashboardName: &n, DashboardArn: &arn, LastModified: &modified, Size: &size})
	}
	s.mu.Unlock()
	sort.Slice(entries, func(i, j int) bool { return *entries[i].DashboardName < *entries[j].DashboardName })
	page, next, err := paginate(entries, in.NextToken, listDashboardsPage)
	if err != nil {
		return nil, err
	}
	if page == nil {
		page = []DashboardEntry{}
	}
	return &ListDashboardsOutput{DashboardEntries: page, NextToken: next}, nil
}

func (in *DeleteDashboardsInput) resource() string { return strings.Join(in.DashboardNames, ",") }

func (s *Service) deleteDashboards(_ context.Context, in *DeleteDashboardsInput) (*empty, error) {
	if len(in.DashboardNames) == 0 {
		return nil, missingParam("The parameter DashboardNames is required.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range in.DashboardNames {
		if s.dashboards[n] == nil {
			return nil, apiErr(codeDashboardNotFound, "Dashboard "+n+" does not exist")
		}
	}
	for _, n := range in.DashboardNames {
		delete(s.dashboards, n)
	}
	return &empty{}, s.saveDashboards()
}
