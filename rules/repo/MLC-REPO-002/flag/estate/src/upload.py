import boto3

s3 = boto3.client(
    "s3",
    aws_access_key_id="AKIANIF6UYTN0U2X4PFF",
    aws_secret_access_key="cSjDQYDFbBx2JWBl20ygGFXMGKydd81s4Hg2L7Rg",
)
