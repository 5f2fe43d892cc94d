// Package lambdaenv gives a greenlight function, as it starts, what it needs
// from its environment: the AWS configuration and the settings the stack
// hands it as environment variables (the artifact bucket, the topic). A
// function that lacks one cannot do any work, so the Must functions end
// the process with a message that names what is missing, before
// lambda.Start and the first invocation.
package lambdaenv

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
)

// Get returns the value of the environment variable name, or an error when
// it is unset or empty.
func Get(name string) (string, error) {
	v := os.Getenv(name)
	if v == "" {
		return "", fmt.Errorf("%s is not set", name)
	}
	return v, nil
}

// MustGet is Get that ends the process when the variable is missing.
func MustGet(name string) string {
	v, err := Get(name)
	if err != nil {
		log.Fatal(err)
	}
	return v
}

// MustLoadAWS loads the AWS configuration from the environment, as every
// SDK client of the function shares it, and ends the process when that
// fails.
func MustLoadAWS() aws.Config {
	cfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatalf("load AWS configuration: %v", err)
	}
	return cfg
}
