"""Evaluate the model on one split."""
import sys

print("evaluating", sys.argv[1], sys.argv[2])
