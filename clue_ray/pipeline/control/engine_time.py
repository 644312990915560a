"""Engine utilisation, honestly: the time the engine was busy over the wall time of the
whole pass (prompt building, model load and the tail included), never the span between an
engine's first and last batch."""

from __future__ import annotations

from dataclasses import dataclass, field

Spans = list[tuple[float, float]]


def busy_time(spans: Spans) -> float:
    """Length of the union of intervals (requests in flight together count once)."""
    total, reach = 0.0, float("-inf")
    for start, end in sorted(spans):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


@dataclass
class EngineClock:
    """Busy intervals per engine actor (a vLLM replica pool counts as one) within one pass
    that started at `started` (epoch seconds); `last_row` is when its last row was stored."""

    started: float
    last_row: float | None = None
    spans: dict[str, Spans] = field(default_factory=dict)

    def add(self, actor: str, start: float, end: float) -> None:
        """One engine call's interval."""
        self.spans.setdefault(actor, []).append((start, end))

    def busy_s(self) -> float:
        """Engine-seconds busy: each actor's busy time, summed over actors."""
        return sum(busy_time(spans) for spans in self.spans.values())

    def wall_s(self) -> float:
        """From the pass's start to its last stored row."""
        return max(0.0, (self.last_row or self.started) - self.started)

    def utilisation_so_far(self, now: float) -> float | None:
        """busy / (time since the start x actors) while the pass runs; None before any
        engine call ended."""
        if not self.spans:
            return None
        return self.busy_s() / max((now - self.started) * len(self.spans), 1e-9)

    def utilisation(self) -> float | None:
        """busy / (wall x actors); None when no engine ran."""
        return sweep_utilisation([(self.busy_s(), self.wall_s(), len(self.spans))])


def sweep_utilisation(passes: list[tuple[float, float, int]]) -> float | None:
    """Over the passes that ran an engine, (busy_s, wall_s, actors) each: total busy over
    total actor-wall (the baseline, which has no engine, is not among them)."""
    capacity = sum(wall * actors for _, wall, actors in passes)
    return sum(busy for busy, _, _ in passes) / capacity if capacity > 0 else None
