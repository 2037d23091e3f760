provider "aws" {
  region     = "eu-west-1"
  access_key = "AKIA4UILPKDODTVBNCZK"
  secret_key = "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"
}

variable "db_password" {
  type      = string
  sensitive = true
  default   = "XN5Fac!iX5sqWyfYxd"
}

resource "aws_db_instance" "orders" {
  identifier = "orders"
  password   = var.db_password
  username   = "orders"
}
