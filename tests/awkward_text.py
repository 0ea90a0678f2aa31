"""Text a person or a broken client may send: every code point, and the awkward ones often.

Lone surrogates (which JSON can carry as `\\ud800` but UTF-8 cannot), NUL and other control
characters, decomposed accents and long runs come up in most examples, not once in a
thousand as they would from plain `st.text()`.
"""

from __future__ import annotations

from hypothesis import strategies as st

AWKWARD = ("\ud800", "\udfff", "\ud83d", "\ude00", "\x00", "\x07", "\x1b", "\r", "\r\n",
           "\x7f", "\x85", "\u200b", "\u202e", "\ufeff", "e\u0301", "😀", "<@U0SEC0001>",
           "&amp;", "<at>x</at>", '"', "'", "\\", "%00", "\n")

awkward_characters = st.one_of(st.characters(exclude_categories=()), st.sampled_from(AWKWARD))
awkward_text = st.lists(awkward_characters, max_size=60).map("".join)
