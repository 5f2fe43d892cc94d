package traffic

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// fakeAliases keeps aliases in a map, answering like Lambda.
type fakeAliases struct {
	aliases map[string]Alias
	err     error // returned by UpdateAlias when set
	calls   []string
}

func (f *fakeAliases) GetAlias(_ context.Context, in *awslambda.GetAliasInput, _ ...func(*awslambda.Options)) (*awslambda.GetAliasOutput, error) {
	a, ok := f.aliases[*in.Name]
	if !ok {
		return nil, &lambdatypes.ResourceNotFoundException{}
	}
	return &awslambda.GetAliasOutput{FunctionVersion: &a.Version, RoutingConfig: &lambdatypes.AliasRoutingConfiguration{AdditionalVersionWeights: a.Weights}}, nil
}

func (f *fakeAliases) UpdateAlias(_ context.Context, in *awslambda.UpdateAliasInput, _ ...func(*awslambda.Options)) (*awslambda.UpdateAliasOutput, error) {
	f.calls = append(f.calls, "update")
	if f.err != nil {
		return nil, f.err
	}
	if _, ok := f.aliases[*in.Name]; !ok {
		return nil, &lambdatypes.ResourceNotFoundException{}
	}
	f.aliases[*in.Name] = Alias{Version: *in.FunctionVersion, Weights: in.RoutingConfig.AdditionalVersionWeights}
	return &awslambda.UpdateAliasOutput{}, nil
}

func (f *fakeAliases) CreateAlias(_ context.Context, in *awslambda.CreateAliasInput, _ ...func(*awslambda.Options)) (*awslambda.CreateAliasOutput, error) {
	f.calls = append(f.calls, "create")
	f.aliases[*in.Name] = Alias{Version: aws.ToString(in.FunctionVersion), Weights: map[string]float64{}}
	return &awslambda.CreateAliasOutput{}, nil
}

func TestPoint(t *testing.T) {
	tests := []struct {
		name      string
		aliases   map[string]Alias
		wantCalls []string
	}{
		{"existing with routing", map[string]Alias{"live": {Version: "3", Weights: map[string]float64{"4": 0.1}}}, []string{"update"}},
		{"missing alias is created", map[string]Alias{}, []string{"update", "create"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeAliases{aliases: tt.aliases}
			if err := Point(context.Background(), f, "orders", "live", "4"); err != nil {
				t.Fatal(err)
			}
			got, err := Get(context.Background(), f, "orders", "live")
			if err != nil {
				t.Fatal(err)
			}
			if got.Version != "4" || len(got.Weights) != 0 {
				t.Errorf("alias = %+v", got)
			}
			if !reflect.DeepEqual(f.calls, tt.wantCalls) {
				t.Errorf("calls = %v, want %v", f.calls, tt.wantCalls)
			}
		})
	}
}

func TestSplit(t *testing.T) {
	f := &fakeAliases{aliases: map[string]Alias{"live": {Version: "3"}}}
	if err := Split(context.Background(), f, "orders", "live", "3", "4", 0.25); err != nil {
		t.Fatal(err)
	}
	got, _ := Get(context.Background(), f, "orders", "live")
	if want := (&Alias{Version: "3", Weights: map[string]float64{"4": 0.25}}); !reflect.DeepEqual(got, want) {
		t.Errorf("alias = %+v, want %+v", got, want)
	}
	for _, w := range []float64{0, 1, -0.5} {
		if err := Split(context.Background(), f, "orders", "live", "3", "4", w); err == nil {
			t.Errorf("Split with weight %v succeeded", w)
		}
	}
}

func TestErrorsKeepTheirCause(t *testing.T) {
	f := &fakeAliases{aliases: map[string]Alias{"live": {Version: "3"}}, err: &lambdatypes.ResourceConflictException{}}
	err := Point(context.Background(), f, "orders", "live", "4")
	var rce *lambdatypes.ResourceConflictException
	if !errors.As(err, &rce) {
		t.Errorf("Point error = %v, want the ResourceConflictException inside", err)
	}
	if a, err := Get(context.Background(), f, "orders", "missing"); a != nil || err != nil {
		t.Errorf("Get(missing) = %v, %v", a, err)
	}
}

func TestPointMissingVersion(t *testing.T) {
	f := &missingVersion{fakeAliases{aliases: map[string]Alias{"live": {Version: "3"}}}}
	err := Point(context.Background(), f, "orders", "live", "9")
	var nf *lambdatypes.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("Point error = %v, want the ResourceNotFoundException of the version", err)
	}
}

// missingVersion answers like Lambda for a version that does not exist.
type missingVersion struct{ fakeAliases }

func (f *missingVersion) UpdateAlias(context.Context, *awslambda.UpdateAliasInput, ...func(*awslambda.Options)) (*awslambda.UpdateAliasOutput, error) {
	return nil, &lambdatypes.ResourceNotFoundException{Message: aws.String("Function not found: orders:9")}
}

func (f *missingVersion) CreateAlias(context.Context, *awslambda.CreateAliasInput, ...func(*awslambda.Options)) (*awslambda.CreateAliasOutput, error) {
	return nil, &lambdatypes.ResourceConflictException{Message: aws.String("Alias already exists")}
}
