"""Fill the ``{{KEY}}`` placeholders of a deploy template: ``python -m deploy.render TEMPLATE KEY=VALUE ... > FILE``.

Every placeholder must be given (else exit status 2 naming the missing ones); nothing else in the file changes, so
nginx's own ``$variables`` pass through. ``UPSTREAM_SERVERS`` takes a comma-separated list of ``host:port`` and
becomes one ``server host:port;`` line each.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from pathlib import Path

PLACEHOLDER = re.compile(r"\{\{([A-Z][A-Z0-9_]*)\}\}")
LIST_KEYS = {"UPSTREAM_SERVERS"}


class MissingValues(KeyError):
    """Placeholders of the template that were given no value."""


def placeholders(template: str) -> set[str]:
    """Return the names of the placeholders in ``template``."""
    return set(PLACEHOLDER.findall(template))


def render(template: str, values: Mapping[str, str]) -> str:
    """Return ``template`` with every placeholder replaced; raise :class:`MissingValues` if one has no value."""
    missing = sorted(placeholders(template) - set(values))
    if missing:
        raise MissingValues(missing)

    def value(match: re.Match[str]) -> str:
        key = match.group(1)
        if key in LIST_KEYS:
            return "\n".join(f"    server {item.strip()};" for item in values[key].split(",") if item.strip())
        return values[key]

    return PLACEHOLDER.sub(value, template)


def main(argv: list[str]) -> int:
    if not argv or any("=" not in a for a in argv[1:]):
        print(__doc__.splitlines()[0], file=sys.stderr)
        return 2
    values = dict(a.split("=", 1) for a in argv[1:])
    try:
        sys.stdout.write(render(Path(argv[0]).read_text(), values))
    except MissingValues as exc:
        print(f"missing values for: {', '.join(exc.args[0])}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
