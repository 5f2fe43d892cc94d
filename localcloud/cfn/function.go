package cfn

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

type functionProps struct {
	FunctionName  string
	Role          string
	Runtime       string
	Handler       string
	Description   string
	Architectures []string
	MemorySize    *number
	Timeout       *number
	Environment   *struct {
		Variables map[string]text
	}
	EphemeralStorage *struct{ Size *number }
	Code             struct {
		ZipFile         string
		S3Bucket        string
		S3Key           string
		S3ObjectVersion string
		ImageUri        string
	}
}

// prepareFunction reads the function's code: the cdk.out asset folder named
// by the aws:asset:path metadata (zipped here), an inline Code.ZipFile, or an
// S3 object that the Lambda service fetches itself.
func prepareFunction(r *request) error {
	var p functionProps
	if err := decode(r.props, &p); err != nil {
		return err
	}
	assetPath, _ := r.metadata["aws:asset:path"].(string)
	if prop, _ := r.metadata["aws:asset:property"].(string); prop != "" && prop != "Code" {
		assetPath = ""
	}
	switch {
	case assetPath != "":
		// cdk synth stages every asset in the assembly as asset.<hash>;
		// anything else is refused rather than zipped from wherever it is.
		if !filepath.IsLocal(assetPath) {
			return fmt.Errorf("code asset %q: want a path inside the cloud assembly", assetPath)
		}
		if r.assetDir == "" {
			return fmt.Errorf("code asset %s: no cloud assembly directory to find it in", assetPath)
		}
		code, err := readAsset(filepath.Join(r.assetDir, assetPath))
		if err != nil {
			return fmt.Errorf("code asset: %w", err)
		}
		r.code = code
	case p.Code.ZipFile != "":
		code, err := zipInline(p.Runtime, p.Code.ZipFile)
		if err != nil {
			return err
		}
		r.code = code
	case p.Code.ImageUri != "":
		return &UnsupportedError{Kind: "property", Name: "Code.ImageUri (container image functions)"}
	case p.Code.S3Bucket != "" && p.Code.S3Key != "":
		r.extraDigest = []byte(p.Code.S3Bucket + "/" + p.Code.S3Key + "?" + p.Code.S3ObjectVersion)
		return nil
	default:
		return fmt.Errorf("property Code: want ZipFile, S3Bucket and S3Key, or an aws:asset:path metadata")
	}
	sum := sha256.Sum256(r.code)
	r.extraDigest = sum[:]
	return nil
}

// readAsset zips an asset folder, or reads an asset that is a zip already.
func readAsset(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return zipDir(path)
	}
	if strings.HasSuffix(path, ".zip") || strings.HasSuffix(path, ".jar") {
		return os.ReadFile(path)
	}
	return nil, fmt.Errorf("%s is neither a folder nor a zip file", path)
}

func (p *functionProps) code(r *request) *lambdatypes.FunctionCode {
	if r.code != nil {
		return &lambdatypes.FunctionCode{ZipFile: r.code}
	}
	return &lambdatypes.FunctionCode{S3Bucket: &p.Code.S3Bucket, S3Key: &p.Code.S3Key, S3ObjectVersion: strp(p.Code.S3ObjectVersion)}
}

func (p *functionProps) environment() *lambdatypes.Environment {
	vars := map[string]string{}
	if p.Environment != nil {
		for k, v := range p.Environment.Variables {
			vars[k] = string(v)
		}
	}
	return &lambdatypes.Environment{Variables: vars}
}

func (p *functionProps) architectures() []lambdatypes.Architecture {
	var out []lambdatypes.Architecture
	for _, a := range p.Architectures {
		out = append(out, lambdatypes.Architecture(a))
	}
	return out
}

func (p *functionProps) ephemeralStorage() *lambdatypes.EphemeralStorage {
	if p.EphemeralStorage == nil || p.EphemeralStorage.Size == nil {
		return nil
	}
	return &lambdatypes.EphemeralStorage{Size: int32p(p.EphemeralStorage.Size)}
}

func applyFunction(ctx context.Context, a *Applier, r *request) (string, map[string]string, error) {
	var p functionProps
	if err := decode(r.props, &p); err != nil {
		return "", nil, err
	}
	if p.Role == "" {
		return "", nil, fmt.Errorf("property Role is required")
	}
	name := r.name(p.FunctionName, "Name", 64, false)
	var arn *string
	if r.prev == nil || r.prev.PhysicalID != name {
		out, err := a.Lambda.CreateFunction(ctx, &lambda.CreateFunctionInput{
			FunctionName:     &name,
			Role:             &p.Role,
			Runtime:          lambdatypes.Runtime(p.Runtime),
			Handler:          strp(p.Handler),
			Description:      strp(p.Description),
			Architectures:    p.architectures(),
			MemorySize:       int32p(p.MemorySize),
			Timeout:          int32p(p.Timeout),
			Environment:      p.environment(),
			EphemeralStorage: p.ephemeralStorage(),
			Code:             p.code(r),
		})
		if err != nil {
			return "", nil, fmt.Errorf("create function %s: %w", name, err)
		}
		arn = out.FunctionArn
		w := lambda.NewFunctionActiveV2Waiter(a.Lambda, func(o *lambda.FunctionActiveV2WaiterOptions) {
			o.MinDelay, o.MaxDelay = a.waitPoll(), a.waitPoll()
		})
		if err := w.Wait(ctx, &lambda.GetFunctionInput{FunctionName: &name}, functionWait); err != nil {
			return "", nil, fmt.Errorf("wait for function %s to be active: %w", name, err)
		}
	} else {
		out, err := a.Lambda.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{
			FunctionName:     &name,
			Role:             &p.Role,
			Runtime:          lambdatypes.Runtime(p.Runtime),
			Handler:          strp(p.Handler),
			Description:      strp(p.Description),
			MemorySize:       int32p(p.MemorySize),
			Timeout:          int32p(p.Timeout),
			Environment:      p.environment(),
			EphemeralStorage: p.ephemeralStorage(),
		})
		if err != nil {
			return "", nil, fmt.Errorf("update configuration of function %s: %w", name, err)
		}
		arn = out.FunctionArn
		if err := a.waitUpdated(ctx, name); err != nil {
			return "", nil, err
		}
		code := p.code(r)
		if _, err := a.Lambda.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{
			FunctionName:    &name,
			ZipFile:         code.ZipFile,
			S3Bucket:        code.S3Bucket,
			S3Key:           code.S3Key,
			S3ObjectVersion: code.S3ObjectVersion,
			Architectures:   p.architectures(),
		}); err != nil {
			return "", nil, fmt.Errorf("update code of function %s: %w", name, err)
		}
		if err := a.waitUpdated(ctx, name); err != nil {
			return "", nil, err
		}
	}
	attrs := map[string]string{"Name": name, "Arn": a.arn("lambda", "function:"+name)}
	if arn != nil && *arn != "" {
		attrs["Arn"] = *arn
	}
	return name, attrs, nil
}

// functionWait bounds how long a function may take to become ready.
const functionWait = 5 * time.Minute

func (a *Applier) waitPoll() time.Duration {
	if a.WaitPoll <= 0 {
		return time.Second
	}
	return a.WaitPoll
}

func (a *Applier) waitUpdated(ctx context.Context, name string) error {
	w := lambda.NewFunctionUpdatedV2Waiter(a.Lambda, func(o *lambda.FunctionUpdatedV2WaiterOptions) {
		o.MinDelay, o.MaxDelay = a.waitPoll(), a.waitPoll()
	})
	if err := w.Wait(ctx, &lambda.GetFunctionInput{FunctionName: &name}, functionWait); err != nil {
		return fmt.Errorf("wait for update of function %s: %w", name, err)
	}
	return nil
}

func removeFunction(ctx context.Context, a *Applier, r *Resource) error {
	_, err := a.Lambda.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: &r.PhysicalID})
	return ignoreNotFound(err)
}

type permissionProps struct {
	FunctionName     string
	Action           string
	Principal        string
	SourceArn        string
	SourceAccount    string
	EventSourceToken string
	PrincipalOrgID   string
}

func applyPermission(ctx context.Context, a *Applier, r *request) (string, map[string]string, error) {
	var p permissionProps
	if err := decode(r.props, &p); err != nil {
		return "", nil, err
	}
	if p.FunctionName == "" || p.Action == "" || p.Principal == "" {
		return "", nil, fmt.Errorf("FunctionName, Action and Principal are required")
	}
	id := physicalName(r.stack, r.logicalID, 100, false)
	if r.prev != nil {
		id = r.prev.PhysicalID
		if err := removePermission(ctx, a, r.prev); err != nil {
			return "", nil, fmt.Errorf("remove the old permission: %w", err)
		}
	}
	_, err := a.Lambda.AddPermission(ctx, &lambda.AddPermissionInput{
		FunctionName:     &p.FunctionName,
		StatementId:      &id,
		Action:           &p.Action,
		Principal:        &p.Principal,
		SourceArn:        strp(p.SourceArn),
		SourceAccount:    strp(p.SourceAccount),
		EventSourceToken: strp(p.EventSourceToken),
		PrincipalOrgID:   strp(p.PrincipalOrgID),
	})
	if err != nil {
		return "", nil, fmt.Errorf("add permission to %s: %w", p.FunctionName, err)
	}
	return id, nil, nil
}

func removePermission(ctx context.Context, a *Applier, r *Resource) error {
	var p permissionProps
	if err := decode(r.Properties, &p); err != nil {
		return err
	}
	_, err := a.Lambda.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: &p.FunctionName, StatementId: &r.PhysicalID})
	return ignoreNotFound(err)
}
