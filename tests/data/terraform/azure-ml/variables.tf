variable "prefix" {
  type        = string
  description = "Prefix of every resource name"
  default     = "mlops"
}

variable "environment" {
  type    = string
  default = "dev"
}

variable "location" {
  type    = string
  default = "westeurope"
}

variable "compute_subnet_id" {
  type        = string
  description = "Subnet of the training cluster; no default: set per environment"
}

variable "instances" {
  type = map(object({ vm_size = string }))
  default = {
    alice = { vm_size = "Standard_DS3_v2" }
    bob   = { vm_size = "Standard_NC6s_v3" }
  }
}
