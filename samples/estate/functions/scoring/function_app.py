"""The churn scoring API the CRM backend calls (behind Entra ID, on a private endpoint)."""
import json

import azure.functions as func
import mlflow
import pandas as pd

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)

model = mlflow.pyfunc.load_model("models:/churn@baseline")


@app.route(route="churn/score", methods=["POST"])
def score(req: func.HttpRequest) -> func.HttpResponse:
    frame = pd.DataFrame(req.get_json())
    return func.HttpResponse(json.dumps(model.predict(frame).tolist()), mimetype="application/json")
