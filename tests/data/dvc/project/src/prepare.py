"""Split the raw data into train and test sets."""
import sys

print("preparing", sys.argv[1])
