"""The per-panel diff, pinned word for word on small hand-made dashboards (pure, in-process).

Written from mutmut's survivors of `grafana/diff.py` (issue 16): each test fixes the exact text a
reader of `vobs diff` or a pull-request comment sees, so a changed matching rule, message or
fallback fails here rather than passing unnoticed. The exported ESGT dashboard's cases stay in
`test_normalize_and_diff.py`.
"""

from __future__ import annotations

from vertice_obs.grafana.diff import (
    DashboardDiff,
    diff_dashboard,
    moved,
    unified,
    with_change,
)


def changes(live, desired):
    result = diff_dashboard("u", desired, live)
    assert result.status == "changed", result
    return result.changes


def test_created_removed_and_unchanged_say_so_with_the_title():
    added = diff_dashboard("u", {"title": "T", "panels": []}, None)
    assert added == DashboardDiff("u", "T", "added", ["dashboard will be created"])
    assert added.to_dict() == {"uid": "u", "title": "T", "status": "added", "changes": ["dashboard will be created"]}
    assert diff_dashboard("u", None, None) == DashboardDiff("u", "", "added", ["dashboard will be created"])
    assert diff_dashboard("v", None, {"title": "L"}) == DashboardDiff("v", "L", "removed", ["dashboard is not in code"])
    assert diff_dashboard("v", None, {}) == DashboardDiff("v", "", "removed", ["dashboard is not in code"])
    # the server's fields do not count; the title is the code's
    assert diff_dashboard("w", {"title": "T", "version": 1}, {"title": "T", "version": 9, "id": 3}) == \
        DashboardDiff("w", "T", "unchanged", [])
    assert diff_dashboard("w", {"uid": "w"}, {"uid": "w", "id": 3}) == DashboardDiff("w", "", "unchanged", [])


def test_a_change_nothing_names_still_says_changed():
    # `templating` other than its list is neither a variable nor a dashboard key the diff walks
    desired = {"title": "T", "templating": {"list": [], "enable": True}}
    assert diff_dashboard("u", desired, {"title": "T"}) == \
        DashboardDiff("u", "T", "changed", ["changed (key order or defaults only)"])
    assert diff_dashboard("u", {"templating": {"x": 1}}, {}) == \
        DashboardDiff("u", "", "changed", ["changed (key order or defaults only)"])


def test_title_and_dashboard_keys():
    live = {"title": "Old", "refresh": "1m", "tags": ["a"], "timezone": "utc"}
    desired = {"title": "New", "refresh": 60, "tags": ["a", "b"], "graphTooltip": 1}
    assert changes(live, desired) == [
        "title changed: 'Old' → 'New'",
        "dashboard: ['graphTooltip'] added",
        "dashboard: ['timezone'] removed",
        "dashboard: ['refresh'] `1m` → 60",
        "dashboard: ['tags'] added 'b'",
    ]
    assert changes({"tags": ["a", "b"]}, {"tags": ["a"]}) == ["dashboard: ['tags'] removed 'b'"]
    # order in a list is a change (a panel's or a dashboard's list order is what Grafana shows)
    assert changes({"tags": ["a", "b"]}, {"tags": ["b", "a"]}) == ["dashboard: ['tags'] reordered: 'a', 'b' → 'b', 'a'"]


def test_a_list_of_plain_values_is_said_by_value_wherever_it_is():
    # deepdiff's edit script named indices ("['tags'][0] added") and never a value: an added tag
    # sorted before an existing one read as if that one were new
    assert changes({"tags": ["vertice-obs"]}, {"tags": ["database", "postgres", "vertice-obs"]}) == [
        "dashboard: ['tags'] added 'database', 'postgres'"]
    assert changes({"tags": ["a", "b", "b"]}, {"tags": ["c", "b"]}) == ["dashboard: ['tags'] added 'c'; removed 'a', 'b'"]
    # a list that appears or goes whole is said by value too; an empty one is just a key
    assert changes({}, {"tags": ["x", 2, None]}) == ["dashboard: ['tags'] added 'x', 2, null"]
    assert changes({"tags": [True]}, {}) == ["dashboard: ['tags'] removed true"]
    assert changes({}, {"tags": []}) == ["dashboard: ['tags'] added"]
    # inside a panel, under dicts and lists of dicts (paired by index, as deepdiff pairs them)
    def stat(calcs, links):
        return {"panels": [{"title": "P", "options": {"reduceOptions": {"calcs": calcs}}, "links": links}]}

    assert changes(stat(["lastNotNull"], [{"tags": ["a"]}, {"url": "u"}]), stat(["mean"], [{"tags": ["a", "z"]}])) == [
        "panel 'P': ['links'][1] removed",
        "panel 'P': ['links'][0]['tags'] added 'z'",
        "panel 'P': ['options']['reduceOptions']['calcs'] added 'mean'; removed 'lastNotNull'",
    ]
    # a list of objects stays deepdiff's; a list that becomes something else is a type change
    assert changes({"links": [{"a": 1}]}, {"links": [{"a": 1}, {"b": 2}]}) == ["dashboard: ['links'][1] added"]
    assert changes({"tags": "a"}, {"tags": ["a"]}) == ["dashboard: ['tags'] `a` → [\"a\"]"]
    # many or long values: each cut, then as many as fit
    many = changes({}, {"tags": [f"tag-{i}" for i in range(40)] + ["x" * 100]})
    assert many == ["dashboard: ['tags'] added " + ", ".join(f"'tag-{i}'" for i in range(21)) + ", … and 20 more"]
    assert changes({}, {"tags": ["x" * 100]}) == ["dashboard: ['tags'] added '" + "x" * 57 + "…'"]


def variables(*entries, templating=None):
    return {"title": "T", "templating": templating if templating is not None else {"list": list(entries)}}


def test_variables_added_removed_and_changed_sorted():
    live = variables({"name": "a", "query": "q1"}, {"name": "b", "query": "same", "hide": 0}, {"name": "c"}, "junk")
    desired = variables({"name": "b", "query": "same", "hide": 2}, {"name": "a", "query": "q2"}, {"name": "d"})
    assert changes(live, desired) == [
        "variable $a changed: query `q1` → `q2`",
        "variable $b changed",
        "variable $c removed",
        "variable $d added",
    ]


def test_variables_from_any_shape_of_templating():
    desired = variables({"name": "x"})
    assert changes({"title": "T", "templating": "junk"}, desired) == ["variable $x added"]
    assert changes(variables(templating={"list": 5}), desired) == ["variable $x added"]
    assert changes({"title": "T"}, desired) == ["variable $x added"]
    assert changes(desired, {"title": "T"}) == ["variable $x removed"]


def test_long_values_are_shortened_to_200_characters():
    short, exact, long = "y" * 197, "y" * 198, "y" * 199  # `…` with its backquotes: 199, 200, 201
    assert changes(variables({"name": "v", "query": short}), variables({"name": "v", "query": exact})) == [
        f"variable $v changed: query `{short}` → `{exact}`"]
    assert changes(variables({"name": "v", "query": exact}), variables({"name": "v", "query": long})) == [
        f"variable $v changed: query `{exact}` → `{'y' * 198}…`"]
    # not a string: JSON with sorted keys, non-ASCII as it is
    assert changes(variables({"name": "v", "query": {"b": 1, "a": "é"}}), variables({"name": "v", "query": None})) \
        == ['variable $v changed: query {"a": "é", "b": 1} → null']
    big = list(range(100))
    assert changes(variables({"name": "v", "query": big}), variables({"name": "v", "query": 1})) == [
        f"variable $v changed: query {str(big)[:199]}…` → 1"]


def panels(*ps):
    return {"title": "T", "panels": list(ps)}


def test_panels_matched_by_title_then_id_rows_included():
    live = panels(
        {"id": 9, "title": "Same", "type": "stat"},
        {"type": "row", "title": "Row", "id": 1, "panels": [{"id": 2, "title": "Inner", "type": "stat"}]},
        {"id": 3, "title": "Old name", "type": "graph", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8}},
        {"id": 4, "title": "Gone", "type": "stat"},
        {"title": "Other", "type": "stat"},
        {"title": "NoId", "type": "stat", "description": "d1"},
        {"id": 7, "type": "text"},
        {"id": 11, "title": "Eleven", "type": "text"},
        {"id": 10, "type": "text"},
        "junk",
    )
    desired = panels(
        {"id": 9, "title": "Same", "type": "stat"},
        {"type": "row", "title": "Row", "id": 1, "panels": [{"id": 2, "title": "Inner", "type": "stat",
                                                            "description": "x"}]},
        {"id": 3, "title": "New name", "type": "graph", "gridPos": {"x": 12, "y": 0, "w": 12, "h": 8}},
        {"title": "NoId", "type": "stat", "description": "d2"},
        {"id": 8, "title": "Fresh", "type": "stat"},
        {"id": 7, "title": "Seven", "type": "text"},
        {"id": 11, "type": "text", "mode": "markdown"},
    )
    assert changes(live, desired) == [
        "panel 'Inner': ['description'] added",
        "panel 'Old name' renamed to 'New name'",
        "panel 'New name' moved: (0,0 12×8) → (12,0 12×8)",
        "panel 'NoId': ['description'] `d1` → `d2`",
        "panel 'Fresh' added",
        "panel 'Seven' added",
        "panel #11: ['mode'] added",
        "panel 'Gone' removed",
        "panel 'Other' removed",
        "panel 'Eleven' removed",
        "panel #10 removed",
    ]


def test_a_title_match_wins_over_an_id_match():
    """Ids follow document order, so a panel added above shifts every id after it: the title
    decides first (a story panel added on import must not turn each panel into its neighbour)."""
    live = panels({"id": 6, "title": "A"}, {"id": 5, "title": "B"})
    assert changes(live, panels({"id": 5, "title": "A"})) == ["panel 'B' removed"]


def test_a_row_alone_is_not_a_change_its_panels_are():
    live = panels({"type": "row", "title": "R", "id": 1, "panels": [{"id": 2, "title": "P"}]})
    desired = panels({"type": "row", "title": "R", "id": 1, "panels": []})
    assert changes(live, desired) == ["panel 'P' removed"]
    assert changes(panels({"type": "row", "title": "R", "panels": "junk"}),
                   panels({"type": "row", "title": "R", "panels": [{"title": "P"}]})) == ["panel 'P' added"]


def test_a_panel_position_missing_on_one_side():
    assert changes(panels({"id": 1, "title": "P", "gridPos": "junk"}),
                   panels({"id": 1, "title": "P", "gridPos": {"x": 1, "y": 2, "w": 3, "h": 4}})) == [
        "panel 'P' placed at (1,2 3×4) (no position before)"]


def test_targets_said_per_ref_id():
    live = panels({"id": 20, "title": "Q", "targets": [
        {"refId": "A", "expr": "up", "query": "up"},
        {"refId": "B", "expr": "x", "legendFormat": "l1"},
        {"refId": "C", "expr": "gone"},
        {"refId": "F", "expr": "a", "query": "z"},
        "junk",
    ]})
    desired = panels({"id": 20, "title": "Q", "targets": [
        {"refId": "A", "expr": "up2", "query": "up2"},
        {"refId": "B", "expr": "x", "legendFormat": "l2", "query": "qq"},
        {"refId": "D", "expr": "new"},
        {"refId": "E"},
        {"refId": "F", "expr": "b", "query": "z"},
    ]})
    assert changes(live, desired) == [
        "panel 'Q': target A expr `up` → `up2`",
        "panel 'Q': target B: ['query'] added",
        "panel 'Q': target B: ['legendFormat'] `l1` → `l2`",
        "panel 'Q': target D added: `new`",
        "panel 'Q': target E added: null",
        "panel 'Q': target F expr `a` → `b`",
        "panel 'Q': target C removed",
    ]


def test_unified_diff_exact_lines_and_colours():
    assert unified("u", {"title": "T"}, None) == (
        "--- grafana/u.json\n+++ code/u.json\n@@ -0,0 +1,3 @@\n+{\n+  \"title\": \"T\"\n+}\n")
    assert unified("u", None, {"title": "L"}) == (
        "--- grafana/u.json\n+++ code/u.json\n@@ -1,3 +0,0 @@\n-{\n-  \"title\": \"L\"\n-}\n")
    assert unified("u", {}, {}) == ""  # an empty model on either side is no JSON at all
    assert unified("u", {"title": "T"}, {"title": "T", "version": 4}) == ""
    text = unified("u", {"title": "New"}, {"title": "Old"}, color=True)
    assert text == (
        "--- grafana/u.json\n+++ code/u.json\n"
        "\x1b[36m@@ -1,3 +1,3 @@\x1b[0m\n"
        " {\n"
        "\x1b[31m-  \"title\": \"Old\"\x1b[0m\n"
        "\x1b[32m+  \"title\": \"New\"\x1b[0m\n"
        " }\n")
    assert unified("u", {"title": "New"}, {"title": "Old"}) == (
        "--- grafana/u.json\n+++ code/u.json\n@@ -1,3 +1,3 @@\n {\n-  \"title\": \"Old\"\n+  \"title\": \"New\"\n }\n")


def test_two_long_values_that_differ_late_are_cut_around_the_difference():
    """A story panel's footer changed ("chapter 1 of 2" → "1 of 1") 400 characters in: cut at their
    start, both sides read the same. Around the first difference, the change is what shows."""
    story = "A **full ignition** " + "words " * 70
    live = {"panels": [{"id": 1, "title": "Story", "type": "text", "options": {"content": story + "chapter 1 of 2"}}]}
    desired = {"panels": [{"id": 1, "title": "Story", "type": "text", "options": {"content": story + "chapter 1 of 1"}}]}
    [line] = changes(live, desired)
    old, new = line.split(" → ")
    assert "chapter 1 of 2" in old and "chapter 1 of 1" in new and old.count("…") == 1
    assert len(new) < 240  # still cut: about 200 characters a side
    short = changes({"title": "T", "description": "old"}, {"title": "T", "description": "new"})
    assert short == ["dashboard: ['description'] `old` → `new`"]  # short values whole, as before


# --- from the re-taken mutation run of diff.py (after the pairing moved to grafana/pairing.py) -----

def test_a_move_between_folders_and_any_change_beyond_the_content_make_a_dashboard_changed():
    move = "moved from folder 'Old' to its narrative's folder 'New'"
    assert moved(DashboardDiff("u", "T", "unchanged", []), "Old", "New") == DashboardDiff("u", "T", "changed", [move])
    assert moved(DashboardDiff("u", "T", "changed", ["panel 'P' added"]), "Old", "New") == \
        DashboardDiff("u", "T", "changed", ["panel 'P' added", move])
    # a dashboard that is added or removed stays so; the change is said after the others
    assert with_change(DashboardDiff("v", "V", "added", ["dashboard will be created"]), "folder 'a' → 'A'") == \
        DashboardDiff("v", "V", "added", ["dashboard will be created", "folder 'a' → 'A'"])


def test_a_grid_position_that_is_no_position_is_said_key_by_key():
    """Neither side has an x, y, w or h (a gridPos that is not an object, or holds other keys only —
    `static`, a capital `X`): what changed is said as any other key is, never `moved: (?,? ?×?)`."""
    def p(**k):
        return {"panels": [{"id": 1, "title": "P", **k}]}

    assert changes(p(gridPos="a"), p(gridPos="b")) == ["panel 'P': ['gridPos'] `a` → `b`"]
    assert changes(p(), p(gridPos="junk")) == ["panel 'P': ['gridPos'] null → `junk`"]
    assert changes(p(gridPos={"X": 1, "static": True}), p(gridPos={"X": 2, "static": True})) == [
        "panel 'P': ['gridPos']['X'] 1 → 2"]
    # a part that is not a number is quoted as JSON, non-ASCII as it is
    assert changes(p(gridPos={"x": "é", "y": 0, "w": 1.5, "h": 8}), p(gridPos={"x": 0, "y": 0, "w": 1.5, "h": 8})) == [
        'panel \'P\' moved: ("é",0 1.5×8) → (0,0 1.5×8)']


def test_a_value_that_turns_from_an_object_or_a_list_into_text_is_a_type_change():
    assert changes({"options": {"a": 1}}, {"options": "x"}) == ["dashboard: ['options'] {\"a\": 1} → `x`"]
    assert changes({"options": "x"}, {"options": {"a": 1}}) == ["dashboard: ['options'] `x` → {\"a\": 1}"]
    assert changes({"links": [{"a": 1}]}, {"links": "x"}) == ["dashboard: ['links'] [{\"a\": 1}] → `x`"]
    assert changes({"links": "x"}, {"links": [{"a": 1}]}) == ["dashboard: ['links'] `x` → [{\"a\": 1}]"]


def test_values_said_by_value_fit_in_200_characters_exactly():
    a, b, c = "a" * 58, "b" * 58, "c" * 58  # each 60 with its quotes, the longest shown whole
    three = f"'{a}', '{b}', '{c}'"  # 186 characters with their separators
    assert changes({}, {"tags": [a, b, c, "d" * 12]}) == [f"dashboard: ['tags'] added {three}, '{'d' * 12}'"]  # 200
    assert changes({}, {"tags": [a, b, c, "d" * 13]}) == [f"dashboard: ['tags'] added {three}, … and 1 more"]  # 201
    # a value is cut past 60 characters, its closing quote kept
    assert changes({}, {"tags": ["f" * 59]}) == [f"dashboard: ['tags'] added '{'f' * 57}…'"]
    # a value longer than the limit alone (a number is never cut) is shown, alone
    big = int("9" * 250)
    assert changes({}, {"tags": [big]}) == [f"dashboard: ['tags'] added {big}"]
    assert changes({}, {"tags": [big, "a"]}) == [f"dashboard: ['tags'] added {big}, … and 1 more"]


def test_an_added_target_s_expr_is_cut_at_200_characters():
    live = {"panels": [{"id": 1, "title": "Q", "targets": []}]}
    def desired(expr):
        return {"panels": [{"id": 1, "title": "Q", "targets": [{"refId": "A", "expr": expr}]}]}

    assert changes(live, desired("x" * 198)) == [f"panel 'Q': target A added: `{'x' * 198}`"]  # 200
    assert changes(live, desired("x" * 199)) == [f"panel 'Q': target A added: `{'x' * 198}…`"]  # 201


def test_long_values_alike_in_their_first_200_characters_are_cut_50_before_their_difference():
    def change(old, new):
        [line] = changes({"description": old}, {"description": new})
        return line.removeprefix("dashboard: ['description'] ")

    # `x`×300 then A or B: the window starts 50 characters before the difference, 200 long, `…` at
    # each end that is cut
    ahead, behind = "x" * 50, "y" * 149
    assert change("x" * 300 + "A" + "y" * 300, "x" * 300 + "B" + "y" * 300) == \
        f"…{ahead}A{behind}… → …{ahead}B{behind}…"
    # the window reaching the end exactly: no `…` after it
    assert change("x" * 300 + "A" + "y" * 148, "x" * 300 + "B" + "y" * 148) == \
        f"…{ahead}A{'y' * 148}` → …{ahead}B{'y' * 148}`"
    # one a longer copy of the other: the difference is where the shorter one ends, its closing quote
    assert change("x" * 300, "x" * 400) == f"…{'x' * 50}` → …{'x' * 150}`"
    # …or, where the longer one goes on with a backquote (Markdown), the shorter one's end
    story = "words " * 50 + "run `vobs"
    assert change(story, story + "` or `vobs diff`") == f"…{story[-49:]}` → …{story[-49:]}` or `vobs diff``"
