"""A table of rows before/after each scenario, printed at the end of a test module (visible with ``-s``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class RowReport:
    """Rows before/after each scenario, printed as a table at the end of a test module (visible with -s)."""

    title: str
    columns: tuple[str, ...]
    rows: list[tuple[object, ...]] = field(default_factory=list)

    def add(self, *values: object) -> None:
        assert len(values) == len(self.columns)
        self.rows.append(values)

    def render(self) -> str:
        cells = [tuple(str(c) for c in self.columns), *[tuple(str(v) for v in r) for r in self.rows]]
        widths = [max(len(r[i]) for r in cells) for i in range(len(self.columns))]
        lines = [" | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
        lines.insert(1, "-+-".join("-" * w for w in widths))
        return "\n".join([f"\n== {self.title} ==", *lines])


def report_fixture(title: str, columns: tuple[str, ...]) -> Callable[[], object]:
    """Return a module-scoped fixture function yielding a :class:`RowReport` printed at module teardown."""

    def fixture():
        report = RowReport(title, columns)
        yield report
        if report.rows:
            print(report.render())

    return fixture
