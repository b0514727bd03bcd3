"""`vobs pull`: export live dashboards as normalised JSON, with an inventory of their queries."""

from __future__ import annotations

from pathlib import Path

import click

from vertice_obs.cli.app import cli, say
from vertice_obs.cli.grafana import connect, grafana_target
from vertice_obs.cli.grafana_report import show as _show
from vertice_obs.cli.options import (
    ENV,
    GRAFANA_TIMEOUT,
    GRAFANA_TOKEN,
    GRAFANA_URL,
    ORG,
    TLS,
    UID,
    check_output_folder,
    count,
)
from vertice_obs.errors import EXIT_PARTIAL, InputError, Interrupted, VobsError
from vertice_obs.files import write_atomic
from vertice_obs.guard.paths import check_uid


@cli.command("pull")
@ENV
@GRAFANA_URL
@GRAFANA_TOKEN
@ORG
@UID
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="Only dashboards with this tag (repeatable: all of them).")
@click.option("--folder", "folders", multiple=True, metavar="FOLDER",
              help="Only dashboards in this folder and its sub-folders, at any depth: a folder uid, or its path as "
                   "Grafana shows it ('Team A', 'Team A/Backend'). Repeatable. One that matches no folder is an error, as is "
                   "one that names two (give a uid, or a full path only one has).")
@click.option("--all", "pull_all", is_flag=True, help="Every dashboard.")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), default=Path("pulled"),
              show_default=True, help="Folder to write the JSON and inventory.json to (made if missing, but not the "
                                      "folders above it).")
@GRAFANA_TIMEOUT
@TLS
@click.pass_context
def pull_(ctx, grafana_url, grafana_token, org_id, uids, tags, folders, pull_all, output, timeout) -> None:
    """Export live dashboards as normalised JSON, with an inventory of their queries and metrics.

    The curation step before turning an existing dashboard into a narrative chapter, and the way
    to bring an edit made in Grafana's UI back for review. inventory.json lists dashboard →
    panels → queries → metrics for every dashboard pulled into OUTPUT (by this pull or an earlier
    one) that is still there; `vobs validate OUTPUT` then checks those metrics.

    \b
    Examples:
      vobs pull --uid maximus-dopamine-overview -o review/
      vobs pull --tag maximus -o pulled/
      vobs pull --folder 'Team A' -o team-a/     # Team A and every folder inside it
      vobs pull --all
    """
    from vertice_obs.build.render import to_json_text
    from vertice_obs.grafana.pull import (
        INVENTORY,
        earlier_inventory,
        folder_entry,
        folder_trees,
        known_folders,
        merge_inventory,
        pull,
    )
    from vertice_obs.metrics.validation import query_inventory

    if not (uids or tags or folders or pull_all):
        raise click.UsageError("say what to pull: --uid, --tag, --folder or --all")
    for value in uids:  # before any request: a non-uid could address another resource
        check_uid(value, "--uid")
    check_output_folder(output)  # before Grafana is asked: -o DIR is made, not the folders above it
    _project_, target = grafana_target(ctx, grafana_url, grafana_token, org_id, timeout)
    connect(target)
    shown = _show(output)
    earlier = earlier_inventory(output, shown)  # before anything is written: a file not ours stops the pull
    tree = target.folders() if folders else {}  # the whole tree only for what --folder names
    trees = folder_trees(target, folders, tree)  # a --folder is compared with the folders' uids and paths, never sent
    try:
        result = pull(target, output, tags=tags, folder_uids=trees, uids=uids)
    except Interrupted as exc:
        raise Interrupted(_interrupted(exc.done, shown)) from None
    problems = _not_written(target.description, shown, result)  # each kind of dashboard not written, in turn
    gone = [u for u in result.vanished if u not in uids]  # asked-for ones are `missing`, below
    if not result.pulled:  # nothing written: no inventory, no "pulled 0" said as if all went well
        _nothing_pulled(target.description, shown, problems, result, gone)
        return
    try:  # each pulled dashboard's folder path, asked after the dashboards were written
        tree = known_folders(target, result.folders.values(), tree)
    except KeyboardInterrupt:
        raise Interrupted(_interrupted([uid for uid, _ in result.pulled], shown)) from None
    except VobsError as exc:
        raise _Partial(f"{exc}; pulled {len(result.pulled)} into {shown}/ but their Grafana folders are not known, "
                       f"so {INVENTORY} is not updated: run vobs pull again") from None
    fresh = [{**query_inventory(f"{output}/{uid}.json", model),
              **folder_entry(result.folders.get(uid, ""), tree, target.nested_folders, target.description)}
             for uid, model in result.pulled]
    write_atomic(output / INVENTORY, to_json_text({"dashboards": merge_inventory(output, earlier, fresh)}))
    click.echo(f"pulled {count(len(fresh), 'dashboard')} from {target.description} → {shown}/")
    _say_gone(gone)
    missing = f"not found in {target.description}: {', '.join(_show(u) for u in result.missing)}"
    if result.stopped is not None:
        raise _Partial("; ".join([f"{result.stopped}", *problems]) + f"; pulled {len(result.pulled)} into {shown}/ "
                       "before it (inventory.json lists them): run vobs pull again for the rest")
    if problems:  # every one said, not the first kind alone (trial 22)
        raise _Partial("; ".join([*problems, *([missing] if result.missing else [])])
                       + f"; pulled {len(result.pulled)} into {shown}/")
    if result.missing:
        raise InputError(missing)


def _interrupted(written: list[str], shown: str) -> str:
    """Ctrl-C during a pull, said with what it left (trial 16: "vobs: interrupted" alone, beside files
    with no inventory, which `vobs import` then read without their Grafana folders)."""
    if not written:
        return f"interrupted before any dashboard was written to {shown}/: nothing pulled"
    return (f"interrupted after writing {count(len(written), 'dashboard')} to {shown}/ ({_some([_show(u) for u in written])}) and "
            "before inventory.json was updated, so vobs import would not know their Grafana folders: run vobs "
            "pull again")


def _nothing_pulled(server: str, shown: str, problems: list[str], result, gone: list[str]) -> None:
    """Say why a pull wrote nothing: an error (exit 2) when something asked for was not pulled, else a
    warning (a selection that matches nothing)."""
    _say_gone(gone)
    if result.missing:
        problems = [*problems, f"not found in {server}: {', '.join(_show(u) for u in result.missing)}"]
    if problems:  # every one said, not the first kind alone (trial 22)
        raise InputError("; ".join(problems) + "; nothing pulled")
    why = "every dashboard it listed was gone when read" if gone else "no dashboard matched"
    say(f"vobs: warning: nothing pulled from {server} ({why}); nothing written to {shown}/", err=True)


def _not_written(server: str, shown: str, result) -> list[str]:
    """What the pull did not write, one part per kind, each naming its dashboards: uids that are not
    Grafana uids, JSON naming another uid, a uid whose file is already a symlink (or FIFO, …) and one
    whose file would be the inventory."""
    out = []
    if result.refused:
        out.append(f"{server} returned {count(len(result.refused), 'dashboard uid')} that "
                   f"{'is not a Grafana uid' if len(result.refused) == 1 else 'are not Grafana uids'}, not written: "
                   f"{_some([_show(repr(u)) for u in result.refused])}")
    if result.mislabelled:
        named = [f"{uid} (its JSON says uid {_show(repr(other))})" for uid, other in result.mislabelled]
        out.append(f"{server} returned {count(len(result.mislabelled), 'dashboard')} whose JSON "
                   f"names another uid, not written: {_some(named)}")
    if result.not_over:  # the guard's words: `{shown}/<uid>.json is a symlink, not a regular file: not written over`
        named = [f"{shown}/{uid}.json {why.removesuffix(NAME_A_FILE)}" for uid, why in result.not_over]
        out.append(f"{count(len(result.not_over), 'dashboard')} not written: {_some(named)} (move it away, or pull "
                   "into another folder)")
    if result.clashing:
        out.append(_clash(result.clashing, shown))
    return out


NAME_A_FILE = " (name a regular file)"  # `not_over_a_special_file`'s remedy, for a file the user names: pull names none


def _say_gone(gone: list[str]) -> None:
    if gone:
        say(f"vobs: warning: {count(len(gone), 'dashboard')} listed by the search but gone when read (deleted "
            f"meanwhile, or not readable with this token): {_some(gone)}", err=True)


def _clash(uids: list[str], shown: str) -> str:
    from vertice_obs.grafana.pull import INVENTORY

    return (f"dashboard uid {', '.join(uids)} is not written: its file would be {shown}/{INVENTORY}, the inventory "
            "vobs pull writes beside the dashboards (export it from Grafana, or give it another uid)")


class _Partial(VobsError):
    exit_code = EXIT_PARTIAL


def _some(items: list[str], shown: int = 5) -> str:
    """The first `shown` of `items`, then `…` when there are more: a line a person reads to the end."""
    return ", ".join(items[:shown]) + (", …" if len(items) > shown else "")
