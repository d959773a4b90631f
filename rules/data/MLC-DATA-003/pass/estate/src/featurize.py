print("featurize")
