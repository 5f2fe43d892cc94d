# A Terraform configuration that creates a Lambda function, shop-orders, and
# hands it to greenlight: greenlight's targets select it by its tag
# (greenlight=managed), and from its first release on greenlight owns the
# function's code, the configuration it publishes, its published versions
# and its aliases (live and green).
#
# What Terraform must not manage afterwards:
# - the code and the configuration greenlight releases: ignore_changes below,
#   so that `terraform apply` puts neither the placeholder code nor the
#   configuration Terraform knows back on $LATEST after a release;
# - versions: publish = false (Terraform would publish versions of code no
#   release tested);
# - aliases: no aws_lambda_alias for live or green. greenlight's first
#   release creates both. Callers that Terraform wires (permissions,
#   integrations, event source mappings) use the live alias, read with the
#   data source below once that release is done.

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

variable "placeholder_zip" {
  description = "The code the function starts with: a zip of ../placeholder (see ../README.md). Only read when the function is created."
  type        = string
  default     = "placeholder.zip"
}

variable "released" {
  description = "Set to true once greenlight's first release has created the live alias."
  type        = bool
  default     = false
}

resource "aws_iam_role" "orders" {
  name = "shop-orders"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "orders_logs" {
  role       = aws_iam_role.orders.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

resource "aws_lambda_function" "orders" {
  function_name = "shop-orders"
  role          = aws_iam_role.orders.arn
  package_type  = "Zip"
  runtime       = "provided.al2023"
  architectures = ["arm64"]
  handler       = "bootstrap"

  # The code and configuration the function starts with. After the
  # hand-off, greenlight releases both (see lifecycle). No
  # source_code_hash: Terraform reads the zip only to create the function.
  filename    = var.placeholder_zip
  memory_size = 256
  timeout     = 10
  environment {
    variables = {
      ORDERS_TABLE = "orders"
    }
  }

  # greenlight publishes the versions.
  publish = false

  # The tag greenlight's targets select. Removing it takes the function
  # away from greenlight.
  tags = {
    greenlight = "managed"
  }

  lifecycle {
    # What greenlight changes on $LATEST before it publishes a version:
    # - the code (filename, s3_bucket, s3_key, s3_object_version,
    #   source_code_hash): every release uploads new code from its
    #   artifact;
    # - the configuration a release carries (environment, memory_size,
    #   timeout, ephemeral_storage, layers, handler, runtime,
    #   logging_config): a release publishes blue's configuration with its
    #   change, so change these with a release, not here.
    # Everything else (role, VPC, architectures, tags, ...) stays
    # Terraform's; the next release publishes it with its version.
    ignore_changes = [
      filename,
      s3_bucket,
      s3_key,
      s3_object_version,
      source_code_hash,
      environment,
      memory_size,
      timeout,
      ephemeral_storage,
      layers,
      handler,
      runtime,
      logging_config,
    ]
  }
}

# The live alias, once greenlight's first release has created it: read, never
# managed. Wire callers to data.aws_lambda_alias.live[0].arn (and
# invoke_arn), e.g. an aws_lambda_permission with qualifier = "live".
data "aws_lambda_alias" "live" {
  count         = var.released ? 1 : 0
  function_name = aws_lambda_function.orders.function_name
  name          = "live"
}

output "orders_live_alias_arn" {
  description = "The alias callers invoke; greenlight's first release creates it."
  value       = "${aws_lambda_function.orders.arn}:live"
}
