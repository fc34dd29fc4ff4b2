"""User-facing data notices with a typed kind, so code decides on the kind and never on the message text."""

from __future__ import annotations

from typing import Literal, get_args

NoticeKind = Literal[
    "store",         # the store could not be read: bundled snapshot only
    "offline",       # live data is switched off (information, nothing went wrong)
    "live_failed",   # the live source failed (network, rate limit, no data, bad data)
    "live_skipped",  # a recent failure: the source is not asked again yet
    "bad_rows",      # the live source sent rows that were refused
    "queued",        # asked of the refresh worker
    "capped",        # the store follows its maximum number of symbols
    "rate_limited",  # too many new symbols asked for in the last minute
]
NOTICE_KINDS: tuple[NoticeKind, ...] = get_args(NoticeKind)


class Notice(str):
    """A notice: its text (it *is* the string, so it prints, joins and compares as one) and its ``kind``.

    ``info`` is True for notices that only inform (offline mode); the others are warnings.
    """

    kind: NoticeKind

    def __new__(cls, kind: NoticeKind, text: str) -> Notice:
        if kind not in NOTICE_KINDS:
            raise ValueError(f"unknown notice kind {kind!r}")
        notice = super().__new__(cls, text)
        notice.kind = kind
        return notice

    def __reduce__(self) -> tuple[type[Notice], tuple[NoticeKind, str]]:
        """Pickle (``st.cache_data`` does) as ``Notice(kind, text)``; str's own reduction would drop the kind."""
        return (Notice, (self.kind, str(self)))

    @property
    def text(self) -> str:
        """Return the notice's text as a plain string."""
        return str(self)

    @property
    def info(self) -> bool:
        """Return whether the notice only informs (offline mode) rather than warns."""
        return self.kind == "offline"
