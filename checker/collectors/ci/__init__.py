"""CI definitions: GitHub Actions workflows and composite actions, Azure Pipelines (detected
by content) and GitLab CI, read into one vocabulary (issue 10).

Each system has its parser (github.py, azure.py, gitlab.py); they all build the same
objects (model.py: CiPipeline → CiJob → CiStep) and hand them to `model.emit`, which writes
the `pipeline`, `job` and `step` nodes. What a step's script or task does to ML resources
(`az ml job create -f spec.yml`, `kubectl apply -f k8s/`, `terraform apply`) is read by
commands.py, and each job's purpose (train / evaluate / register / deploy / test) is
inferred from those actions and from names, with the reason kept.
"""
