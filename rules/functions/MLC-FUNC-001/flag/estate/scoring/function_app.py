"""Churn scoring: HTTP functions in front of the registered champion model."""
import json
import logging

import azure.functions as func
import mlflow
import pandas as pd

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

# Loaded once per worker instance.
model = mlflow.pyfunc.load_model("models:/churn@champion")


@app.route(route="churn/score", methods=["POST"])
def score(req: func.HttpRequest) -> func.HttpResponse:
    frame = pd.DataFrame(req.get_json())
    logging.info("scoring %d rows", len(frame))
    return func.HttpResponse(json.dumps(model.predict(frame).tolist()), mimetype="application/json")
