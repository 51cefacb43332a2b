"""What every benchmark script ends with: one JSON document on stdout, and in --out."""

import json
from pathlib import Path


def emit(doc: dict, out: str | None = None) -> None:
    text = json.dumps(doc, indent=2)
    print(text)
    if out:
        Path(out).write_text(text + "\n")
