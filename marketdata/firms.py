"""Research firms: one name per firm across sources (the alias table).

Feeds spell firms differently: Yahoo writes "HC Wainwright & Co." and "JP Morgan" where the bundled data (read
from news pages) writes "H.C. Wainwright" and "JPMorgan". :func:`canonical_firm` returns the bundled spelling for
every alias below, and :func:`firm_key` the folded form used to match rows across sources (lower case, letters and
digits only: "JP Morgan" and "JPMorgan" fold alike even without an entry).

Renamed research teams are one firm: Cowen became TD Cowen (2023) and JMP Securities became Citizens JMP (2023);
the history of each is one target path. Firms that are not in the table keep their own name.

| canonical name (bundled data) | other spellings |
|---|---|
| JPMorgan | JP Morgan, J.P. Morgan, JPMorgan Chase & Co. |
| H.C. Wainwright | HC Wainwright & Co., H.C. Wainwright & Co., Rodman & Renshaw |
| Cantor Fitzgerald | Cantor Fitzgerald & Co. |
| Needham | Needham & Company, Needham & Co. |
| Compass Point | Compass Point Research & Trading |
| Canaccord Genuity | Canaccord |
| Chardan Capital | Chardan, Chardan Capital Markets |
| Bernstein | Sanford C. Bernstein, Bernstein SocGen Group, AllianceBernstein |
| Macquarie | Macquarie Research, Macquarie Capital |
| B. Riley | B. Riley Securities, B. Riley FBR, B. Riley Financial |
| BTIG | BTIG Research |
| Piper Sandler | Piper Sandler & Co., Piper Sandler Companies |
| Citigroup | Citi, Citigroup Inc., Citigroup Global Markets |
| Cowen | TD Cowen, Cowen & Co., Cowen and Company |
| Keefe Bruyette & Woods | Keefe, Bruyette & Woods, KBW |
| Roth Capital | Roth MKM, Roth Capital Partners |
| Northland | Northland Capital Markets, Northland Securities |
| Arete Research | Arete |
| Jefferies | Jefferies & Co., Jefferies Financial Group |
| Citizens JMP | JMP Securities, Citizens JMP Securities |
| Morgan Stanley | |
| Rosenblatt | Rosenblatt Securities |
| D.A. Davidson | DA Davidson, D.A. Davidson & Co. |
| Maxim Group | Maxim |
| Ladenburg Thalmann | Ladenburg Thalmann & Co. |
| JonesTrading | Jones Trading, JonesTrading Institutional Services |
"""

from __future__ import annotations

import re

CANONICAL_ALIASES: dict[str, tuple[str, ...]] = {
    "JPMorgan": ("JP Morgan", "J.P. Morgan", "JPMorgan Chase & Co."),
    "H.C. Wainwright": ("HC Wainwright & Co.", "H.C. Wainwright & Co.", "Rodman & Renshaw"),
    "Cantor Fitzgerald": ("Cantor Fitzgerald & Co.",),
    "Needham": ("Needham & Company", "Needham & Co."),
    "Compass Point": ("Compass Point Research & Trading",),
    "Canaccord Genuity": ("Canaccord",),
    "Chardan Capital": ("Chardan", "Chardan Capital Markets"),
    "Bernstein": ("Sanford C. Bernstein", "Bernstein SocGen Group", "AllianceBernstein"),
    "Macquarie": ("Macquarie Research", "Macquarie Capital"),
    "B. Riley": ("B. Riley Securities", "B. Riley FBR", "B. Riley Financial"),
    "BTIG": ("BTIG Research",),
    "Piper Sandler": ("Piper Sandler & Co.", "Piper Sandler Companies"),
    "Citigroup": ("Citi", "Citigroup Inc.", "Citigroup Global Markets"),
    "Cowen": ("TD Cowen", "Cowen & Co.", "Cowen and Company"),
    "Keefe Bruyette & Woods": ("Keefe, Bruyette & Woods", "KBW"),
    "Roth Capital": ("Roth MKM", "Roth Capital Partners"),
    "Northland": ("Northland Capital Markets", "Northland Securities"),
    "Arete Research": ("Arete",),
    "Jefferies": ("Jefferies & Co.", "Jefferies Financial Group"),
    "Citizens JMP": ("JMP Securities", "Citizens JMP Securities"),
    "Morgan Stanley": (),
    "Rosenblatt": ("Rosenblatt Securities",),
    "D.A. Davidson": ("DA Davidson", "D.A. Davidson & Co."),
    "Maxim Group": ("Maxim",),
    "Ladenburg Thalmann": ("Ladenburg Thalmann & Co.",),
    "JonesTrading": ("Jones Trading", "JonesTrading Institutional Services"),
}


def fold(name: str) -> str:
    """Return ``name`` in lower case with everything but letters and digits removed."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


_CANONICAL: dict[str, str] = {
    fold(alias): canonical for canonical, aliases in CANONICAL_ALIASES.items() for alias in (canonical, *aliases)
}


def canonical_firm(name: str) -> str:
    """Return the canonical spelling of firm ``name`` (see the table above), or ``name`` stripped if unknown."""
    name = name.strip()
    return _CANONICAL.get(fold(name), name)


def firm_key(firm: str) -> str:
    """Return the key that identifies a firm across sources: the folded canonical name.

    ``'JP Morgan'`` and ``'JPMorgan'`` give ``'jpmorgan'``; ``'HC Wainwright & Co.'`` gives ``'hcwainwright'``.
    """
    return fold(canonical_firm(firm))
