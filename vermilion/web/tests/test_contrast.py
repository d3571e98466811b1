"""The colour tokens used for text pass WCAG AA (4.5:1 for normal-size text) on white."""

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[1] / "static" / "web" / "site.css").read_text()


def token(name: str) -> str:
    return re.search(rf"--{name}:\s*(#[0-9a-fA-F]{{6}})", CSS).group(1)


def luminance(hex_colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize(
    "foreground,background",
    [
        ("ink", "#ffffff"),
        ("muted", "#ffffff"),
        ("accent-ink", "#ffffff"),
        ("#ffffff", "accent-fill"),  # button and badge labels
    ],
)
def test_text_tokens_pass_aa(foreground, background):
    fg = foreground if foreground.startswith("#") else token(foreground)
    bg = background if background.startswith("#") else token(background)
    assert contrast(fg, bg) >= 4.5


def test_buttons_use_the_aa_fill_not_the_brand_red():
    button = re.search(r"^\.button \{[^}]*\}", CSS, re.M).group(0)
    assert "var(--accent-fill)" in button
    assert contrast("#ffffff", token("accent")) < 4.5  # why the fill exists
