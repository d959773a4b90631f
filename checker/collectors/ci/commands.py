"""What a CI step does to ML resources, read from its script or its task, never run.

`ml_actions` reads a shell, PowerShell or cmd script command by command (continuation lines
joined, `&&`/`;`/`|` split, environment prefixes and `sudo` dropped) and returns the actions
it recognises: Azure ML CLI v2 (`az ml job create -f spec.yml -w ws`) and v1, ARM/Bicep
deployments, Terraform, kubectl/helm, MLflow, DVC, and Python scripts by path. `task_actions`
does the same for actions and tasks that take their target as inputs (`azure/k8s-deploy`,
`AzureResourceManagerTemplateDeployment@3`, a `TerraformTask` with command apply, …).

Each action: {action, file, workspace, resource_group, name, line, text}, and where a deploy
goes when the command says (endpoint, kube context and namespace, Terraform var files and
workspace, Helm values files). `file` is the path
the command names, joined to the step's working directory (POSIX, `./` dropped); it stays as
written when it holds a variable. `purposes` turns a job's actions and names into
[{purpose, reason}] (train / evaluate / register / deploy / test / provision).
"""
from __future__ import annotations

import functools
import posixpath
import re
from typing import Iterable

MAX_TEXT = 300          # characters of a command kept as evidence

# Azure ML CLI v2 groups and verbs → action (`az ml <group> <verb>`); v1 (`az ml run
# submit-script`, `az ml model deploy`) maps onto the same actions.
_AZ_ML = {
    ("job", "create"): "job_submit",
    ("run", "submit-script"): "job_submit", ("run", "submit-pipeline"): "job_submit",
    ("pipeline", "create"): "job_submit",
    ("online-endpoint", "create"): "endpoint_deploy", ("online-endpoint", "update"): "endpoint_deploy",
    ("batch-endpoint", "create"): "endpoint_deploy", ("batch-endpoint", "update"): "endpoint_deploy",
    ("online-deployment", "create"): "model_deploy", ("online-deployment", "update"): "model_deploy",
    ("batch-deployment", "create"): "model_deploy", ("batch-deployment", "update"): "model_deploy",
    ("model", "deploy"): "model_deploy", ("service", "update"): "model_deploy",
    ("online-endpoint", "invoke"): "endpoint_invoke", ("batch-endpoint", "invoke"): "endpoint_invoke",
    ("model", "create"): "model_register", ("model", "register"): "model_register",
    ("model", "share"): "model_register",
    ("component", "create"): "asset_create", ("environment", "create"): "asset_create",
    ("data", "create"): "asset_create", ("compute", "create"): "compute_create",
    ("workspace", "create"): "workspace_create", ("schedule", "create"): "job_submit",
}
# The AWS CLI's SageMaker commands that train, deploy or register (the SageMaker MLOps
# templates' CI runs them), and the option naming what they act on.
_AWS_SAGEMAKER = {
    "create-training-job": ("job_submit", "--training-job-name"),
    "create-hyper-parameter-tuning-job": ("job_submit", "--hyper-parameter-tuning-job-name"),
    "create-auto-ml-job": ("job_submit", "--auto-ml-job-name"),
    "create-auto-ml-job-v2": ("job_submit", "--auto-ml-job-name"),
    "start-pipeline-execution": ("job_submit", "--pipeline-name"),
    "create-endpoint": ("endpoint_deploy", "--endpoint-name"),
    "update-endpoint": ("endpoint_deploy", "--endpoint-name"),
    "create-model-package": ("model_register", "--model-package-group-name"),
}
# AWS CLI global options that take a value (`aws --region eu-west-1 sagemaker …`).
_AWS_GLOBAL_VALUES = {"--region", "--profile", "--output", "--endpoint-url", "--query", "--color",
                      "--ca-bundle", "--cli-read-timeout", "--cli-connect-timeout", "--cli-binary-format"}
_AZ_ML_OPTIONS = {"file": ("-f", "--file"), "workspace": ("-w", "--workspace-name", "--workspace"),
                  "resource_group": ("-g", "--resource-group"), "name": ("-n", "--name"),
                  "endpoint": ("-e", "--endpoint-name")}

# Actions (GitHub `uses:` owner/repo, lower case) and Azure Pipelines tasks (name without
# @version, lower case) that act by their inputs: input names are matched case-insensitively.
# (action, input holding the target file or folder, inputs holding a script to read)
_TASKS = {
    "azure/cli": (None, None, ("inlinescript",)),
    "azure/powershell": (None, None, ("inlinescript",)),
    "azure/k8s-deploy": ("k8s_apply", "manifests", ()),
    "azure/arm-deploy": ("infra_deploy", "template", ()),
    "azure/webapps-deploy": ("app_deploy", "package", ()),
    "azure/functions-action": ("app_deploy", "package", ()),
    "azure/aml-run": ("job_submit", "parameters_file", ()),
    "azure/aml-registermodel": ("model_register", "parameters_file", ()),
    "azure/aml-deploy": ("model_deploy", "parameters_file", ()),
    "azurecli": (None, "scriptpath", ("inlinescript",)),
    "azurepowershell": (None, "scriptpath", ("inline",)),
    "bash": (None, "filepath", ("script",)),
    "powershell": (None, "filepath", ("script",)),
    "cmdline": (None, None, ("script",)),
    "kubernetesmanifest": ("k8s_apply", "manifests", ()),
    "kubernetes": ("k8s_apply", "configuration", ("arguments",)),
    "helmdeploy": ("k8s_apply", "chartpath", ()),
    "azureresourcemanagertemplatedeployment": ("infra_deploy", "csmfile", ()),
    "azureresourcegroupdeployment": ("infra_deploy", "csmfile", ()),     # its @2 predecessor
    "azurefunctionapp": ("app_deploy", "package", ()),
    "azurewebapp": ("app_deploy", "package", ()),
    "azurermwebappdeployment": ("app_deploy", "package", ()),
    # The Azure Machine Learning extension for Azure DevOps (Marketplace, ms-air-aiagility):
    # "Azure ML Model Deploy" reads an inference config file; "Azure ML Published Pipeline"
    # runs a published pipeline by its id.
    "azuremlmodeldeploy": ("model_deploy", "inferencepath", ()),
    "amlpipeline": ("job_submit", None, ()),
    # Documentation sites published to GitHub Pages: what a job called `deploy` often does.
    "peaceiris/actions-gh-pages": ("site_publish", None, ()),
    "actions/deploy-pages": ("site_publish", None, ()),
    "jamesives/github-pages-deploy-action": ("site_publish", None, ()),
}
_TERRAFORM_TASKS = ("terraformtaskv1", "terraformtaskv2", "terraformtaskv3", "terraformtaskv4",
                    "terraformtask", "terraformcli", "terraform")
_PREFIXES = {"sudo", "time", "exec", "nohup", "env", "call", "&", "."}
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_CONTINUED = re.compile(r"[ \t](?:\\|`|\^)[ \t]*$|^\\$|\\$")
_CONTINUATION_ENDS = ("\\", "`", "^")     # a line _CONTINUED matches ends so (spaces and tabs aside)
_SPLIT = {"&&", "||", ";", "|", "&", ";;", "|&"}
# `$(`, `(` and `)`: what _substitutions reads to find where a `$( … )` ends, nesting and all.
_PARENS = re.compile(r"\$\(|[()]")
_NESTED = re.compile(r"\$\([^()]*\(")
_EXPRESSIONS = re.compile(r"\$\{\{.*?\}\}|\$\(\(.*?\)\)|\$\([^()]*\)|\$\{[^{}]*\}|\$\[.*?\]")
# The checkout's root in each CI system: a path under it is a path in the scanned tree.
_TREE_ROOT = re.compile(r"(?:\$\{\{\s*github\.workspace\s*\}\}|\$\{?GITHUB_WORKSPACE\}?|\$\{?CI_PROJECT_DIR\}?"
                        r"|\$\((?:System\.DefaultWorkingDirectory|Build\.SourcesDirectory|Build\.Repository\.LocalPath)\))"
                        r"(?=/|$)", re.I)
# A shell word (unquoted runs, '…', "…", backslash escapes), an operator, or a stray quote.
_WORD = re.compile(r"""((?:[^\s'"\\;&|]|\\.|'[^']*'|"(?:[^"\\]|\\.)*")+)|(&&|\|\||;;|\|&|[;&|])|(\S)""")
_QUOTED = re.compile(r"""'([^']*)'|"((?:[^"\\]|\\.)*)"|\\(.)""")
_DQ_ESCAPE = re.compile(r"""\\([$`"\\\n])""")
_RESTORE = re.compile("\x00(\\d+)\x00")
_SHELL_SYNTAX = re.compile(r"""['"\\;&|]""")     # what _WORD reads other than whitespace-separated words
_QUOTING = re.compile(r"""['"\\]""")
_PLAIN_TOKEN = re.compile(r"&&|\|\||;;|\|&|[;&|]|[^\s;&|]+")     # _WORD where no quote or escape is
# The programs _command_action reads, as a word of a line (any path, .exe/.cmd suffix).
_PROGRAM_WORDS = (r"(?<![\w.-])(?:az|aws|terraform|kubectl|oc|helm|mlflow|dvc|python[0-9.]*|py|poetry|uv|conda"
                  r"|pipenv|pytest|py\.test|tox|nox|mkdocs|mike|ghp-import)(?:\.exe|\.cmd)?(?![\w.-])")
_PROGRAMS = re.compile(_PROGRAM_WORDS, re.I)
# A command whose failure is swallowed (`pytest || true`, `|| :`, `|| exit 0`), and the shell
# switch that ignores every failure after it (`set +e`; `set -e` restores it).
_OR_TRUE = re.compile(r"\|\|\s*(?:true|:|exit\s+0)(?![\w-])")
_SET_ERREXIT = re.compile(r"(?<![\w-])set\s+([+-])e(?![\w-])")
FAILURE_SWALLOWED = re.compile(f"{_OR_TRUE.pattern}|(?<![\\w-])set\\s+\\+e(?![\\w-])")
_PROGRAMS_LOWERED = re.compile(_PROGRAM_WORDS)     # for ASCII text lowered: twice as fast as re.I
_VARIABLE = re.compile(r"\$\{\{|\$\(|\$\{|\$[A-Za-z_]|%[A-Za-z_]+%")
_PYTHON_PROGRAM = re.compile(r"python[0-9.]*|py|poetry|uv|conda|pipenv")


def ml_actions(script: str | None, workdir: str | None = None, line: int | None = None) -> list[dict]:
    """The ML actions a script performs, in order, each with the line its command starts on."""
    if not script:
        return []
    return [{**action, "line": line + offset if line is not None else None}
            for offset, action in _script_actions(script, workdir)]


@functools.lru_cache(maxsize=4096)
def _script_actions(script: str, workdir: str | None) -> tuple[tuple[int, dict], ...]:
    """(line offset, action) of a script's commands, read once per distinct script and
    folder: workflows repeat the same steps (`pip install -r requirements.txt`, a login, a
    shared submit script) across files and jobs. Callers copy the actions they return."""
    found = []
    for offset, command, ignored, piped in _commands(script):
        action = _command_action(command, workdir)
        if action:
            if ignored:
                action["failure_ignored"] = True
            if piped:
                action["piped"] = True
            found.append((offset, action))
    return tuple(found)


def task_actions(task: str, inputs: dict, workdir: str | None = None, line: int | None = None) -> list[dict]:
    """The ML actions of an action or task that acts by its inputs (scripts it runs inline
    included). `task`: `owner/repo` of a GitHub action or an Azure task name, any case, with
    or without its `@version`."""
    name = task.split("@", 1)[0].strip().lower().rstrip("/")
    if name not in _TASKS and name not in _TERRAFORM_TASKS:
        return []                   # most steps (checkout, setup-python): nothing to read
    values = {str(k).lower(): v for k, v in (inputs or {}).items() if isinstance(v, str)}
    workdir = values.get("workingdirectory") or values.get("working-directory") or workdir
    if name in _TERRAFORM_TASKS:
        command = (values.get("command") or values.get("provider") and values.get("command") or "").lower()
        if command == "apply":
            folder = values.get("workingdirectory") or "."
            return [_action("infra_apply", line, f"{task} apply", file=_join(None, folder))]
        return []
    action, file_input, script_inputs = _TASKS[name]
    found = []
    for key in script_inputs:
        found += ml_actions(values.get(key), workdir, line)
    if action and name == "kubernetes" and values.get("command", "").lower() not in ("apply", "create", "replace"):
        return found
    if action:
        targets = [t.strip() for t in re.split(r"[\n,]", values.get(file_input or "", "")) if t.strip()]
        for target in targets or [None]:
            found.append(_action(action, line, task, file=_join(workdir, target) if target else None))
    return found


def _commands(script: str) -> Iterable[tuple[int, list[str], bool, bool]]:
    """(line offset in the script, argv, whether its failure is ignored, whether it feeds a
    pipe) of each simple command; a command continued over several lines (`\\`, PowerShell's
    backtick, cmd's `^`) counts from its first line. A failure is ignored on a line that
    swallows one (`|| true`, `|| :`, `|| exit 0`) and after `set +e` until `set -e`."""
    logical, start, errexit_off = "", None, False
    for number, text in enumerate(script.split("\n")):
        text = text.rstrip("\r")
        if start is None:
            start = number
        continued = _CONTINUED.search(text) if text.rstrip(" \t")[-1:] in _CONTINUATION_ENDS else None
        logical += (text[:continued.start()] + " ") if continued else text
        if continued:
            continue
        errexit_off, ignored = failures_ignored(logical, errexit_off)
        yield from ((start, argv, ignored, piped) for argv, piped in _split_piped(logical.strip()))
        logical, start = "", None
    if logical.strip():
        _, ignored = failures_ignored(logical, errexit_off)
        yield from ((start, argv, ignored, piped) for argv, piped in _split_piped(logical.strip()))


def failures_ignored(line: str, errexit_off: bool) -> tuple[bool, bool]:
    """(whether the shell ignores failures after this line, whether it ignores those of this
    line's commands): `set +e` turns the first on, `set -e` off again (the last on the line
    wins); `|| true` swallows its line's."""
    if "set" in line:
        for sign in _SET_ERREXIT.findall(line):
            errexit_off = sign == "+"
    return errexit_off, errexit_off or ("||" in line and _OR_TRUE.search(line) is not None)


def _split(text: str) -> Iterable[list[str]]:
    return (argv for argv, _ in _split_piped(text))


def _split_piped(text: str) -> Iterable[tuple[list[str], bool]]:
    """Each simple command of a line, and whether its output feeds a pipe (`pytest | tee`:
    without pipefail, its failure is not the line's)."""
    # Most script lines run nothing this module reads (echo, pip, cd): one regex search
    # skips them before any tokenising.
    if not text or text.startswith(("#", "REM ", "rem ", "::")) or not _runs_a_program(text):
        return
    argv: list[str] = []
    for token in _tokens(text):
        if token in _SPLIT:
            if argv:
                yield argv, token in ("|", "|&")
            argv = []
        else:
            argv.append(token)
    if argv:
        yield argv, False


def _runs_a_program(text: str) -> bool:
    """Whether a line names a program _command_action reads (_PROGRAMS, any case)."""
    if text.isascii():            # lowering ASCII changes nothing else the pattern reads
        return _PROGRAMS_LOWERED.search(text.lower()) is not None
    return _PROGRAMS.search(text) is not None


def _tokens(text: str) -> list[str]:
    """Shell words and the operators between commands, as a POSIX shell splits them
    (quotes removed, backslash escapes kept literal); `${{ … }}`, `$( … )` and `${ … }` stay
    one word each, spaces and all. An unclosed quote: whitespace is the best reading left."""
    kept: list[str] = []

    def keep(expression: str) -> str:
        kept.append(expression)
        return f"\x00{len(kept) - 1}\x00"
    if "$" in text:
        protected = _EXPRESSIONS.sub(lambda m: keep(m.group(0)), _protect_substitutions(text, keep))
    else:
        protected = text
    if not _SHELL_SYNTAX.search(protected):
        words = protected.split()     # no quote, escape or operator: _WORD would split on whitespace
    elif not _QUOTING.search(protected):
        words = _PLAIN_TOKEN.findall(protected)     # operators, no quotes: nothing to unquote
    else:
        words = _shell_words(protected)
    if kept:
        return [_RESTORE.sub(lambda m: kept[int(m.group(1))], w) for w in words]
    return words


def _substitutions(text: str) -> list[tuple[int, int]]:
    """(start, end) of each outermost `$( … )` whose parentheses balance: a command
    substitution may hold another one or an Azure Pipelines macro (`$(az ml … -n $(ep))`),
    which a regex stops at the first `)`. One pass over the parentheses, so linear; an
    unclosed `$(` yields no span (its inner, closed ones are left to _EXPRESSIONS)."""
    spans: list[tuple[int, int]] = []
    stack: list[int] = []         # start of each open `(` or `$(`; -1 for a plain `(`
    open_substitutions = 0
    for m in _PARENS.finditer(text):
        token = m.group()
        if token != ")":
            stack.append(m.start() if token == "$(" else -1)
            open_substitutions += token == "$("
        elif stack:
            start = stack.pop()
            if start >= 0:
                open_substitutions -= 1
                if not open_substitutions:
                    spans.append((start, m.end()))
    return spans


def _protect_substitutions(text: str, keep) -> str:
    """`text` with each balanced `$( … )` replaced by what `keep` returns for it."""
    if "$(" not in text or not _NESTED.search(text):
        return text               # no `(` inside a `$(`: _EXPRESSIONS reads every one whole
    spans = _substitutions(text)
    if not spans:
        return text
    out, at = [], 0
    for start, end in spans:
        out += [text[at:start], keep(text[start:end])]
        at = end
    out.append(text[at:])
    return "".join(out)


def _captured(word: str) -> str | None:
    """The command of `NAME=$(command)`, when the substitution is the whole value."""
    if not _ASSIGNMENT.match(word):
        return None
    value = word.partition("=")[2]
    if value[:2] != "$(" or value[-1:] != ")" or _substitutions(value) != [(0, len(value))]:
        return None
    return value[2:-1]


def _shell_words(protected: str) -> list[str]:
    words = []
    for m in _WORD.finditer(protected):
        word, operator, stray = m.groups()
        if stray is not None:
            return protected.split()
        words.append(operator if operator is not None else _unquote(word))
    return words


def _unquote(word: str) -> str:
    if not ("'" in word or '"' in word or "\\" in word):
        return word
    return _QUOTED.sub(lambda m: m.group(1) if m.group(1) is not None
                       else _DQ_ESCAPE.sub(r"\1", m.group(2)) if m.group(2) is not None
                       else m.group(3), word)


def _command_action(argv: list[str], workdir: str | None) -> dict | None:
    if argv[:1] in (["export"], ["local"], ["readonly"]):
        argv = argv[1:]
    if len(argv) == 1 and (captured := _captured(argv[0])) is not None:
        # `job_id=$(az ml job create -f job.yml --query name -o tsv)`: the command runs
        return next((a for inner in _split(captured.strip()) if (a := _command_action(inner, workdir))),
                    None)
    assigned = {}                   # `TF_WORKSPACE=prod terraform apply`: the command's environment
    while argv and (argv[0] in _PREFIXES or _ASSIGNMENT.match(argv[0])):
        if argv[0] not in _PREFIXES:
            name, _, value = argv[0].partition("=")
            assigned[name] = value
        argv = argv[1:]
    if not argv:
        return None
    program = posixpath.basename(argv[0].replace("\\", "/")).lower().removesuffix(".exe").removesuffix(".cmd")
    text = " ".join(argv)[:MAX_TEXT]
    if program == "az":
        return _az(argv[1:], workdir, text)
    if program == "aws":
        return _aws(argv[1:], workdir, text)
    if program == "terraform":
        return _terraform(argv[1:], workdir, text, assigned.get("TF_WORKSPACE"))
    if program in ("kubectl", "oc"):
        return _kubectl(argv[1:], workdir, text)
    if program == "helm":
        return _helm(argv[1:], workdir, text)
    if program == "mlflow":
        return _mlflow(argv[1:], workdir, text)
    if program == "dvc" and argv[1:2] in (["repro"], ["exp"]):
        return _action("dvc_repro", None, text)
    if _PYTHON_PROGRAM.fullmatch(program):
        return _python(argv[1:], workdir, text)
    if program in ("pytest", "py.test", "tox", "nox"):
        return _action("tests", None, text)
    if program == "mkdocs" and argv[1:2] == ["gh-deploy"] or program == "mike" and argv[1:2] == ["deploy"] \
            or program == "ghp-import":
        return _action("site_publish", None, text)
    return None


def _az(args: list[str], workdir: str | None, text: str) -> dict | None:
    if len(args) >= 3 and args[0] == "ml":
        action = _AZ_ML.get((args[1], args[2]))
        if not action:
            return None
        options = _options(args[3:], _AZ_ML_OPTIONS)
        file = options.pop("file", None)
        return _action(action, None, text, file=_join(workdir, file) if file else None, **options)
    if args[:1] == ["deployment"] and "create" in args[1:3] or args[:3] == ["group", "deployment", "create"]:
        options = _options(args, {"file": ("-f", "--template-file"),
                                  "resource_group": ("-g", "--resource-group")})
        file = options.pop("file", None)
        return _action("infra_deploy", None, text, file=_join(workdir, file) if file else None, **options)
    if args[:2] in (["webapp", "deploy"], ["functionapp", "deploy"]) or args[:3] == ["functionapp", "deployment", "source"]:
        return _action("app_deploy", None, text)
    return None


def _aws(args: list[str], workdir: str | None, text: str) -> dict | None:
    i = 0
    while i < len(args) and args[i].startswith("-"):
        i += 2 if args[i] in _AWS_GLOBAL_VALUES else 1
    service, operation = (args[i:i + 2] + ["", ""])[:2]
    if service == "sagemaker" and operation in _AWS_SAGEMAKER:
        action, option = _AWS_SAGEMAKER[operation]
        name = _options(args[i + 2:], {"name": (option,)}).get("name")
        return _action(action, None, text, **({"name": name} if name else {}))
    if service == "cloudformation" and operation == "deploy":
        file = _options(args[i + 2:], {"file": ("--template-file",)}).get("file")
        return _action("infra_deploy", None, text, file=_join(workdir, file) if file else None)
    return None


def _terraform(args: list[str], workdir: str | None, text: str, workspace: str | None = None) -> dict | None:
    folder = "."
    rest = list(args)
    while rest and rest[0].startswith("-"):
        if rest[0].startswith("-chdir="):
            folder = rest[0][len("-chdir="):]
        rest = rest[1:]
    if rest[:2] in (["workspace", "select"], ["workspace", "new"]):
        # which state the job's applies change (a later line or step applies it)
        names = _positionals(rest[2:], set())
        return _action("infra_state", None, text, tf_workspace=names[0]) if names else None
    if rest[:1] == ["init"]:
        backend = _repeated(rest[1:], ("-backend-config", "--backend-config"))
        return _action("infra_state", None, text, backend_config=backend) if backend else None
    if rest[:1] != ["apply"]:
        return None
    # Where the apply goes, when a job's other facts do not say: its variable files
    # (`-var-file=envs/prod.tfvars`) and state workspace (TF_WORKSPACE).
    var_files = _repeated(rest[1:], ("-var-file", "--var-file"))
    return _action("infra_apply", None, text, file=_join(workdir, folder), var_files=var_files or None,
                   tf_workspace=workspace)


# kubectl's global flags that take a value as the next word (`kubectl --context prod apply`):
# the verb is the first word that is neither a flag nor such a value.
_KUBECTL_VALUES = {"-n", "--namespace", "--context", "--kubeconfig", "--cluster", "--user", "-s",
                   "--server", "--token", "--as", "--as-group", "--request-timeout", "--cache-dir",
                   "--certificate-authority", "--client-certificate", "--client-key", "--tls-server-name"}
_KUBE_TARGET = {"context": ("--context", "--kube-context"), "namespace": ("-n", "--namespace")}


def _kubectl(args: list[str], workdir: str | None, text: str) -> dict | None:
    words = _positionals(args, _KUBECTL_VALUES)
    verb = words[0] if words else None
    if verb not in ("apply", "create", "replace", "set", "rollout"):
        return None
    options = _options(args, {"file": ("-f", "--filename", "-k", "--kustomize"), **_KUBE_TARGET})
    file = options.pop("file", None)
    return _action("k8s_apply", None, text, file=_join(workdir, file) if file else None, **options)


_HELM_VALUES = {"-f", "--values", "-n", "--namespace", "--version", "--set", "--set-string", "--set-file",
                "--kube-context", "--kubeconfig", "--timeout", "--repo", "--post-renderer"}


def _helm(args: list[str], workdir: str | None, text: str) -> dict | None:
    words = _positionals(args, _HELM_VALUES)
    if words[:1] not in (["install"], ["upgrade"]):
        return None
    options = _options(args, _KUBE_TARGET)
    values = _repeated(args, ("-f", "--values"))
    return _action("k8s_apply", None, text, file=_join(workdir, words[2]) if len(words) > 2 else None,
                   values=values or None, **options)


def _mlflow(args: list[str], workdir: str | None, text: str) -> dict | None:
    if args[:2] == ["models", "serve"] or args[:2] == ["models", "build-docker"]:
        model = _options(args, {"model": ("-m", "--model-uri")}).get("model")
        return _action("model_serve", None, text, model=model)
    if args[:2] == ["deployments", "create"] or args[:2] == ["deployments", "update"]:
        model = _options(args, {"model": ("-m", "--model-uri")}).get("model")
        return _action("model_deploy", None, text, model=model)
    if args[:1] == ["run"]:
        return _action("job_submit", None, text)
    return None


def _python(args: list[str], workdir: str | None, text: str) -> dict | None:
    rest = [a for a in args if a not in ("run", "-u", "-O", "-B")]
    if rest[:1] == ["-m"] and len(rest) > 1:
        module = rest[1]
        if module in ("pytest", "unittest"):
            return _action("tests", None, text)
        if module.startswith("mlflow") and "serve" in rest:
            return _action("model_serve", None, text)
        return _action("python_module", None, text, name=module)
    script = next((a for a in rest if a.endswith(".py")), None)
    if script:
        return _action("python_script", None, text, file=_join(workdir, script))
    return None


def _options(args: list[str], names: dict[str, tuple[str, ...]]) -> dict:
    """Values of `--opt value` and `--opt=value` options, by field (every flag starts with `-`)."""
    found = {}
    for i, arg in enumerate(args):
        if arg[:1] != "-":
            continue              # a value or a positional: no flag to look up
        flag, eq, inline = arg.partition("=")
        for field, flags in names.items():
            if field in found:
                continue
            if eq and flag in flags and flag.startswith("--"):
                found[field] = inline
            elif arg in flags and i + 1 < len(args):
                found[field] = args[i + 1]
    return found


def _repeated(args: list[str], flags: tuple[str, ...]) -> list[str]:
    """Every value of an option that may be given more than once, in order (`-f a --values=b`)."""
    found = []
    for i, arg in enumerate(args):
        flag, eq, inline = arg.partition("=")
        if eq and flag in flags:
            found.append(inline)
        elif arg in flags and i + 1 < len(args):
            found.append(args[i + 1])
    return found


def _positionals(args: list[str], with_value: set[str]) -> list[str]:
    out, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg in with_value:
            skip = True
        elif not arg.startswith("-"):
            out.append(arg)
    return out


def _join(workdir: str | None, path: str | None) -> str | None:
    """A path the command names, inside its tree: joined to the working directory and
    normalised; a path holding a variable stays as written."""
    if path is None:
        return None
    path = path.strip().strip("'\"").replace("\\", "/")
    root = _TREE_ROOT.match(path) if path[:1] == "$" else None
    if root:                      # the checkout's root: the path is from the tree's top
        path, workdir = path[root.end():].lstrip("/") or ".", None
    if _has_variable(path) or (workdir and _has_variable(workdir)):
        return posixpath.join(workdir.replace("\\", "/"), path) if workdir and not path.startswith("/") else path
    if workdir and not path.startswith("/"):
        path = posixpath.join(workdir.replace("\\", "/"), path)
    return posixpath.normpath(path).removeprefix("./") if path not in (".", "./") else "."


def _has_variable(text: str) -> bool:
    # Every _VARIABLE form holds `$` or `%`: most paths hold neither and skip the search.
    return ("$" in text or "%" in text) and _VARIABLE.search(text) is not None


def _action(action: str, line: int | None, text: str, **facts) -> dict:
    out = {"action": action, "line": line, "text": text[:MAX_TEXT]}
    out.update({k: v for k, v in facts.items() if v is not None})
    return out


# -- purposes -------------------------------------------------------------------------

_ACTION_PURPOSE = {
    "job_submit": "train", "dvc_repro": "train",
    "model_register": "register",
    "model_deploy": "deploy", "endpoint_deploy": "deploy", "model_serve": "deploy",
    "k8s_apply": "deploy", "app_deploy": "deploy",
    "endpoint_invoke": "evaluate", "tests": "test",
    "infra_apply": "provision", "infra_deploy": "provision",
    "compute_create": "provision", "workspace_create": "provision",
}
# What a deploying or provisioning command says about where it acts (action fact → what it
# is called in evidence): MLC-PIPE-001 matches these against its production pattern beside
# the job's environment and names (`kubectl --context aks-prod apply`, `terraform apply
# -var-file=envs/prod.tfvars`, `az ml online-deployment create -w mlw-prod`).
_TARGET_FACTS = (("workspace", "workspace"), ("resource_group", "resource group"), ("endpoint", "endpoint"),
                 ("context", "kube context"), ("namespace", "namespace"), ("tf_workspace", "terraform workspace"),
                 ("var_files", "var file"), ("backend_config", "terraform backend config"),
                 ("values", "helm values"))


def deploy_targets(actions: Iterable[dict]) -> list[dict]:
    """[{what, value}] of the targets the deploying and provisioning actions name, each once,
    in the order the job runs them; and the Terraform state its init or workspace commands
    choose (`terraform init -backend-config=key=prod.tfstate`, `terraform workspace select
    prod`), which the job's applies then change, in the same step or a later one."""
    found: list[dict] = []
    for action in actions:
        if _ACTION_PURPOSE.get(action["action"]) not in ("deploy", "provision") and action["action"] != "infra_state":
            continue
        for fact, what in _TARGET_FACTS:
            named = action.get(fact)
            for value in named if isinstance(named, list) else [named]:
                target = {"what": what, "value": value}
                if isinstance(value, str) and value and target not in found:
                    found.append(target)
    return found


# Actions that account for a purpose's word in a name: what such a job deploys is a site.
_EXPLAINS = {"site_publish": ("deploy",)}
# Names of jobs, steps and scripts: the words teams use (train_model.py, evaluate-model,
# "Register model", deploy-prod, smoke-test).
_NAME_PURPOSE = (
    ("train", re.compile(r"(?<![a-z])(train|fit|retrain)(?:ing|s)?(?![a-z])|training", re.I)),
    ("evaluate", re.compile(r"eval(?:uat\w*)?|validat\w*|score|scoring|benchmark|metrics", re.I)),
    ("register", re.compile(r"regist(?:er|ering|ers|ered|ration|rations)(?![a-z])", re.I)),
    ("deploy", re.compile(r"deploy\w*|releas\w*|promot\w*|(?<![a-z])serv(?:e|ing)(?![a-z])|rollout", re.I)),
    ("test", re.compile(r"(?<![a-z])(?:unit[-_ ]?)?tests?(?![a-z])|pytest|smoke", re.I)),
)
_DEPLOY_NAME = _NAME_PURPOSE[3][1]
# What else teams register (the name of a registry — "Log in to the Container registry" —
# registers nothing): an Azure ML environment, component or data asset, a runner.
_REGISTER_NOT_MODEL = re.compile(
    r"regist(?:er|ering|ers|ered|ration)[-_ ]+(?:(?:the|an?|new|azure|ml|aml|azureml|conda|docker|training|inference)[-_ ]+)*"
    r"(?:environment|env|component|data|dataset|datastore|data[-_ ]?asset|compute|runner|agent|schema)s?(?![a-z])", re.I)
# Deploy words a name uses for something else: what is built, zipped or uploaded *for* a
# deployment (Azure App Service's deployment center names its build job's steps "Zip
# artifact for deployment", "Upload artifact for deployment job"), a deployment package,
# a test of a deployment, and a CI runner or agent set up for later jobs ("Deploy runner on
# Kubernetes", iterative/cml's `cml runner`). Such a name does not say the job deploys.
_DEPLOY_AS_OBJECT = re.compile(
    r"(?<![a-z])for[-_ ]+(?:the[-_ ]+)?(?:deploy|releas)\w*"
    r"|(?<![a-z])(?:test|testing|verify|verifying|validate|validating|check|checking)[-_ ]+(?:the[-_ ]+)?deploy\w*"
    r"|(?<![a-z])deployment[-_ ]?(?:package|artifact|bundle|archive|zip)s?(?![a-z])"
    r"|deploy\w*[-_ ]+(?:(?:the|an?|ci|cml|self[-_ ]?hosted|github|gitlab|build)[-_ ]+)*(?:runner|agent)s?(?![a-z])", re.I)

# Test or evaluation words naming what a step moves, not what it runs: "Publish test results"
# (Azure's PublishTestResults task, run whatever the tests did), "Upload evaluation results",
# "Download test report", "Save metrics".
_RESULTS_MOVED = re.compile(
    r"(?<![a-z])(?:upload|publish|download|archive|store|save|attach|post)\w*[-_ ]+(?:the[-_ ]+)?(?:[a-z]+[-_ ]+)?"
    r"(?:unit[-_ ]?)?(?:tests?|pytest|evaluation|eval|validation|benchmark|metrics|scores?)"
    r"(?:[-_ ]+(?:results?|reports?|artifacts?|logs?|coverage|summary|outputs?))?(?![a-z])", re.I)

# …and the label a maintainer sets to let a pull request's tests run (`ok-to-test`, Prow's
# convention, kubeflow/pipelines): the job that handles it runs none.
_TESTS_NOT_RUN = re.compile(f"{_RESULTS_MOVED.pattern}|(?<![a-z])(?:needs[-_ ])?ok[-_ ]to[-_ ]test(?![a-z])", re.I)


def purposes(job_names: Iterable[str], actions: Iterable[dict], environment: bool = False) -> list[dict]:
    """[{purpose, reason}] for a job: from what its steps do first (an `az ml online-deployment
    create` deploys whatever the job is called), then from its own and its steps' names.
    `environment`: the job targets a deployment environment, so a name that speaks of a
    deployment only as an object ("Test deployment") still means it deploys."""
    job_names = list(job_names)
    found: dict[str, str] = {}
    for act in actions:
        purpose = _ACTION_PURPOSE.get(act["action"])
        if act["action"] == "python_script" and act.get("file"):
            purpose = _name_purpose(posixpath.basename(act["file"]))
        if act["action"] == "job_submit" and act.get("file"):
            purpose = _name_purpose(posixpath.basename(act["file"]), preferred=("evaluate",)) or "train"
        if purpose and purpose not in found:
            found[purpose] = f"{act['action']}: {act['text']}"
    # A word the job's actions account for otherwise: a `deploy` job that publishes a
    # documentation site (`mkdocs gh-deploy`) deploys no model.
    explained = {p for act in actions for p in _EXPLAINS.get(act["action"], ())}
    for name in job_names:
        for purpose in _named_purposes(name) if name else ():
            if purpose not in found and purpose not in explained:
                found[purpose] = f"named {name!r}"
    if environment and "deploy" not in found and "deploy" not in explained:
        said = next((name for name in job_names if name and _DEPLOY_NAME.search(name)), None)
        if said:
            found["deploy"] = f"named {said!r}"
    return [{"purpose": p, "reason": r} for p, r in found.items()]


@functools.lru_cache(maxsize=8192)
def _named_purposes(name: str) -> tuple[str, ...]:
    """The purposes a name says, in _NAME_PURPOSE's order: once per distinct name (steps are
    called "Checkout", "Azure login", "Run job" in every workflow)."""
    return tuple(p for p, pattern in _NAME_PURPOSE if pattern.search(name) and _says(p, pattern, name))


# Phrases that use a purpose's word for something else: a deploy word as an object, a
# registration of something other than a model.
_OTHER_USES = {"deploy": _DEPLOY_AS_OBJECT, "register": _REGISTER_NOT_MODEL,
               "test": _TESTS_NOT_RUN, "evaluate": _RESULTS_MOVED}


def _says(purpose: str, pattern: re.Pattern, name: str) -> bool:
    """Whether a name that holds a purpose's word says that purpose: some such word is left
    once the phrases using one for something else (_OTHER_USES) are taken out."""
    other = _OTHER_USES.get(purpose)
    return other is None or pattern.search(other.sub(" ", name)) is not None


def _name_purpose(name: str, preferred: tuple[str, ...] = ()) -> str | None:
    hits = _named_purposes(name)
    for p in preferred:
        if p in hits:
            return p
    return None if preferred else (hits[0] if hits else None)
