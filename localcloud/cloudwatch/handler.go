package cloudwatch

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/greenlight/greenlight/localcloud/internal/awserr"
	"github.com/greenlight/greenlight/localcloud/internal/uuid"
)

const (
	serviceID    = "GraniteServiceVersion20100801"
	cborPath     = "/service/" + serviceID + "/operation/"
	shapePrefix  = "com.amazonaws.cloudwatch#"
	maxBodyBytes = 4 << 20
)

// resourcer is implemented by every operation input: it names what the
// request is about (alarm, metric, dashboard) for fault rules.
type resourcer interface{ resource() string }

// operation is one API operation, independent of the wire protocol.
type operation struct {
	input func() resourcer
	run   func(s *Service, ctx context.Context, in resourcer) (any, error)
}

func op[I any, P interface {
	*I
	resourcer
}, O any](f func(*Service, context.Context, P) (*O, error)) operation {
	return operation{
		input: func() resourcer { return P(new(I)) },
		run: func(s *Service, ctx context.Context, in resourcer) (any, error) {
			out, err := f(s, ctx, in.(P))
			if err != nil {
				return nil, err
			}
			return out, nil
		},
	}
}

var operations = map[string]operation{
	"PutMetricData":           op((*Service).putMetricData),
	"GetMetricStatistics":     op((*Service).getMetricStatistics),
	"GetMetricData":           op((*Service).getMetricData),
	"ListMetrics":             op((*Service).listMetrics),
	"PutMetricAlarm":          op((*Service).putMetricAlarm),
	"DescribeAlarms":          op((*Service).describeAlarms),
	"DescribeAlarmsForMetric": op((*Service).describeAlarmsForMetric),
	"SetAlarmState":           op((*Service).setAlarmState),
	"DeleteAlarms":            op((*Service).deleteAlarms),
	"EnableAlarmActions":      op((*Service).enableAlarmActions),
	"DisableAlarmActions":     op((*Service).disableAlarmActions),
	"PutDashboard":            op((*Service).putDashboard),
	"GetDashboard":            op((*Service).getDashboard),
	"ListDashboards":          op((*Service).listDashboards),
	"DeleteDashboards":        op((*Service).deleteDashboards),
}

// protocol decodes requests and encodes responses in one wire protocol.
type protocol interface {
	decode(in any) error
	writeResult(w http.ResponseWriter, operation, requestID string, out any)
	writeError(w http.ResponseWriter, operation, requestID string, e *awserr.Error)
}

// ServeHTTP answers a CloudWatch API request in the protocol it came in:
// RPCv2 CBOR (path /service/GraniteServiceVersion20100801/operation/<Op>),
// awsJson1.0 (X-Amz-Target header) or query (Action form parameter).
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := uuid.New()
	body, err := readBody(w, r)
	var p protocol
	var name string
	switch {
	case strings.HasPrefix(r.URL.Path, cborPath):
		name = strings.TrimPrefix(r.URL.Path, cborPath)
		p = cborProtocol{body: body}
	case r.Header.Get("X-Amz-Target") != "":
		var ok bool
		name, ok = strings.CutPrefix(r.Header.Get("X-Amz-Target"), serviceID+".")
		if !ok {
			name = r.Header.Get("X-Amz-Target")
		}
		p = jsonProtocol{body: body}
	default:
		qp, qerr := newQueryProtocol(r, body)
		if err == nil {
			err = qerr
		}
		name, p = qp.values.Get("Action"), qp
	}
	if err != nil {
		p.writeError(w, name, requestID, apiErr(codeMalformed, "could not read the request: "+err.Error()))
		return
	}
	out, aerr := s.call(r.Context(), p, name)
	if aerr != nil {
		if aerr.ServerSide() {
			s.log.Error("operation failed", "operation", name, "err", aerr)
		}
		p.writeError(w, name, requestID, aerr)
		return
	}
	p.writeResult(w, name, requestID, out)
}

// call decodes the input of the named operation, consults the fault
// injector and runs the operation.
func (s *Service) call(ctx context.Context, p protocol, name string) (any, *awserr.Error) {
	o, ok := operations[name]
	if !ok {
		if name == "" {
			return nil, apiErr(codeMissingParam, "The request names no operation (Action).")
		}
		return nil, apiErr(codeInvalidAction, "The operation "+name+" is not supported by the local CloudWatch.")
	}
	in := o.input()
	if err := p.decode(in); err != nil {
		return nil, apiErr(codeMalformed, fmt.Sprintf("could not decode the %s request: %v", name, err))
	}
	if err := s.faults.Check(ctx, signingName, name, in.resource()); err != nil {
		return nil, asAPIError(err)
	}
	out, err := o.run(s, ctx, in)
	if err != nil {
		return nil, asAPIError(err)
	}
	return out, nil
}

// readBody reads the request body, inflating it when the client compressed
// it (the SDKs gzip PutMetricData).
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	var body io.Reader = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	if strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(body)
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		body = io.LimitReader(zr, 4*maxBodyBytes)
	}
	return io.ReadAll(body)
}
