"""Each word of three to eight letters of a person's names and aliases indexed also as a prefix of itself
(sistra.people.indexes.word_tokens), so that a searched word is one index (docs/decisions/0227).

The names are encrypted: they are read in chunks of persons in id order, decrypted here and their new indexes
added beside the existing ones (a person whose word already was the prefix of a longer one keeps one row). No
name is written anywhere but as its keyed index. Going back leaves the rows: the earlier search asked for "the
word or a longer word it begins", and a person holding this index holds the word."""

from django.db import migrations

CHUNK = 5000


def _new_tokens(words: set[str]) -> set[str]:
    from sistra.core.crypto import blind
    from sistra.people.indexes import PREFIX_MAX, PREFIX_MIN

    return {blind("prefix", word) for word in words if PREFIX_MIN <= len(word) <= PREFIX_MAX}


def index_words_as_prefixes(apps, schema_editor):
    from sistra.core.crypto import decrypt
    from sistra.people.indexes import words_of

    connection = schema_editor.connection
    plain = lambda value: decrypt(value) if value else ""  # noqa: E731
    last = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT id, first_names, last_name_paternal, last_name_maternal FROM people_person"
                " WHERE id > %s ORDER BY id LIMIT %s",
                [last, CHUNK],
            )
            persons = cursor.fetchall()
            if not persons:
                return
            first, last = persons[0][0], persons[-1][0]
            words = {pk: words_of(*(plain(v) for v in names)) for pk, *names in persons}
            cursor.execute(
                "SELECT person_id, alias FROM people_personalias WHERE person_id BETWEEN %s AND %s", [first, last]
            )
            for person_id, alias in cursor.fetchall():
                words[person_id] |= words_of(plain(alias))
            rows = [(pk, token) for pk, held in words.items() for token in sorted(_new_tokens(held))]
            if not rows:
                continue
            if connection.vendor == "postgresql":
                cursor.execute(
                    "INSERT INTO people_personsearchtoken (person_id, token)"
                    " SELECT * FROM UNNEST(%s::bigint[], %s::varchar[]) ON CONFLICT DO NOTHING",
                    [[pk for pk, _t in rows], [token for _pk, token in rows]],
                )
            else:
                cursor.executemany(
                    "INSERT INTO people_personsearchtoken (person_id, token) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                    rows,
                )


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0007_token_and_key_indexes"),
    ]

    operations = [
        migrations.RunPython(index_words_as_prefixes, migrations.RunPython.noop, elidable=True),
    ]
