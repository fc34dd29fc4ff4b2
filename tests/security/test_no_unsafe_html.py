"""No raw HTML reaches the browser: the app's sources never turn Streamlit's HTML escaping off.

Every ``.py`` file of the app (``dashboard.py``, ``pages/``, ``ui/``, ``analyst/``, ``marketdata/``,
``indicators/``) is parsed with :mod:`ast`. Forbidden: any ``unsafe_allow_html=`` other than the constant
``False`` (also through ``**{...}`` or a string key), and any ``st.html``, ``st.iframe``,
``components.html``/``iframe``/``declare_component`` (called or imported). Markdown-rendering calls get their
text through ``ui.labels.md_escape``; those call sites are checked by the AppTest fuzzing in test_url_fuzz.py.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP_PARTS = ("dashboard.py", "pages", "ui", "analyst", "marketdata", "indicators")
RAW_HTML_FUNCTIONS = {"html", "iframe", "declare_component"}
STREAMLIT_MODULES = ("streamlit", "streamlit.components", "streamlit.components.v1")


def app_files() -> list[Path]:
    files: list[Path] = []
    for part in APP_PARTS:
        path = ROOT / part
        files += [path] if path.is_file() else sorted(p for p in path.rglob("*.py") if "__pycache__" not in p.parts)
    return files


def _dotted(node: ast.AST) -> str:
    """``st.components.v1.html`` for the expression ``st.components.v1.html`` ('' for anything else)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def unsafe_html_uses(source: str, filename: str = "<source>") -> list[str]:
    """Return a line per forbidden construct in ``source``."""
    tree = ast.parse(source, filename)
    streamlit_names = {"st", "streamlit", "components", "stc"}
    found: list[str] = []
    for node in ast.walk(tree):
        where = f"{filename}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("streamlit"):
                    streamlit_names.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(STREAMLIT_MODULES):
            for alias in node.names:
                if alias.name in RAW_HTML_FUNCTIONS:
                    found.append(f"{where}: imports {alias.name} from {node.module}")
                streamlit_names.add(alias.asname or alias.name)
        elif isinstance(node, ast.Call):
            for kw in node.keywords:
                safe = isinstance(kw.value, ast.Constant) and kw.value.value is False
                if kw.arg == "unsafe_allow_html" and not safe:
                    found.append(f"{where}: unsafe_allow_html={ast.unparse(kw.value)}")
                if kw.arg is None and isinstance(kw.value, ast.Dict):
                    keys = [k.value for k in kw.value.keys if isinstance(k, ast.Constant)]
                    if "unsafe_allow_html" in keys:
                        found.append(f"{where}: unsafe_allow_html passed through **{{...}}")
            name = _dotted(node.func)
            if "." in name and name.split(".")[-1] in RAW_HTML_FUNCTIONS and name.split(".")[0] in streamlit_names:
                found.append(f"{where}: calls {name}()")
        elif isinstance(node, ast.Constant) and node.value == "unsafe_allow_html":
            found.append(f"{where}: the string 'unsafe_allow_html' (setdefault/getattr/kwargs)")
    return found


def test_the_app_sources_are_all_scanned() -> None:
    files = app_files()
    names = {p.relative_to(ROOT).as_posix() for p in files}
    assert {"dashboard.py", "pages/ticker.py", "pages/overview.py", "pages/analysts.py", "ui/labels.py"} <= names
    assert len(files) >= 20, names


@pytest.mark.parametrize("path", app_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_unsafe_html(path: Path) -> None:
    assert unsafe_html_uses(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT))) == []


@pytest.mark.parametrize(
    "snippet",
    [
        "import streamlit as st\nst.markdown(x, unsafe_allow_html=True)",
        "import streamlit as st\nst.write(x, unsafe_allow_html=flag)",
        "import streamlit as st\nst.caption(x, **{'unsafe_allow_html': True})",
        "import streamlit as st\nkw = {}\nkw['unsafe_allow_html'] = True",
        "import streamlit as st\nst.html(f'<b>{name}</b>')",
        "import streamlit as s2\ns2.html(x)",
        "import streamlit.components.v1 as components\ncomponents.html(x)",
        "import streamlit as st\nst.components.v1.html(x)",
        "import streamlit as st\nst.iframe(url)",
        "from streamlit.components.v1 import html\nhtml(x)",
        "from streamlit import html as h\nh(x)",
    ],
)
def test_the_scanner_flags_unsafe_html(snippet: str) -> None:
    assert unsafe_html_uses(snippet), snippet


@pytest.mark.parametrize(
    "snippet",
    [
        "import streamlit as st\nst.markdown(md_escape(x))",
        "import streamlit as st\nst.markdown(x, unsafe_allow_html=False)",
        "import html\nhtml.escape(x)",
        "from ui.labels import md_escape\nmd_escape('<b>')",
    ],
)
def test_the_scanner_passes_safe_code(snippet: str) -> None:
    assert unsafe_html_uses(snippet) == []
