"""README: "Every command has `--help` with examples". Held here for every command and subcommand
click knows, so a new one without an example fails at once: its help has an `Examples` heading
followed by at least one line that runs that very command (`vobs chaos run …` for `chaos run`)."""

from __future__ import annotations

import click
import pytest

from vertice_obs.cli import cli


def _walk(command: click.Command, path: tuple[str, ...]):
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from _walk(sub, (*path, name))


COMMANDS = list(_walk(cli, ("vobs",)))


def _examples(path: tuple[str, ...], command: click.Command) -> list[str]:
    with click.Context(command, info_name=" ".join(path)) as ctx:
        lines = command.get_help(ctx).splitlines()
    heading = next((i for i, line in enumerate(lines) if line.strip().startswith("Examples")), None)
    if heading is None:
        return []
    block = []
    for line in lines[heading + 1:]:
        if not line.startswith("    "):  # the indented block under the heading ends
            break
        block.append(line.strip())
    return block


def test_the_walk_sees_nested_commands():
    paths = {" ".join(p) for p, _ in COMMANDS}
    assert {"vobs", "vobs checks", "vobs chaos", "vobs chaos run", "vobs validate"} <= paths


@pytest.mark.parametrize("path,command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_command_help_has_an_example_of_itself(path, command):
    examples = _examples(path, command)
    assert examples, f"{' '.join(path)} --help has no 'Examples:' block"
    own = " ".join(path)
    assert any(line == own or line.startswith(own + " ") for line in examples), \
        f"{own} --help: no example runs {own}: {examples}"


def test_readme_names_every_option_of_every_command():
    """README "Commands" is where a reader looks for an option (`-C`, `-v`, `--progress`,
    `chaos run --http-timeout` were missing): each option click knows is named there, by one of
    its spellings."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    missing = [f"{' '.join(path)} {option.opts[0]}" for path, command in COMMANDS for option in command.params
               if isinstance(option, click.Option) and option.name != "help"
               and not any(re.search(re.escape(name) + r"(?![\w-])", readme)
                           for name in option.opts + option.secondary_opts)]
    assert missing == []
