"""JavaScript shipped per page of the static frontend, gzip-compressed: each page's
`<script src>` and the ES modules they import (statically: what the page loads before it is
usable), and separately what they import on demand (`import("…")`, e.g. the chart library).

    .venv/bin/python bench/frontend_bytes.py [--budget 61440]

Prints one line per page and exits 1 if a citizen page (frontend/site/) exceeds the budget.
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
from pathlib import Path

FRONTEND = Path(__file__).resolve().parent.parent / "frontend"
CITIZEN_BUDGET = 60 * 1024
_SCRIPT = re.compile(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", re.IGNORECASE)
_STATIC_IMPORT = re.compile(
    r"""(?:^|[;\s])(?:import|export)\s[^'"()]*?from\s*['"]([^'"]+)['"]|(?:^|[;\s])import\s*['"]([^'"]+)['"]""",
    re.MULTILINE,
)
_DYNAMIC_IMPORT = re.compile(r"""import\(\s*['"]([^'"]+)['"]\s*\)""")
_ON_DEMAND_SCRIPT = re.compile(r"""['"](/vendor/[^'"]+\.js)['"]""")


def _file(url: str, base: Path) -> Path | None:
    if url.startswith(("http:", "https:", "//")):
        return None
    path = FRONTEND / url.lstrip("/") if url.startswith("/") else (base.parent / url)
    path = path.resolve()
    return path if path.is_file() else None


def _gzip_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


def modules(entry: Path) -> tuple[set[Path], set[Path]]:
    """(statically loaded files, files loaded on demand) reachable from `entry`."""
    loaded: set[Path] = set()
    on_demand: set[Path] = set()
    pending = [entry]
    while pending:
        current = pending.pop()
        if current in loaded:
            continue
        loaded.add(current)
        source = current.read_text(encoding="utf-8", errors="replace")
        for match in _STATIC_IMPORT.finditer(source):
            found = _file(match.group(1) or match.group(2), current)
            if found is not None:
                pending.append(found)
        for url in [*_DYNAMIC_IMPORT.findall(source), *_ON_DEMAND_SCRIPT.findall(source)]:
            found = _file(url, current)
            if found is not None:
                on_demand.add(found)
    return loaded, on_demand


def page_bytes(page: Path) -> tuple[int, int]:
    """(gzip bytes loaded with the page, gzip bytes it may load on demand)."""
    loaded: set[Path] = set()
    on_demand: set[Path] = set()
    for url in _SCRIPT.findall(page.read_text(encoding="utf-8")):
        entry = _file(url, page)
        if entry is not None:
            static, dynamic = modules(entry)
            loaded |= static
            on_demand |= dynamic
    extra: set[Path] = set()
    for path in on_demand - loaded:
        extra |= modules(path)[0]
    return sum(map(_gzip_size, loaded)), sum(map(_gzip_size, extra - loaded))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=CITIZEN_BUDGET)
    budget = parser.parse_args().budget
    over = []
    print(f"{'page':<40} {'js_gzip_bytes':>14} {'on_demand_gzip':>15}")
    for page in sorted(FRONTEND.glob("*/*.html")):
        loaded, later = page_bytes(page)
        name = str(page.relative_to(FRONTEND))
        print(f"{name:<40} {loaded:>14} {later:>15}")
        if name.startswith("site/") and loaded + later > budget:
            over.append(name)
    print(f"citizen budget: {budget} bytes per page; over budget: {', '.join(over) or 'none'}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
