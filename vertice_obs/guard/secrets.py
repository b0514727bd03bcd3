"""The one redaction: nothing vobs prints, journals or reports carries a password or a token.

Every secret vobs is given (tokens, passwords in URLs, basic-auth pairs) is `register`ed where it
enters; `redact_text` then removes every registered value, anything that looks like credentials in
a URL (with or without a scheme), and Authorization/Bearer/Basic values and `token=`-style
parameters that a server echoes back. The CLI's single error path and every writer of journals and
reports call it.
"""

from __future__ import annotations

import re
import threading
from urllib.parse import quote, unquote, urlsplit, urlunsplit

MASK = "<redacted>"
_lock = threading.Lock()
_known: set[str] = set()

# user:pass@host — with or without a scheme (`user:pass@host:9090`): the userinfo before an `@`.
# Linear in the text: a match may start only where a run of userinfo characters starts (the
# lookbehind), so a long run without `@` (a token, a JSON error without spaces) is scanned once,
# not once from each of its characters. The run's leading colons stay; the scheme stays as it is.
_URL_CREDENTIALS = re.compile(r"(?<![^\s/@'\"<>])(?P<lead>:*)[^\s/@:'\"<>]+:[^\s/@'\"<>]*@(?=[A-Za-z0-9\[])")
_AUTH_HEADER = re.compile(r"(?i)\b(authorization|proxy-authorization|x-api-key|api[-_]?key|cookie|set-cookie)"
                          r"(\s*[:=]\s*)(\"?)([^\s\"',;]+(?:\s+[^\s\"',;]+)?)")
_BEARER = re.compile(r"(?i)\b(bearer|basic|token)(\s+)([A-Za-z0-9._~+/=-]{6,})")
# After "token", prose is common ("the token cannot be used", "token expired."): the word is masked
# only when it looks made by a machine — a digit or one of `_~+/=` in it, or 20 characters or more.
# After "Bearer"/"Basic" a word is the credential whatever it looks like.
_MACHINE_MADE = re.compile(r"[0-9_~+/=]|^.{20,}$")
# A parameter name that says "credential" anywhere in it: auth_token, private_token, client_secret,
# X-Amz-Signature, subscription-key, id_token, jwt, pwd, session… (echoed back by a server, or in a
# configured URL).
# Linear, without a bound on the name: the lookahead finds the word once, from where the name starts
# (`[\w.-]*` before and after the word backtracked over every split of a long name).
_SECRET_NAME = r"(?=[\w.-]*?(?:token|secret|key|pass|pwd|auth|sig|session|jwt|credential|cookie))[\w.-]+"
_QUERY_SECRET = re.compile(rf"(?i)([?&;]{_SECRET_NAME}=)([^&#\s'\"]+)")
# A JWT is tried only where a run of its characters starts, from the run's first `eyJ` at a word
# boundary (atomic: if that one is no JWT, no later one in the run is): `-eyJ` repeated scanned
# the run's rest from each. `pre`, the run before it, stays.
_GRAFANA_TOKEN = re.compile(r"\bglsa_[A-Za-z0-9_]{8,}\b|(?<![A-Za-z0-9_-])(?>(?P<pre>[A-Za-z0-9_-]*?)\beyJ)"
                            r"[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{5,}")


def register(*values: object) -> None:
    """Remember secrets (tokens, passwords) so that every later message is scrubbed of them."""
    with _lock:
        for value in values:
            if isinstance(value, str) and len(value) >= 3:
                _known.add(value)
                _known.add(quote(value, safe=""))
                _known.add(unquote(value))


def redact_text(text: object) -> str:
    """`text` with every known secret and every credential-shaped substring masked."""
    out = str(text)
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for value in known:
        if value and value in out:
            out = out.replace(value, MASK)
    out = _URL_CREDENTIALS.sub(lambda m: f"{m.group('lead')}{MASK}@", out)
    out = _AUTH_HEADER.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)}{MASK}", out)
    out = _BEARER.sub(_mask_bearer, out)
    out = _QUERY_SECRET.sub(lambda m: f"{m.group(1)}{MASK}", out)
    return _GRAFANA_TOKEN.sub(lambda m: f"{m.group('pre') or ''}{MASK}", out)


def _mask_bearer(m: re.Match[str]) -> str:
    word, value = m.group(1), m.group(3)
    if word.lower() == "token" and not _MACHINE_MADE.search(value.rstrip(".-")):
        return m.group(0)
    return f"{word}{m.group(2)}{MASK}"


def redact_url(url: str) -> str:
    """A URL fit for messages: no `user:pass@`, no query string or fragment (tokens live there).
    Works without a scheme too (`user:pass@host:9090`), and on URLs too broken to parse."""
    text = str(url)
    try:
        return _redact_url(text)
    except ValueError:  # e.g. an IPv6 literal without its closing bracket
        text = re.sub(r"^((?:[A-Za-z][A-Za-z0-9+.-]*:)?//)?[^/@?#]*@", r"\1", text)
        return re.split(r"[?#]", text, maxsplit=1)[0]


def _redact_url(text: str) -> str:
    if "://" not in text and "@" in text:
        text = "//" + text
        parts = urlsplit(text)
        return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2], query="", fragment=""))[2:]
    parts = urlsplit(text)
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2], query="", fragment=""))


_SECRET_KEY = re.compile(rf"(?i){_SECRET_NAME}")
_LONG_VALUE = 8  # any query value this long is taken for a secret, whatever its parameter's name


def register_url(url: object) -> None:
    """Register the secrets a configured URL carries where it enters vobs: the password of
    `user:pass@` (with or without a scheme), the basic-auth pair as sent on the wire, the values
    of query parameters named like credentials (`token`, `auth_token`, `client_secret`, …) and
    every other query value of 8 or more characters (a gateway's `?k=…` is named anyhow; short
    values such as `orgId=1` stay readable)."""
    import base64
    from urllib.parse import parse_qsl

    user, password, query = _url_parts(str(url or ""))
    if password:
        register(password, unquote(password))
        pair = f"{unquote(user or '')}:{unquote(password)}".encode()
        register(base64.b64encode(pair).decode())
    for key, value in parse_qsl(query, keep_blank_values=False):
        if _SECRET_KEY.fullmatch(key) or len(value) >= _LONG_VALUE:
            register(value)


def url_secret(url: object) -> str | None:
    """The secret a URL carries in plain text, said for a file that must hold none: its password
    (`user:pass@`) or a query parameter named like a credential (`?token=…`); None when it has neither."""
    from urllib.parse import parse_qsl

    _, password, query = _url_parts(str(url or ""))
    if password:
        return "a password (user:password@)"
    named = next((key for key, value in parse_qsl(query) if value and _SECRET_KEY.fullmatch(key)), None)
    return f"a credential in its query string (its {named} parameter)" if named else None


def _url_parts(text: str) -> tuple[str | None, str | None, str]:
    """(user, password, query) of a URL, with or without a scheme, even one too broken to parse."""
    try:
        parts = urlsplit(text if "://" in text else "//" + text)
        return parts.username, parts.password, parts.query
    except ValueError:  # e.g. an IPv6 literal without its closing bracket: read it by hand
        userinfo = re.match(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//([^/@?#]*)@", text if "://" in text else "//" + text)
        user, _, password = (userinfo.group(1) if userinfo else "").partition(":")
        return user, password, text.partition("?")[2].partition("#")[0]
