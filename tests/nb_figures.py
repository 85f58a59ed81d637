"""Dev tool: save every PNG figure of executed notebooks so you can look at them.

    NOTEBOOK_OUT=/tmp/nbrun .venv/bin/python -m pytest tests/test_notebooks.py -k 04
    .venv/bin/python tests/nb_figures.py /tmp/nbrun /tmp/nbfigs    # → /tmp/nbfigs/04_..._cell12_0.png
"""

import base64
import sys
from pathlib import Path

import nbformat


def main(src: str, dst: str) -> None:
    out = Path(dst)
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(Path(src).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for i, cell in enumerate(nb.cells):
            for j, o in enumerate(cell.get("outputs", [])):
                data = o.get("data", {})
                if "image/png" in data:
                    target = out / f"{path.stem}_cell{i:02d}_{j}.png"
                    target.write_bytes(base64.b64decode(data["image/png"]))
                    print(target)


if __name__ == "__main__":
    main(*sys.argv[1:3])
