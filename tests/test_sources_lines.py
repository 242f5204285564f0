"""Lines one at a time, exactly as `str.splitlines` gives them."""

from __future__ import annotations

import random

from summarizer.sources.lines import iter_lines


def test_lines_are_those_of_splitlines_on_every_boundary() -> None:
    fixed = [
        "",
        "a",
        "a\n",
        "\n",
        "\r\n\r\n",
        "a\r\nb\rc\x0bd\x0ce\x1cf\x85g\u2028h\u2029",
        "x\n\n",
    ]
    chars = "ab |\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
    rng = random.Random(7)
    drawn = ["".join(rng.choice(chars) for _ in range(rng.randint(0, 16))) for _ in range(5000)]
    for text in fixed + drawn:
        assert list(iter_lines(text)) == text.splitlines(), repr(text)
