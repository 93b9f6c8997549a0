"""Problems as data: what is wrong and where, counted exactly, listed up to a cap."""

from __future__ import annotations

import heapq
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields, replace

from changzhi_stats.report import fixes, i18n
from changzhi_stats.report.catalogue import CAUSES, ERROR, WARNING, spec

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
    # what to write instead, when it is certain (report/fixes.py): "write value = 93, ..."
    fix: str | None = None
    # what the message was made from, to render it in another language (not in to_dict())
    params: dict | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "params"}

    def localized(self, lang: str) -> Problem:
        """The same problem with its message (and fix) in ``lang`` (``"en"`` or ``"zh"``)."""
        if self.params is None:
            return self
        fix = self.params.get(FIX)
        return replace(
            self,
            message=i18n.render(self.check, self.params, lang),
            fix=None if fix is None else fixes.render(*fix, lang),
        )


FIX = "\x01fix"  # the key of a problem's fix (key, params) among its params
_KIND = re.compile(r"is not a valid (\w+)")


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
    why = params.get("why")
    kind = _KIND.search(why) if check == "type-error" and isinstance(why, str) else None
    fix = fixes.suggest(check, field, shown, kind[1] if kind else None)
    if fix is not None:
        params[FIX] = fix
    return Problem(
        resource,
        row,
        field,
        shown,
        check,
        check_spec.severity,
        message,
        None if fix is None else fixes.render(*fix),
        params,
    )


class Findings:
    """Collects problems while validation runs: counts every one, keeps a bounded sample per check.

    The sample of a check is its first ``cap`` problems in reading order (resource order in the
    descriptor, row, field order in the schema), whatever order they arrive in: batch sizes and
    rule order change nothing. Resource and field order are known only when the report is made
    (:meth:`Report.from_findings`), so each check keeps, per resource, its ``cap`` problems of the
    lowest rows plus the ties at the last of those rows (which the field order then decides).

    Keeping a bounded sample per check (rather than the first ``cap`` overall) means a flood of
    one kind of problem never hides the first instances of another.
    """

    def __init__(self, cap: int = DEFAULT_MAX_ERRORS) -> None:
        if cap < 0:
            raise ValueError("cap must be >= 0")
        self.cap = cap
        self.counts: Counter[str] = Counter()
        self._kept: dict[str, dict[str | None, _Lowest]] = {}
        self._muted: list[Muted] = []

    def mute(self, muted: Muted) -> Muted:
        """From now on, the problems ``muted`` covers are counted in ``muted.hidden`` only: they
        are consequences of one cause, reported once by the finding of that cause."""
        self._muted.append(muted)
        return muted

    def _swallowed(self, problem: Problem, total: int = 1) -> bool:
        for muted in self._muted:
            if muted.covers(problem):
                muted.hidden += total
                return True
        return False

    def add(self, problem: Problem) -> None:
        if self._muted and self._swallowed(problem):
            return
        self.counts[problem.check] += 1
        self._keep(problem)

    def _keep(self, problem: Problem) -> None:
        if not self.cap:
            return
        by_resource = self._kept.setdefault(problem.check, {})
        lowest = by_resource.get(problem.resource)
        if lowest is None:
            lowest = by_resource[problem.resource] = _Lowest(self.cap)
        lowest.offer(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self.add(problem)

    def add_count(self, check: str, total: int, sample: Sequence[Problem]) -> None:
        """Record ``total`` problems of one check of which only ``sample`` were materialised
        (the sample being the first of them in reading order)."""
        if self._muted and sample:
            # one rule over one resource's batch: a mute of the whole resource (or field)
            # covers all of them; one from a row on covers those of the sample it covers and,
            # when it covers the sample's last, the rest (not materialised, they come after it)
            whole = next((m for m in self._muted if m.whole and m.covers(sample[0])), None)
            if whole is not None:
                whole.hidden += total
                return
            last = next((m for m in self._muted if m.covers(sample[-1])), None)
            kept = [p for p in sample if not self._swallowed(p)]
            rest = total - len(sample)
            if last is not None:
                last.hidden += rest
                rest = 0
            if len(kept) + rest:
                self.counts[check] += len(kept) + rest
            for problem in kept:
                self._keep(problem)
            return
        self.counts[check] += total
        for problem in sample:
            self._keep(problem)

    def room(self, check: str) -> int:
        """How many problems of this check a caller should materialise from one batch (its
        first in reading order): always ``cap``, since any of them may come before those kept."""
        return self.cap

    def kept(self) -> list[Problem]:
        """Every problem kept, check by check, each check's in (resource, row) order as found."""
        return [
            p
            for by_resource in self._kept.values()
            for lowest in by_resource.values()
            for p in lowest.problems()
        ]

    def sample(self, rank: Callable[[Problem], tuple]) -> dict[str, list[Problem]]:
        """Each check's first ``cap`` problems by ``rank`` (a reading-order key)."""
        return {
            check: sorted(
                (p for lowest in by_resource.values() for p in lowest.problems()), key=rank
            )[: self.cap]
            for check, by_resource in self._kept.items()
        }


@dataclass
class Muted:
    """The problems of one cause in one resource: of ``checks`` (None: every check but the
    causes' own), on ``field``, from row ``from_row`` on, of ``value``, at ``row``, if given.
    ``hidden`` counts those swallowed, so that the cause's finding says how many it stands for."""

    resource: str | None
    checks: frozenset[str] | None = None
    field: str | None = None
    from_row: int | None = None
    value: str | None = None  # only problems of this value ("": of an empty cell or label)
    row: int | None = None  # only problems of this row
    hidden: int = 0

    @property
    def whole(self) -> bool:
        """Whether it covers every problem of a rule it covers one of."""
        return self.from_row is None and self.value is None and self.row is None

    def covers(self, problem: Problem) -> bool:
        if problem.resource != self.resource or problem.check in CAUSES:
            return False
        if self.checks is not None and problem.check not in self.checks:
            return False
        if self.field is not None and problem.field != self.field:
            return False
        if self.value is not None and (problem.value or "") != self.value:
            return False
        if self.row is not None and problem.row != self.row:
            return False
        return self.from_row is None or (problem.row or 0) >= self.from_row


class _Lowest:
    """The problems of the ``cap`` lowest rows offered, with every tie at the highest of them:
    bounded by ``cap`` plus the problems one row can hold."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.size = 0
        self.rows: dict[int, list[Problem]] = {}
        self.heap: list[int] = []  # the rows held, negated: heap[0] is minus the highest

    def offer(self, problem: Problem) -> None:
        row = problem.row or 0
        if self.size >= self.cap and row > -self.heap[0]:
            return
        held = self.rows.get(row)
        if held is None:
            held = self.rows[row] = []
            heapq.heappush(self.heap, -row)
        held.append(problem)
        self.size += 1
        while self.size - len(self.rows[-self.heap[0]]) >= self.cap:
            self.size -= len(self.rows.pop(-heapq.heappop(self.heap)))

    def problems(self) -> list[Problem]:
        return [p for row in sorted(self.rows) for p in self.rows[row]]


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
        """Each check's first problems in reading order (resource order in the descriptor, row,
        field order in the schema), each list cut at the cap by :func:`_fair_share`."""
        resource_rank = {name: i for i, name in enumerate(order)}
        field_ranks = {name: {f: i for i, f in enumerate(names)} for name, names in fields.items()}

        def key(p: Problem) -> tuple:
            ranks = field_ranks.get(p.resource or "", {})
            return (
                p.resource is not None,
                resource_rank.get(p.resource, len(resource_rank)),
                p.resource or "",
                p.row or 0,
                ranks.get(p.field, len(ranks)),
                p.field or "",
                p.check,
                p.value or "",
                p.message,
            )

        cap = findings.cap
        by_check = findings.sample(key)
        by_severity = {ERROR: {}, WARNING: {}}
        for check, problems in by_check.items():
            by_severity[spec(check).severity][check] = problems
        errors = sorted(_fair_share(by_severity[ERROR], cap, key), key=key)
        warnings = sorted(_fair_share(by_severity[WARNING], cap, key), key=key)
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
            if problem.fix:
                message += f"; {problem.fix}"
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
            if problem.fix:
                message += f"；{problem.fix}"
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


def _fair_share(
    by_check: dict[str, list[Problem]], cap: int, key: Callable[[Problem], tuple]
) -> list[Problem]:
    """At most ``cap`` problems, taken in turn from each check (each check's in reading order),
    so a flood of one check never hides the first instances of another. Where a turn does not
    fit whole, the problems that come first in reading order are taken."""
    chosen: list[Problem] = []
    depth = 0
    while len(chosen) < cap:
        layer = sorted((group[depth] for group in by_check.values() if depth < len(group)), key=key)
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
