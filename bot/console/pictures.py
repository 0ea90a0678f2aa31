"""A reply's picture (a chart) saved as a PNG file, since a terminal shows no images."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

from handlers.core.types import Card


def default_folder() -> Path:
    return Path(tempfile.gettempdir()) / "s3desk"


def save_picture(card: Card, folder: Path, now: datetime) -> Path | None:
    """Write the card's picture into `folder` (made if missing); its path, or None."""
    if not card.image_png:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{card.picture_stem()}-{now:%Y%m%d-%H%M%S}.png"
    path.write_bytes(card.image_png)
    return path
