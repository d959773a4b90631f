"""Churn scoring: the model behind a function key; an anonymous health probe."""
import json

import azure.functions as func
import mlflow

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="health", methods=["GET"])
def health(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("ok")


@app.route(route="churn/score", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
def score(req: func.HttpRequest) -> func.HttpResponse:
    model = mlflow.pyfunc.load_model("models:/churn/2")
    return func.HttpResponse(json.dumps(model.predict(req.get_json()).tolist()), mimetype="application/json")
