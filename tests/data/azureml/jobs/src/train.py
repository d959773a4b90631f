"""Train the churn model."""
import argparse

parser = argparse.ArgumentParser()
parser.add_argument("--training")
print(parser.parse_known_args())
