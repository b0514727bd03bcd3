"""Guard: one guarded path for each cross-cutting concern, so each is fixed once, not per case.

Owns: `paths.safe_join` (every name from outside becomes a path only through it), `secrets`
(the one redaction of URLs, tokens and passwords in anything vobs prints or writes),
`text.escape` (control characters from input or servers never reach a terminal raw),
`markdown.md` (untrusted text in Markdown for GitHub stays text: no cell split, HTML or mention),
`durations.parse_duration` (PromQL's one duration grammar, for flags, chaos files and variables) and
`http` (one total deadline and one size cap for every HTTP exchange). Part of the shared kernel.
May import: `vertice_obs.errors` only (and promql_parser, lazily, for durations). Must not import any stage.
"""
