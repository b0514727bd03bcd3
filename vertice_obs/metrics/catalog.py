"""The metric catalog (`narratives/metrics.yaml`): the MAXIMUS metrics the narratives draw on.

It is the offline source of truth — the embedded default when no Prometheus is configured — and the
list of `required` metrics the observability team audits before a demo.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vertice_obs.located_yaml import check_schema, load_located

# The series a histogram or summary family exposes, as Prometheus stores them.
_FAMILY_SUFFIXES = {
    "counter": ("",),
    "gauge": ("",),
    "histogram": ("_bucket", "_sum", "_count"),
    "summary": ("", "_sum", "_count"),
}


@dataclass(frozen=True)
class MetricSpec:
    name: str
    type: str
    unit: str
    help: str
    owner: str
    labels: tuple[str, ...] = ()
    required: bool = False
    buckets: tuple[float, ...] = ()
    value_range: tuple[float, float] | None = None
    line: int | None = None
    values: tuple[tuple[str, tuple[str, ...]], ...] = ()  # label → the values its series may carry

    @property
    def series(self) -> tuple[str, ...]:
        """The series names Prometheus holds for this metric (`x_bucket`, `x_sum`, `x_count` for a histogram)."""
        suffixes = _FAMILY_SUFFIXES[self.type]
        if self.type == "histogram" and any(b < 0 for b in self.buckets):
            # OpenMetrics: a histogram that can observe negative values exposes no _sum.
            suffixes = tuple(s for s in suffixes if s != "_sum")
        return tuple(self.name + suffix for suffix in suffixes)


_SCRAPE_LABELS = ("instance", "job")  # target labels every scraped series gets


@dataclass(frozen=True)
class MetricCatalog:
    file: str
    metrics: tuple[MetricSpec, ...]
    common_labels: tuple[str, ...] = ()
    values: tuple[tuple[str, tuple[str, ...]], ...] = ()  # for every metric, unless it says otherwise

    def label_values(self, spec: MetricSpec) -> dict[str, tuple[str, ...]]:
        """The values each label of `spec` may carry, as far as the catalog lists them."""
        return {**dict(self.values), **dict(spec.values)}

    def carried_labels(self, spec: MetricSpec, series: str | None = None) -> tuple[str, ...]:
        """The labels the catalog promises on `spec`'s series — on `series` when given: a histogram's
        `_bucket` series also carry `le`, a summary's quantile series `quantile` (values not listed).
        Also those it lists values for, and `job` and `instance`, which the scrape adds to every
        series an exporter exposes (not to a recording rule's, `level:metric:operations`, which keep
        what the rule keeps): a catalog describes exporters, and these are never a typo."""
        implied: tuple[str, ...] = () if ":" in spec.name else _SCRAPE_LABELS
        if series is not None and spec.type == "histogram" and series == f"{spec.name}_bucket":
            implied += ("le",)
        elif series is not None and spec.type == "summary" and series == spec.name:
            implied += ("quantile",)
        return tuple(dict.fromkeys((*self.common_labels, *spec.labels, *(label for label, _ in spec.values), *implied)))

    def series_names(self) -> frozenset[str]:
        """Every series name the catalog promises, histogram series included."""
        return frozenset(s for m in self.metrics for s in m.series)

    def family_of(self, series: str) -> MetricSpec | None:
        """The catalog entry a series belongs to (`x_bucket` → histogram `x`), if any."""
        return self._by_series().get(series)

    def _by_series(self) -> dict[str, MetricSpec]:
        cached = self.__dict__.get("_index")
        if cached is None:
            cached = {s: m for m in self.metrics for s in m.series}
            object.__setattr__(self, "_index", cached)
        return cached

    @property
    def required(self) -> tuple[MetricSpec, ...]:
        return tuple(m for m in self.metrics if m.required)


def load_catalog(path: Path | str, display: str | None = None) -> MetricCatalog:
    """Load and validate the catalog; raise `InputError` (file:line) on any problem."""
    doc = load_located(path, display)
    check_schema(doc, "catalog")
    seen: dict[str, int] = {}
    metrics = []
    for index, raw in enumerate(doc.data["metrics"]):
        spec = MetricSpec(
            name=raw["name"],
            type=raw["type"],
            unit=raw["unit"],
            help=raw["help"].strip(),
            owner=raw["owner"],
            labels=tuple(raw.get("labels", ())),
            required=raw.get("required", False),
            buckets=tuple(raw.get("buckets", ())),
            value_range=tuple(raw["range"]) if "range" in raw else None,
            line=doc.line(("metrics", index)),
            values=_values(raw.get("values")),
        )
        for series in spec.series:
            if series in seen:
                raise doc.error(f"metric {series!r} is already defined at line {seen[series]}",
                                ("metrics", index, "name"))
            seen[series] = spec.line
        metrics.append(spec)
    return MetricCatalog(file=doc.file, metrics=tuple(metrics),
                         common_labels=tuple(doc.data.get("common_labels", ())), values=_values(doc.data.get("values")))


def _values(raw: dict | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple(sorted((label, tuple(str(v) for v in values)) for label, values in (raw or {}).items()))
