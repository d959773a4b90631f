"""Feature store client settings: credentials come from the environment."""
import os

FEATURE_STORE_URL = "https://features.contoso.example"
aws_access_key_id = os.environ["AWS_ACCESS_KEY_ID"]
