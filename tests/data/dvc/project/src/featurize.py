"""Turn prepared text into features."""
import sys

print("featurizing", sys.argv[1], "->", sys.argv[2])
