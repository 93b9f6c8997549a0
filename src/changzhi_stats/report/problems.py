"""Problems as data: what is wrong and where, counted exactly, listed up to a cap."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace

from changzhi_stats.report import i18n
from changzhi_stats.report.catalogue import ERROR, WARNING, spec

DEFAULT_MAX_ERRORS = 1000


@dataclass(frozen=True)
class Problem:
    """One finding. ``row`` counts as Frictionless does: the header is row 1."""

    resource: str | None
    row: int | None
    field: str | None
    value: str | None
    check: str
    severity: str
    message: str
    # what the message was made from, to render it in another language (not in to_dict())
    params: dict | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "params"}

    def localized(self, lang: str) -> Problem:
        """The same problem with its message in ``lang`` (``"en"`` or ``"zh"``)."""
        if self.params is None:
            return self
        return replace(self, message=i18n.render(self.check, self.params, lang))


def make_problem(
    check: str,
    *,
    resource: str | None = None,
    row: int | None = None,
    field: str | None = None,
    value: object = None,
    **params: object,
) -> Problem:
    """Build a problem whose message and severity come from the check's declaration."""
    check_spec = spec(check)
    shown = None if value is None else str(value)
    params = {"value": shown, "field": field, **params}
    message = check_spec.template.format(**params)
    return Problem(resource, row, field, shown, check, check_spec.severity, message, params)


class Findings:
    """Collects problems while validation runs: counts every one, keeps at most ``cap`` per check.

    Keeping a bounded sample per check (rather than the first ``cap`` overall) means a flood of
    one kind of problem never hides the first instances of another.
    """

    def __init__(self, cap: int = DEFAULT_MAX_ERRORS) -> None:
        if cap < 0:
            raise ValueError("cap must be >= 0")
        self.cap = cap
        self.counts: Counter[str] = Counter()
        self._kept: dict[str, list[Problem]] = {}

    def add(self, problem: Problem) -> None:
        self.counts[problem.check] += 1
        kept = self._kept.setdefault(problem.check, [])
        if len(kept) < self.cap:
            kept.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self.add(problem)

    def add_count(self, check: str, total: int, sample: Sequence[Problem]) -> None:
        """Record ``total`` problems of one check of which only ``sample`` were materialised."""
        self.counts[check] += total
        kept = self._kept.setdefault(check, [])
        kept.extend(sample[: max(0, self.cap - len(kept))])

    def room(self, check: str) -> int:
        """How many more problems of this check would be kept."""
        return max(0, self.cap - len(self._kept.get(check, ())))

    def kept(self) -> list[Problem]:
        return [p for problems in self._kept.values() for p in problems]


@dataclass
class Report:
    """The answer to "what is wrong and where". ``to_dict()`` is what ``--format json`` prints."""

    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    capped: bool = False
    max_errors: int = DEFAULT_MAX_ERRORS
    resources: int = 0
    rows: int = 0
    seconds: float = 0.0
    package: str | None = None
    lang: str = "en"  # the language of the messages and of to_text()

    def localized(self, lang: str) -> Report:
        """The same report with every message (and ``to_text()``) in ``lang``."""
        return replace(
            self,
            errors=[p.localized(lang) for p in self.errors],
            warnings=[p.localized(lang) for p in self.warnings],
            lang=lang,
        )

    @property
    def valid(self) -> bool:
        return not self.error_count

    @property
    def error_count(self) -> int:
        return sum(n for code, n in self.counts.items() if spec(code).severity == ERROR)

    @property
    def warning_count(self) -> int:
        return sum(n for code, n in self.counts.items() if spec(code).severity == WARNING)

    @classmethod
    def from_findings(
        cls,
        findings: Findings,
        *,
        order: Sequence[str],
        fields: dict[str, Sequence[str]],
        **stats: object,
    ) -> Report:
        """Sort the kept problems into reading order and cut each list at the cap."""
        resource_rank = {name: i for i, name in enumerate(order)}

        def key(p: Problem) -> tuple:
            names = fields.get(p.resource or "", ())
            column = names.index(p.field) if p.field in names else len(names)
            return (
                p.resource is not None,
                resource_rank.get(p.resource, len(resource_rank)),
                p.row or 0,
                column,
                p.check,
            )

        cap = findings.cap
        kept = findings.kept()
        errors = sorted(_fair_share([p for p in kept if p.severity == ERROR], cap), key=key)
        warnings = sorted(_fair_share([p for p in kept if p.severity == WARNING], cap), key=key)
        total_errors = sum(n for c, n in findings.counts.items() if spec(c).severity == ERROR)
        total_warnings = sum(n for c, n in findings.counts.items() if spec(c).severity == WARNING)
        capped = total_errors > len(errors) or total_warnings > len(warnings)
        return cls(
            errors=errors,
            warnings=warnings,
            counts=dict(sorted(findings.counts.items())),
            capped=capped,
            max_errors=cap,
            **stats,
        )

    def to_dict(self) -> dict:
        return {
            "valid": self.valid,
            "errors": [p.to_dict() for p in self.errors],
            "warnings": [p.to_dict() for p in self.warnings],
            "stats": {
                "resources": self.resources,
                "rows": self.rows,
                "seconds": round(self.seconds, 3),
                "errors": self.error_count,
                "warnings": self.warning_count,
            },
            "counts": dict(self.counts),
            "capped": self.capped,
            "max_errors": self.max_errors,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def to_text(self) -> str:
        """A calm, exact, human answer: one line per problem, then the tally."""
        if self.lang == "zh":
            return self._to_text_zh()
        lines: list[str] = []
        where = self.package or "package"
        for problem in self.errors + self.warnings:
            place = problem.resource or where
            if problem.row is not None:
                place += f", row {problem.row}"
            if problem.field is not None:
                place += f", field {problem.field!r}"
            shown = "" if problem.value is None else f" value {_clip(problem.value)!r}:"
            message = _after(place, problem.message)
            lines.append(f"{problem.severity}: {place}:{shown} {message} [{problem.check}]")
        if self.capped:
            lines.append(i18n.word("capped", cap=self.max_errors))
        return "\n".join([*lines, self._tally()])

    def _to_text_zh(self) -> str:
        lines: list[str] = []
        where = self.package or i18n.word("package", "zh")
        for problem in self.errors + self.warnings:
            place = problem.resource or where
            if problem.row is not None:
                place += "，" + i18n.word("row", "zh", row=problem.row)
            if problem.field is not None:
                place += f"，字段 {problem.field!r}"
            shown = "" if problem.value is None else f"值 {_clip(problem.value)!r}："
            severity = i18n.word(problem.severity, "zh")
            message = _after(place, problem.message)
            lines.append(f"{severity}：{place}：{shown}{message} [{problem.check}]")
        if self.capped:
            lines.append(i18n.word("capped", "zh", cap=self.max_errors))
        return "\n".join([*lines, self._tally()])

    def _tally(self) -> str:
        tally = ", ".join(f"{code} {n}" for code, n in self.counts.items())
        return i18n.word(
            "tally",
            self.lang,
            where=self.package or i18n.word("package", self.lang),
            verdict=i18n.word("valid" if self.valid else "invalid", self.lang),
            errors=self.error_count,
            warnings=self.warning_count,
            resources=self.resources,
            rows=self.rows,
        ) + (f" ({tally})" if tally else "")


def _fair_share(problems: list[Problem], cap: int) -> list[Problem]:
    """At most ``cap`` problems, taken in turn from each check, so a flood of one check never
    hides the first instances of another (each check's own are kept in the order found)."""
    if len(problems) <= cap:
        return problems
    by_check: dict[str, list[Problem]] = {}
    for problem in problems:
        by_check.setdefault(problem.check, []).append(problem)
    chosen: list[Problem] = []
    depth = 0
    while len(chosen) < cap:
        layer = [group[depth] for group in by_check.values() if depth < len(group)]
        if not layer:
            break
        chosen.extend(layer[: cap - len(chosen)])
        depth += 1
    return chosen


def _after(place: str, message: str) -> str:
    """``message`` without a leading ``place: `` (a message that names its file, shown after
    that same file's name, would say it twice)."""
    return message.removeprefix(f"{place}: ")


def _clip(value: str, limit: int = 80) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"
