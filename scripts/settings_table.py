"""Print the configuration table of ``docs/configuration.md``, generated from ``Settings``.

Every field of :class:`anchor_service.settings.Settings` becomes one row: its
environment variable (``ANCHOR_<FIELD>``), its default and its description.
``docs/configuration.md`` holds the table between ``<!-- settings-table:start -->`` and
``<!-- settings-table:end -->``; ``tests/service/test_readme.py`` fails when the two
differ, so the documented settings are always the code's. From the repository root::

    .venv/bin/python scripts/settings_table.py            # print the table
    .venv/bin/python scripts/settings_table.py --write    # replace it in docs/configuration.md
"""

from __future__ import annotations

import argparse
import re
import sys
from decimal import Decimal
from pathlib import Path

from pydantic import SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from anchor_service.settings import Settings

START_MARKER = "<!-- settings-table:start -->"
END_MARKER = "<!-- settings-table:end -->"
CONFIGURATION_DOC = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def default_cell(field: FieldInfo) -> str:
    """The table's default column for ``field``; the docs' other settings tables (the
    scheduler's) are checked against it too."""
    value: object = field.default
    if value is PydanticUndefined or value is None:
        return "—"
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float | Decimal):
        text = f"{value:g}"
    else:
        text = str(value)
    return f"`{text}`" if text else "empty"


def _is_secret(field: FieldInfo) -> bool:
    annotation = field.annotation
    return annotation is SecretStr or SecretStr in getattr(annotation, "__args__", ())


def _env_names(text: str, prefix: str) -> str:
    """``text`` with field names replaced by their variables: ``seal_cron`` and
    ```timezone``` become ```ANCHOR_SEAL_CRON``` and ```ANCHOR_TIMEZONE```."""
    for name in sorted(Settings.model_fields, key=len, reverse=True):
        env = f"{prefix}{name.upper()}"
        text = text.replace(f"<{name}>", f"${env}")
        text = text.replace(f"`{name}`", f"`{env}`")
        if "_" in name:
            text = re.sub(rf"(?<![`\w]){name}(?![`\w])", f"`{env}`", text)
    return text


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render_table() -> str:
    """The Markdown table: one row per field, in the model's order."""
    prefix = str(Settings.model_config.get("env_prefix", ""))
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        env = f"`{prefix}{name.upper()}`"
        meaning = _env_names(field.description or "", prefix)
        if _is_secret(field):
            meaning += " Secret: masked in logs."
        lines.append(f"| {env} | {default_cell(field)} | {_cell(meaning)} |")
    return "\n".join(lines) + "\n"


def document_table(text: str) -> str:
    """The text between the table markers of ``text`` (without the marker lines)."""
    start = text.index(START_MARKER) + len(START_MARKER)
    end = text.index(END_MARKER, start)
    return text[start:end].strip("\n") + "\n"


def replace_table(text: str, table: str) -> str:
    """``text`` with the part between the markers replaced by ``table``."""
    start = text.index(START_MARKER) + len(START_MARKER)
    end = text.index(END_MARKER, start)
    return f"{text[:start]}\n{table}{text[end:]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--write", action="store_true", help="replace the table in docs/configuration.md"
    )
    args = parser.parse_args(argv)
    table = render_table()
    if not args.write:
        sys.stdout.write(table)
        return 0
    text = CONFIGURATION_DOC.read_text(encoding="utf-8")
    CONFIGURATION_DOC.write_text(replace_table(text, table), encoding="utf-8")
    rows = table.count("\n") - 2
    print(f"wrote the configuration table ({rows} settings) to {CONFIGURATION_DOC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
