"""What a destination holds for a dashboard, and what every destination offers.

`LiveDashboard` (a dashboard as the target holds it, with what our last publish recorded),
`Newest` (its newest version, without the model), the `Destination` interface that a Grafana
(`destinations`) and a provisioning folder (`provisioning`) both implement, and the version
message every vobs publish writes (`publish_message`, read back by `recorded_hash`). Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from vertice_obs.grafana.folders import Folder
from vertice_obs.grafana.normalize import content_hash
from vertice_obs.grafana.resources import Listed

__all__ = ["MESSAGE_PREFIX", "Destination", "LiveDashboard", "Newest", "provisioned_file", "publish_message", "recorded_hash"]
MESSAGE_PREFIX = "vobs publish"


@dataclass(frozen=True)
class Newest:
    """A dashboard's newest saved version, without its model: enough to know it is still ours."""

    version: int | None
    message: str


@dataclass(frozen=True)
class LiveDashboard:
    uid: str
    model: dict[str, Any]
    version: int | None
    folder_uid: str
    recorded_hash: str | None  # the content hash our last publish wrote, from its version message
    latest_is_ours: bool = True  # the newest version was saved by vobs
    latest_message: str = ""
    # Grafana holds it from a provisioning file and refuses API saves (`meta.provisioned`): the file
    # (`meta.provisionedExternalId`, "" when unsaid), else None
    provisioned: str | None = None

    @property
    def drifted(self) -> bool:
        """Edited outside vobs since our last publish (or never published by vobs)."""
        return not self.latest_is_ours or self.recorded_hash != content_hash(self.model)

    @property
    def drift(self) -> str:
        """Why a drifted dashboard is not vobs' to overwrite, in the words publish and diff use."""
        return ("edited in Grafana since vobs last published it" if self.recorded_hash
                else "exists in Grafana but was not published by vobs")


    @property
    def provisioning(self) -> str:
        """Why a provisioned dashboard is never written, and what helps, in the words publish and diff use."""
        from vertice_obs.guard.text import escape, folded

        file = f" ({folded(escape(self.provisioned, one_line=True), 120)})" if self.provisioned else ""
        return (f"provisioned from a file in Grafana{file}: Grafana refuses to save it through the API, --force "
                "too — change it in that file, or remove it from provisioning, or give the code's dashboard "
                "another uid")


class Destination(Protocol):
    description: str
    source: str  # which one it is, for records (a backup's): a Grafana's URL redacted, a folder's path
    nested_folders: bool
    # Does it hold folders made elsewhere, which a narrative may adopt (`folder_uid:`)? A Grafana does;
    # a provisioning folder holds only what vobs wrote, by the narratives' paths (`adopted`).
    adopts_folders: bool
    # Does it refuse a dashboard titled (by slug) like any folder of the organisation? Grafana before
    # 11.3 does (400 name-match; grafana/grafana#90687 dropped the rule); a provisioning folder cannot tell.
    folder_titles_reserved: bool
    # With `folder_titles_reserved`: is a dashboard refused only for a folder of its title in its own folder
    # (Grafana 10.4 to 11.2, grafana/grafana#77076), not for one anywhere (before 10.4)?
    folder_titles_beside: bool

    def get(self, uid: str, history: bool = True) -> LiveDashboard | None: ...

    def with_history(self, live: LiveDashboard) -> LiveDashboard: ...

    def newest_version(self, uid: str) -> Newest | None:
        """The newest version's number and message, read cheaply — or None: gone, or this
        destination cannot tell without reading the dashboard itself (then `get` decides)."""

    def existing_uids(self) -> set[str]: ...

    def listed(self) -> dict[str, Listed] | None:
        """Every dashboard whole, by uid, when the destination lists them in a few requests; None
        when it cannot (then `survey` reads each alone)."""

    def search(self, tags: tuple[str, ...] = (), folder_uids: tuple[str, ...] = (),
               uids: tuple[str, ...] = ()) -> list[dict[str, Any]]: ...

    def folders(self) -> dict[str, Folder]: ...

    def folder(self, uid: str) -> dict[str, Folder]:
        """The folder `uid` and (at least) its parents, by uid — {} when there is none of that uid:
        one folder looked up, where `folders` reads them all. One the token may not read raises a
        `DestinationError` of status 403 (Grafana does not say whether it exists)."""

    def create_folder(self, folder: Folder) -> None: ...

    def update_folder(self, folder: Folder, live: Folder) -> None:
        """Give the existing folder `live` (same uid) `folder`'s title and parent."""


    def save(self, model: dict[str, Any], folder_uid: str, message: str, version: int | None) -> int: ...

    def recover(self) -> None:
        """Finish what an interrupted publish left half-written, before a publish writes."""


def publish_message(commit: str, model: dict[str, Any], digest: str | None = None) -> str:
    """`digest`: the model's `content_hash`, when the caller has it already (it is not cheap)."""
    return f"{MESSAGE_PREFIX} {commit} sha256:{digest or content_hash(model)}"


def recorded_hash(message: object) -> str | None:
    if isinstance(message, str) and message.startswith(MESSAGE_PREFIX) and "sha256:" in message:
        return message.rsplit("sha256:", 1)[1].strip()
    return None


def provisioned_file(meta: dict[str, Any]) -> str | None:
    """The provisioning file of a dashboard Grafana refuses to save through the API, else None. Grafana
    sets `meta.provisioned` only when its provisioner has `allowUiUpdates: false` (grafana/grafana
    `pkg/api/dashboard.go` getDashboardHelper; a save then answers 400 "Cannot save provisioned
    dashboard", `ErrDashboardCannotSaveProvisionedDashboard` of `pkg/services/dashboards`)."""
    if meta.get("provisioned") is not True:
        return None
    file = meta.get("provisionedExternalId")
    return file if isinstance(file, str) else ""
