"""What Grafana before 11.3 refuses for titles, said before anything is written. Pure.

Before 11.3 (grafana/grafana#90687 removed it) Grafana looked up every save — a dashboard's, or a
folder's, which were rows of the dashboard table too — by ONE row of its title (its slug before
9.5.7 and 10.0.2, grafana/grafana#70723) among the folders and the dashboards of the folder it goes
to (`getExistingDashboardByTitleAndFolder`), and refused: a dashboard titled like a folder (`400
name-match`; any folder before 10.4, from 10.4 one beside it, grafana/grafana#77076), a folder
beside a folder of its title (`ErrFolderSameNameExists`, 409 from 10), a root folder titled like a
dashboard of the General folder (`400`). Met mid-publish, each left the writes before it applied.
Only titles EXACTLY alike (trimmed) are refused here — one title to every version's comparison —
since a refusal here must never stop a publish Grafana would take. Each is a message, whole but for what the caller
adds (publish: "nothing was published").

May import: `grafana.folders` (pure).
"""

from __future__ import annotations

from typing import Mapping, Sequence

from vertice_obs.grafana.folders import (
    Folder,
    root_title_clashes,
    titled_like_folders,
    twins,
)


def folder_refusals(new: Sequence[Folder], existing: Mapping[str, Folder], nested: bool, root: Mapping[str, str],
                    where: str) -> list[str]:
    """The folders to make (`new`) whose title is taken where they would be made: beside a folder of
    that title (`twins`) or, at the root, beside a dashboard of the General folder (`root`: uid →
    title; `root_title_clashes`). `where`: the Grafana, as messages name it."""
    return ([f"folder {f.title!r} (uid {f.uid}) would be made beside the existing folder {live.title!r} (uid "
             f"{live.uid}): {where} refuses a second folder of one title in one place (Grafana 11.3 allows it) — add "
             f"`folder_uid: {live.uid}` to its narrative to publish into that one, or rename the narrative's folder"
             for f, live in twins(new, existing, nested, exact=True)]
            + [f"folder {f.title!r} (uid {f.uid}) would be titled like the dashboard {title!r} (uid {uid}) in the "
               f"General folder: {where} refuses a folder titled like a dashboard beside it (400; Grafana 11.3 allows "
               "it) — retitle that dashboard or rename the narrative's folder"
               for f, (uid, title) in root_title_clashes(new, nested, root)])


def title_refusals(saved: Mapping[str, tuple[str, str]], folders: Mapping[str, Folder], where: str, beside: bool,
                   nested: bool) -> list[tuple[str, str]]:
    """(uid, message) of each dashboard to save (`saved`: uid → (title, folder uid)) titled like a
    folder (`folders`: there and to be made, as they will be) — any, or from 10.4 (`beside`) one in
    its own folder (`titled_like_folders`)."""
    which = "a folder beside it" if beside else "any folder"
    return [(uid, f"dashboard {uid!r} is titled {saved[uid][0]!r}, like the folder {folder.title!r} (uid {folder.uid}): "
                  f"{where} refuses a dashboard titled like {which} (400 name-match; Grafana 11.3 allows it) — "
                  "retitle the dashboard or the folder")
            for uid, folder in titled_like_folders(saved, folders.values(), beside, nested).items()]
