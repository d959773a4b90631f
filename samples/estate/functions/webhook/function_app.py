"""The CRM webhook: scores a customer when the CRM posts an update (built for a demo)."""
import json

import azure.functions as func
import mlflow
import pandas as pd

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

# The challenger the data scientist was trying out.
model = mlflow.pyfunc.load_model("models:/churn/4")


@app.route(route="crm/churn", methods=["POST"])
def crm_webhook(req: func.HttpRequest) -> func.HttpResponse:
    frame = pd.DataFrame([req.get_json()])
    return func.HttpResponse(json.dumps({"churn": float(model.predict(frame)[0])}), mimetype="application/json")
