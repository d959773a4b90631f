{
  "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
  "verificationMaterial": {
    "publicKey": {
      "hint": "model-signing.pub"
    },
    "tlogEntries": []
  },
  "dsseEnvelope": {
    "payload": "ewogICJfdHlwZSI6ICJodHRwczovL2luLXRvdG8uaW8vU3RhdGVtZW50L3YxIiwKICAic3ViamVjdCI6IFsKICAgIHsKICAgICAgIm5hbWUiOiAibW9kZWwiLAogICAgICAiZGlnZXN0IjogewogICAgICAgICJzaGEyNTYiOiAiZTQ4YWQzMTA1MmE2YmJkYTE3YzI1YzQwYTVmOWVhZDQ0MmEyYjg4MzZhYWJjYTI0MGI3NGRhODE0NmQxMjI5YyIKICAgICAgfQogICAgfQogIF0sCiAgInByZWRpY2F0ZVR5cGUiOiAiaHR0cHM6Ly9tb2RlbF9zaWduaW5nL3NpZ25hdHVyZS92MS4wIiwKICAicHJlZGljYXRlIjogewogICAgInNlcmlhbGl6YXRpb24iOiB7CiAgICAgICJtZXRob2QiOiAiZmlsZXMiLAogICAgICAiaGFzaF90eXBlIjogInNoYTI1NiIsCiAgICAgICJhbGxvd19zeW1saW5rcyI6IGZhbHNlCiAgICB9LAogICAgInJlc291cmNlcyI6IFsKICAgICAgewogICAgICAgICJuYW1lIjogIk1MbW9kZWwiLAogICAgICAgICJhbGdvcml0aG0iOiAic2hhMjU2IiwKICAgICAgICAiZGlnZXN0IjogIjdlZWNhMzMwZTcyMTA1NzE1ZTU0YzIwYmJjMTEzYzExMzExODk4YWU2Yjg1OTAwZmJiYWYxMWEzNDg3NzVhZjYiCiAgICAgIH0sCiAgICAgIHsKICAgICAgICAibmFtZSI6ICJkYXRhL21vZGVsLnNhZmV0ZW5zb3JzIiwKICAgICAgICAiYWxnb3JpdGhtIjogInNoYTI1NiIsCiAgICAgICAgImRpZ2VzdCI6ICIzMDRkMDlkMzBmMmI0OWQ0NTE5OGZmZDI5ZWRkNTNkZWUwZjhjM2FmZWY4YjY1ZGQzMWIyODE0Zjg4YmMxZTMwIgogICAgICB9CiAgICBdCiAgfQp9",
    "payloadType": "application/vnd.in-toto+json",
    "signatures": [
      {
        "sig": "MEUCIQDNm9AWmp756W7QTqpytGAEk3cFfKi+3ehvCuU7rUv3rgIgCxXQjYiS9CxTjVGTesTZE3OIwOYLq/tNFfWs6qvE4yM=",
        "keyid": ""
      }
    ]
  }
}
