from conftest import make_repo, notebook


def test_scan_flags_committed_notebook_with_outputs(tmp_path, scan_json):
    repo = make_repo(tmp_path / "r", {"nb/train.ipynb": notebook(outputs=True),
                                      "nb/clean.ipynb": notebook(outputs=False)})
    code, report, _ = scan_json(str(repo))
    assert code == 0
    flagged = [(f["rule_id"], f["node"]) for f in report["findings"]]
    # MLC-GOV-002 (low): the repository configures no notebook strip/diff tooling.
    assert flagged == [("MLC-REPO-001", "file:git:./nb/train.ipynb"), ("MLC-GOV-002", "repo:git:.")]
