"""Feature store client settings."""
FEATURE_STORE_URL = "https://features.contoso.example"
aws_access_key_id = "AKIAZ4SAMPLE7EXAMPLE"
aws_secret_access_key = "q8Vt4Kd9rW2mZp7LxN3yB6cF1hJ5sG0aE8uT4iOw"
