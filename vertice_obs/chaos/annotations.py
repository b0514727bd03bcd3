"""A Chaos Day's Grafana annotations: what each says and is tagged with, the check before the run
that Grafana will take them, and every one that could not be written.

Each fault gets two annotations on every dashboard of the run's narratives (org-wide when they have
none): a point when it is injected and a region from the inject to the revert. Both carry the same
`key:value` tags, which Grafana's tag filter reads (an annotation query `tags: run:chaos-day-1`):
`vobs-chaos`, `run:<id>`, `scenario:<id>`, `step:<label>` and `phase:inject` (the point) or
`phase:fault` (the region, the journal's fault phase). Grafana renders an annotation's text as
(sanitised) HTML, so the text — the scenario's title is the file's — goes through the one HTML escape.

Before anything is injected, `check_grafana` asks Grafana what the run's annotations need: that it
answers and takes the credentials (`/api/health`, `/api/frontend/settings`), and that they may add
annotations (`GET /api/access-control/user/permissions`, served to any signed-in identity — the
token's own permissions, action → scopes, as Grafana's service-account docs read them). A run
annotates dashboards (`annotations:create` with any scope: a dashboard it may not annotate is said
when it happens) or, without any, the organisation (a scope that reaches organisation annotations).
During the run an annotation is a courtesy: one that fails never stops the run or its revert, and
each one not written is said on stderr, in the journal (`annotate-failed`, per dashboard) and in the report.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from vertice_obs.errors import VobsError
from vertice_obs.guard.text import html_text

TAG = "vobs-chaos"
CREATE = "annotations:create"
ORG_SCOPES = {"*", "annotations:*", "annotations:type:*", "annotations:type:organization"}
NOT_STARTED = "not started, nothing was injected"
_WHAT = {"inject": "injection point", "fault": "fault region"}


def annotation(run_id: str, scenario_id: str, title: str, step: str, phase: str) -> tuple[str, list[str]]:
    """(text, tags) of one fault's annotation; `phase`: "inject" (the point) or "fault" (the region)."""
    said = f"Chaos {run_id}: {title} — {step}" + (" injected" if phase == "inject" else "")
    return html_text(said, one_line=True), [TAG, f"run:{run_id}", f"scenario:{scenario_id}", f"step:{step}",
                                            f"phase:{phase}"]


class AnnotationFailed(VobsError):
    """Some dashboards did not take an annotation: `failures` [(dashboard uid, or None for the
    organisation; why)], `written` the dashboards that did."""

    def __init__(self, failures: list[tuple[str | None, str]], written: list[str | None]):
        self.failures, self.written = failures, written
        super().__init__("; ".join(message for _, message in failures))


class GrafanaAnnotator:
    """Annotations on every dashboard of the run's narratives (and an org-wide one if none): each
    dashboard is tried, whatever became of the others."""

    def __init__(self, target, dashboard_uids: list[str]):
        self.target, self.uids = target, dashboard_uids

    def annotate(self, text: str, tags: list[str], start: datetime, end: datetime | None) -> list[str | None]:
        """The dashboards written (None: the organisation); `AnnotationFailed` when any was not."""
        failures, written = [], []
        for uid in self.uids or [None]:
            try:
                self.target.add_annotation(text, tags, _ms(start), _ms(end) if end else None, uid)
                written.append(uid)
            except VobsError as exc:
                failures.append((uid, str(exc)))
        if failures:
            raise AnnotationFailed(failures, written)
        return written


def not_written(exc: BaseException) -> list[tuple[str | None, str] | tuple[str]]:
    """Each (dashboard, why) an exception from `annotate` says was not written; (why,) when it does
    not say which dashboards (an annotator of another kind, or an error of vobs' own)."""
    if isinstance(exc, AnnotationFailed):
        return list(exc.failures)
    return [(str(exc) if isinstance(exc, VobsError) else f"{type(exc).__name__}: {exc}",)]


def where_text(event: dict[str, Any]) -> str:
    """`the injection point of stream-latency 100ms on dashboard maximus-esgt-coherence`, from an
    `annotate-failed` event (older journals say only the scenario)."""
    what = _WHAT.get(str(event.get("phase")), "annotation")
    at = " ".join(str(event[key]) for key in ("scenario", "step") if event.get(key) is not None)
    on = ("" if "dashboard" not in event else " org-wide" if event["dashboard"] is None
          else f" on dashboard {event['dashboard']}")
    return f"the {what}{f' of {at}' if at else ''}{on}"


def failures_of(events: list[Any]) -> list[str]:
    """One line per annotation a journal says was not written: where, then why."""
    return [f"{where_text(e)}: {e.get('message', 'no reason recorded')}" for e in events
            if isinstance(e, dict) and e.get("kind") == "annotate-failed"]


def check_grafana(destination, uids: list[str]) -> str | None:
    """Before the run: raise a `VobsError` when Grafana would take none of its annotations
    (unreachable, credentials refused, no permission to add them where the run adds them); a
    warning to say when the permission could not be asked (None: all checked)."""
    try:
        destination.info()
        permissions = destination.request("/api/access-control/user/permissions", "GET",
                                          "/access-control/user/permissions", dict)
    except VobsError as exc:
        if getattr(exc, "status", 0) != 404:
            raise VobsError(f"the faults could not be annotated: {exc}; {NOT_STARTED}") from None
        return (f"{destination.description} did not say what the token may do ({exc}): whether it may add "
                "annotations is not known until the first one — any not written will be said")
    scopes = permissions.get(CREATE)
    who = f"the token ({destination.token_hint})"
    if not isinstance(scopes, list) or not scopes:
        raise VobsError(f"{destination.description}: {who} may not add annotations (it has no {CREATE} "
                        f"permission), so the faults could not be marked on the dashboards: use a token of an Editor "
                        f"or one granted {CREATE}, or run without a Grafana; {NOT_STARTED}")
    if not uids and not ORG_SCOPES & set(scopes):
        raise VobsError(f"{destination.description}: {who} may add annotations only to dashboards ({CREATE} on "
                        f"{', '.join(map(str, scopes))}), and the run's narratives have no dashboard in exports/, so "
                        f"its annotations would be organisation-wide: build the narratives' dashboards, or use a "
                        f"token that may add organisation annotations; {NOT_STARTED}")
    return None


def _ms(t: datetime) -> int:
    return int(t.timestamp() * 1000)
