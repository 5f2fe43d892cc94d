package cfn

import (
	"encoding/xml"
	"net/http"
	"time"

	"github.com/greenlight/greenlight/localcloud/internal/awserr"
	"github.com/greenlight/greenlight/localcloud/internal/uuid"
)

// NewQueryHandler serves the part of the CloudFormation query API a client
// needs to discover the stacks in s: DescribeStacks and ListStackResources.
func NewQueryHandler(s *Store) http.Handler {
	return &queryHandler{store: s}
}

type queryHandler struct{ store *Store }

const cfnNamespace = "http://cloudformation.amazonaws.com/doc/2010-05-15/"

func (h *queryHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeQueryError(w, awserr.New("MalformedQueryString", http.StatusBadRequest, err.Error()))
		return
	}
	action := r.Form.Get("Action")
	switch action {
	case "DescribeStacks":
		h.describeStacks(w, r.Form.Get("StackName"))
	case "ListStackResources":
		h.listStackResources(w, r.Form.Get("StackName"))
	case "":
		writeQueryError(w, awserr.New("MissingAction", http.StatusBadRequest, "the request has no Action"))
	default:
		writeQueryError(w, awserr.Errorf("InvalidAction", http.StatusBadRequest, "the local cloud does not implement CloudFormation %s; stacks are applied with `greenlight local deploy`", action))
	}
}

// find looks a stack up by name or stack id.
func (h *queryHandler) find(nameOrID string) (*Stack, bool) {
	if st, err := h.store.Get(nameOrID); err == nil {
		return st, true
	}
	for _, st := range h.store.List() {
		if st.ID == nameOrID {
			return st, true
		}
	}
	return nil, false
}

type xmlOutput struct {
	OutputKey   string `xml:"OutputKey"`
	OutputValue string `xml:"OutputValue"`
	Description string `xml:"Description,omitempty"`
	ExportName  string `xml:"ExportName,omitempty"`
}

type xmlStack struct {
	StackName         string      `xml:"StackName"`
	StackID           string      `xml:"StackId"`
	CreationTime      string      `xml:"CreationTime"`
	LastUpdatedTime   string      `xml:"LastUpdatedTime,omitempty"`
	StackStatus       string      `xml:"StackStatus"`
	StackStatusReason string      `xml:"StackStatusReason,omitempty"`
	Outputs           []xmlOutput `xml:"Outputs>member"`
}

func (h *queryHandler) describeStacks(w http.ResponseWriter, name string) {
	var stacks []*Stack
	if name == "" {
		stacks = h.store.List()
	} else {
		st, ok := h.find(name)
		if !ok {
			writeQueryError(w, validationError("Stack with id "+name+" does not exist"))
			return
		}
		stacks = []*Stack{st}
	}
	type result struct {
		Stacks []xmlStack `xml:"Stacks>member"`
	}
	var res result
	for _, st := range stacks {
		x := xmlStack{
			StackName:         st.Name,
			StackID:           st.ID,
			CreationTime:      st.CreatedAt.UTC().Format(time.RFC3339),
			StackStatus:       st.Status,
			StackStatusReason: st.StatusReason,
		}
		if !st.UpdatedAt.Equal(st.CreatedAt) {
			x.LastUpdatedTime = st.UpdatedAt.UTC().Format(time.RFC3339)
		}
		for _, k := range sortedKeys(st.Outputs) {
			o := st.Outputs[k]
			x.Outputs = append(x.Outputs, xmlOutput{OutputKey: k, OutputValue: o.Value, Description: o.Description, ExportName: o.ExportName})
		}
		res.Stacks = append(res.Stacks, x)
	}
	writeQueryResult(w, "DescribeStacks", res)
}

func (h *queryHandler) listStackResources(w http.ResponseWriter, name string) {
	if name == "" {
		writeQueryError(w, validationError("StackName is required"))
		return
	}
	st, ok := h.find(name)
	if !ok {
		writeQueryError(w, validationError("Stack with id "+name+" does not exist"))
		return
	}
	type summary struct {
		LogicalResourceID    string `xml:"LogicalResourceId"`
		PhysicalResourceID   string `xml:"PhysicalResourceId"`
		ResourceType         string `xml:"ResourceType"`
		ResourceStatus       string `xml:"ResourceStatus"`
		LastUpdatedTimestamp string `xml:"LastUpdatedTimestamp"`
	}
	type result struct {
		Summaries []summary `xml:"StackResourceSummaries>member"`
	}
	var res result
	for _, id := range st.LogicalIDs() {
		r := st.Resources[id]
		res.Summaries = append(res.Summaries, summary{
			LogicalResourceID:    id,
			PhysicalResourceID:   r.PhysicalID,
			ResourceType:         r.Type,
			ResourceStatus:       r.Status(),
			LastUpdatedTimestamp: r.UpdatedAt.UTC().Format(time.RFC3339),
		})
	}
	writeQueryResult(w, "ListStackResources", res)
}

func writeQueryResult(w http.ResponseWriter, action string, result any) {
	type metadata struct {
		RequestID string `xml:"RequestId"`
	}
	resp := struct {
		XMLName  xml.Name
		Xmlns    string   `xml:"xmlns,attr"`
		Result   any      `xml:",any"`
		Metadata metadata `xml:"ResponseMetadata"`
	}{
		XMLName:  xml.Name{Local: action + "Response"},
		Xmlns:    cfnNamespace,
		Result:   wrapped{name: action + "Result", v: result},
		Metadata: metadata{RequestID: uuid.New()},
	}
	writeXML(w, http.StatusOK, resp)
}

// wrapped encodes v under the element name.
type wrapped struct {
	name string
	v    any
}

func (x wrapped) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	return e.EncodeElement(x.v, xml.StartElement{Name: xml.Name{Local: x.name}})
}

// validationError is CloudFormation's answer to a request it cannot serve as
// asked, a missing stack included.
func validationError(message string) *awserr.Error {
	return awserr.New("ValidationError", http.StatusBadRequest, message)
}

// writeQueryError answers err as a query-protocol error: an AWS error keeps
// its code, anything else is an InternalFailure.
func writeQueryError(w http.ResponseWriter, err error) {
	ae, ok := awserr.As(err)
	if !ok {
		ae = awserr.New("InternalFailure", http.StatusInternalServerError, err.Error())
	}
	type errorBody struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	side := "Sender"
	if ae.ServerSide() {
		side = "Receiver"
	}
	resp := struct {
		XMLName   xml.Name  `xml:"ErrorResponse"`
		Xmlns     string    `xml:"xmlns,attr"`
		Error     errorBody `xml:"Error"`
		RequestID string    `xml:"RequestId"`
	}{Xmlns: cfnNamespace, Error: errorBody{Type: side, Code: ae.Code, Message: ae.Message}, RequestID: uuid.New()}
	writeXML(w, ae.Status, resp)
}

func writeXML(w http.ResponseWriter, status int, v any) {
	b, err := xml.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(b)
}
