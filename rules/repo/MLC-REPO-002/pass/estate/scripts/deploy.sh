#!/usr/bin/env bash
set -euo pipefail
az login --service-principal --username "$ARM_CLIENT_ID" --password "$ARM_CLIENT_SECRET" --tenant "$ARM_TENANT_ID"
curl -H "Authorization: Bearer $TOKEN" https://api.example.com/models
docker login -u "$REGISTRY_USER" -p "$(az acr credential show -n mlopsacr --query passwords[0].value -o tsv)"
