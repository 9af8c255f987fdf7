"""Word lists: English function words, and the frequent words that tell Latin-script languages apart."""

from __future__ import annotations

# Broad: n-grams made only of these ("one of the", "it is a") repeat in any natural text.
ENGLISH_FUNCTION_WORDS = frozenset(
    """a about above after again all also an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has
    have having he her here hers him his how i if in into is it its itself just me more most my no
    nor not now of off on once only or other our ours out over own same she should so some such
    than that the their theirs them then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your yours
    one two use used make makes""".split()
)

# Frequent words of each language, with those another of these languages (or English product copy)
# also uses left out ("a", "in", "is", "die", "as", "do", "no", "on", "per", "van", "come", and "ce"
# for the CE mark). Words the Romance languages share ("de", "la", "que") count for each of them.
LANGUAGE_MARKERS: dict[str, frozenset[str]] = {
    "en": frozenset(
        """the and of to is are it this that with for you your its be by from or at an will can has
        have was not more which these their our all any into than also been they them when while
        would should""".split()
    ),
    "es": frozenset(
        """el la los las de del al en y es una por para con que se su sus muy más este esta estos
        estas también como pero sin sobre entre puede hasta desde cuando donde lo le les""".split()
    ),
    "fr": frozenset(
        """le la les de des du en et est un une pour avec dans sur pas cette ces qui que au aux vous
        nous très sont être leur votre vos sans mais comme peut tout""".split()
    ),
    "de": frozenset(
        """der das und ist mit für nicht ein eine einen auf zu von den dem des sich auch werden wird
        sind oder bei aus ihre ihr wie noch sehr nach kann""".split()
    ),
    "it": frozenset(
        """il la le gli di del della delle dei che è e con un una sono non questo questa anche molto
        più alla nel nella degli ed perché suo sua""".split()
    ),
    "pt": frozenset(
        """o os de da dos das em um uma para com não é que se mais muito este esta pelo pela seu
        sua são também ao aos""".split()
    ),
    "nl": frozenset("""de het een en dat niet met voor zijn ook bij naar wordt deze maar je uw hun zeer""".split()),
}

LANGUAGE_NAMES = {
    "en": "English",
    "zh": "Chinese",
    "es": "Spanish",
    "fr": "French",
    "de": "German",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
}
