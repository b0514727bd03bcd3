"""Hostile `--since REF` (issue 13): the ref is untrusted text handed to git. A ref that reads as an
option (`-rf`, `--output=…`) is refused before git runs; an unknown ref is named; a folder outside
any repository, git missing from PATH or a history without a common commit is one line, exit 2 —
for validate, diff and publish alike, with nothing written (publish's provisioning folder
included) and no Grafana token printed."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sample_project import make_project

from hostile.harness import Case, Sandbox, cases_param, check

SECRET = "glsa_since_secret_token"


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "commit.gpgsign=false",
                    *args], cwd=root, check=True, capture_output=True)


def in_repo(*args: str, history: bool = True):
    """The sample project in a git repository with one commit on main (or, `history=False`, a
    second root commit on an unrelated branch, as a shallow clone sees its base)."""
    def setup(box: Sandbox) -> list[str]:
        make_project(box.project)
        _git(box.project, "init", "-q", "-b", "main")
        _git(box.project, "add", "-A")
        _git(box.project, "commit", "-qm", "one")
        if not history:
            _git(box.project, "checkout", "-q", "--orphan", "unrelated")
            _git(box.project, "commit", "-qm", "elsewhere")
        return list(args)
    return setup


def no_repo(*args: str):
    def setup(box: Sandbox) -> list[str]:
        make_project(box.project)
        return list(args)
    return setup


def no_git(*args: str):
    def setup(box: Sandbox) -> list[str]:
        make_project(box.project)
        (box.root / "empty-bin").mkdir()
        return list(args)
    return setup


GRAFANA = {"GRAFANA_TOKEN": SECRET, "GRAFANA_URL": "http://127.0.0.1:9"}  # a token needs a URL; never reached

CASES = [
    Case("validate-option-injection", in_repo("validate", "--offline", "--since=-rf"), 2,
         message="--since -rf: a git ref cannot start with '-'"),
    Case("diff-option-injection-output", in_repo("diff", "--since", "--output=../outside/pwned"), 2,
         message="cannot start with '-'", env=GRAFANA, secrets=(SECRET,)),
    Case("publish-end-of-options-as-ref", in_repo("publish", "--since=--end-of-options"), 2,
         message="cannot start with '-'", env=GRAFANA, secrets=(SECRET,)),
    Case("validate-unknown-ref", in_repo("validate", "--offline", "--since", "origin/no-such-branch"), 2,
         message="--since origin/no-such-branch: no such commit, branch or tag"),
    Case("diff-unknown-ref", in_repo("diff", "--since", "v9.9.9"), 2, message="--since v9.9.9: no such commit",
         env=GRAFANA, secrets=(SECRET,)),
    Case("publish-unknown-ref", in_repo("publish", "--since", "deadbeef"), 2, message="--since deadbeef: no such",
         env=GRAFANA, secrets=(SECRET,)),
    Case("publish-ref-is-a-path-in-a-tree", in_repo("publish", "--since", "HEAD:../../etc/passwd"), 2,
         message="no such commit", env=GRAFANA, secrets=(SECRET,)),
    Case("validate-ref-with-control-characters", in_repo("validate", "--offline", "--since", "main\x1b[2J\nHEAD"), 2,
         message="not a git ref"),
    Case("validate-empty-ref", in_repo("validate", "--offline", "--since", ""), 2, message="not an empty string"),
    Case("validate-not-a-git-repository", no_repo("validate", "--offline", "--since", "main"), 2,
         message="--since needs a git repository"),
    Case("publish-not-a-git-repository", no_repo("publish", "--since", "main"), 2,
         message="--since needs a git repository", env=GRAFANA, secrets=(SECRET,)),
    Case("diff-no-common-history", in_repo("diff", "--since", "main", history=False), 2,
         message="no common history with HEAD", env=GRAFANA, secrets=(SECRET,)),
    Case("validate-git-missing", no_git("validate", "--offline", "--since", "main"), 2,
         message="git is not on PATH", env={"PATH": "/nonexistent-vobs-bin"}),
]


@cases_param(CASES)
def test_since_hostile(case: Case, tmp_path: Path):
    check(case, tmp_path)
