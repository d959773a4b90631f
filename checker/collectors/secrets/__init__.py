"""Secrets: where credentials sit in an estate's files (code, notebooks and their outputs,
configuration, DVC and pipeline files, IaC), by type and line, never their values.

- parser: the FileParser (`SecretsParser`, the entry point `checker.collectors.secrets:SecretsParser`);
- detector: detect-secrets behind one prefilter pass, judged by checker.redact;
- notebooks: cell sources and outputs with their .ipynb lines.
"""
from .detector import Detector, Found, detector
from .parser import MAX_RECORDED, MAX_SCAN_BYTES, SecretHit, SecretsParser, decode_text, scan_file

__all__ = ["Detector", "Found", "MAX_RECORDED", "MAX_SCAN_BYTES", "SecretHit", "SecretsParser",
           "decode_text", "detector", "scan_file"]
