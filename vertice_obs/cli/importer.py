"""`vobs import`: existing dashboards (files, folders, `vobs pull` output, or Grafana by uid) →
house-style modules under `dashboards/`, optionally as chapters of a narrative.

Everything is read, migrated and generated first; only then is anything written (atomically, each
path through `guard.paths.safe_join`): a bad source, a collision, or titles `vobs build` would refuse
(two of a title in a narrative's folder: `import_places.title_problems`) write nothing at all, and every
source is read first, so that one run names every problem of every file (and, when there were
others, that nothing was written). A new project (no narratives/) needs --narrative: `vobs build`
renders only the chapters of narratives.
"""

from __future__ import annotations

import re
from pathlib import Path

import click

from vertice_obs.cli.app import cli
from vertice_obs.cli.import_places import Imported, place, title_problems
from vertice_obs.cli.options import (
    ENV,
    FORMAT,
    GRAFANA_TOKEN,
    GRAFANA_URL,
    ORG,
    TIMEOUT,
    count,
    project_of,
)
from vertice_obs.errors import InputError, listing
from vertice_obs.files import NotAFile, read_regular, write_atomic
from vertice_obs.guard.paths import check_uid, check_writable, json_files, safe_join
from vertice_obs.guard.text import escape
from vertice_obs.output import machine_json

# What `vobs pull` and `vobs build` write beside the dashboards: not dashboards, skipped without a note.
_NOT_DASHBOARDS = ("inventory.json", "manifest.json")
_SHOWN = 50  # shape problems said per dashboard: all of any dashboard's, and of a hostile file, a screenful


class _NotADashboard(InputError):
    """JSON that is no dashboard: an error for a file named on the command line, a note in a folder."""


def _read(path: Path, shown: str) -> dict:
    from vertice_obs.build.shape import json_kind, shape_problems
    from vertice_obs.jsonpos import Positions, dashboard_in, unreadable
    from vertice_obs.jsonpos.positions import pointer
    from vertice_obs.jsonpos.strict import parse_json
    from vertice_obs.located_yaml import decode_text

    text = decode_text(read_regular(path, shown), shown)  # not UTF-8: named, at the first bad byte
    document = parse_json(text, shown)
    data, root = dashboard_in(document)
    why = unreadable(document) if root == "" else None
    if why is not None:  # a Grafana dashboard, but not one with a classic model (schema v2, a list)
        raise _NotADashboard(f"is {why[0]}", shown, *Positions(text).near(why[1]))
    if not isinstance(data, dict):
        raise _NotADashboard(f"is {json_kind(data)}, not a Grafana dashboard (an object with panels)", shown, 1)
    if not ("panels" in data or "rows" in data or "title" in data):
        raise _NotADashboard("is not a Grafana dashboard (no `panels`, `rows` or `title`)", shown, 1)
    found: list[Positions] = []  # made once, only for a number a problem quotes (most files have none)

    def written(path: tuple) -> str | None:  # a number as the file writes it: `1e308`, never Python's `1e+308`
        if not found:
            found.append(Positions(text).within(root))
        return found[0].written(pointer(path))

    problems = shape_problems(data, written)
    if problems:
        positions = found[0] if found else Positions(text).within(root)
        raise _shape_errors([InputError(why, shown, *(positions.value(pointer(path)) or (None,)))
                             for path, why in problems], shown)
    return data


def _shape_errors(errors: list[InputError], shown: str) -> InputError:
    """Every shape problem of one dashboard, one line each in the file's order (the first carrying
    the rest): the first `_SHOWN` of them, and a line saying how many more there are."""
    errors = sorted(errors, key=lambda e: (e.line or 0, e.column or 0))
    if len(errors) > _SHOWN:
        errors = [*errors[:_SHOWN], InputError(f"{len(errors) - _SHOWN} more problems like these", shown)]
    return InputError.together(errors)


def _sources(sources: tuple[Path, ...], display) -> tuple[list[tuple[str, dict]], list[str], list[InputError]]:
    """(shown name, model) per dashboard, a note per file skipped, and the errors of the files
    refused — every file is read, so that one run names every file to fix. A folder is read as
    `vobs validate` reads one (`guard.paths.json_files`: symlinked folders not entered, symlinked
    files leading out of it not read, each said in a note); in a folder, JSON that is no dashboard
    is skipped with a note, while a file named on the command line must be one. The same file named
    twice (or also inside a folder given) is read once."""
    out: list[tuple[str, dict]] = []
    skipped: list[str] = []
    refused: list[InputError] = []
    seen: set[Path] = set()

    def read(path: Path, shown: str, in_folder: bool) -> None:
        try:
            model = _read(path, shown)
        except (NotAFile, _NotADashboard) as exc:
            if not in_folder:
                seen.add(path.resolve())
                refused.append(exc)
            else:  # in a folder: other JSON, a FIFO or a folder named *.json (never opened) is skipped
                skipped.append(f"{shown}: {exc.message}: skipped")
            return
        except InputError as exc:
            refused.append(exc)
        else:
            out.append((shown, model))
        seen.add(path.resolve())

    for source in sources:
        if not source.is_dir():
            if source.resolve() not in seen:
                read(source, display(source), in_folder=False)
            continue
        files, passed = json_files(source, _NOT_DASHBOARDS)
        skipped.extend(f"{display(link)}: {why} (name it to import it)" for link, why in passed)
        found = 0
        for path in files:
            if path.resolve() not in seen:
                read(path, display(path), in_folder=True)
            found += path.resolve() in seen
        if not found:
            passed_over = "; ".join(f"{display(link)}: {why}" for link, why in passed)
            raise InputError("holds no dashboard JSON file" + (
                f" ({count(len(files), 'JSON file')}, none a dashboard)" if files else "")
                + (f" ({passed_over})" if passed_over else ""), display(source))
    return out, skipped, refused


def _pulled_folders(sources: tuple[Path, ...], display, notes: list[str]) -> dict[str, tuple[str, str]]:
    """uid → (folder path, folder uid) for the dashboards `vobs pull` wrote among `sources`, from the
    `inventory.json` beside them: where they are in Grafana, for a new narrative to adopt. A folder
    given is looked up in its own inventory; a file named alone in the one of its folder (import's
    advice for a pull of several folders is to name each folder's files), by uid as for a folder.
    An inventory that cannot be read, or is a symlink leading out of its folder (the rule for every
    file a folder handed over holds), adds a note, and its dashboards' folders are not known."""
    from vertice_obs.grafana.pull import INVENTORY, earlier_inventory
    from vertice_obs.guard.paths import LINK_OUT, UID_RE, links_out
    from vertice_obs.guard.text import escape

    out: dict[str, tuple[str, str]] = {}
    read: dict[Path, list[dict] | None] = {}  # each folder's inventory read once, however many files name it

    def entries_of(folder: Path) -> list[dict] | None:
        if folder not in read:
            read[folder] = None
            inventory = folder / INVENTORY
            if not inventory.is_file():
                return None
            if links_out(folder, inventory):
                notes.append(f"{display(inventory)}: {LINK_OUT}: the dashboards' Grafana folders are not known")
                return None
            try:
                read[folder] = earlier_inventory(folder, display(folder))
            except InputError as exc:
                notes.append(f"{exc}: the dashboards' Grafana folders are not known")
        return read[folder]

    for source in sources:
        folder_of = source if source.is_dir() else source.parent
        for entry in entries_of(folder_of) or []:
            uid, path, folder = entry.get("uid"), entry.get("folder"), entry.get("folder_uid")
            if isinstance(uid, str) and isinstance(path, str) and isinstance(folder, str):
                if folder and not UID_RE.fullmatch(folder):  # a file anyone may edit: never written into a narrative
                    notes.append(f"{display(folder_of / INVENTORY)}: the folder_uid of '{escape(uid, one_line=True)}', "
                                 f"'{escape(folder, one_line=True)}', is no Grafana uid: its Grafana folder is not known")
                    continue
                out.setdefault(uid, (path, folder))
    return out


def _convert(shown: str, model: dict) -> Imported:
    from vertice_obs.build.shape import json_kind
    from vertice_obs.importer.codegen import module_text
    from vertice_obs.importer.migrate import fallback_uid, migrate

    title = model.get("title")
    if not isinstance(title, str) or not title.strip():  # the module would be one `vobs build` refuses
        said = ("a blank title" if isinstance(title, str) else "no title" if title is None
                else f"a title that is no text ({json_kind(title)})")
        raise InputError(f"the dashboard has {said}: Grafana refuses a dashboard without a title; give it a "
                         "\"title\" and import again", shown)
    uid = model.get("uid")
    if uid is not None and uid != "":
        try:
            check_uid(uid, "dashboard uid")
        except InputError as exc:
            raise InputError(exc.message, shown) from None
    try:
        migrated, notes = migrate(model, fallback_uid(str(model.get("title") or Path(shown).stem)))
        text = module_text(migrated, shown, notes)
    except InputError as exc:
        raise InputError(exc.message, shown) from None
    except RecursionError:  # `shape` refuses what is nested deeper than a module is written; this is its backstop
        raise InputError("the dashboard is nested too deeply to import", shown) from None
    title = migrated.get("title") if isinstance(migrated.get("title"), str) else migrated["uid"]
    return Imported(shown, migrated["uid"], title, None, text, notes)


def _not_inside_another(ctx: click.Context, project) -> None:
    """Run from a folder inside a project (its `narratives/`, say), import would start a second
    project there that the real one never sees, where every other command says where the project
    is. So does import; `-C DIR` says the folder is meant (an empty one starts a new project)."""
    if ctx.find_root().obj.get("root") is not None:
        return
    above = project.enclosing()
    if above is not None:
        raise InputError(f"the project looks to be {above}: run vobs import there, or give -C {above} "
                         "(-C . starts a new project in this folder)")


@cli.command("import")
@click.argument("sources", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--uid", "uids", multiple=True, metavar="UID", help="A dashboard from Grafana, by uid (repeatable).")
@click.option("--narrative", "narrative_id", metavar="ID",
              help="Append the dashboards as chapters of narratives/ID.yaml (created if missing); "
                   "required in a new project (no narratives/).")
@click.option("--chapter-title", "chapter_titles", multiple=True, metavar="TITLE",
              help="The chapter titles, in the order of the dashboards (default: each dashboard's title).")
@click.option("--explain", is_flag=True, help="List the house-style migrations applied to each dashboard.")
@click.option("--force", "--replace", "force", is_flag=True,
              help="Replace the module that already defines a dashboard's uid (never a module of another uid).")
@FORMAT
@ENV
@GRAFANA_URL
@GRAFANA_TOKEN
@ORG
@TIMEOUT
@click.pass_context
def import_(ctx, sources, uids, narrative_id, chapter_titles, explain, force, fmt, grafana_url, grafana_token,
            org_id, timeout) -> None:
    """Turn existing dashboards into house-style modules under dashboards/, one per dashboard.

    SOURCE is a dashboard JSON file, or a folder of them, read recursively (a `vobs pull` output
    folder too; JSON in it that is no dashboard is skipped with a note); --uid fetches from Grafana.
    Each module is named after its dashboard's title (its uid when the title has no ASCII letter or
    digit); titles that would share a module name get a short hash of the uid appended. `vobs build` of the
    module renders the same dashboard, but for the migrations `--explain` lists (graph → timeseries,
    singlestat → stat, rows → row panels, __inputs → datasource variables, schemaVersion, reflowed
    positions) and the narrative's story panel, links and tags. Every problem of every source is
    said in one run; if any is refused, nothing is written (all of them or none) — so is one whose
    title another dashboard has in the Grafana folder of its narrative, as `vobs build` refuses it.

    \b
    Examples:
      vobs import pulled/ --narrative services --explain
      vobs import "swagger-stats dashboard v3.json"
      vobs import --uid abc123 --narrative services --chapter-title "The API at a glance"
    """
    from vertice_obs.build.narrative import load_narrative
    from vertice_obs.importer.chapters import (
        adopted_folder,
        append_chapters,
        new_narrative,
    )

    if not sources and not uids:
        raise click.UsageError("say what to import: a JSON file, a folder, or --uid")
    for uid in uids:
        check_uid(uid, "--uid")
    if narrative_id is not None and not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", narrative_id):
        raise InputError(f"--narrative {narrative_id!r}: a narrative id is lowercase letters, digits and dashes "
                         "(at most 40)")
    project = project_of(ctx, grafana_url=grafana_url, grafana_token=grafana_token, grafana_org_id=org_id)
    _not_inside_another(ctx, project)
    if chapter_titles and narrative_id is None:
        raise click.UsageError("--chapter-title names a chapter: it needs --narrative ID")
    loaded, skipped_files, refused = _sources(sources, project.display)
    homes = _pulled_folders(sources, project.display, skipped_files)  # uid → (folder path, folder uid)
    for note in skipped_files:
        click.echo(f"vobs: note: {escape(note, one_line=True)}", err=True)
    if uids:
        from vertice_obs.build.shape import shape_problems
        from vertice_obs.cli.grafana import connect, grafana_target
        from vertice_obs.grafana.pull import folder_entry, known_folders

        _project, target = grafana_target(ctx, grafana_url, grafana_token, org_id, timeout)
        connect(target)
        tree: dict = {}  # each dashboard's folder (to adopt it), looked up alone: no walk of the whole tree
        for uid in uids:
            live = target.get(uid, history=False)
            if live is None:
                raise InputError(f"dashboard {uid!r} not found in {target.description}")
            problems = shape_problems(live.model)
            if problems:
                refused.append(_shape_errors([InputError(why, f"grafana:{uid}") for _, why in problems],
                                             f"grafana:{uid}"))
            else:
                loaded.append((f"grafana:{uid}", dict(live.model)))
                if narrative_id is not None:
                    tree = known_folders(target, [live.folder_uid], tree)
                entry = folder_entry(live.folder_uid, tree, target.nested_folders, target.description)
                homes[uid] = (entry["folder"], entry["folder_uid"])
    imported = []
    for shown, model in loaded:
        try:
            imported.append(_convert(shown, model))
        except InputError as exc:
            refused.append(exc)
    if refused:
        raise _nothing_imported(refused, len(imported) + len(refused))
    if len(chapter_titles) > len(imported):
        raise click.UsageError(f"{len(chapter_titles)} --chapter-title for {count(len(imported), 'dashboard')}")
    defined = place(imported, project, force)
    if narrative_id is None and not project.narratives_dir.is_dir():
        # A new project: without a narrative, `vobs build` would fail (no narratives/) or, given an
        # empty one, render none of these dashboards. Refused before anything is written.
        raise InputError(f"no {project.display(project.narratives_dir)}/ here, and `vobs build` renders only the "
                         "chapters of narratives: pass --narrative ID (narratives/ID.yaml is created, the dashboards "
                         "its chapters); nothing was written")

    narrative_text = skipped = None
    created = False
    if narrative_id is not None:
        path = safe_join(project.narratives_dir, f"{narrative_id}.yaml", what="narrative id")
        chapters = [(d.uid, chapter_titles[i] if i < len(chapter_titles) else d.title) for i, d in enumerate(imported)]
        if path.exists():
            narrative_text, skipped = append_chapters(read_regular(path, project.display(path)).decode("utf-8"),
                                                      project.display(path), chapters)
        else:  # a new narrative adopts the Grafana folder its dashboards are in: publish leaves them there
            folder = adopted_folder(homes, [d.uid for d in imported])
            narrative_text, skipped, created = new_narrative(narrative_id, chapters, folder), [], True
            try:  # read as `vobs build` reads it: a narrative build refuses is not written (`--narrative general`)
                load_narrative(path, project.display(path), narrative_text)
            except InputError as exc:
                raise InputError(f"--narrative {narrative_id}: {project.display(path)} would be refused: {exc.message} "
                                 "— pass another --narrative id; nothing was written") from None
    written = (path, narrative_text) if narrative_text is not None else None
    clashes = title_problems(imported, project, written, defined)
    if clashes:  # a project `vobs build` refuses is not written
        raise _nothing_imported(clashes, len(imported))
    # Every target writable before the first write: a narrative that cannot be written must not
    # leave the modules half-imported.
    for target in [item.module for item in imported] + ([path] if narrative_text is not None else []):
        check_writable(target, shown=project.display(target))
    for item in imported:
        write_atomic(item.module, item.text)
    if narrative_text is not None:
        write_atomic(path, narrative_text)
    _report(imported, project, fmt, explain, narrative_id and project.display(path), skipped or [], created)


def _nothing_imported(refused: list[InputError], dashboards: int) -> InputError:
    """Every refused dashboard's errors (each file's own lines, in order), and — when there were
    others — a last line saying that none was written: an import writes every dashboard or none."""
    errors = [line for exc in refused for line in (exc, *exc.also)]
    if dashboards > 1:
        files = list(dict.fromkeys(exc.file or "?" for exc in refused))
        them = "it" if len(files) == 1 else "them"
        errors.append(InputError(f"nothing was written: {len(files)} of {count(dashboards, 'dashboard')} refused "
                                 f"({listing(files)}); an import writes all of them or none" + (
                                     f" — fix {them}, or import the others without {them}"
                                     if len(files) < dashboards else "")))
    return InputError.together(errors)


def _report(imported: list[Imported], project, fmt: str, explain: bool, narrative: str | None,
            skipped: list[str], created: bool = False) -> None:
    if fmt == "json":
        click.echo(machine_json("import", imported=[{"source": d.source, "uid": d.uid, "module": project.display(
            d.module), "migrations": d.notes} for d in imported], narrative=narrative, already_chapters=skipped))
        return
    for d in imported:
        click.echo(f"{escape(d.source, one_line=True)} → {escape(project.display(d.module), one_line=True)} "
                   f"(uid {escape(d.uid, one_line=True)})")
        if explain:
            for note in d.notes or ["no migration: the dashboard is already in the house model"]:
                click.echo(f"  - {escape(note, one_line=True)}")
    if narrative:
        added = len(imported) - len(skipped)
        done = "in the new narrative" if created else "appended to"
        click.echo(f"{count(added, 'chapter')} {done} {escape(narrative, one_line=True)}: write each story "
                   f"(`vobs build` warns until the TODOs are gone)")
    click.echo(f"imported {count(len(imported), 'dashboard')}")
