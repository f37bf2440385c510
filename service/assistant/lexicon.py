"""The words the assistant reads by: speech verbs of accusation and denial, the words of a
violation, families of acts, channels, and the adjectives that name a country's side. English
wire copy only; a word list, not a model, so that what it proposes can be traced to the words it
read."""

from __future__ import annotations

import re

# Verbs that make the sentence's subject an accuser, or a denier, of what follows.
ACCUSE = r"accused|accuses|accusing|accuse|blamed|blames|blaming|alleged|alleges|charged"
DENY = r"denied|denies|deny|denying|rejected|rejects|rejecting|dismissed|dismisses|refuted|refutes"
# "called the report 'disinformation'", "calling it baseless": a denial when the words that follow
# within the phrase say so.
CALL = r"called|calling|calls|described|describing"
SAY = r"said|says|saying|told|added|adding|stated|claimed|claims|claiming|reported|announced|insisted"
# Words in what a subject says that make it an accusation, when they have an accused in front.
VIOLATION = re.compile(
    r"\b(?:violat\w*|breach\w*|broke|breaking|shell\w*|fired|firing|opened fire|open fire|attack\w*|"
    r"carried out|launch\w*|struck|strikes?|killed|killing|targeted|targeting|bombard\w*|raided|"
    r"assault\w*|infiltrat\w*|stormed|hit)\b",
    re.IGNORECASE,
)
# Words that make a quote a denial's rather than an accusation's.
DENIAL_WORDS = re.compile(
    r"\b(?:lie|lies|lying|false|baseless|unfounded|fabricat\w*|propaganda|disinformation|"
    r"misinformation|groundless|not fired|never|no truth|fake)\b",
    re.IGNORECASE,
)

# Each family of acts: the words that name it in a report, and the words of an act's slug, label
# or alias in the catalogue that show it is that family. The first family named in a claim is its
# act; a claim that names none is an unspecified violation when the catalogue has one.
ACT_FAMILIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("sniper", r"snipers?|sniper fire", ("sniper",)),
    ("drone", r"drones?|drone strikes?|unmanned", ("drone",)),
    ("air", r"air ?strikes?|airstrikes?|air raids?|warplanes?|aircraft|jets|bombing raids?", ("air",)),
    ("missile", r"missiles?|anti-tank", ("missile",)),
    (
        "shelling",
        r"shell\w*|artillery|mortars?|rockets?|howitzers?|grad|bombard\w*|heavy weapons",
        ("shell", "artillery", "mortar"),
    ),
    (
        "shooting",
        r"small[- ]arms|gunfire|machine[- ]guns?|opened fire|open fire|fired on|firing on|shooting|shots|"
        r"large-calibre|large-caliber|automatic weapons",
        ("shoot", "small-arms", "gunfire"),
    ),
    (
        "assault",
        r"attack\w*|assault\w*|raid\w*|offensive|incursion|infiltrat\w*|stormed|advance\w*",
        ("assault", "attack", "offensive", "incursion"),
    ),
)
UNSPECIFIED = ("violation", "unspecified", "breach")

# What kind of actor a noun after a country names: "Pakistan's army", "Indian troops".
MILITARY_NOUNS = (
    r"army|military|armed forces|forces|troops|soldiers|side|aircraft|warplanes|jets|drones?|artillery|"
    r"tanks|snipers|units|navy|air force|border guards|drone strikes?|air ?strikes?"
)
DEFENCE_MINISTRY = r"defen[cs]e ministry|ministry of defen[cs]e"
FOREIGN_MINISTRY = r"foreign ministry|ministry of foreign affairs"
GOVERNMENT = r"government|authorities|cabinet|presidency"

# The adjective of a country, by its ISO 3166 code: how wire copy names a side ("Armenian forces").
DEMONYMS = {
    "AFG": "Afghan",
    "AGO": "Angolan",
    "ARE": "Emirati",
    "ARM": "Armenian",
    "AZE": "Azerbaijani",
    "BDI": "Burundian",
    "BFA": "Burkinabe",
    "BIH": "Bosnian",
    "CAF": "Central African",
    "CHN": "Chinese",
    "CIV": "Ivorian",
    "CMR": "Cameroonian",
    "COD": "Congolese",
    "COL": "Colombian",
    "CYP": "Cypriot",
    "DZA": "Algerian",
    "EGY": "Egyptian",
    "ERI": "Eritrean",
    "ETH": "Ethiopian",
    "GEO": "Georgian",
    "GRC": "Greek",
    "IDN": "Indonesian",
    "IND": "Indian",
    "IRN": "Iranian",
    "IRQ": "Iraqi",
    "ISR": "Israeli",
    "JOR": "Jordanian",
    "KEN": "Kenyan",
    "KGZ": "Kyrgyz",
    "KHM": "Cambodian",
    "KOR": "South Korean",
    "LBN": "Lebanese",
    "LBY": "Libyan",
    "LKA": "Sri Lankan",
    "MAR": "Moroccan",
    "MDA": "Moldovan",
    "MLI": "Malian",
    "MMR": "Myanmar",
    "MOZ": "Mozambican",
    "NER": "Nigerien",
    "NGA": "Nigerian",
    "NPL": "Nepali",
    "PAK": "Pakistani",
    "PHL": "Philippine",
    "PRK": "North Korean",
    "PSE": "Palestinian",
    "QAT": "Qatari",
    "RUS": "Russian",
    "RWA": "Rwandan",
    "SAU": "Saudi",
    "SDN": "Sudanese",
    "SOM": "Somali",
    "SRB": "Serbian",
    "SSD": "South Sudanese",
    "SYR": "Syrian",
    "TCD": "Chadian",
    "THA": "Thai",
    "TJK": "Tajik",
    "TUR": "Turkish",
    "UGA": "Ugandan",
    "UKR": "Ukrainian",
    "USA": "American",
    "VEN": "Venezuelan",
    "YEM": "Yemeni",
}

# "the army said", "the group denied": a noun standing for an actor named before, and the kinds
# of actor it may stand for (any kind when the noun is in the actor's name).
ANAPHORS = {
    "army": ("military",),
    "military": ("military",),
    "forces": ("military", "armed-group"),
    "troops": ("military",),
    "ministry": ("ministry",),
    "government": ("government", "state"),
    "group": ("armed-group",),
    "rebels": ("armed-group",),
    "militia": ("armed-group",),
    "movement": ("armed-group",),
    "militants": ("armed-group",),
    "coalition": ("coalition", "military"),
    "agency": ("other", "news-outlet"),
    "mission": ("mediator", "international-organisation"),
}

# How a claim was made, as the sentence says it; the channel's name is the capitalised word after.
CHANNELS: tuple[tuple[str, str], ...] = (
    (r"on (?:X|Twitter|Telegram|Facebook|Instagram|TikTok|YouTube)\b|in a (?:social media )?post", "social-media"),
    (r"told reporters|news conference|press conference|briefing|told journalists", "press-conference"),
    (r"told (?:Reuters|AFP|AP|the Associated Press|Agence France-Presse|[A-Z][\w-]+)", "interview"),
    (r"news agency|state media|state television|state TV", "news-agency"),
    (r"in a statement|said in a statement|a statement", "statement"),
)
PLATFORMS = ("X", "Twitter", "Telegram", "Facebook", "Instagram", "TikTok", "YouTube")

# Words of a place not in the catalogue: "the town of Martuni", "Rathedaung township".
PLACE_BEFORE = r"town|village|city|district|region|province|governorate|sector|township|area|outskirts|county|state"
PLACE_AFTER = r"district|region|province|governorate|sector|township|county|valley|front"

NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "a dozen": 12,
    "dozens": None,
}

# A summary of claims told one by one after it: "the parties traded accusations".
MUTUAL = (
    r"(?:accused|accusing|accuse|blamed|blaming|blame)\s+(?:each\s+other|one\s+another)|traded\s+(?:accusations|blame)"
)
# The accuser's adversary, named by its role: the other party to the ceasefire between them.
ADVERSARY = r"(?:their|its|his|the)\s+(?:opposition|opponents?|adversary|adversaries|enemy|rivals?|other\s+side|opposing\s+side)"
