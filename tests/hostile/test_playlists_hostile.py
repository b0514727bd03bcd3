"""Hostile narrative playlists (issue 13): bad `playlist:` blocks in a narrative's YAML — each a row,
run as a user runs vobs (`build`, and `publish --dry-run` to a provisioning folder) and held to the
harness' four rules: exit 2, one error line at the interval's file:line, nothing written."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Callable

from sample_project import NARRATIVE, make_project

from hostile.harness import Case, Sandbox, cases_param, check, write_files

HEAD = textwrap.dedent(NARRATIVE).lstrip().replace("chapters:", "{playlist}chapters:")
LINE = HEAD[:HEAD.index("{playlist}")].count("\n") + 1  # where the playlist block starts


def with_playlist(block: str, *args: str) -> Callable[[Sandbox], list[str]]:
    def setup(box: Sandbox) -> list[str]:
        make_project(box.project, narratives={})
        write_files(box.project, {"narratives/sample.yaml": HEAD.replace("{playlist}", block)})
        return list(args) or ["build"]
    return setup


def interval(value: str, id: str, message: str, line_offset: int = 1, *args: str) -> Case:
    return Case(f"interval-{id}", with_playlist(f"playlist:\n  interval: {value}\n", *args), exit_code=2,
                where=f"narratives/sample.yaml:{LINE + line_offset}", message=message)


CASES = [
    interval("0m", "zero", "whole number and a unit"),
    interval("'-5m'", "negative", "whole number and a unit"),
    interval("5", "unitless-number", "is not of type 'string'"),  # YAML reads 5 as a number
    interval("'5'", "no-unit", "whole number and a unit"),
    interval("five minutes", "words", "whole number and a unit"),
    interval("5min", "long-unit", "whole number and a unit"),
    interval("500ms", "milliseconds", "whole number and a unit"),
    interval("1d", "days", "whole number and a unit"),
    interval("1.5m", "fraction", "whole number and a unit"),
    interval("1e3s", "exponent", "whole number and a unit"),
    interval("' 5m'", "leading-space", "whole number and a unit"),
    interval("\"5m\\n\"", "trailing-newline", "whole number and a unit"),
    interval("\"5m\\e[31m\"", "escape", "whole number and a unit"),
    interval("'５m'", "fullwidth-digit", "whole number and a unit"),
    interval("5s", "too-short", "from 10s to 24h"),
    interval("25h", "too-long", "from 10s to 24h"),
    interval("9999999h", "huge", "whole number and a unit"),
    interval("'" + "9" * 5000 + "m'", "enormous", "whole number and a unit"),
    interval("[5m]", "a-list", "is not of type 'string'"),
    interval("null", "null", "is not of type 'string'"),
    interval("0m", "zero-on-publish", "whole number and a unit", 1, "publish", "--dry-run"),
    Case("playlist-not-a-mapping", with_playlist("playlist: 5m\n"), exit_code=2,
         where=f"narratives/sample.yaml:{LINE}", message="is not of type 'object'"),
    Case("playlist-unknown-key", with_playlist("playlist:\n  interval: 5m\n  shuffle: true\n"), exit_code=2,
         where=f"narratives/sample.yaml:{LINE + 2}", message="unknown key 'shuffle'"),
]


@cases_param(CASES)
def test_hostile_playlist_block(case: Case, tmp_path: Path) -> None:
    out = check(case, tmp_path)
    assert "9" * 100 not in out.stderr  # an enormous value is quoted short


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 20 and len({c.id for c in CASES}) == len(CASES)
