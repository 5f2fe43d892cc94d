// Package iac holds the examples of handing a Lambda function created by an
// infrastructure-as-code tool to greenlight: a CDK app (cdk/), a SAM
// template (sam/) and a Terraform configuration (terraform/), with the
// placeholder code they create the function with (placeholder/). Its tests
// read the SAM template and the Terraform configuration and fail when they
// would manage what greenlight owns; cdk/ synthesizes its app in its own
// test. README.md says what each tool must leave to greenlight, and why.
package iac
