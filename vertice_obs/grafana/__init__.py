"""Grafana: compare with, write to and read from where dashboards are served.

Owns: the destinations — a Grafana server through grafana-client, or a provisioning folder —
(`destinations`; how a request to Grafana failed, classified once: `failures`), normalisation of dashboard JSON so that only real changes show (`normalize`),
the per-panel diff (`diff`) and which live panel each desired one is (`pairing`), what a
destination holds and offers (`live`: `LiveDashboard`, the `Destination` interface, the publish message), Grafana 12's dashboard list (`resources`), what the
target holds read with the fewest requests (`survey`, shared by publish and diff), the plan-first publish with drift protection (`publish`), the folders it makes, renames, adopts or refuses (`folder_plan`) by vobs' records of whose each folder is (`folder_owners`; what diff says of them in `folder_report`), what Grafana before 11.3 refuses for a title, said before any write (`reserved`), `vobs pull` (`pull`) and
diff and publish results as Markdown for GitHub, a PR comment and a step summary (`markdown`), and
each narrative's playlist, planned, drift-checked and written after its dashboards (`playlists`; what
diff and publish print of them in `playlist_report`). Data:
`RenderedDashboard` → `PublishPlan` → results.
May import: the kernel and `vertice_obs.build` (what is rendered). Must not import `metrics`
(independent of Prometheus), `chaos`, `simulator` or `cli`. Normalisation, diffing and the
publish decisions are pure; `destinations` does the I/O.
"""
