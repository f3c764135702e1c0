"""Standard 5-field cron expressions as APScheduler triggers.

APScheduler 3's ``CronTrigger.from_crontab`` numbers weekdays from Monday (``0`` is
Monday), whereas cron numbers them from Sunday (``0`` and ``7`` are Sunday): ``1-5``
would run Tuesday to Saturday. :func:`crontab_trigger` reads the weekday field the cron
way (numbers, names, ranges, lists and steps) and hands APScheduler weekday names.

One difference remains, as in APScheduler: when both day-of-month and weekday are
restricted, a time must match both (cron runs when either matches).
"""

from __future__ import annotations

from datetime import tzinfo

from apscheduler.triggers.cron import CronTrigger

__all__ = ["crontab_trigger"]

_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _day(token: str) -> int:
    token = token.strip().lower()
    if token in _NAMES:
        return _NAMES.index(token)
    if token.isdigit() and 0 <= int(token) <= 7:
        return int(token) % 7
    raise ValueError(f"weekday {token!r} is not 0-7 or sun-sat")


def _weekdays(field: str) -> str:
    """A cron weekday field as a comma-separated list of APScheduler weekday names."""
    if field == "*":
        return "*"
    days: set[int] = set()
    for part in field.split(","):
        span, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError(f"step {step_text!r} must be at least 1")
        if span == "*":
            first, last = 0, 6
        elif "-" in span:
            start, end = span.split("-", 1)
            first, last = _day(start), _day(end)
            if end.strip() == "7":
                last = 7  # 5-7: Friday to Sunday
        else:
            first = last = _day(span)
            if step_text:
                last = 6  # 1/2: from Monday, every other day
        if first > last:
            raise ValueError(f"weekday range {span!r} runs backwards")
        days.update(day % 7 for day in range(first, last + 1, step))
    return ",".join(_NAMES[day] for day in sorted(days))


def crontab_trigger(expression: str, timezone: tzinfo) -> CronTrigger:
    """A trigger for ``minute hour day month weekday`` in ``timezone``.

    Raises :class:`ValueError` when the expression is not valid.
    """
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"wrong number of fields; got {len(fields)}, expected 5")
    minute, hour, day, month, weekday = fields
    return CronTrigger(
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=_weekdays(weekday),
        timezone=timezone,
    )
