"""Realistic Peruvian person records with known truth, for tuning and measuring record linkage.

Each true person appears in one to four source records (hotline, clinic, case, assistance); every record is
typed by someone else, so it carries the errors seen in practice: one surname missing or misspelt, the two
surnames swapped or merged into one field, "de"/"del"/"de la" particles dropped or glued, a nickname instead of
the first name, accents and ñ dropped, a DNI with one digit wrong or two transposed, a birth date with day and
month swapped or only its year, an age at a date instead of the birth date. Deterministic for a seed."""

import dataclasses
import datetime
import random

FEMALE_NAMES = [
    "María",
    "Rosa",
    "Carmen",
    "Ana",
    "Luz",
    "Juana",
    "Elena",
    "Isabel",
    "Milagros",
    "Flor",
    "Yolanda",
    "Gladys",
    "Sonia",
    "Marleny",
    "Lucía",
    "Ruth",
    "Nelly",
    "Norma",
    "Betty",
    "Maribel",
    "Julia",
    "Teresa",
    "Gabriela",
    "Consuelo",
    "Guadalupe",
    "Dolores",
    "Mercedes",
    "Rocío",
    "Yesenia",
    "Katherine",
    "Sandra",
    "Jessica",
    "Fiorella",
    "Rosario",
    "Zoila",
    "Soledad",
    "Feliciana",
    "Eusebia",
    "Nohemí",
    "Yaneth",
    "Beatriz",
    "Graciela",
    "Patricia",
    "Verónica",
    "Cristina",
    "Francisca",
    "Josefina",
    "Antonia",
    "Micaela",
    "Sabina",
]
MALE_NAMES = [
    "José",
    "Juan",
    "Luis",
    "Carlos",
    "Jorge",
    "Francisco",
    "Ignacio",
    "Manuel",
    "Alberto",
    "Víctor",
    "Pedro",
    "Miguel",
    "Jesús",
    "César",
    "Eduardo",
    "Ricardo",
    "Roberto",
    "Alejandro",
    "Fernando",
    "Antonio",
    "Enrique",
    "Guillermo",
    "Rafael",
    "Alfredo",
    "Santiago",
    "Wilber",
    "Edwin",
    "Percy",
    "Henry",
    "Rubén",
    "Julio",
    "Raúl",
    "Hugo",
    "Óscar",
    "Nicolás",
    "Ramón",
    "Teodoro",
    "Gregorio",
    "Benito",
    "Celestino",
    "Wilfredo",
    "Yonatan",
    "Efraín",
    "Néstor",
    "Gonzalo",
    "Andrés",
    "Joaquín",
    "Tomás",
    "Agustín",
    "Darío",
]
SURNAMES = [
    "Quispe",
    "Flores",
    "Sánchez",
    "Rodríguez",
    "García",
    "Mamani",
    "Huamán",
    "Rojas",
    "Chávez",
    "Ramos",
    "Torres",
    "Díaz",
    "Vásquez",
    "Mendoza",
    "Castillo",
    "Gutiérrez",
    "Condori",
    "Ramírez",
    "Pérez",
    "Cruz",
    "Huanca",
    "Apaza",
    "Ccama",
    "Cusi",
    "Ticona",
    "Yupanqui",
    "Núñez",
    "Muñoz",
    "Peña",
    "Ibáñez",
    "Zúñiga",
    "Ordóñez",
    "Castañeda",
    "Villanueva",
    "Espinoza",
    "Salazar",
    "Vargas",
    "Paucar",
    "Choque",
    "Ccallo",
    "Huillca",
    "Tupa",
    "Layme",
    "Pari",
    "Chambi",
    "Aguilar",
    "Gonzales",
    "Herrera",
    "Cárdenas",
    "Montoya",
    "Ccori",
    "Puma",
    "Inga",
    "Sullca",
    "Arohuanca",
    "Yucra",
    "Villegas",
    "Calderón",
    "Benavides",
    "Shapiama",
    "Tananta",
    "Panduro",
    "Pinedo",
    "Ríos",
    "Vela",
    "Arévalo",
    "Saavedra",
    "Macedo",
    "Lozano",
    "Ñaupari",
    "Ñañez",
    "Peñaloza",
    "Cahuana",
    "Quilla",
    "Mayta",
    "Huaman",
    "Cueva",
    "Meza",
    "Ortiz",
    "Palomino",
]
PARTICLE_SURNAMES = ["de la Cruz", "del Águila", "de los Santos", "de la Torre", "del Castillo", "de la Cruz"]
# common hypocoristics (must agree with the matcher's table; the matcher does not import this module)
NICKNAMES = {
    "José": ["Pepe", "Pepito", "Chepe"],
    "Francisco": ["Pancho", "Paco", "Curro"],
    "Luis": ["Lucho", "Lucho"],
    "Isabel": ["Chabuca", "Chabela", "Isa"],
    "Ignacio": ["Nacho"],
    "Jesús": ["Chucho", "Chuy"],
    "Guillermo": ["Memo", "Willy"],
    "Alberto": ["Beto"],
    "Roberto": ["Beto", "Tito"],
    "Rosario": ["Charo"],
    "Dolores": ["Lola"],
    "Mercedes": ["Meche"],
    "Guadalupe": ["Lupe"],
    "Consuelo": ["Chelo"],
    "Manuel": ["Manolo", "Lolo"],
    "Eduardo": ["Lalo"],
    "Enrique": ["Kike", "Quique"],
    "Alejandro": ["Alejo", "Ale"],
    "Antonio": ["Toño", "Toni"],
    "Francisca": ["Pancha", "Paquita"],
    "Josefina": ["Pepa", "Fina"],
    "Teresa": ["Tere"],
    "Ricardo": ["Richi"],
    "Jorge": ["Coco"],
    "Gregorio": ["Goyo"],
    "Santiago": ["Chago"],
    "Beatriz": ["Bety"],
    "Graciela": ["Chela"],
    "Patricia": ["Paty"],
    "Cristina": ["Cris"],
    "Rafael": ["Rafa"],
    "Fernando": ["Nando", "Fer"],
    "Carlos": ["Charly"],
    "Micaela": ["Mica"],
}
SOURCES = ["hotline", "clinic", "case", "assistance"]


@dataclasses.dataclass
class Record:
    record_id: str
    truth_id: int  # the true person: records with the same truth_id are the same human being
    source: str
    first_names: str
    last_name_paternal: str
    last_name_maternal: str
    sex: str
    date_of_birth: datetime.date | None
    estimated_age: int | None
    age_estimated_on: datetime.date | None
    dni: str

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class _Truth:
    first: list[str]
    paternal: str
    maternal: str
    sex: str
    dob: datetime.date
    dni: str


_ACCENTS = str.maketrans("áéíóúÁÉÍÓÚñÑü", "aeiouAEIOUnNu")
_KEY_NEIGHBOURS = "qwertyuiopasdfghjklzxcvbnm"


def _strip_accents(text: str) -> str:
    return text.translate(_ACCENTS)


def _typo(rng: random.Random, word: str) -> str:
    """One realistic typing or hearing error: a dropped, doubled, swapped or substituted letter, or a
    spelling that sounds the same (v/b, s/z/c, y/ll, h dropped)."""
    if len(word) < 4:
        return word
    sounds = [
        ("v", "b"),
        ("b", "v"),
        ("z", "s"),
        ("s", "z"),
        ("ll", "y"),
        ("y", "ll"),
        ("h", ""),
        ("c", "s"),
        ("qu", "k"),
        ("gu", "g"),
        ("ñ", "ni"),
        ("i", "y"),
    ]
    kind = rng.random()
    if kind < 0.35:
        options = [(a, b) for a, b in sounds if a in word[1:].lower()]
        if options:
            a, b = rng.choice(options)
            idx = word.lower().find(a, 1)
            return word[:idx] + b + word[idx + len(a) :]
    i = rng.randrange(1, len(word) - 1)
    if kind < 0.55:
        return word[:i] + word[i + 1 :]
    if kind < 0.7:
        return word[:i] + word[i] + word[i:]
    if kind < 0.85:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + rng.choice(_KEY_NEIGHBOURS) + word[i + 1 :]


def _dni_typo(rng: random.Random, dni: str) -> str:
    digits = list(dni)
    if rng.random() < 0.5:
        i = rng.randrange(8)
        digits[i] = rng.choice([d for d in "0123456789" if d != digits[i]])
    else:
        i = rng.randrange(7)
        if digits[i] == digits[i + 1]:
            digits[i + 1] = str((int(digits[i + 1]) + 1) % 10)
        digits[i], digits[i + 1] = digits[i + 1], digits[i]
    return "".join(digits)


def _truth(rng: random.Random, reference: datetime.date) -> _Truth:
    sex = rng.choice(["female", "female", "female", "male"])  # most registered victims are women and girls
    pool = FEMALE_NAMES if sex == "female" else MALE_NAMES
    first = [rng.choice(pool)]
    if rng.random() < 0.45:
        second = rng.choice(pool)
        if second != first[0]:
            first.append(second)

    def surname():
        return rng.choice(PARTICLE_SURNAMES) if rng.random() < 0.04 else rng.choice(SURNAMES)

    age_days = rng.randint(8 * 365, 60 * 365)
    return _Truth(
        first=first,
        paternal=surname(),
        maternal=surname(),
        sex=sex,
        dob=reference - datetime.timedelta(days=age_days),
        dni=f"{rng.randrange(10_000_000, 80_000_000)}",
    )


def _record(
    rng: random.Random,
    truth: _Truth,
    truth_id: int,
    n: int,
    source: str,
    reference: datetime.date,
    error_rate: float,
) -> Record:
    def maybe(p: float) -> bool:
        return rng.random() < p * error_rate

    first = list(truth.first)
    if len(first) > 1 and maybe(0.35):
        first = first[:1]  # only the first of two given names
    if maybe(0.12):
        nicknames = NICKNAMES.get(first[0])
        if nicknames:
            first = [rng.choice(nicknames)]
    if maybe(0.12):
        first = [_typo(rng, first[0]), *first[1:]]
    paternal, maternal = truth.paternal, truth.maternal
    if maybe(0.12):
        paternal = _typo(rng, paternal)
    if maybe(0.08):
        maternal = _typo(rng, maternal)
    if maybe(0.18):
        maternal = ""  # only one surname given
    elif maybe(0.05):
        paternal, maternal = maternal, ""  # only the mother's surname given, in the father's field
    if paternal and maternal and maybe(0.06):
        paternal, maternal = maternal, paternal
    if paternal and maternal and maybe(0.05):
        paternal, maternal = paternal + " " + maternal, ""  # both surnames typed into one field
    if maybe(0.05):
        glue = rng.random() < 0.5
        paternal = paternal.replace("de la ", "dela " if glue else "").replace("del ", "del" if glue else "")
        paternal = paternal.replace("de los ", "delos " if glue else "")
    text = " ".join(first)
    if maybe(0.45):
        text, paternal, maternal = _strip_accents(text), _strip_accents(paternal), _strip_accents(maternal)
    case = rng.random()
    if case < 0.3:
        text, paternal, maternal = text.upper(), paternal.upper(), maternal.upper()
    elif case < 0.4:
        text, paternal, maternal = text.lower(), paternal.lower(), maternal.lower()
    sex = truth.sex if not maybe(0.03) else "unknown"
    dob: datetime.date | None = truth.dob
    estimated_age = age_on = None
    recorded_on = reference - datetime.timedelta(days=rng.randint(0, 5 * 365))
    roll = rng.random() / max(error_rate, 1e-9)
    if roll < 0.07 and dob.day <= 12 and dob.day != dob.month:
        dob = dob.replace(day=dob.month, month=dob.day)  # day and month swapped
    elif roll < 0.14:
        dob = dob.replace(month=1, day=1)  # only the year was known, typed as 1 January
    elif roll < 0.3:
        dob = None  # an age estimated at the time of the contact instead
        age_on = recorded_on
        estimated_age = max(0, (recorded_on - truth.dob).days // 365 + rng.choice([-1, 0, 0, 0, 1]))
    elif roll < 0.36:
        dob = None
    dni = truth.dni
    if source in ("hotline", "clinic") and rng.random() < 0.55:
        dni = ""  # callers and patients often give no document
    elif source in ("case", "assistance") and rng.random() < 0.15:
        dni = ""
    if dni and maybe(0.06):
        dni = _dni_typo(rng, dni)
    return Record(
        record_id=f"R{truth_id:07d}-{n}",
        truth_id=truth_id,
        source=source,
        first_names=text,
        last_name_paternal=paternal,
        last_name_maternal=maternal,
        sex=sex,
        date_of_birth=dob,
        estimated_age=estimated_age,
        age_estimated_on=age_on,
        dni=dni,
    )


def generate(
    n_persons: int,
    *,
    seed: int,
    reference: datetime.date = datetime.date(2026, 11, 22),
    error_rate: float = 1.0,
    duplicate_share: float = 0.45,
) -> list[Record]:
    """Records of `n_persons` true persons: about `duplicate_share` of them appear in more than one source."""
    rng = random.Random(seed)
    records: list[Record] = []
    for truth_id in range(n_persons):
        truth = _truth(rng, reference)
        copies = 1 if rng.random() >= duplicate_share else rng.choice([2, 2, 2, 3, 3, 4])
        sources = rng.sample(SOURCES, copies)
        for n, source in enumerate(sources):
            # the first record of a person is typed carefully (a case file, a clinic chart); later ones less so
            records.append(_record(rng, truth, truth_id, n, source, reference, error_rate if n else 0.35))
    rng.shuffle(records)
    return records


def true_pairs(records: list[Record]) -> set[tuple[str, str]]:
    by_truth: dict[int, list[str]] = {}
    for r in records:
        by_truth.setdefault(r.truth_id, []).append(r.record_id)
    pairs = set()
    for ids in by_truth.values():
        ids.sort()
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                pairs.add((a, b))
    return pairs
