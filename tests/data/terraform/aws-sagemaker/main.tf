provider "aws" {
  region = "eu-west-1"
}

variable "vpc_id" {
  type = string
}

resource "aws_sagemaker_domain" "studio" {
  domain_name = "ml-studio"
  auth_mode   = "IAM"
  vpc_id      = var.vpc_id
  subnet_ids  = [aws_subnet.private.id]

  default_user_settings {
    execution_role = aws_iam_role.sagemaker.arn
  }
}

resource "aws_sagemaker_domain" "locked" {
  domain_name             = "ml-studio-vpc"
  auth_mode               = "IAM"
  vpc_id                  = var.vpc_id
  subnet_ids              = [aws_subnet.private.id]
  app_network_access_type = "VpcOnly"

  default_user_settings {
    execution_role = aws_iam_role.sagemaker.arn
  }
}

resource "aws_sagemaker_notebook_instance" "research" {
  name          = "research-notebook"
  role_arn      = aws_iam_role.sagemaker.arn
  instance_type = "ml.t3.medium"
}

resource "aws_sagemaker_notebook_instance" "isolated" {
  name                   = "isolated-notebook"
  role_arn               = aws_iam_role.sagemaker.arn
  instance_type          = "ml.t3.medium"
  subnet_id              = aws_subnet.private.id
  security_groups        = [aws_security_group.notebook.id]
  direct_internet_access = "Disabled"
  root_access            = "Disabled"
}

resource "aws_eks_cluster" "serving" {
  name     = "model-serving"
  role_arn = aws_iam_role.eks.arn

  vpc_config {
    subnet_ids = [aws_subnet.private.id]
  }
}

resource "aws_subnet" "private" {
  vpc_id     = var.vpc_id
  cidr_block = "10.0.1.0/24"
}

resource "aws_security_group" "notebook" {
  name   = "notebook"
  vpc_id = var.vpc_id
}

resource "aws_iam_role" "sagemaker" {
  name = "sagemaker-execution"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Action    = "sts:AssumeRole"
      Effect    = "Allow"
      Principal = { Service = "sagemaker.amazonaws.com" }
    }]
  })
}

resource "aws_iam_role" "eks" {
  name               = "eks-cluster"
  assume_role_policy = "{}"
}
