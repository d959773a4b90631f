# MLC-PIPE-007: a CI step echoes a secret, writes it to a file, sets an unmasked Azure
# variable from it, puts it into script text or on a command line, or logs in to Azure with
# a long-lived secret where OIDC federation is available. One finding per step, naming
# each line and what happens there.
package mlcheck.rules.pipe_007

import rego.v1

# Azure task inputs whose text is a script or a command line.
script_inputs := {"inlinescript": false, "script": false, "inline": false, "arguments": true, "scriptarguments": true}

# Names that say secret: one of these words anywhere, or a name ending in key, token or pwd
# (storageKey, System.AccessToken, dbPwd; not tokenizerPath, keyVaultName, nor bash's $(pwd)).
secret_word := `(password|passwd|secret|api_?key|credential|creds|connection_?string)`

azure_ref := concat("", [`(?i)\$\(([A-Za-z0-9_.-]*`, secret_word, `[A-Za-z0-9_.-]*|[A-Za-z0-9_.-]*(key|token)|[A-Za-z0-9_.-]+pwd)\)`])

shell_ref := concat("", [`(?i)\$(env:)?\{?([A-Za-z0-9_]*`, secret_word, `[A-Za-z0-9_]*|[A-Za-z0-9_]*(key|token)|[A-Za-z0-9_]+pwd)(\}|\b)`])

github_ref := `\$\{\{\s*secrets\.[A-Za-z0-9_-]+\s*\}\}`

echo_command := `(?i)(^|[;&|(]|\s)(echo|printf|write-host|write-output|write-verbose|print)(\s|\(|$)`

# `echo "$TOKEN" | docker login --password-stdin`: piped to a command, not to the log.
piped_echo := `(?i)(echo|printf|write-output)\b[^|]*\|[^|]`

file_write := `(?i)((^|[^0-9&>=-])>{1,2}\s*[^&\s>]|\btee\b|out-file|set-content|add-content)`

# Output thrown away (`2>&1 >/dev/null`, PowerShell's `> $null`) is written nowhere.
discarded := `[0-9]?>{1,2}\s*(/dev/null|\$null)`

# A reference the CI system replaces before the script runs (its value lands in the text).
ci_ref(system, text) if {
	system == "github_actions"
	regex.match(github_ref, text)
}

ci_ref(system, text) if {
	system == "azure_pipelines"
	regex.match(azure_ref, text)
}

secret_ref(system, text) if ci_ref(system, text)

secret_ref(_, text) if regex.match(shell_ref, text)

set_variable_secret(system, text) if secret_ref(system, text)

set_variable_secret(_, text) if {
	regex.match(concat("", [`(?i)variable\s*=\s*[^;\]]*(`, secret_word, `|(key|token|pwd)\s*[;\]])`]), text)
}

# What one line does with a secret, most specific first.
how(system, text, _) := "sets a pipeline variable from a secret without issecret=true" if {
	contains(lower(text), "##vso[task.setvariable")
	not regex.match(`(?i)issecret\s*=\s*true`, text)
	set_variable_secret(system, text)
} else := "writes a secret to a file" if {
	not contains(text, "##vso[")
	secret_ref(system, text)
	regex.match(file_write, regex.replace(replace(text, "2>&1", ""), discarded, ""))
} else := "echoes a secret to the log" if {
	not contains(text, "##vso[")
	secret_ref(system, text)
	regex.match(echo_command, text)
	not regex.match(piped_echo, text)
} else := "passes a secret on the command line" if {
	not contains(text, "##vso[")
	ci_ref(system, text)
}

# {text, line, arguments}: the step's script and, for Azure tasks, its script inputs.
texts(attrs) := array.concat(run_text(attrs), input_texts(attrs))

run_text(attrs) := [{"text": attrs.run, "line": object.get(attrs, "run_line", attrs.line), "offset": true, "arguments": false}] if {
	is_string(attrs.run)
} else := []

input_texts(attrs) := [{"text": v, "line": attrs.line, "offset": false, "arguments": script_inputs[lower(k)]} |
	attrs.system == "azure_pipelines"
	v := object.get(attrs, "inputs", {})[k]
	is_string(v)
	script_inputs[lower(k)] != null
]

# A reference to a secret holds `$` and one of these (the words of secret_word, key,
# token, pwd; GitHub's `secrets.`), and only a setvariable command sets one from a named
# variable: every other line is left before the regular expressions (most script lines;
# a regular expression costs far more than these tests).
secret_fragments := ["pass", "secret", "key", "token", "pwd", "cred", "connection"]

maybe_secret(l) if {
	contains(l, "$")
	low := lower(l)
	some fragment in secret_fragments
	contains(low, fragment)
}

maybe_secret(l) if contains(lower(l), "##vso[task.setvariable")

hits(attrs) := [{"line": line, "how": h} |
	t := texts(attrs)[_]
	l := split(t.text, "\n")[i]
	maybe_secret(l)
	not startswith(trim_space(l), "#")
	h := how(attrs.system, l, t.arguments)
	line := text_line(t, i)
]

text_line(t, i) := t.line + i if t.offset
else := t.line

# azure/login with a service principal secret: OIDC federation needs none.
long_lived_login(attrs) if {
	attrs.system == "github_actions"
	lower(attrs.uses.target) == "azure/login"
	object.get(object.get(attrs, "inputs", {}), "creds", "") != ""
}

# The same for Google Cloud (a service account key) and AWS (access keys): both actions
# federate with OIDC (workload_identity_provider; role-to-assume and id-token: write).
long_lived_cloud_login(attrs) := "logs in to Google Cloud with a long-lived service account key (credentials_json:) where Workload Identity Federation (workload_identity_provider, id-token: write) needs none" if {
	attrs.system == "github_actions"
	lower(attrs.uses.target) == "google-github-actions/auth"
	object.get(object.get(attrs, "inputs", {}), "credentials_json", "") != ""
}

# setup-gcloud before v1 took the key itself (service_account_key:, since removed in favour
# of auth): workflows pinned to v0 still pass it.
long_lived_cloud_login(attrs) := "logs in to Google Cloud with a long-lived service account key (setup-gcloud's service_account_key:) where Workload Identity Federation (google-github-actions/auth with workload_identity_provider, id-token: write) needs none" if {
	attrs.system == "github_actions"
	lower(attrs.uses.target) == "google-github-actions/setup-gcloud"
	object.get(object.get(attrs, "inputs", {}), "service_account_key", "") != ""
}

long_lived_cloud_login(attrs) := "logs in to AWS with long-lived access keys (aws-access-key-id:) where OIDC federation (role-to-assume, id-token: write) needs none" if {
	attrs.system == "github_actions"
	lower(attrs.uses.target) == "aws-actions/configure-aws-credentials"
	object.get(object.get(attrs, "inputs", {}), "aws-access-key-id", "") != ""
}

login_hits(attrs) := [{"line": attrs.line, "how": "logs in to Azure with a long-lived service principal secret (creds:) where OIDC federation (client-id, tenant-id, id-token: write) needs none"}] if {
	long_lived_login(attrs)
} else := [{"line": attrs.line, "how": how}] if {
	how := long_lived_cloud_login(attrs)
} else := []

# An Azure step naming a service connection that signs in with a service principal secret
# (the identities linker records each connection's auth_scheme): workload identity
# federation needs none.
connection_hits(attrs) := [{"line": attrs.line, "how": concat("", ["signs in through service connection ", c.name, ", which authenticates with a service principal secret where workload identity federation needs none"]), "connection": c.node} |
	c := object.get(attrs, "service_connection_auth", [])[_]
	c.auth_scheme == "service_principal"
]

# A step a template contributed: its lines are the template's.
where(attrs) := concat("", [" (from ", attrs.defined_in, ")"]) if is_string(attrs.defined_in)
else := ""

step_label(id, attrs) := object.get(attrs, "name", concat("", ["step ", format_int(attrs.index, 10)]))

unsafe_secrets contains item if {
	some id, node in input.nodes
	node.kind == "step"
	not node.attrs.included             # a template's step: judged where its callers run it
	found := array.concat(array.concat(hits(node.attrs), login_hits(node.attrs)), connection_hits(node.attrs))
	count(found) > 0
	parts := [concat("", [f.how, " (line ", format_int(f.line, 10), ")"]) | f := found[_]]
	item := {
		"node": id,
		"message": concat("", [step_label(id, node.attrs), where(node.attrs), ": ", concat("; ", parts)]),
		"evidence": {"facts": {"system": node.attrs.system, "findings": found, "defined_in": object.get(node.attrs, "defined_in", null)}},
	}
}
