// Package lambdaenv gives a greenlight function, as it starts, what it needs
// from its environment: the AWS configuration and the settings the stack
// hands it as environment variables (the artifact bucket, the configuration,
// the topic). A function that lacks one cannot do any work, so the Must
// functions end the process with a message that names what is missing,
// before lambda.Start and the first invocation.
//
// The names of those variables are the constants below: the stack (package
// infra/greenlight) sets them and the functions read them, so that neither
// spells a name the other does not.
package lambdaenv

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
)

// Environment variables the stack sets for greenlight's functions.
const (
	// BucketVar names the artifact bucket, which also holds the lock
	// records. The stack sets it for every function.
	BucketVar = "GREENLIGHT_BUCKET"
	// ConfigVar holds the configuration (package config) as JSON. The stack
	// sets it for the prepare function only: it is the largest variable,
	// and Lambda caps a function's environment at 4 KB.
	ConfigVar = "GREENLIGHT_CONFIG"
	// TopicARNVar is the ARN of the notification topic. The stack sets it
	// for the notify function.
	TopicARNVar = "GREENLIGHT_TOPIC_ARN"
	// GroupsVar lists the configured groups' names, comma-separated. The
	// stack sets it for the watchdog, which names a group's release that
	// ended before it took its locks by its group, when there are groups.
	GroupsVar = "GREENLIGHT_GROUPS"
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
