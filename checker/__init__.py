"""mlcheck: policy-as-code compliance checks across an ML estate (import package `checker`)."""
__version__ = "0.1.0"
