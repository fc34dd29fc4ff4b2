"""Who the user is: the owner of hand-entered analyst actions and of positions.

* When Streamlit's login is configured (``[auth]`` in ``.streamlit/secrets.toml``) and the visitor is logged in,
  the identity provider's stable subject: ``oidc:<email or sub>`` from ``st.user``;
* otherwise, in one-analyst mode (the default: the app listens on 127.0.0.1 only), every visitor is the one local
  user, ``local:<login name of the account running the server>``. A browser session id is not an identity (a
  reload or a second tab would lose what it owns).

Positions are personal. Where the store is shared by a team (``LEVELS_DATABASE_URL``), a position belongs to a
signed-in user only: without a signed-in user the positions feature is off (:func:`positions_owner`), so nobody's
positions are shown to, or written by, anybody else. Hand-entered analyst actions are shared data and stay
available there under the local identity.
"""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from dataclasses import dataclass

from marketdata.config import Settings


def current_user(user_info: Mapping[str, object] | None = None) -> str:
    """Return the identity of the visitor (see the module docstring).

    ``user_info`` is ``st.user`` (a mapping); None or a visitor who is not logged in gives the local user.
    """
    signed_in = signed_in_user(user_info)
    if signed_in is not None:
        return signed_in
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no login name for this uid (e.g. a bare container)
        name = "user"
    return f"local:{name}"


def signed_in_user(user_info: Mapping[str, object] | None) -> str | None:
    """Return ``oidc:<email or sub>`` for a logged-in visitor, else None."""
    if user_info is not None and user_info.get("is_logged_in"):
        who = user_info.get("email") or user_info.get("sub")
        if who:
            return f"oidc:{who}"
    return None


@dataclass(frozen=True)
class PositionsAccess:
    """Whose positions the page shows and edits: ``owner``, or None with ``reason`` (the feature is off)."""

    owner: str | None
    reason: str = ""


def positions_owner(settings: Settings, user_info: Mapping[str, object] | None) -> PositionsAccess:
    """Return who owns the positions of this visit (see the module docstring)."""
    if settings.database_url is None:
        return PositionsAccess(current_user(user_info))
    owner = signed_in_user(user_info)
    if owner is None:
        return PositionsAccess(None, "Positions are personal: this server shares its data with a team, so they are"
                                     " kept only for signed-in users (Streamlit login is not configured or you are"
                                     " not signed in).")
    return PositionsAccess(owner)
