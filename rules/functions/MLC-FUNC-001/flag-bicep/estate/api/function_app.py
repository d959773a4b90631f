"""Churn scoring API."""
import json

import azure.functions as func
import mlflow

app = func.FunctionApp()


@app.function_name(name="ScoreChurn")
@app.route(route="score", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
def score(req: func.HttpRequest) -> func.HttpResponse:
    model = mlflow.pyfunc.load_model("models:/churn/2")
    return func.HttpResponse(json.dumps(model.predict(req.get_json()).tolist()), mimetype="application/json")
