"""RowParser: one sheet row of the criminal-case layout into a RowInput, every problem of every column
collected with a Spanish message."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from sistra.accounts.models import Agency
from sistra.cases.models import Case, CaseVictim
from sistra.cases.services import ARCHIVE_STAGE, CLOSING_STAGES, INITIAL_STAGE
from sistra.core.text import normalize
from sistra.people.models import IdentityDocument, Person
from sistra.people.services import DocumentInput
from sistra.people.validators import clean_dni

from .cells import CellParser
from .columns import (
    AGE_AT_EXPLOITATION,
    AGE_ESTIMATED_ON,
    ALIASES,
    BIRTHDATE,
    CASE_NUMBER,
    CASE_TITLE,
    CITIZENSHIP,
    COMPLAINT_DATE,
    CONSENT,
    CONTROL,
    CONTROL_METHODS,
    DECISION_ORG,
    DISTRITO_FISCAL,
    DOCUMENT_COUNTRY,
    DOCUMENT_NUMBER,
    DOCUMENT_TYPE,
    ESTIMATED_AGE,
    EXPLOITATION_FORMS,
    EXPLOITATION_TYPE,
    FACTS_FROM,
    FACTS_TO,
    FIRST_NAME,
    FISCALIA,
    GENDER,
    GENDER_TO_SEX,
    HTCDS_STATUS_IS_OPEN,
    IMPLIED_TYPE,
    INDUSTRY,
    IS_COMPLEX,
    LANGUAGES,
    LINE_SEPARATOR,
    MATERNAL,
    NOT_A_VICTIM,
    OPENED_DATE,
    ORIGIN_COUNTRY,
    ORIGIN_UBIGEO,
    OWNER_AGENCY,
    PATERNAL,
    PERSON_CODE,
    PERSON_CODE_RE,
    PLACE_CODES,
    PLACE_DESCRIPTIONS,
    PLACE_HTCDS,
    RECRUITMENT_METHOD,
    RECRUITMENT_TERM,
    RELATION,
    RESIDENCE_UBIGEO,
    SECOND_NAME,
    SEX,
    SEX_TYPE,
    SOURCE,
    STAGE,
    STAGE_STARTED,
    STATUS,
    TERM_OF_INDUSTRY,
    TRAFFICKING_STATUS,
    VICTIM_NATIONALITY,
    country_label,
)
from .mapping import (
    CaseInput,
    PersonInput,
    PlaceInput,
    RowInput,
    VictimInput,
    country_label_by_code,
    exploitation_columns,
    split_surnames,
)


class RowParser(CellParser):
    """Turns one sheet row into a RowInput, collecting every problem of every column (Spanish messages)."""

    # -- the row

    def parse(self) -> RowInput | None:
        case = self._case()
        person = self._person()
        victim = self._victim(person)
        self._derived(case)
        if self.errors or case is None:
            return None
        return RowInput(self.row.number, case, person, victim)

    def _case(self) -> CaseInput | None:
        number = self.text(CASE_NUMBER)
        if not number:
            self.error(
                CASE_NUMBER,
                _("Indique el número de carpeta fiscal: SISTRA registra víctimas de un caso penal."),
            )
        fiscalia = self._agency(FISCALIA) or self.default_agency
        if fiscalia is not None and fiscalia.kind != Agency.Kind.FISCALIA:
            self.error(
                FISCALIA if self.has(FISCALIA) else CASE_NUMBER,
                _("«%(code)s» no es una fiscalía: indique en %(column)s la fiscalía del caso.")
                % {"code": fiscalia.code, "column": FISCALIA},
            )
        owner = self._agency(OWNER_AGENCY) or self.default_agency
        distrito = None
        if self.has(DISTRITO_FISCAL):
            distrito = self.lk.distritos.get(self.text(DISTRITO_FISCAL)) or self.lk.distritos.get(
                normalize(self.text(DISTRITO_FISCAL))
            )
            if distrito is None:
                self.error(
                    DISTRITO_FISCAL,
                    _("Distrito fiscal no reconocido: «%(value)s».") % {"value": self.text(DISTRITO_FISCAL)},
                )
        elif fiscalia is not None and fiscalia.distrito_fiscal_id:
            distrito = self.lk.distritos[fiscalia.distrito_fiscal_id]
        else:
            self.error(DISTRITO_FISCAL, _("Indique el distrito fiscal."))
        complaint = self.date(COMPLAINT_DATE, _("La fecha de la denuncia"))
        if not self.has(COMPLAINT_DATE):
            self.error(COMPLAINT_DATE, _("Indique la fecha de la denuncia."))
        facts_from = self.date(FACTS_FROM, _("La fecha de inicio de los hechos"))
        facts_to = self.date(FACTS_TO, _("La fecha de fin de los hechos"))
        opened = self.date(OPENED_DATE, _("La fecha de apertura"))
        source = self.text(SOURCE) or "referral"
        if source not in Case.Source.values:
            self.error(
                SOURCE,
                _("Origen de la denuncia no válido: «%(value)s». Valores: %(values)s.")
                % {"value": source, "values": ", ".join(Case.Source.values)},
            )
        stage = self._stage()
        stage_started = self.date(STAGE_STARTED, _("La fecha del cambio de etapa")) or complaint
        places = self._places()
        is_complex = self.boolean(IS_COMPLEX)
        if not number or fiscalia is None or owner is None or distrito is None or stage is None:
            return None
        return CaseInput(
            number=number,
            fiscalia=fiscalia,
            owner=owner,
            distrito_fiscal=distrito,
            title=self.text(CASE_TITLE),
            complaint_date=complaint,
            facts_date_from=facts_from,
            facts_date_to=facts_to,
            opened_date=opened,
            source=source,
            is_complex=is_complex,
            stage=stage,
            stage_started_on=stage_started,
            places=places,
        )

    def _agency(self, column: str):
        if not self.has(column):
            return None
        agency = self.lk.agencies.get(self.text(column))
        if agency is None:
            self.error(
                column,
                _("Institución no registrada en SISTRA: «%(value)s» (use su código).")
                % {"value": self.text(column)},
            )
        return agency

    def _stage(self):
        status = self.picklist(STATUS, multiple=False)
        if self.has(STAGE):
            stage = self.lk.stages.get(self.text(STAGE))
            if stage is None:
                self.error(
                    STAGE, _("Etapa procesal no reconocida: «%(value)s».") % {"value": self.text(STAGE)}
                )
                return None
            is_open = stage.code != ARCHIVE_STAGE and stage.code not in CLOSING_STAGES
            if status and HTCDS_STATUS_IS_OPEN[status[0]] != is_open:
                self.error(
                    STATUS,
                    _("El estado HTCDS «%(status)s» no corresponde a la etapa «%(stage)s».")
                    % {"status": status[0], "stage": stage.name_es},
                )
            return stage
        # without SISTRA's stage, a closed HTCDS case is taken as archived (the usual end of a complaint)
        if status and not HTCDS_STATUS_IS_OPEN[status[0]]:
            return self.lk.stages.get(ARCHIVE_STAGE)
        return self.lk.stages.get(INITIAL_STAGE)

    def _places(self) -> list[PlaceInput]:
        places: list[PlaceInput] = []
        for kind, column in PLACE_CODES.items():
            from_codes = self.has(column)
            found: list[PlaceInput] = []
            errors_before = len(self.errors)
            if from_codes:
                for code in self.items(column):
                    if len(code) == 2 and code.isalpha():
                        country = self.lk.countries.get(code.upper())
                        if country is None:
                            self.error(column, _("País no reconocido: «%(value)s».") % {"value": code})
                        else:
                            found.append(PlaceInput(kind, country=country))
                    else:
                        ubigeo = self.ubigeo(column, code)
                        if ubigeo is not None:
                            found.append(PlaceInput(kind, ubigeo=ubigeo))
            elif kind in PLACE_HTCDS and self.has(PLACE_HTCDS[kind]):
                for item in self.items(PLACE_HTCDS[kind]):
                    place = self._place_from_text(kind, PLACE_HTCDS[kind], item)
                    if place is not None:
                        found.append(place)
            descriptions = (
                self.text(PLACE_DESCRIPTIONS[kind]).split(LINE_SEPARATOR)
                if self.has(PLACE_DESCRIPTIONS[kind])
                else []
            )
            if len(descriptions) > len(found):
                self.error(
                    PLACE_DESCRIPTIONS[kind],
                    _("Hay más descripciones que lugares en %(column)s.") % {"column": column},
                )
            for place, description in zip(found, descriptions, strict=False):
                place.description = description.strip()
            for place in found:
                if place.country is not None and place.country.code == "PE":
                    self.error(
                        column if from_codes else PLACE_HTCDS[kind],
                        _("Para un lugar en el Perú indique su ubigeo."),
                    )
            # the readable HTCDS column must name the same places (unless the codes were wrong already)
            if (
                from_codes
                and kind in PLACE_HTCDS
                and self.has(PLACE_HTCDS[kind])
                and len(self.errors) == errors_before
            ):
                expected = {normalize(self._place_text(p)) for p in found}
                given = {normalize(item) for item in self.items(PLACE_HTCDS[kind])}
                if expected != given:
                    self.mismatch(PLACE_HTCDS[kind], column)
            seen = set()
            for place in found:
                if place.key not in seen:
                    seen.add(place.key)
                    places.append(place)
        return places

    def _place_text(self, place: PlaceInput) -> str:
        if place.ubigeo is not None:
            return f"{self.lk.ubigeo_full_names[place.ubigeo.code]}, {country_label_by_code('PE')}"
        return country_label(place.country)

    def _place_from_text(self, kind: str, column: str, text: str) -> PlaceInput | None:
        key = normalize(text)
        for suffix in (", peru",):
            if key.endswith(suffix) and len(key) > len(suffix):
                key = key[: -len(suffix)]
        if key.isdigit():
            ubigeo = self.lk.ubigeos.get(key.zfill(6))
            if ubigeo is not None:
                return PlaceInput(kind, ubigeo=ubigeo)
        elif key in self.lk.ubigeo_names:
            return PlaceInput(kind, ubigeo=self.lk.ubigeo_names[key])
        elif key in self.lk.country_names:
            return PlaceInput(kind, country=self.lk.country_names[key])
        self.error(
            column,
            _(
                "Lugar no reconocido: «%(value)s». Indique el ubigeo INEI de 6 dígitos, el nombre "
                "completo (distrito, provincia, departamento) o un país."
            )
            % {"value": text},
        )
        return None

    def _person(self) -> PersonInput:
        first_names = self.text(FIRST_NAME)
        if not first_names:
            self.error(FIRST_NAME, _("Indique los nombres de la persona."))
        if self.has(PATERNAL) or self.has(MATERNAL):
            paternal, maternal = self.text(PATERNAL), self.text(MATERNAL)
            if self.has(SECOND_NAME) and normalize(self.text(SECOND_NAME)) != normalize(
                f"{paternal} {maternal}"
            ):
                self.mismatch(SECOND_NAME, f"{PATERNAL} / {MATERNAL}")
        else:
            paternal, maternal = split_surnames(self.text(SECOND_NAME))
        code = self.text(PERSON_CODE).upper()
        if code and not PERSON_CODE_RE.match(code):
            self.error(PERSON_CODE, _("Código de persona no válido: «%(value)s».") % {"value": code})
            code = ""

        gender = self.picklist(GENDER, multiple=False)
        sex = self.text(SEX)
        if sex:
            if sex not in Person.Sex.values:
                self.error(
                    SEX,
                    _("Sexo no válido: «%(value)s». Valores: %(values)s.")
                    % {"value": sex, "values": ", ".join(Person.Sex.values)},
                )
            elif gender and GENDER_TO_SEX[gender[0]] != sex:
                self.mismatch(GENDER, SEX)
        else:
            sex = GENDER_TO_SEX[gender[0]] if gender else Person.Sex.UNKNOWN

        citizenship = self.items(CITIZENSHIP)
        if len(citizenship) > 1:
            self.error(CITIZENSHIP, _("SISTRA registra una sola nacionalidad por persona."))
        nationality = self.country(CITIZENSHIP, citizenship[0]) if citizenship else None

        documents = []
        kinds = self.items(DOCUMENT_TYPE, keep_empty=True) if self.has(DOCUMENT_TYPE) else []
        numbers = self.items(DOCUMENT_NUMBER, keep_empty=True) if self.has(DOCUMENT_NUMBER) else []
        issuers = self.items(DOCUMENT_COUNTRY, keep_empty=True) if self.has(DOCUMENT_COUNTRY) else []
        if len(kinds) != len(numbers) or (issuers and len(issuers) != len(numbers)):
            self.error(
                DOCUMENT_NUMBER,
                _(
                    "Indique un tipo (y, si lo tiene, un país emisor) por cada número de "
                    "documento, en el mismo orden."
                ),
            )
        else:
            for i, (kind, number) in enumerate(zip(kinds, numbers, strict=True)):
                kind = kind.lower()
                if kind not in IdentityDocument.Kind.values:
                    self.error(
                        DOCUMENT_TYPE,
                        _("Tipo de documento no válido: «%(value)s». Valores: %(values)s.")
                        % {"value": kind, "values": ", ".join(IdentityDocument.Kind.values)},
                    )
                    continue
                number = number.upper()
                if not number:
                    self.error(DOCUMENT_NUMBER, _("Falta el número del documento %(kind)s.") % {"kind": kind})
                    continue
                if kind == IdentityDocument.Kind.DNI:
                    if isinstance(self.values.get(DOCUMENT_NUMBER), (int, float)):
                        number = number.zfill(8)  # a spreadsheet took the DNI for a number and lost its zeros
                    try:
                        number = clean_dni(number)
                    except ValidationError as exc:
                        for message in exc.messages:
                            self.error(DOCUMENT_NUMBER, message)
                        continue
                issuer = self.country(DOCUMENT_COUNTRY, issuers[i]) if issuers and issuers[i] else None
                documents.append(DocumentInput(kind=kind, number=number, country=issuer))

        languages = self.term_codes(LANGUAGES, "language")
        return PersonInput(
            code=code,
            first_names=first_names,
            last_name_paternal=paternal,
            last_name_maternal=maternal,
            sex=sex,
            date_of_birth=self.date(BIRTHDATE, _("La fecha de nacimiento")),
            estimated_age=self.integer(ESTIMATED_AGE, low=0, high=120),
            age_estimated_on=self.date(AGE_ESTIMATED_ON, _("La fecha de estimación de edad")),
            nationality=nationality,
            ubigeo_origin=self.ubigeo(ORIGIN_UBIGEO),
            country_origin=self.country(ORIGIN_COUNTRY),
            ubigeo_residence=self.ubigeo(RESIDENCE_UBIGEO),
            documents=documents,
            aliases=self.items(ALIASES),
            languages=languages,
        )

    def _victim(self, person: PersonInput) -> VictimInput:
        # forms of exploitation
        htcds = {
            column: self.picklist(column, multiple=True) for column in (EXPLOITATION_TYPE, INDUSTRY, SEX_TYPE)
        }
        if self.has(EXPLOITATION_FORMS):
            forms = self.term_codes(EXPLOITATION_FORMS, "exploitation")
            expected = exploitation_columns(forms)
            for column, values in htcds.items():
                if self.has(column) and set(values) != set(expected[column]):
                    self.mismatch(column, EXPLOITATION_FORMS)
        else:
            forms = self._forms_from_htcds(htcds)
        # means of control
        control_values = self.picklist(CONTROL, multiple=True)
        if self.has(CONTROL_METHODS):
            controls = self.term_codes(CONTROL_METHODS, "control")
            if self.has(CONTROL) and set(control_values) != {
                t.htcds_value for t in controls if t.htcds_value
            }:
                self.mismatch(CONTROL, CONTROL_METHODS)
        else:
            controls = self._terms_for_values(CONTROL, "control", control_values)
        # method of recruitment (one in SISTRA)
        recruitment_values = self.picklist(RECRUITMENT_METHOD, multiple=True)
        if self.has(RECRUITMENT_TERM):
            found = self.term_codes(RECRUITMENT_TERM, "recruitment")
            recruitment = found[0] if found else None
            if len(found) > 1:
                self.error(RECRUITMENT_TERM, _("Indique un solo método de captación."))
            expected = {recruitment.htcds_value} if recruitment and recruitment.htcds_value else set()
            if self.has(RECRUITMENT_METHOD) and set(recruitment_values) != expected:
                self.mismatch(RECRUITMENT_METHOD, RECRUITMENT_TERM)
        else:
            if len(recruitment_values) > 1:
                self.error(RECRUITMENT_METHOD, _("SISTRA registra un solo método de captación por víctima."))
            found = self._terms_for_values(RECRUITMENT_METHOD, "recruitment", recruitment_values[:1])
            recruitment = found[0] if found else None
        relation = self.text(RELATION) or CaseVictim.Relation.UNKNOWN
        if relation not in CaseVictim.Relation.values:
            self.error(
                RELATION,
                _("Relación con el tratante no válida: «%(value)s». Valores: %(values)s.")
                % {"value": relation, "values": ", ".join(CaseVictim.Relation.values)},
            )
        nationality = self.country(VICTIM_NATIONALITY) if self.has(VICTIM_NATIONALITY) else None
        return VictimInput(
            age_at_exploitation=self.integer(AGE_AT_EXPLOITATION, low=0, high=120),
            nationality=nationality or person.nationality,
            exploitation_forms=forms,
            control_methods=controls,
            recruitment_method=recruitment,
            relation_to_trafficker=relation,
        )

    def _terms_for_values(self, column: str, vocabulary: str, values: list[str]) -> list:
        terms = []
        for value in values:
            term = self.lk.term_for_htcds(vocabulary, value)
            if term is None:
                self.error(
                    column, _("SISTRA no tiene un valor equivalente a «%(value)s».") % {"value": value}
                )
            elif term not in terms:
                terms.append(term)
        return terms

    def _forms_from_htcds(self, htcds: dict[str, list[str]]) -> list:
        forms, covered = [], set()
        for value in htcds[INDUSTRY]:
            term = self.lk.terms.get(("exploitation", TERM_OF_INDUSTRY.get(value, "")))
            if term is None:
                term = self.lk.term_for_htcds("exploitation", IMPLIED_TYPE[INDUSTRY])
                self.warnings.append(
                    _(
                        "Fila %(row)s: la industria HTCDS «%(value)s» se registra como trabajo forzoso "
                        "sin sector (SISTRA no tiene ese sector)."
                    )
                    % {"row": self.row.number, "value": value}
                )
            covered.add(IMPLIED_TYPE[INDUSTRY])
            if term is not None and term not in forms:
                forms.append(term)
        for value in htcds[SEX_TYPE]:
            term = self.lk.term_for_htcds("exploitation", value) or self.lk.term_for_htcds(
                "exploitation", IMPLIED_TYPE[SEX_TYPE]
            )
            if term is not None and term.htcds_value != value:
                self.warnings.append(
                    _(
                        "Fila %(row)s: el tipo HTCDS «%(value)s» se registra como explotación sexual "
                        "(SISTRA no distingue ese tipo)."
                    )
                    % {"row": self.row.number, "value": value}
                )
            covered.add(IMPLIED_TYPE[SEX_TYPE])
            if term is not None and term not in forms:
                forms.append(term)
        remaining = [v for v in htcds[EXPLOITATION_TYPE] if v not in covered]
        for term in self._terms_for_values(EXPLOITATION_TYPE, "exploitation", remaining):
            if term not in forms:
                forms.append(term)
        return forms

    def _derived(self, case: CaseInput | None) -> None:
        """Columns SISTRA computes on export: only checked to be valid values."""
        status = self.picklist(TRAFFICKING_STATUS, multiple=False)
        if status and status[0] == NOT_A_VICTIM:
            self.error(
                TRAFFICKING_STATUS,
                _(
                    "SISTRA registra en un caso penal solo víctimas (posibles o "
                    "reconocidas); quite esta fila o cambie el estado."
                ),
            )
        self.picklist(DECISION_ORG, multiple=False)
        self.picklist(CONSENT, multiple=False)
