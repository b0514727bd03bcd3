"""Positions in JSON text: the line and column where each value of a JSON document is written.

Owns: `Positions` (JSON pointer → line:column of every value, and of every object key) and
`read_json` (a dashboard file's text → its value and its positions); `documents`: `dashboard_in`
(the dashboard model a document holds — bare, Grafana's API shapes, a dashboard resource — and
where) and `unreadable` (why a Grafana dashboard vobs cannot read is skipped); `schema_v2`:
`classic_of` (a schema v2 dashboard read as the classic model, with where each part is written);
`strict`: `parse_json` (any JSON file vobs reads, with what strict readers refuse noted or an
error at its line). Findings about a query, a
panel, a variable or an annotation point at that part's own place in the file — never at the
first place its text happens to appear. Part of the shared kernel.
May import: `vertice_obs.errors`, `vertice_obs.located_yaml`. Must not import any stage.
"""

from vertice_obs.jsonpos.documents import dashboard_in, unreadable
from vertice_obs.jsonpos.positions import Positions, read_json
from vertice_obs.jsonpos.schema_v2 import classic_of

__all__ = ["Positions", "classic_of", "dashboard_in", "read_json", "unreadable"]
