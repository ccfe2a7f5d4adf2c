"""Design-scale seeding on PostgreSQL (ADR 0220): a pool of realistic cases made by the Python generator
(sistra.cases.seed), then copied inside the database, pool after pool, by INSERT … SELECT.

Why: the Python generator builds model objects, draws every value and encrypts every name in the
interpreter — about 400 cases/s on two cores. The design scale (300,000 cases, a million persons, three
million events) needs the database to do the repetition, not Python: each copy is one set-based statement per
table, with

- new primary keys: the template's id + an offset past the table's current maximum (foreign keys among the
  copied tables shifted by their parent's offset, so a copy is a whole, consistent set of cases);
- what must differ in a copy made anew: public uuids (gen_random_uuid), case numbers (next free number of
  the fiscalía and year), person codes (a bijection of the id), identity documents (a new number in a range
  the generator never draws, encrypted and indexed by pgcrypto exactly as sistra.core.crypto does: Fernet
  tokens and HMAC-SHA256 indexes under the same keys), and the duplicate check's DNI key;
- what may repeat kept: names (and so their keyed word indexes and blocking keys), dates, places, stages,
  charges — the pool's distributions are the data's distributions. A copied name keeps its template's
  ciphertext: that tells a reader of the table that two rows hold the same name, which the name's keyed indexes
  (first_names_key, surnames_key, the word tokens) tell anyway; encrypting each copy anew cost a third of the
  copying time (pgcrypto, ~11 µs a value).

Secondary indexes of the copied tables are dropped during the copies and built again afterwards, and when the
database role may (a superuser), foreign-key triggers are off for the copies (session_replication_role):
every copied row points at a copied or a reference row, by construction.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction

from sistra.cases.models import Case, CaseDefendant, CaseEvent, CasePlace, CaseVictim, Charge
from sistra.core.crypto import keys
from sistra.people.models import IdentityDocument, Person, PersonMatchKey, PersonSearchToken

POOL_CASES = 5_000
# a person code: "P-" and 8 characters of this alphabet (as sistra.cases.seed._Uniques draws them)
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
# extra timeline entries per case, on top of the stage changes: a case has ten events on average at the
# design scale (PRODUCT.md: 3,000,000 events for 300,000 cases)
EXTRA_EVENTS = [
    ("diligence", "Declaración de la presunta víctima (cámara Gesell)"),
    ("diligence", "Pericia psicológica a la víctima"),
    ("diligence", "Reconocimiento médico legal"),
    ("diligence", "Inspección técnico policial en el lugar de explotación"),
    ("diligence", "Recepción del informe de la Policía"),
    ("diligence", "Declaración del imputado"),
    ("hearing", "Audiencia de prisión preventiva"),
    ("hearing", "Audiencia de control de acusación"),
    ("decision", "Disposición de formalización de la investigación"),
    ("note", "Coordinación con la Unidad de Asistencia a Víctimas y Testigos"),
    ("note", "Oficio a RENIEC para la identificación de la víctima"),
    ("transfer", "Comunicación a la Defensoría del Pueblo"),
]

SQL_FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION pg_temp.sistra_fernet(plain text, signing bytea, enc bytea) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  iv bytea := gen_random_bytes(16);
  body bytea;
BEGIN
  body := '\x80'::bytea || int8send(floor(extract(epoch FROM clock_timestamp()))::bigint) || iv
          || encrypt_iv(convert_to(plain, 'UTF8'), enc, iv, 'aes-cbc/pad:pkcs');
  RETURN translate(encode(body || hmac(body, signing, 'sha256'), 'base64'), E'+/\n', '-_');
END $$;

CREATE OR REPLACE FUNCTION pg_temp.sistra_unfernet(token text, enc bytea) RETURNS text AS $$
  SELECT convert_from(decrypt_iv(substr(raw, 26, length(raw) - 57), enc, substr(raw, 10, 16),
                                 'aes-cbc/pad:pkcs'), 'UTF8')
  FROM (SELECT decode(translate(token, '-_', '+/'), 'base64') AS raw) AS r
$$ LANGUAGE sql IMMUTABLE;

CREATE OR REPLACE FUNCTION pg_temp.sistra_blind(purpose text, value text, key bytea) RETURNS text AS $$
  SELECT encode(substr(hmac(convert_to(purpose || chr(31) || value, 'UTF8'), key, 'sha256'), 1, 16), 'hex')
$$ LANGUAGE sql IMMUTABLE;

-- a person code ("P-" and 8 characters) from an id: a bijection of the ids below 2^40
CREATE OR REPLACE FUNCTION pg_temp.sistra_code40(x bigint) RETURNS text AS $$
  SELECT 'P-' || substr('23456789ABCDEFGHJKLMNPQRSTUVWXYZ', ((x >> 35) & 31)::int + 1, 1)
   || substr('23456789ABCDEFGHJKLMNPQRSTUVWXYZ', ((x >> 30) & 31)::int + 1, 1)
   || substr('23456789ABCDEFGHJKLMNPQRSTUVWXYZ', ((x >> 25) & 31)::int + 1, 1)
   || substr('23456789ABCDEFGHJKLMNPQRSTUVWXYZ', ((x >> 20) & 31)::int + 1, 1)
   || substr('23456789ABCDEFGHJKLMNPQRSTUVWXYZ', ((x >> 15) & 31)::int + 1, 1)
   || substr('23456789ABCDEFGHJKLMNPQRSTUVWXYZ', ((x >> 10) & 31)::int + 1, 1)
   || substr('23456789ABCDEFGHJKLMNPQRSTUVWXYZ', ((x >> 5) & 31)::int + 1, 1)
   || substr('23456789ABCDEFGHJKLMNPQRSTUVWXYZ', ((x >> 0) & 31)::int + 1, 1)
$$ LANGUAGE sql IMMUTABLE;

CREATE OR REPLACE FUNCTION pg_temp.sistra_code(id bigint) RETURNS text AS $$
  SELECT pg_temp.sistra_code40((id * 1099511627 + 523) % 1099511627776)
$$ LANGUAGE sql IMMUTABLE;

-- a document number of a copy, in ranges the Python generator never draws (its DNIs stop at 79999999, its
-- passports never start with Q, its other numbers start at 001000000), distinct for distinct ids
CREATE OR REPLACE FUNCTION pg_temp.seed_doc_number(kind text, id bigint) RETURNS text AS $$
  SELECT CASE kind
    WHEN 'dni' THEN (80000000 + (id * 7919) % 20000000)::text
    WHEN 'passport' THEN 'Q' || lpad(((id * 7919) % 100000000)::text, 8, '0')
    ELSE lpad(((id * 7919) % 1000000)::text, 9, '0') END
$$ LANGUAGE sql IMMUTABLE;
"""


class BulkSeedUnavailable(Exception):
    pass


@dataclass
class BulkResult:
    cases: int
    persons: int
    events: int
    seconds: float
    pool_seconds: float
    index_seconds: float

    @property
    def rate(self) -> float:
        return self.cases / self.seconds if self.seconds else 0.0


def _key_params() -> dict:
    """The newest data key split as Fernet splits it, and the index key, as bytea parameters."""
    raw = base64.urlsafe_b64decode(keys()["data_keys"][0])
    return {"sign": raw[:16], "enc": raw[16:], "idx": keys()["index_key"].encode()}


def _copied_models():
    return [
        Person,
        IdentityDocument,
        PersonMatchKey,
        PersonSearchToken,
        Person.languages.through,
        Case,
        CaseVictim,
        CaseVictim.exploitation_forms.through,
        CaseVictim.control_methods.through,
        CaseDefendant,
        Charge,
        CasePlace,
        CaseEvent,
    ]


# The pool's rows that a copy takes: a full copy takes them all, the last one the first %(size)s cases and theirs.
_TPL_PERSON = "t.person_id IN (SELECT id FROM sistra_seed_person WHERE ord <= %(size)s)"
_TPL_CASE = "t.case_id IN (SELECT id FROM sistra_seed_case WHERE ord <= %(size)s)"
_TPL_VICTIM = (
    "t.casevictim_id IN (SELECT v.id FROM cases_casevictim v JOIN sistra_seed_case c ON c.id = v.case_id "
    "WHERE c.ord <= %(size)s)"
)


def _specs() -> list[tuple[type, str, dict[str, str]]]:
    """Each copied table (parents first): which rows are its templates, and the columns a copy makes anew.
    In the expressions `t` is the template row and {off:Model} the offset of that model's ids in the copy."""
    doc_number = "pg_temp.seed_doc_number(t.kind, t.id + {off:IdentityDocument})"
    return [
        (
            Person,
            "t.id IN (SELECT id FROM sistra_seed_person WHERE ord <= %(size)s)",
            {
                "code": "pg_temp.sistra_code(t.id + {off:Person})",
            },
        ),
        (
            IdentityDocument,
            _TPL_PERSON,
            {
                "number": f"pg_temp.sistra_fernet({doc_number}, %(sign)s, %(enc)s)",
                "number_index": f"pg_temp.sistra_blind('document', t.kind || ':' || {doc_number}, %(idx)s)",
            },
        ),
        # without the template's DNI key: the copy has another DNI, whose key is added after the copies
        (
            PersonMatchKey,
            f"{_TPL_PERSON} AND NOT EXISTS (SELECT 1 FROM sistra_seed_dni_key k WHERE k.person_id = t.person_id "
            "AND k.key = t.key)",
            {},
        ),
        (PersonSearchToken, _TPL_PERSON, {}),
        (Person.languages.through, _TPL_PERSON, {}),
        (
            Case,
            "t.id IN (SELECT id FROM sistra_seed_case WHERE ord <= %(size)s)",
            {
                # the fiscalía's next free numbers of that year: after the base, one block per copy
                "number": "(SELECT left(t.number, 5) || lpad(x.n::text, greatest(5, length(x.n::text)), '0') "
                "FROM (SELECT g.base + %(round)s * g.block + p.rank AS n FROM sistra_seed_case p "
                "JOIN sistra_seed_number g ON g.fiscalia_id = p.fiscalia_id AND g.year = p.year "
                "WHERE p.id = t.id) AS x)",
            },
        ),
        (CaseVictim, _TPL_CASE, {}),
        (CaseVictim.exploitation_forms.through, _TPL_VICTIM, {}),
        (CaseVictim.control_methods.through, _TPL_VICTIM, {}),
        (CaseDefendant, _TPL_CASE, {}),
        (Charge, _TPL_CASE, {}),
        (CasePlace, _TPL_CASE, {}),
        (CaseEvent, _TPL_CASE, {}),
    ]


def _copy_sql(model, where: str, overrides: dict[str, str], offsets: dict) -> str:
    """INSERT … SELECT of one copy of a table's template rows."""
    quote = connection.ops.quote_name

    def expression(field) -> str:
        if field.primary_key:
            return f"t.{quote(field.column)} + {offsets[model]}"
        if field.is_relation and field.related_model in offsets:
            return f"t.{quote(field.column)} + {offsets[field.related_model]}"
        if field.get_internal_type() == "UUIDField":
            return "gen_random_uuid()"
        return f"t.{quote(field.column)}"

    columns, exprs = _insert_lists(model, overrides, expression)
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "
        f"SELECT {exprs} FROM {quote(model._meta.db_table)} AS t WHERE {where}"
    )
    for other, offset in offsets.items():
        sql = sql.replace("{off:" + other.__name__ + "}", str(offset))
    return sql


def _insert_lists(model, explicit: dict[str, str], otherwise: Callable) -> tuple[str, str]:
    """The column list of an INSERT … SELECT into `model` and its select list: the explicit expression of a
    column, else `otherwise(field)`."""
    fields = model._meta.local_concrete_fields
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    return columns, ", ".join(explicit.get(f.column) or otherwise(f) for f in fields)


def _drop_indexes(cursor, tables: list[str]) -> list[str]:
    """Drop every index of these tables but the primary keys, unique ones included; returns the statements
    that build them again. Built once over the whole table (a sort) instead of row by row; a unique index
    that a copy broke fails there, so the seed stops with the database's error rather than wrong data."""
    cursor.execute(
        "SELECT t.relname, i.relname, pg_get_indexdef(i.oid), c.conname, pg_get_constraintdef(c.oid) "
        "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
        "LEFT JOIN pg_constraint c ON c.conindid = i.oid AND c.contype = 'u' "
        "WHERE t.relname = ANY(%s) AND NOT x.indisprimary ORDER BY x.indisunique, t.relname, i.relname",
        [tables],
    )
    quote = connection.ops.quote_name
    rebuild = []
    for table, index, definition, constraint, constraint_definition in cursor.fetchall():
        if constraint:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(constraint)}")
            rebuild.append(
                f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(constraint)} {constraint_definition}"
            )
        else:
            cursor.execute(f"DROP INDEX {quote(index)}")
            rebuild.append(definition)
    return rebuild


def _max_id(cursor, model) -> int:
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(model._meta.db_table)}")
    return cursor.fetchone()[0]


def _session(cursor) -> bool:
    """A connection that copies: the SQL functions, and foreign-key triggers off if the role may."""
    cursor.execute(SQL_FUNCTIONS)
    try:
        cursor.execute("SET session_replication_role = replica")
    except DatabaseError:  # not a superuser: foreign keys are checked row by row — slower, still right
        return False
    return True


def seed_design_scale(
    *,
    count: int,
    pool_seeder: Callable[[int], object],
    pool: int = POOL_CASES,
    workers: int = 2,
    extra_events: bool = True,
    progress: Callable[[str], None] = lambda message: None,
) -> BulkResult:
    """`count` cases on PostgreSQL: `pool_seeder(n)` (the Python generator) makes the first n ≤ pool cases,
    then the database copies them until there are `count`, `workers` copies at a time."""
    if connection.vendor != "postgresql":
        raise BulkSeedUnavailable("La carga a escala de diseño necesita PostgreSQL.")
    started = time.perf_counter()
    models = _copied_models()
    with connection.cursor() as cursor:
        case_lo, person_lo = _max_id(cursor, Case), _max_id(cursor, Person)
    pool = max(1, min(pool, count))
    pool_seeder(pool)
    pool_seconds = time.perf_counter() - started
    progress(f"{pool} casos generados en Python en {pool_seconds:.1f} s ({pool / pool_seconds:.0f} casos/s)")
    params = _key_params()
    specs = _specs()
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pgcrypto")
        _prepare(cursor, case_lo, person_lo, params)
        # where each table's copies go: copy k of table T takes ids base_T + k·span_T + (template id − low_T) + 1
        layout = {}
        for model, where, _overrides in specs:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(
                f"SELECT COALESCE(MIN(t.id), 1), COALESCE(MAX(t.id), 0) FROM {table} AS t WHERE {where}",
                {"size": pool},
            )
            low, high = cursor.fetchone()
            layout[model] = (_max_id(cursor, model), low, high - low + 1)
        documents_before = layout[IdentityDocument][0]
        indexes = _drop_indexes(cursor, [m._meta.db_table for m in models])

    rounds = [(k, min(pool, count - pool - k * pool)) for k in range(-(-(count - pool) // pool))]
    done = [pool]
    lock = threading.Lock()
    seconds: dict[str, float] = {}

    def copy(round_no: int, size: int) -> None:
        offsets = {m: base + round_no * span - low + 1 for m, (base, low, span) in layout.items()}
        with transaction.atomic(), connection.cursor() as cursor:
            for model, where, overrides in specs:
                began = time.perf_counter()
                cursor.execute(
                    _copy_sql(model, where, overrides, offsets), {**params, "size": size, "round": round_no}
                )
                with lock:
                    seconds[model._meta.db_table] = (
                        seconds.get(model._meta.db_table, 0) + time.perf_counter() - began
                    )
        with lock:
            done[0] += size
            progress(f"  {done[0]} / {count} casos ({done[0] / (time.perf_counter() - started):.0f} casos/s)")

    def worker(share: list[tuple[int, int]]) -> None:
        try:
            with connection.cursor() as cursor:
                _session(cursor)
            for round_no, size in share:
                copy(round_no, size)
        finally:
            connection.close()

    try:
        if rounds:
            with ThreadPoolExecutor(max_workers=workers) as executor:
                for future in [executor.submit(worker, rounds[i::workers]) for i in range(workers)]:
                    future.result()
        if seconds:
            slowest = sorted(seconds.items(), key=lambda item: -item[1])[:4]
            progress("  tiempo de copia por tabla: " + ", ".join(f"{t} {s:.1f} s" for t, s in slowest))
        if extra_events:
            with transaction.atomic(), connection.cursor() as cursor:
                _add_events(cursor, case_lo)
    finally:
        # also when a copy failed (each copy is one transaction: those done stay, whole): the copied DNIs get
        # their duplicate-check keys, the indexes and unique constraints come back, the sequences go past
        # what was written
        with transaction.atomic(), connection.cursor() as cursor:
            _add_dni_keys(cursor, documents_before, params)
        index_started = time.perf_counter()
        _restore(indexes, models)
    with connection.cursor() as cursor:
        # VACUUM too: the visibility map it sets is what lets the word, key and deadline indexes answer alone
        # (index-only scans); before autovacuum came by, the police's name search took 0.6 s instead of 0.06
        cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
        index_seconds = time.perf_counter() - index_started
        progress(f"índices construidos y estadísticas al día en {index_seconds:.1f} s")
        cursor.execute("SELECT COUNT(*) FROM people_person WHERE id > %s", [person_lo])
        persons = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM cases_caseevent WHERE case_id > %s", [case_lo])
        events = cursor.fetchone()[0]
    return BulkResult(
        cases=count,
        persons=persons,
        events=events,
        seconds=time.perf_counter() - started,
        pool_seconds=pool_seconds,
        index_seconds=index_seconds,
    )


def _restore(indexes: list[str], models) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for statement in indexes:
            cursor.execute(statement)
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), GREATEST((SELECT MAX(id) FROM {table}), 1))",
                [table],
            )
        cursor.execute(
            "DROP TABLE IF EXISTS sistra_seed_case, sistra_seed_person, sistra_seed_dni_key, sistra_seed_number"
        )


def _prepare(cursor, case_lo: int, person_lo: int, params: dict) -> None:
    """Work tables shared by the copying connections (unlogged: rebuilt by a new seed if lost)."""
    cursor.execute(SQL_FUNCTIONS)
    cursor.execute(
        "DROP TABLE IF EXISTS sistra_seed_case, sistra_seed_person, sistra_seed_dni_key, sistra_seed_number"
    )
    # the pool's persons take their codes from the bijection the copies use: no copy can collide with them
    cursor.execute("UPDATE people_person SET code = pg_temp.sistra_code(id) WHERE id > %s", [person_lo])
    cursor.execute(
        "CREATE UNLOGGED TABLE sistra_seed_case AS SELECT id, fiscalia_id, left(number, 4) AS year, "
        "row_number() OVER (PARTITION BY fiscalia_id, left(number, 4) ORDER BY id) AS rank, "
        "row_number() OVER (ORDER BY id) AS ord FROM cases_case WHERE id > %s",
        [case_lo],
    )
    cursor.execute("ALTER TABLE sistra_seed_case ADD PRIMARY KEY (id)")
    # each pool person once, with the position of its case
    cursor.execute(
        "CREATE UNLOGGED TABLE sistra_seed_person AS SELECT r.person_id AS id, MIN(c.ord) AS ord "
        "FROM (SELECT person_id, case_id FROM cases_casevictim UNION ALL "
        "SELECT person_id, case_id FROM cases_casedefendant) AS r "
        "JOIN sistra_seed_case c ON c.id = r.case_id GROUP BY r.person_id"
    )
    cursor.execute("ALTER TABLE sistra_seed_person ADD PRIMARY KEY (id)")
    cursor.execute(
        "CREATE UNLOGGED TABLE sistra_seed_dni_key AS SELECT d.person_id, pg_temp.sistra_blind('match', "
        "'d:' || pg_temp.sistra_unfernet(d.number, %(enc)s), %(idx)s) AS key "
        "FROM people_identitydocument d WHERE d.person_id > %(lo)s AND d.kind = 'dni'",
        {**params, "lo": person_lo},
    )
    cursor.execute("CREATE INDEX ON sistra_seed_dni_key (person_id)")
    # per fiscalía and year: the highest number used, and the block of numbers one copy takes
    cursor.execute(
        "CREATE UNLOGGED TABLE sistra_seed_number AS SELECT g.fiscalia_id, g.year, g.base, "
        "COALESCE(b.block, 0) AS block FROM (SELECT fiscalia_id, left(number, 4) AS year, "
        "MAX(split_part(number, '-', 2)::int) AS base FROM cases_case GROUP BY 1, 2) AS g "
        "LEFT JOIN (SELECT fiscalia_id, year, MAX(rank) AS block FROM sistra_seed_case GROUP BY 1, 2) AS b "
        "USING (fiscalia_id, year)"
    )
    cursor.execute("ALTER TABLE sistra_seed_number ADD PRIMARY KEY (fiscalia_id, year)")


def _add_dni_keys(cursor, documents_before: int, params: dict) -> None:
    """The duplicate check's key of each copied DNI (sistra.people.matching: "d:" + the eight digits)."""
    cursor.execute(
        "INSERT INTO people_personmatchkey (id, person_id, key) SELECT %(base)s + row_number() OVER (), "
        "d.person_id, pg_temp.sistra_blind('match', 'd:' || pg_temp.seed_doc_number('dni', d.id), %(idx)s) "
        "FROM people_identitydocument d WHERE d.kind = 'dni' AND d.id > %(lo)s",
        {**params, "base": _max_id(cursor, PersonMatchKey), "lo": documents_before},
    )


def _add_events(cursor, case_lo: int) -> None:
    """Hearings, diligences and notes after the complaint, 3 to 11 more per seeded case (7 on average), dated
    between the complaint and the case's current stage (or today)."""
    explicit = {
        "id": "%(base)s + row_number() OVER ()",
        "case_id": "c.id",
        "kind": "ev.kind",
        "title": "ev.title",
        "date": "LEAST(c.complaint_date + ((g * (7 + c.id %% 23)) || ' days')::interval, "
        "GREATEST(c.stage_started_on, c.complaint_date), CURRENT_DATE)::date",
        "uuid": "gen_random_uuid()",
        "created_at": "now()",
        "updated_at": "now()",
    }

    def default(field) -> str:  # NULL, or the field's default ('' for text)
        value = None if field.null else field.get_db_prep_save(field.get_default(), connection)
        return "NULL" if value is None else cursor.mogrify("%s", [value])

    columns, exprs = _insert_lists(CaseEvent, explicit, default)
    values = ", ".join(
        cursor.mogrify("(%s, %s, %s)", [i, kind, title]) for i, (kind, title) in enumerate(EXTRA_EVENTS)
    )
    cursor.execute(
        f"INSERT INTO cases_caseevent ({columns}) SELECT {exprs} "
        "FROM cases_case c CROSS JOIN LATERAL generate_series(1, 3 + (c.id * 7) %% 9) AS g "
        f"JOIN (VALUES {values}) AS ev(i, kind, title) ON ev.i = (c.id + g) %% {len(EXTRA_EVENTS)} "
        "WHERE c.id > %(lo)s",
        {"base": _max_id(cursor, CaseEvent), "lo": case_lo},
    )


def seed_contacts(*, count: int, progress: Callable[[str], None] = lambda message: None) -> tuple[int, float]:
    """`count` hotline contacts on PostgreSQL, copied from the ones already there (the demo's, made through the
    hotline's services) and spread back over six years: each copy of a template moves it a different number of
    days into the past. Copies keep no caller data (as a caller who did not consent to it), so no caller's
    history grows with the copies; their police notices, reports and follow-ups are not copied.
    Returns (contacts made, seconds)."""
    from sistra.hotline.models import Contact

    if connection.vendor != "postgresql":
        raise BulkSeedUnavailable("La carga a escala de diseño necesita PostgreSQL.")
    started = time.perf_counter()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*), COALESCE(MIN(id), 1), COALESCE(MAX(id), 0) FROM hotline_contact")
        templates, low, high = cursor.fetchone()
        if not templates:
            raise BulkSeedUnavailable(
                "No hay contactos de la línea que copiar: cargue antes los datos de demostración."
            )
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pgcrypto")
        cursor.execute(SQL_FUNCTIONS)
        indexes = _drop_indexes(cursor, [Contact._meta.db_table])
        span = high - low + 1
        shift = "(((t.id * 7919 + k * 104729) %% 2190) || ' days')::interval"
        explicit = {
            "id": f"{high} + (k - 1) * {span} + (t.id - {low}) + 1",
            "uuid": "gen_random_uuid()",
            "code": f"'L' || substr(pg_temp.sistra_code({high} + (k - 1) * {span} + (t.id - {low}) + 1), 2)",
            "caller_name": "''",
            "caller_phone": "''",
            "caller_email": "''",
            "phone_hash": "''",
            "contact_consent": "false",
            "idempotency_key": "NULL",
            "started_at": f"t.started_at - {shift}",
            "ended_at": f"t.ended_at - {shift}",
            "created_at": f"t.created_at - {shift}",
            "updated_at": f"t.updated_at - {shift}",
        }
        columns, exprs = _insert_lists(Contact, explicit, lambda field: f"t.{quote(field.column)}")
        copies = -(-count // templates)
        made, k = 0, 1
        per_statement = max(1, 50_000 // templates)
        while k <= copies:
            last = min(copies, k + per_statement - 1)
            limit = count - made
            with transaction.atomic():
                cursor.execute(
                    f"INSERT INTO hotline_contact ({columns}) SELECT {exprs} "
                    "FROM hotline_contact AS t CROSS JOIN generate_series(%(first)s, %(last)s) AS k "
                    "WHERE t.id BETWEEN %(low)s AND %(high)s ORDER BY k, t.id LIMIT %(limit)s",
                    {"first": k, "last": last, "low": low, "high": high, "limit": limit},
                )
                made += cursor.rowcount
            k = last + 1
            progress(
                f"  {made} / {count} contactos ({made / (time.perf_counter() - started):.0f} contactos/s)"
            )
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for statement in indexes:
            cursor.execute(statement)
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('hotline_contact', 'id'), (SELECT MAX(id) FROM hotline_contact))"
        )
        cursor.execute("ANALYZE hotline_contact" if connection.in_atomic_block else "VACUUM (ANALYZE) hotline_contact")
    return made, time.perf_counter() - started
