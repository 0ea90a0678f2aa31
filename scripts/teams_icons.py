"""Draw the Teams app icons (color 192x192, outline 32x32) into bot/teams/app_package/.

Teams wants a full-colour icon and a white-on-transparent outline icon. Run again after
changing the design: `.venv/bin/python scripts/teams_icons.py`; the PNGs are committed.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib import font_manager
from PIL import Image, ImageDraw, ImageFont

PACKAGE = Path(__file__).resolve().parent.parent / "bot" / "teams" / "app_package"
BLUE = (0, 51, 153, 255)
GOLD = (255, 204, 0, 255)
WHITE = (255, 255, 255, 255)


def _font(size: int) -> ImageFont.FreeTypeFont:
    path = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans",
                                                             weight="bold"))
    return ImageFont.truetype(path, size)


def _centred(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], text: str,
             font: ImageFont.FreeTypeFont, fill: tuple[int, int, int, int]) -> None:
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    x = box[0] + (box[2] - box[0] - (right - left)) / 2 - left
    y = box[1] + (box[3] - box[1] - (bottom - top)) / 2 - top
    draw.text((x, y), text, font=font, fill=fill)


def colour_icon() -> Image.Image:
    """A blue tile, `S3` in white above a gold desk line."""
    image = Image.new("RGBA", (192, 192), BLUE)
    draw = ImageDraw.Draw(image)
    _centred(draw, (0, 18, 192, 150), "S3", _font(92), WHITE)
    draw.rounded_rectangle((40, 148, 152, 162), radius=7, fill=GOLD)
    return image


def outline_icon() -> Image.Image:
    """`S3` in white on transparency, with the same desk line."""
    image = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    _centred(draw, (0, 1, 32, 25), "S3", _font(17), WHITE)
    draw.rectangle((7, 26, 24, 28), fill=WHITE)
    # Teams takes only white and transparency here: smoothing may only touch alpha
    alpha = image.getchannel("A")
    white = Image.new("RGBA", image.size, WHITE)
    white.putalpha(alpha)
    return white


def main() -> None:
    PACKAGE.mkdir(parents=True, exist_ok=True)
    colour_icon().convert("RGB").save(PACKAGE / "color.png", optimize=True)
    outline_icon().save(PACKAGE / "outline.png", optimize=True)
    print(f"wrote {PACKAGE / 'color.png'} and {PACKAGE / 'outline.png'}")


if __name__ == "__main__":
    main()
