"""French text normalisation shared by the search index and the queries.

Both databases index the same *normalised* text, so SQLite (FTS5) and PostgreSQL (tsvector)
find the same entries: words are lower-cased, accents folded ("démarches" → "demarches"),
French stop words dropped, each word reduced by the Snowball French stemmer ("demarches" →
"demarch"), then by a few derivational rules that bring a verb and its noun to one stem,
which Snowball alone does not ("inscrire" → "inscrir", "inscription" → "inscript").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

_WORD = re.compile(r"[0-9a-z]+")
_STEMMER = snowballstemmer.stemmer("french")

# The commonest French function words (articles, pronouns, prepositions, auxiliaries).
_STOP_WORDS_TEXT = """
    a au aux avec ce ces cet cette d dans de des du elle en et est etre il ils je l la le les
    leur leurs lui m ma mais me mes moi mon n ne nos notre nous on ou par pas pour qu que qui
    s sa se ses si son sont sur t ta te tes toi ton tu un une vos votre vous y
    comment quoi quel quelle quels quelles ai as avons avez ont suis es sommes etes
    """
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

# Stem endings rewritten so that a verb and the noun made from it share one stem:
# inscrir/inscrit → inscript, construir → construct, produir → product, resoudr → resolu.
_DERIVATIONS: tuple[tuple[str, str], ...] = (
    ("scrir", "script"),
    ("scrit", "script"),
    ("scriv", "script"),
    ("uir", "uct"),
    ("soudr", "solu"),
    ("solut", "solu"),
    ("prendr", "pris"),
)


def fold(text: str) -> str:
    """Lower case without accents ("Démarche Œuvre" → "demarche oeuvre")."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """The search stem of one folded word."""
    root = _STEMMER.stemWord(word)
    for ending, replacement in _DERIVATIONS:
        if root.endswith(ending) and len(root) > len(ending) + 1:
            return root[: -len(ending)] + replacement
    return root


def terms(text: str) -> list[str]:
    """The search terms of a text, in order (stop words dropped, duplicates kept)."""
    return [stem(word) for word in _WORD.findall(fold(text)) if word not in STOP_WORDS]


def document(text: str) -> str:
    """The text as stored in the index: its terms separated by spaces."""
    return " ".join(terms(text))
