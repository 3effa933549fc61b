"""The breed catalogue: the 67 labels of the Kaggle "Cat Breeds Dataset" and what we know of them.

For every folder label: the name to use in a sentence, what kind of label it is (a breed, a
coat pattern, a domestic type or a coat colour: shelters typed these labels, and not all are
breeds), a short conservative description, and other names people use. Also the real image
counts, the default priority breeds, and :func:`with_article` ("an Abyssinian", "a Bengal").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Images per folder in the real data set (Kaggle "Cat Breeds Dataset", Petfinder photos),
# copied from shared/breed_counts.tsv: 67 folders, 126,607 images. The demo and the
# benchmarks scale this distribution; the folder names are the exact labels.
REAL_IMAGE_COUNTS: dict[str, int] = {
    "Domestic Short Hair": 53027,
    "Domestic Medium Hair": 5482,
    "American Shorthair": 5295,
    "Domestic Long Hair": 4499,
    "Persian": 4018,
    "Tortoiseshell": 3963,
    "Calico": 3468,
    "Torbie": 3396,
    "Dilute Calico": 3230,
    "Tuxedo": 3181,
    "Dilute Tortoiseshell": 3152,
    "Tabby": 3012,
    "Siamese": 2888,
    "Ragdoll": 2669,
    "Bengal": 2477,
    "Tiger": 2256,
    "Manx": 2059,
    "Russian Blue": 1870,
    "Bombay": 1835,
    "Snowshoe": 1625,
    "Maine Coon": 1418,
    "Himalayan": 1301,
    "Extra-Toes Cat - Hemingway Polydactyl": 1184,
    "American Bobtail": 991,
    "Turkish Van": 815,
    "Turkish Angora": 750,
    "Norwegian Forest Cat": 580,
    "British Shorthair": 567,
    "Oriental Short Hair": 491,
    "Exotic Shorthair": 471,
    "Scottish Fold": 380,
    "Burmese": 344,
    "Egyptian Mau": 305,
    "Tonkinese": 260,
    "Abyssinian": 255,
    "Balinese": 254,
    "Birman": 227,
    "Sphynx - Hairless Cat": 209,
    "Siberian": 189,
    "Havana": 184,
    "Munchkin": 181,
    "Cornish Rex": 171,
    "American Curl": 149,
    "Nebelung": 148,
    "Applehead Siamese": 135,
    "Ragamuffin": 134,
    "Japanese Bobtail": 127,
    "Devon Rex": 119,
    "Ocicat": 118,
    "Pixiebob": 111,
    "Oriental Tabby": 101,
    "Silver": 94,
    "Chartreux": 84,
    "Selkirk Rex": 77,
    "Korat": 68,
    "Oriental Long Hair": 37,
    "Somali": 36,
    "Javanese": 25,
    "Chausie": 24,
    "Singapura": 22,
    "American Wirehair": 19,
    "LaPerm": 17,
    "Cymric": 17,
    "Burmilla": 8,
    "Canadian Hairless": 4,
    "Chinchilla": 3,
    "York Chocolate": 1,
}

# The breeds a first classifier scored F1 = 0 on: the default priority set.
DEFAULT_PRIORITY_BREEDS: tuple[str, ...] = (
    "American Wirehair",
    "Burmilla",
    "Canadian Hairless",
    "Chinchilla",
    "Cymric",
    "Oriental Long Hair",
    "York Chocolate",
)

#: What a label names. Shelters typed the labels, so some folders are not breeds.
BREED = "breed"
COAT_PATTERN = "coat pattern"
DOMESTIC_TYPE = "domestic type"
COAT_COLOUR = "coat colour"
KINDS: tuple[str, ...] = (BREED, COAT_PATTERN, DOMESTIC_TYPE, COAT_COLOUR)


@dataclass(frozen=True)
class BreedInfo:
    """What the catalogue knows of one label.

    ``aliases`` are lower-case other names a scorer may map back to this label. They include
    the lower-cased ``display`` when it differs from the label, never the lower-cased label
    itself, and no alias belongs to two labels. Everyday words that would match free text
    about other cats ("exotic", "york") are left out.
    """

    label: str  # exact folder name, e.g. "Sphynx - Hairless Cat"
    display: str  # the name to use in a sentence, e.g. "Sphynx"
    kind: str  # one of KINDS
    description: str  # one or two short factual sentences, starting "A ..." or "An ..."
    aliases: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind {self.kind!r} of {self.label!r} is not one of {KINDS}")


def _entry(
    label: str, kind: str, description: str, *aliases: str, display: str | None = None
) -> BreedInfo:
    """One catalogue entry; ``display`` defaults to the label."""
    return BreedInfo(label, display or label, kind, description, aliases)


# Descriptions are written to read on after "<name> is " once their first letter is lower-cased
# ("The Abyssinian is a slender ..."): each starts with "A", "An" or "One", and states only
# well-known, conservative facts (no invented numbers).
_ENTRIES: tuple[BreedInfo, ...] = (
    _entry("Abyssinian", BREED,
           "A slender, short-haired breed with a ticked coat, in which each hair carries bands "
           "of colour. Abyssinians are known for being active and curious.",
           "abyssinian cat", "aby"),
    _entry("American Bobtail", BREED,
           "A sturdy breed developed in the United States, with a naturally short, bobbed tail.",
           "american bobtail cat"),
    _entry("American Curl", BREED,
           "A breed whose ears curl backwards, a trait that first appeared in a stray cat "
           "found in California.",
           "american curl cat"),
    _entry("American Shorthair", BREED,
           "A sturdy, short-haired breed descended from the working cats of early settlers in "
           "North America; the silver tabby is its best-known colour.",
           "american short hair", "american shorthair cat"),
    _entry("American Wirehair", BREED,
           "A rare American breed with a dense, crimped, wiry coat caused by a natural mutation.",
           "american wire hair", "wirehair"),
    _entry("Applehead Siamese", BREED,
           "A traditional, round-headed type of Siamese, stockier than the modern show Siamese "
           "but with the same pointed colouring and blue eyes.",
           "applehead", "apple-head siamese", "traditional siamese", "thai"),
    _entry("Balinese", BREED,
           "A long-haired relative of the Siamese, with the same colour points and blue eyes "
           "and a silky coat.",
           "balinese cat"),
    _entry("Bengal", BREED,
           "A breed developed from crosses of domestic cats with the Asian leopard cat, known "
           "for its spotted or marbled coat.",
           "bengal cat"),
    _entry("Birman", BREED,
           "A semi-longhaired, colour-pointed breed with blue eyes and white gloves on all "
           "four paws.",
           "birman cat", "sacred cat of burma"),
    _entry("Bombay", BREED,
           "A short-haired breed with a glossy black coat and copper or gold eyes, bred to "
           "look like a small black panther.",
           "bombay cat"),
    _entry("British Shorthair", BREED,
           "A compact, muscular breed with a dense, plush coat and a round face; blue-grey is "
           "its classic colour.",
           "british short hair", "british shorthair cat", "british blue", "bsh"),
    _entry("Burmese", BREED,
           "A compact, short-haired breed with a glossy coat, descended from a cat brought "
           "from Burma and known for being people-oriented.",
           "burmese cat"),
    _entry("Burmilla", BREED,
           "A breed that began in Britain from a cross between a Chinchilla Persian and a "
           "Burmese, with a shaded or tipped silver coat.",
           "burmilla cat"),
    _entry("Calico", COAT_PATTERN,
           "A coat pattern of white with patches of black and orange; almost all calico cats "
           "are female.",
           "calico cat"),
    _entry("Canadian Hairless", BREED,
           "A hairless cat of the Canadian line that founded the Sphynx; the name is an older "
           "one for the same kind of cat.",
           "canadian hairless cat"),
    _entry("Chartreux", BREED,
           "A sturdy French breed with a dense, woolly blue-grey coat and copper to orange eyes.",
           "chartreux cat"),
    _entry("Chausie", BREED,
           "A tall, athletic breed developed from crosses of domestic cats with the jungle cat.",
           "chausie cat"),
    # Chinchilla: the big registries list "chinchilla" as a coat colour (a white coat with
    # lightly tipped hairs) of the Persian and of a few other breeds, not as a breed of its
    # own; shelters use it for "Chinchilla Persian". Calling it a coat colour keeps every
    # answer true, whichever breed the pictured cat belongs to.
    _entry("Chinchilla", COAT_COLOUR,
           "A coat colour best known in Persians: a white coat whose hair tips are lightly "
           "shaded with silver or gold.",
           "chinchilla persian", "chinchilla silver"),
    _entry("Cornish Rex", BREED,
           "A slender breed from Cornwall, England, with a short, tightly curled coat that "
           "lacks guard hairs.",
           "cornish rex cat"),
    _entry("Cymric", BREED,
           "A long-haired variety of the Manx, often tailless; some registries treat it as a "
           "breed of its own.",
           "cymric cat", "longhaired manx", "long-haired manx"),
    _entry("Devon Rex", BREED,
           "A breed from Devon, England, with large ears, a short face and a soft, wavy coat.",
           "devon rex cat"),
    _entry("Dilute Calico", COAT_PATTERN,
           "A coat pattern of white with patches of blue-grey and cream, the paler form of "
           "calico.",
           "dilute calico cat"),
    _entry("Dilute Tortoiseshell", COAT_PATTERN,
           "A coat pattern that mixes blue-grey and cream with little or no white, the paler "
           "form of tortoiseshell.",
           "dilute tortie", "blue-cream", "blue cream"),
    _entry("Domestic Long Hair", DOMESTIC_TYPE,
           "A domestic cat of mixed or unknown ancestry with a long coat; the name describes "
           "coat length, not a pedigree breed.",
           "domestic longhair", "domestic long-haired cat", "dlh"),
    _entry("Domestic Medium Hair", DOMESTIC_TYPE,
           "A domestic cat of mixed or unknown ancestry with a medium-length coat; the name "
           "describes coat length, not a pedigree breed.",
           "domestic mediumhair", "domestic medium-haired cat", "dmh"),
    _entry("Domestic Short Hair", DOMESTIC_TYPE,
           "A domestic cat of mixed or unknown ancestry with a short coat; the name describes "
           "coat length, not a pedigree breed.",
           "domestic shorthair", "domestic short-haired cat", "dsh"),
    _entry("Egyptian Mau", BREED,
           "A naturally spotted, short-haired breed with green eyes, descended from cats of "
           "Egypt.",
           "egyptian mau cat", "mau"),
    _entry("Exotic Shorthair", BREED,
           "A short-haired version of the Persian, with the same flat face and stocky build "
           "but a dense, plush coat.",
           "exotic short hair", "exotic shorthair cat"),
    # Polydactyly is an inherited trait rather than a pedigree breed, but the brief keeps four
    # kinds and none fits better; the description says what it is.
    _entry("Extra-Toes Cat - Hemingway Polydactyl", BREED,
           "A cat with extra toes on one or more paws, an inherited trait called polydactyly; "
           "the Hemingway cats of Key West, Florida, are the best-known examples.",
           "extra-toes cat", "extra toes", "polydactyl", "polydactyl cat", "hemingway cat",
           "hemingway polydactyl", display="Extra-Toes Cat"),
    _entry("Havana", BREED,
           "A short-haired breed, also called the Havana Brown, with a rich chocolate-brown "
           "coat and green eyes.",
           "havana brown"),
    _entry("Himalayan", BREED,
           "A Persian-type cat with the colour points and blue eyes of a Siamese; some "
           "registries class it as a colour variety of the Persian.",
           "himalayan persian", "colourpoint persian", "colorpoint persian", "himmie"),
    _entry("Japanese Bobtail", BREED,
           "An old breed from Japan with a short, kinked tail that looks like a pom-pom.",
           "japanese bobtail cat"),
    _entry("Javanese", BREED,
           "A long-haired, colour-pointed breed related to the Balinese and the Siamese; "
           "registries define it differently.",
           "javanese cat"),
    _entry("Korat", BREED,
           "A rare breed from Thailand with a silver-tipped blue coat and green eyes, "
           "traditionally a symbol of good luck.",
           "korat cat"),
    _entry("LaPerm", BREED,
           "A breed with a curly or wavy coat, which began with a curly-coated farm cat in "
           "Oregon.",
           "la perm", "laperm cat"),
    _entry("Maine Coon", BREED,
           "A large, long-haired breed from the north-eastern United States, with a shaggy, "
           "water-resistant coat and a bushy tail.",
           "maine coon cat", "mainecoon"),
    _entry("Manx", BREED,
           "A breed from the Isle of Man, known for being tailless or having a very short tail.",
           "manx cat"),
    _entry("Munchkin", BREED,
           "A breed with short legs caused by a natural mutation.",
           "munchkin cat"),
    _entry("Nebelung", BREED,
           "A semi-longhaired breed with a silky blue-grey coat and green eyes; its name comes "
           "from the German word for mist.",
           "nebelung cat"),
    _entry("Norwegian Forest Cat", BREED,
           "A large, long-haired breed from Norway with a thick, water-resistant double coat "
           "suited to cold winters.",
           "norwegian forest", "wegie", "skogkatt"),
    _entry("Ocicat", BREED,
           "A spotted, short-haired breed developed from Siamese, Abyssinian and American "
           "Shorthair cats; it looks wild but has no wild ancestry.",
           "ocicat cat"),
    _entry("Oriental Long Hair", BREED,
           "A slender, long-haired member of the Siamese family, like the Oriental Shorthair "
           "but with a semi-long coat.",
           "oriental longhair", "oriental long-haired cat"),
    _entry("Oriental Short Hair", BREED,
           "A slender, short-haired breed related to the Siamese, with large ears and a wide "
           "range of colours and patterns.",
           "oriental shorthair", "oriental short-haired cat"),
    _entry("Oriental Tabby", BREED,
           "An Oriental Shorthair with a tabby pattern: a slender, large-eared cat related to "
           "the Siamese.",
           "oriental shorthair tabby", "oriental tabby cat"),
    _entry("Persian", BREED,
           "A long-haired breed with a round face, a short muzzle and a thick, flowing coat "
           "that needs daily grooming.",
           "persian cat", "persian longhair"),
    _entry("Pixiebob", BREED,
           "A breed developed in the United States to look like a bobcat, with a short tail; "
           "some have more toes than usual.",
           "pixie-bob", "pixie bob"),
    _entry("Ragamuffin", BREED,
           "A large, long-haired breed developed from the Ragdoll, known for a calm, friendly "
           "temperament.",
           "ragamuffin cat"),
    _entry("Ragdoll", BREED,
           "A large, semi-longhaired, colour-pointed breed with blue eyes, known for going limp "
           "when picked up.",
           "ragdoll cat", "rag doll"),
    _entry("Russian Blue", BREED,
           "A short-haired breed with a dense, silver-tipped blue-grey coat and green eyes.",
           "russian blue cat", "archangel blue"),
    _entry("Scottish Fold", BREED,
           "A breed whose ears fold forward and down, from a natural mutation first seen in a "
           "cat in Scotland.",
           "scottish fold cat"),
    _entry("Selkirk Rex", BREED,
           "A breed with a thick, curly coat in short- and long-haired forms, which began in "
           "Montana.",
           "selkirk rex cat"),
    _entry("Siamese", BREED,
           "A slender breed from Thailand with blue eyes and a pale coat with darker points on "
           "the face, ears, legs and tail.",
           "siamese cat", "modern siamese"),
    _entry("Siberian", BREED,
           "A large, long-haired forest cat from Russia with a thick, water-resistant coat.",
           "siberian cat", "siberian forest cat"),
    _entry("Silver", COAT_COLOUR,
           "A coat colour in which the hairs are white or pale at the base, giving a silvery "
           "sheen; it occurs in tabby, shaded and smoke cats of many breeds.",
           "silver cat"),
    _entry("Singapura", BREED,
           "One of the smallest breeds, from Singapore, with a ticked sepia-brown coat and "
           "large eyes and ears.",
           "singapura cat"),
    _entry("Snowshoe", BREED,
           "A colour-pointed breed related to the Siamese, with white paws and blue eyes.",
           "snowshoe cat", "snowshoe siamese"),
    _entry("Somali", BREED,
           "A long-haired version of the Abyssinian, with a ticked coat and a bushy tail.",
           "somali cat", "longhaired abyssinian", "long-haired abyssinian"),
    _entry("Sphynx - Hairless Cat", BREED,
           "A breed that looks hairless, covered at most in fine down; it began in Canada from "
           "a natural mutation.",
           "sphynx", "sphynx cat", "sphinx", "sphinx cat", display="Sphynx"),
    _entry("Tabby", COAT_PATTERN,
           "A coat pattern of stripes, swirls, spots or ticking, usually with an M-shaped "
           "marking on the forehead; it occurs in many breeds and in mixed-breed cats.",
           "tabby cat"),
    _entry("Tiger", COAT_PATTERN,
           "A shelter name for a striped tabby coat pattern, with narrow stripes down the sides "
           "like a tiger's.",
           "tiger cat", "tiger-striped cat", "tiger stripe"),
    _entry("Tonkinese", BREED,
           "A breed developed from Siamese and Burmese crosses, with a medium build and, in "
           "its mink colouring, aqua eyes.",
           "tonkinese cat", "tonk"),
    _entry("Torbie", COAT_PATTERN,
           "A coat pattern that combines tortoiseshell colours with tabby markings, also "
           "called a tortoiseshell tabby.",
           "tortie tabby", "tortie-tabby", "tortoiseshell tabby", "torbie cat"),
    _entry("Tortoiseshell", COAT_PATTERN,
           "A coat pattern of mottled black and orange with little or no white; nearly all "
           "tortoiseshell cats are female.",
           "tortoiseshell cat", "tortie"),
    _entry("Turkish Angora", BREED,
           "An old breed from the Ankara region of Turkey, with a fine, silky semi-long coat; "
           "white is its best-known colour.",
           "turkish angora cat", "angora"),
    _entry("Turkish Van", BREED,
           "A large, semi-longhaired breed from the Lake Van region of Turkey, mostly white "
           "with colour on the head and tail.",
           "turkish van cat", "van cat"),
    _entry("Tuxedo", COAT_PATTERN,
           "A black-and-white coat pattern in which a white chest and white paws look like a "
           "formal suit.",
           "tuxedo cat", "tux"),
    _entry("York Chocolate", BREED,
           "A rare semi-longhaired breed from New York State, usually chocolate or lavender "
           "in colour.",
           "york chocolate cat"),
)

#: Every label of the real data set (the keys of REAL_IMAGE_COUNTS), sorted, with its entry.
CATALOG: dict[str, BreedInfo] = {
    info.label: info for info in sorted(_ENTRIES, key=lambda info: info.label)
}


def breed_info(label: str) -> BreedInfo:
    """The catalogue entry of ``label``; for a label not in the catalogue, a generic entry.

    The generic entry counts as a breed (the usual case for a folder of cat photos), uses the
    label as display name, has no aliases and a description that claims nothing about it.
    """
    if label in CATALOG:
        return CATALOG[label]
    return BreedInfo(
        label,
        label,
        BREED,
        f"A cat labelled {label}; the catalogue has no further details about this label.",
    )


# Words whose first letter misleads: "an hour", "a unicorn", "a European", "a one-eyed cat".
_AN_PREFIXES: tuple[str, ...] = ("hour", "honest", "honou", "heir")
_A_PREFIXES: tuple[str, ...] = ("uni", "use", "usu", "uti", "ubiq", "eu", "ewe", "one", "once")
# Initialisms are read letter by letter: "an M-shaped", "an SUV", but "a DSH".
_LETTERS_READ_WITH_VOWEL = "AEFHILMNORSX"


def with_article(phrase: str) -> str:
    """``phrase`` with "a" or "an" in front, chosen by the sound of its first word.

    The rule: initialisms (all capitals, up to four letters) by the name of their first
    letter; then the exception prefixes above; otherwise "an" before a vowel letter. It is
    right for every display name in the catalogue ("an Abyssinian", "an Ocicat",
    "a Bengal", "a York Chocolate").
    """
    first = next(iter(re.findall(r"\w+", phrase)), "")  # the first word, past any punctuation
    if not phrase.strip():
        raise ValueError(f"cannot put an article before an empty phrase: {phrase!r}")
    if not first:  # nothing but punctuation: no sound to go by
        return f"a {phrase.strip()}"
    first = unicodedata.normalize("NFKD", first)  # "Égyptien" is read as "Egyptien"
    if first.isalpha() and first.isupper() and len(first) <= 4:
        use_an = first[0] in _LETTERS_READ_WITH_VOWEL
    elif first.lower().startswith(_AN_PREFIXES):
        use_an = True
    elif first.lower().startswith(_A_PREFIXES):
        use_an = False
    else:
        use_an = first[0].lower() in "aeiou"
    return f"{'an' if use_an else 'a'} {phrase.strip()}"
