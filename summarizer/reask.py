"""When one item's model is asked again, and how often at most: one policy, one budget.

Three kinds of answer are re-asked: one that does not validate against the schema (instructor
sends back only the validation errors), one cut off at the token limit (the prompt's
`reask_truncated` message), and one whose metric values, or numbers of its prose, are not in
the text (the prompt's `reask_grounding` message, at most once: a second rarely finds what the
first missed). All of them draw on one budget, so an item costs at most `1 + max_reasks` model
calls. Transport retries (429, 5xx, timeouts) resend the same call and are bounded apart: by
`max_transport_retries` per call and by the item's deadline over all of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from summarizer.config import Settings


@dataclass(frozen=True)
class ReaskPolicy:
    """The re-ask budget of one item (see module docstring)."""

    max_reasks: int = 2
    grounding_reasks: int = 1

    @classmethod
    def from_settings(cls, settings: Settings) -> ReaskPolicy:
        """The policy `settings.max_reasks` sets."""
        return cls(max_reasks=settings.max_reasks)

    @property
    def max_calls(self) -> int:
        """Model calls one item may make in all: the first and every re-ask."""
        return 1 + self.max_reasks

    def calls_left(self, made: int) -> int:
        """Calls still allowed after `made`."""
        return max(self.max_calls - made, 0)

    def may_reask_grounding(self, made: int, reasked: int = 0) -> bool:
        """Whether an answer with values not in the text is asked once more, after `made`
        calls of which `reasked` were grounding re-asks."""
        return reasked < self.grounding_reasks and self.calls_left(made) > 0
