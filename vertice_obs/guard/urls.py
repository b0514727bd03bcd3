"""The one place where a server URL is read and an API URL is built from it.

Users write server URLs as their deployment has them: behind a reverse proxy under a sub-path
(`https://host/grafana`, `https://host/prometheus/`), with a token the proxy takes as a query
parameter (`?token=…`), with an IPv6 literal (`http://[::1]:9090`), with `user:pass@`. Gluing an
API path onto such a URL as text goes wrong in every one of these cases (`/grafanaapi/…`,
`?token=x/api/v1/…`, `http://::1:9090`). So:

- `parse` reads a URL once into a `ServerURL`: scheme, host (IPv6 kept in brackets), port, base
  path (without trailing slashes), the query string (kept as written, sent on every request),
  and the `user:pass@` pair (sent as basic auth, never part of a URL that is shown or sent).
  Its secrets are registered with `guard.secrets` where they enter.
- `ServerURL.join` puts an API path *under* the base path and keeps the base's query string.
- `segment` is the one encoder for path segments that come from data (uids, names): each is
  percent-encoded whole, so `alpha?x=1` can never become a query or `a/b` two segments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

from vertice_obs.errors import InputError
from vertice_obs.guard.secrets import redact_url, register_url
from vertice_obs.guard.text import escape

__all__ = ["ServerURL", "parse", "segment", "shown", "why_not"]


@dataclass(frozen=True)
class ServerURL:
    scheme: str
    host: str  # as it goes in a URL: an IPv6 literal keeps its brackets
    port: int | None
    path: str  # the base path: "" or "/grafana" — never a trailing slash
    query: str  # as written, without "?": preserved on every request
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)

    @property
    def netloc(self) -> str:
        return self.host if self.port is None else f"{self.host}:{self.port}"

    @property
    def base(self) -> str:
        """Scheme, host, port and base path — no credentials, no query string. What is shown in
        messages (the query string often carries a token) and the prefix every request starts with."""
        return f"{self.scheme}://{self.netloc}{self.path}"

    @property
    def auth(self) -> tuple[str, str] | None:
        """`user:pass@` as a basic-auth pair (unquoted), or None."""
        return (self.username or "", self.password or "") if self.username is not None else None

    def join(self, api_path: str) -> str:
        """`api_path` (`/api/search`, `api/v1/query`, `/fault/x?y=1`) under the base path, with the base's
        query string first and the path's own query after it. The path is code's (or a scenario
        author's) text: segments from data must already have gone through `segment`."""
        path, _, extra = api_path.partition("#")[0].partition("?")
        query = "&".join(q for q in (self.query, extra) if q)
        joined = f"{self.path}/{path.lstrip('/')}" if path.strip("/") else (self.path or "/")
        return f"{self.scheme}://{self.netloc}{joined}" + (f"?{query}" if query else "")


def parse(url: object, what: str = "URL") -> ServerURL:
    """A server URL as a user writes it, or `InputError` naming `what` (the URL shown redacted).
    Registers its password and `token=`-style values as secrets first."""
    text = str(url or "").strip()
    try:
        register_url(text)
        given = shown(url or "")  # as given: the spaces around it too
        parts = urlsplit(text)
    except ValueError as exc:  # an IPv6 literal without its closing bracket
        raise InputError(f"{what} is not a valid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise InputError(f"{what} {given} is not an http:// or https:// URL ({why_not(url, what)})")
    try:
        port = parts.port
        hostname = parts.hostname
    except ValueError as exc:
        raise InputError(f"{what} {given} is not a valid URL: {exc}") from None
    if not hostname:
        raise InputError(f"{what} {given} has no host")
    host_part = parts.netloc.rpartition("@")[2]
    if host_part.startswith("["):  # IPv6 literal: keep the brackets (and any zone id) as written
        host = host_part[: host_part.index("]") + 1]
    else:
        host = hostname
    if re.search(r"[\s<>\"\\^`{|}]", host):
        raise InputError(f"{what} {given} has an invalid host")
    username = unquote(parts.username) if parts.username is not None else None
    password = unquote(parts.password) if parts.password is not None else None
    path = re.sub(r"/+$", "", parts.path)
    if " " in path:
        path = quote(path, safe="/%:@!$&'()*+,;=-._~")
    return ServerURL(scheme, host, port, path, parts.query, username, password)


def shown(value: object) -> str:
    """A URL as it was given, for a message: quoted and escaped on one line, the whitespace around it
    kept (it may be why the URL is refused), its `user:pass@`, query string and fragment dropped by the
    one redaction of URLs (`redact_url`, which would also drop that whitespace)."""
    text = str(value)
    core = text.strip()
    lead = text[: len(text) - len(text.lstrip())]
    return escape(repr(lead + redact_url(core) + text[len(lead) + len(core):]), one_line=True)


def why_not(value: object, what: str) -> str:
    """Why a URL (of `what`: a setting, a flag) with no http:// or https:// at its start is refused: what
    starts it before the scheme (a space pasted with it), else that the scheme is missing."""
    text, port = str(value), 3000 if "grafana" in what.lower() else 9090
    if text.strip().lower().startswith(("http://", "https://")):
        return f"it starts with {'a space' if text[0] == ' ' else 'whitespace'}: remove it"
    return f"add the scheme, e.g. http://host:{port}"


def segment(value: object) -> str:
    """One path segment from data (a uid, a name), percent-encoded whole: `/`, `?`, `#`, `%` and
    everything else outside the unreserved set become `%XX`. Empty, `.` and `..` — which a server
    or a proxy would resolve as paths — are refused."""
    text = str(value)
    if text in ("", ".", ".."):
        raise InputError(f"{text!r} cannot be a URL path segment")
    return quote(text, safe="")
