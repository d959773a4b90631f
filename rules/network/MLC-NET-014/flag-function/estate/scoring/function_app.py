"""Churn scoring over HTTP: the registered churn v1, for any caller."""
import json

import azure.functions as func
import mlflow

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

model = mlflow.pyfunc.load_model("models:/churn/1")


@app.route(route="score", methods=["POST"])
def score(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(model.predict(req.get_json()).tolist()), mimetype="application/json")
