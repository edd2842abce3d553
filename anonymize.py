# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Anonymise a customer's rating comment before it is published.

README: Customer ratings.

Pure text functions, no ORM: e-mail addresses, phone numbers, web addresses
and the given person names are replaced by a neutral mark, then the text is
shortened.
"""

import re

MASK = "[…]"
MAX_COMMENT_LENGTH = 280
MIN_NAME_PART = 3
MIN_PHONE_DIGITS = 7

_URL_RE = re.compile(
    r"(?:\b(?:https?|ftp)://|\bwww\.)[^\s<>\"']*[^\s<>\"'.,;:!?)]"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|io|fr|es|de|eu|info|biz|co|uk)"
    r"(?:/[^\s<>\"']*)?\b",
    re.IGNORECASE,
)
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# a run of digits with the usual separators, checked for its digit count
_PHONE_RE = re.compile(r"(?:\+|\b00)?\(?\d[\d\s().\-/]{4,}\d")


def _mask_phone(match):
    digits = sum(ch.isdigit() for ch in match.group(0))
    return MASK if digits >= MIN_PHONE_DIGITS else match.group(0)


def name_patterns(names):
    """Return the words to hide for these person names: each full name and
    each of its parts of at least ``MIN_NAME_PART`` letters, longest first."""
    words = set()
    for name in names:
        name = " ".join((name or "").split())
        if not name:
            continue
        words.add(name)
        words.update(
            part
            for part in re.split(r"[\s,.;:()'\"/&-]+", name)
            if len(part) >= MIN_NAME_PART
        )
    return sorted(words, key=lambda w: (-len(w), w.lower()))


def anonymize_comment(text, names=(), max_length=MAX_COMMENT_LENGTH):
    """Remove what could identify someone from ``text`` and shorten it.

    :param str text: the customer's comment (plain text)
    :param names: names of the customer and of the staff to hide
    :param int max_length: longest result, the ellipsis included
    :return: the anonymised one-line text ("" when nothing is left)
    """
    if not text:
        return ""
    text = _URL_RE.sub(MASK, _EMAIL_RE.sub(MASK, text))
    text = _PHONE_RE.sub(_mask_phone, text)
    words = name_patterns(names)
    if words:
        pattern = re.compile(
            r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)",
            re.IGNORECASE,
        )
        text = pattern.sub(MASK, text)
    text = " ".join(text.split())
    if len(text) > max_length:
        cut = text[: max_length - 1]
        if " " in cut:
            cut = cut[: cut.rindex(" ")]
        text = cut.rstrip(" ,;:.-") + "…"
    return text
