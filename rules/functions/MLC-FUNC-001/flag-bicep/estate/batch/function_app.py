"""Nightly batch scoring: a timer, no HTTP."""
import logging

import azure.functions as func

app = func.FunctionApp()


@app.schedule(schedule="0 0 2 * * *", arg_name="timer", run_on_startup=False)
def nightly(timer: func.TimerRequest) -> None:
    logging.info("batch scoring started")
