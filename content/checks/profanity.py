"""Swear words: banned in every store's copy, whatever its brand voice lists.

A small model writes what it saw in web text, now and then a swear word, and the word filter
cannot stop one spelled with a symbol: "sh!t" is two letters, a "!" and one letter, each allowed
("designed for use with sand, sh!t, and sanding pads", the tuned model on the copy yardstick,
2026-12-01). No merchant publishes that, so the banned-words check flags these in every store.

Only words with no meaning in a catalog are listed: "cock" (a stopcock), "bastard" (a bastard-cut
file), "screw" or "ball" would flag real products. A word the product's own data uses is not
flagged either. Spellings with symbols or digits in place of vowels ("f*ck", "sh1t") match too.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .base import Span

_ENGLISH = (
    "fuck", "fucker", "fucking", "fucked", "motherfucker", "shit", "shitty", "bullshit", "horseshit",
    "cunt", "asshole", "arsehole", "dickhead", "bitch", "bitches", "crap", "crappy", "damn", "goddamn",
    "piss", "pissed", "wanker", "twat", "slut", "whore", "retard", "retarded",
)
_CHINESE = ("他妈的", "妈的", "操你", "傻逼", "傻B", "狗屎", "屁话", "王八蛋", "混蛋", "贱人")
# What may stand in for a vowel: "sh!t", "f*ck", "sh1t", "b!tch".
_VOWEL = "[{vowel}*!@#$%1|0]"


def _english_pattern(word: str) -> str:
    body = "".join(_VOWEL.format(vowel=ch) if ch in "aeiou" else re.escape(ch) for ch in word)
    return rf"(?<![A-Za-z0-9]){body}(?![A-Za-z0-9])"


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    alternatives = [_english_pattern(word) for word in sorted(_ENGLISH, key=len, reverse=True)]
    alternatives += [re.escape(word) for word in _CHINESE]
    return re.compile("|".join(alternatives), re.IGNORECASE)


def find_profanity(text: str, *, facts_text: str = "") -> list[Span]:
    """Spans of swear words in `text`, leaving out those the product data itself writes."""
    grounded = {match.group().casefold() for match in _pattern().finditer(facts_text)}
    return [Span(match.start(), match.end(), f"swear word '{match.group()}'")
            for match in _pattern().finditer(text) if match.group().casefold() not in grounded]
