"""The hostile-input harness (issue 9): every case is run as a user runs vobs, and held to four rules.

A case sets up a sandbox (`Sandbox`: a project folder `project/` and a sibling `outside/` that
nothing may touch), runs one `vobs` command — in a subprocess, as a user would, so that
`sys.exit`, file descriptor 1, signals and segfaults are real — and asserts:

1. the exit code;
2. exactly one line of error on stderr (`vobs: error: …`), with the expected location fragment,
   never a traceback and never "internal error";
3. nothing written outside the command's target (the sandbox's files before and after, minus
   the paths the case allows);
4. no secret of the case's in stdout, stderr or any file the run wrote.

Misbehaving fake servers are fine here (a hostile Grafana or Prometheus cannot be had otherwise);
normal behaviour is tested against the real Prometheus and the spec-checked Grafana stand-in.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

REPO = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPO / "tests"))

ERROR_LINE = re.compile(r"^vobs: error: .+$")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass
class Sandbox:
    root: Path

    @property
    def project(self) -> Path:
        return self.root / "project"

    @property
    def outside(self) -> Path:
        return self.root / "outside"

    def snapshot(self) -> dict[str, bytes | None]:
        """Every file and folder under the sandbox root, with file contents (symlinks not followed)."""
        state: dict[str, bytes | None] = {}
        for dirpath, dirnames, filenames in os.walk(self.root, followlinks=False):
            for name in dirnames:
                state[os.path.relpath(os.path.join(dirpath, name), self.root) + "/"] = None
            for name in filenames:
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, self.root)
                try:
                    state[rel] = b"<link>" if os.path.islink(path) else (
                        b"<fifo>" if not os.path.isfile(path) else Path(path).read_bytes())
                except OSError:
                    state[rel] = b"<unreadable>"
        return state


@dataclass
class Case:
    """One hostile input. `setup` prepares the sandbox and returns the vobs arguments (and may add
    environment variables to `env`). `writes` are sandbox-relative path prefixes the run may change
    (default: none — a rejected input writes nothing)."""

    id: str
    setup: Callable[[Sandbox], Sequence[str]]
    exit_code: int
    where: str | None = None  # a fragment the error line must contain: "narratives/x.yaml:3", a URL, …
    message: str | None = None  # a fragment of the error line's message
    writes: Sequence[str] = ()
    secrets: Sequence[str] = ()
    env: dict[str, str] = field(default_factory=dict)
    stdin: str | None = None
    timeout: float = 60.0
    error_line: bool = True  # False for cases whose correct answer is a finding, not an error
    error_lines: int = 1  # how many: a file with several problems says each, in one run (the first holds the rest)
    finding: str | None = None  # a check id: exactly one finding line of it, holding `where` and `message`


@dataclass
class Outcome:
    exit_code: int
    stdout: str
    stderr: str
    written: dict[str, bytes | None]


def run_vobs(args: Sequence[str], cwd: Path, env: dict[str, str] | None = None, stdin: str | None = None,
             timeout: float = 60.0) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("GRAFANA_", "PROMETHEUS_", "VOBS_"))}
    full_env.update(env or {})
    full_env.setdefault("NO_COLOR", "1")
    return subprocess.run([sys.executable, "-m", "vertice_obs", *args], cwd=cwd, env=full_env, input=stdin,
                          capture_output=True, text=True, timeout=timeout, errors="replace")


def check(case: Case, root: Path) -> Outcome:
    """Run `case` in a fresh sandbox under `root` and assert the four rules; returns what happened."""
    box = Sandbox(root)
    box.project.mkdir(parents=True, exist_ok=True)
    box.outside.mkdir(exist_ok=True)
    (box.outside / "precious.txt").write_text("other people's data\n")
    args = list(case.setup(box))
    before = box.snapshot()
    done = run_vobs(args, box.project, case.env, case.stdin, case.timeout)
    after = box.snapshot()
    changed = {k: after.get(k) for k in set(before) | set(after) if before.get(k) != after.get(k)}
    allowed = tuple(case.writes)
    escaped = sorted(k for k in changed if not any(k.startswith(prefix) for prefix in allowed))
    context = f"[{case.id}] exit {done.returncode}\nstdout:\n{done.stdout[-2000:]}\nstderr:\n{done.stderr[-2000:]}"

    assert done.returncode == case.exit_code, context
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, context
    assert not CONTROL.search(done.stdout.replace("\n", "").replace("\t", "")), f"raw control characters\n{context}"
    assert not CONTROL.search(done.stderr.replace("\n", "").replace("\t", "")), f"raw control characters\n{context}"
    if case.finding:
        found = [line for line in done.stdout.splitlines() if line.endswith(f"[{case.finding}]")]
        assert len(found) == 1, f"expected one {case.finding} finding\n{context}"
        assert not case.where or case.where in found[0], f"finding lacks {case.where!r}\n{context}"
        assert not case.message or case.message in found[0], f"finding lacks {case.message!r}\n{context}"
    if case.error_line and not case.finding:
        errors = [line for line in done.stderr.splitlines() if line.startswith("vobs: error:")]
        assert len(errors) == case.error_lines, f"expected {case.error_lines} error line(s)\n{context}"
        if case.where:
            assert case.where in errors[0], f"error line lacks {case.where!r}\n{context}"
        if case.message:
            assert case.message in errors[0], f"error line lacks {case.message!r}\n{context}"
    assert not escaped, f"wrote outside its target: {escaped}\n{context}"
    for secret in case.secrets:
        assert secret not in done.stdout and secret not in done.stderr, f"secret {secret!r} printed\n{context}"
        leaked = [k for k, v in changed.items() if v and secret.encode() in v]
        assert not leaked, f"secret {secret!r} written to {leaked}\n{context}"
    return Outcome(done.returncode, done.stdout, done.stderr, changed)


def cases_param(cases: Sequence[Case]):
    """`pytest.mark.parametrize` arguments for a table of cases."""
    import pytest

    return pytest.mark.parametrize("case", cases, ids=[c.id for c in cases])


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    """Write `files` (relative path → text, dedented, or bytes as they are) under `root`."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip(), encoding="utf-8")


def chaos_run_file(query: str, threshold: float = 0.1) -> str:
    """A one-scenario Chaos Day file against `${target}`'s latency fault, with one probe on `query`."""
    return f"""
id: day
title: Day
owner: team
baseline: 1s
recover: 1s
scenarios:
  - id: lat
    title: Latency
    fault:
      kind: latency
      steps: [100ms]
      hold: 1s
      inject: {{http: {{method: POST, url: "${{target}}/fault/latency", json: {{ms: "${{step_ms}}"}}}}}}
      revert: {{http: {{method: DELETE, url: "${{target}}/fault/latency"}}}}
    probes:
      - id: lvl
        title: Level
        query: {query}
        unit: ratio
        threshold: {{op: ">", value: {threshold:g}}}
"""
