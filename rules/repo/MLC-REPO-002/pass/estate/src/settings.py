"""Credentials come from the environment and the workspace Key Vault."""
import getpass
import os

api_key = os.environ["SCORING_API_KEY"]
password = getpass.getpass("database password: ")
storage_key = ws.get_default_keyvault().get_secret(name="storage-account-key")
client_secret = dbutils.secrets.get(scope="kv-mlops", key="sp-client-secret")
token = "${{ secrets.HF_TOKEN }}"
secret_name = "scoring-api-key"
DATA_MD5 = "7c1f0b3d9b2e4c56a1d2e3f405162738"
MODEL_SHA256 = "3f2a9c4e1b7d6a5f8e0c2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a"
PEM_HEADER = "-----BEGIN RSA PRIVATE KEY-----"
