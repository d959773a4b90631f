"""Churn scoring (function.json model): the registered churn v1."""
import json

import azure.functions as func
import mlflow

model = mlflow.pyfunc.load_model("models:/churn/1")


def main(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(model.predict(req.get_json()).tolist()), mimetype="application/json")
