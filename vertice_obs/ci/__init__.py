"""Findings as CI systems read them: GitHub workflow-command annotations and JUnit XML.

Owns: `findings_github` (one `::error|warning|notice file=…,line=…,col=…,title=…::message` line
per finding, escaped by GitHub's rules, so that a pull request shows each finding at its line,
most important first; `github_overflow`: the line saying GitHub will not show them all)
and `findings_junit` (JUnit XML for GitLab and Jenkins: one testsuite per dashboard file, one
testcase per query and check). Pure: findings in, text out; the CLI decides what is shown.
Part of the shared kernel, next to `vertice_obs.output` (text, JSON, SARIF).
May import: `vertice_obs.finding`, `vertice_obs.guard`, `vertice_obs.output`. Must not import any stage.
"""

from vertice_obs.ci.github import findings_github
from vertice_obs.ci.github import overflow as github_overflow
from vertice_obs.ci.junit import findings_junit

__all__ = ["findings_github", "findings_junit", "github_overflow"]
