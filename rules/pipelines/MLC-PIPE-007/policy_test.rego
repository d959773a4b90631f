package mlcheck.rules.pipe_007_test

import data.mlcheck.rules.pipe_007
import rego.v1

step(attrs) := {"kind": "step", "attrs": object.union({"system": "azure_pipelines", "index": 0, "line": 10, "name": "s"}, attrs)}

flagged(attrs) := [f.how | some item in pipe_007.unsafe_secrets with input.nodes as {"s": step(attrs)}; some f in item.evidence.facts.findings]

test_azure_setvariable_of_a_secret_without_issecret if {
	flagged({"run": "echo \"##vso[task.setvariable variable=dbPassword]$(kvPassword)\"", "run_line": 11}) == ["sets a pipeline variable from a secret without issecret=true"]
}

test_azure_setvariable_with_issecret_passes if {
	flagged({"run": "echo \"##vso[task.setvariable variable=dbPassword;issecret=true]$(kvPassword)\""}) == []
}

test_azure_setvariable_named_like_a_secret if {
	flagged({"run": "echo \"##vso[task.setvariable variable=apiToken]$TOKEN_FROM_VAULT\""}) == ["sets a pipeline variable from a secret without issecret=true"]
}

test_azure_echo_file_and_command_line_with_lines if {
	items := pipe_007.unsafe_secrets with input.nodes as {"s": step({"run": "echo $(sqlPassword)\necho $(storageKey) > key.txt\naz login -p $(clientSecret)\necho $(keyVaultName)", "run_line": 20})}
	some item in items
	item.evidence.facts.findings == [
		{"line": 20, "how": "echoes a secret to the log"},
		{"line": 21, "how": "writes a secret to a file"},
		{"line": 22, "how": "passes a secret on the command line"},
	]
	contains(item.message, "s: echoes a secret to the log (line 20)")
}

test_output_discarded_to_dev_null_is_not_a_file if {
	flagged({"run": "id=$(python tool.py --token $(databricksToken) 2>&1 >/dev/null)"}) == ["passes a secret on the command line"]
	flagged({"run": "tool --key $(storageKey) > $null"}) == ["passes a secret on the command line"]
	flagged({"system": "gitlab_ci", "run": "./warm.sh --token \"$KUBE_TOKEN\" > /dev/null 2>&1"}) == []
	flagged({"system": "gitlab_ci", "run": "echo $KUBE_TOKEN >/dev/null; echo $KUBE_TOKEN > token.txt"}) == ["writes a secret to a file"]
}

test_azure_task_arguments if {
	flagged({"task": "PythonScript@0", "inputs": {"arguments": "--password $(dbPassword)", "scriptPath": "x.py"}}) == ["passes a secret on the command line"]
}

test_azure_env_mapping_passes if {
	flagged({"run": "python deploy.py", "inputs": {}, "env": {"DB_PASSWORD": "$(dbPassword)"}}) == []
}

test_github_secret_in_run_and_echo if {
	flagged({"system": "github_actions", "run": "echo ${{ secrets.AZURE_CLIENT_SECRET }}"}) == ["echoes a secret to the log"]
	flagged({"system": "github_actions", "run": "curl -H \"Authorization: Bearer ${{ secrets.API_TOKEN }}\" https://x"}) == ["passes a secret on the command line"]
	flagged({"system": "github_actions", "run": "echo \"$API_TOKEN\" | docker login --password-stdin"}) == []
	flagged({"system": "github_actions", "run": "echo \"${{ secrets.API_TOKEN }}\" | docker login --password-stdin"}) == ["passes a secret on the command line"]
}

test_github_secret_through_env_passes if {
	flagged({"system": "github_actions", "run": "python deploy.py --token-from-env"}) == []
}

test_github_azure_login_creds if {
	flagged({"system": "github_actions", "uses": {"target": "Azure/login", "kind": "tag"}, "inputs": {"creds": "${{ secrets.AZURE_CREDENTIALS }}"}}) == ["logs in to Azure with a long-lived service principal secret (creds:) where OIDC federation (client-id, tenant-id, id-token: write) needs none"]
	flagged({"system": "github_actions", "uses": {"target": "azure/login", "kind": "tag"}, "inputs": {"client-id": "${{ secrets.AZURE_CLIENT_ID }}", "tenant-id": "t"}}) == []
}

test_github_gcp_key_and_aws_access_keys if {
	flagged({"system": "github_actions", "uses": {"target": "google-github-actions/auth", "kind": "tag"}, "inputs": {"credentials_json": "${{ secrets.GCP_SA_KEY }}"}}) == ["logs in to Google Cloud with a long-lived service account key (credentials_json:) where Workload Identity Federation (workload_identity_provider, id-token: write) needs none"]
	flagged({"system": "github_actions", "uses": {"target": "aws-actions/configure-aws-credentials", "kind": "tag"}, "inputs": {"aws-access-key-id": "${{ secrets.AWS_ACCESS_KEY_ID }}", "aws-secret-access-key": "${{ secrets.AWS_SECRET_ACCESS_KEY }}"}}) == ["logs in to AWS with long-lived access keys (aws-access-key-id:) where OIDC federation (role-to-assume, id-token: write) needs none"]
	flagged({"system": "github_actions", "uses": {"target": "google-github-actions/auth", "kind": "sha"}, "inputs": {"workload_identity_provider": "projects/1/locations/global/workloadIdentityPools/p/providers/gh"}}) == []
	flagged({"system": "github_actions", "uses": {"target": "google-github-actions/setup-gcloud", "kind": "tag"}, "inputs": {"service_account_key": "${{ secrets.GCP_SA_KEY }}", "export_default_credentials": true}}) == ["logs in to Google Cloud with a long-lived service account key (setup-gcloud's service_account_key:) where Workload Identity Federation (google-github-actions/auth with workload_identity_provider, id-token: write) needs none"]
	flagged({"system": "github_actions", "uses": {"target": "google-github-actions/setup-gcloud", "kind": "tag"}, "inputs": {"version": "latest"}}) == []
	flagged({"system": "github_actions", "uses": {"target": "aws-actions/configure-aws-credentials", "kind": "sha"}, "inputs": {"role-to-assume": "arn:aws:iam::1:role/ci"}}) == []
}

test_gitlab_echo_of_a_secret_variable_only if {
	flagged({"system": "gitlab_ci", "run": "echo $SECRET_VAR\ncurl -u user:$DEPLOY_TOKEN https://x\necho ${REGISTRY_PASSWORD} >> .npmrc"}) == ["echoes a secret to the log", "writes a secret to a file"]
}

test_names_that_only_look_like_secrets_pass if {
	flagged({"run": "echo $(tokenizerPath)\necho \"cwd: $(pwd)\" > where.txt\naz keyvault show -n $(keyVaultName)"}) == []
	flagged({"run": "echo \"##vso[task.setvariable variable=tokenizerPath]$(Build.SourcesDirectory)/tok\""}) == []
	flagged({"run": "git clone https://build:$(System.AccessToken)@dev.azure.com/org/p/_git/r"}) == ["passes a secret on the command line"]
	flagged({"system": "gitlab_ci", "run": "echo $TOKEN"}) == ["echoes a secret to the log"]
}

test_an_included_templates_own_step_is_judged_in_its_callers if {
	flagged({"run": "echo $(dbPassword)", "included": true}) == []
	flagged({"run": "echo $(dbPassword)", "defined_in": "t/steps.yml"}) == ["echoes a secret to the log"]
}

test_comments_and_redirects_of_other_text_pass if {
	flagged({"run": "# echo $(password)\nmake build > build.log 2>&1"}) == []
}

test_a_service_connection_with_a_secret_is_flagged_and_federation_is_not if {
	step := {"kind": "step", "attrs": {"system": "azure_pipelines", "name": "Deploy endpoint", "index": 2, "line": 48,
		"task": "AzureCLI@2", "inputs": {"azureSubscription": "arm-ml-prod"},
		"service_connection_auth": [{"name": "arm-ml-prod", "node": "c", "auth_scheme": "service_principal"}]}}
	items := pipe_007.unsafe_secrets with input.nodes as {"s": step}
	some i in items
	contains(i.message, "signs in through service connection arm-ml-prod, which authenticates with a service principal secret")
	federated := json.patch(step, [{"op": "replace", "path": "/attrs/service_connection_auth/0/auth_scheme", "value": "workload_identity_federation"}])
	count(pipe_007.unsafe_secrets) == 0 with input.nodes as {"s": federated}
}
