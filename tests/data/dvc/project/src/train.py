"""Train the model."""
import sys

print("training on", sys.argv[1])
