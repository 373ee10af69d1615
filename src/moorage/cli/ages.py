"""How long ago, as kubectl prints AGE (`45s`, `3m12s`, `5h`, `12d`) and oc prints UPDATED."""

from datetime import UTC, datetime


def parse_time(stamp: str | None) -> datetime | None:
    if not stamp:
        return None
    try:
        parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def human_duration(seconds: float) -> str:
    """kubectl's HumanDuration."""
    seconds = int(max(seconds, 0))
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if seconds < 120:
        return f"{seconds}s"
    if minutes < 10:
        return f"{minutes}m{seconds % 60}s" if seconds % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 192:
        return f"{days}d{hours % 24}h" if hours % 24 else f"{days}d"
    if days < 730:
        return f"{days}d"
    years = days // 365
    return f"{years}y{days % 365}d" if years < 8 and days % 365 else f"{years}y"


def age(stamp: str | None, now: datetime | None = None) -> str:
    when = parse_time(stamp)
    if when is None:
        return "<unknown>"
    return human_duration(((now or datetime.now(UTC)) - when).total_seconds())


def docker_duration(seconds: float) -> str:
    """The docker/oc wording: `About a minute`, `5 hours`, `3 weeks`."""
    whole = int(seconds)
    minutes, hours = whole // 60, int(seconds / 3600 + 0.5)
    if whole < 1:
        return "Less than a second"
    if whole < 60:
        return "1 second" if whole == 1 else f"{whole} seconds"
    if minutes < 60:
        return "About a minute" if minutes == 1 else f"{minutes} minutes"
    if hours < 48:
        return "About an hour" if hours == 1 else f"{hours} hours"
    if hours < 24 * 14:
        return f"{hours // 24} days"
    if hours < 24 * 60:
        return f"{hours // 168} weeks"
    if hours < 24 * 730:
        return f"{hours // 720} months"
    return f"{whole // 31536000} years"


def ago(stamp: str | None) -> str:
    """oc's UPDATED column: `5 minutes ago`."""
    when = parse_time(stamp)
    if when is None:
        return ""
    return docker_duration((datetime.now(UTC) - when).total_seconds()) + " ago"
