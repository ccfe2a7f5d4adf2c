"""Splink 5 on DuckDB: the reference the project's matcher is measured against, and an engine the batch
linkage may use. `splink_default` is Splink as its tutorial sets it up (out-of-the-box comparisons on the raw
columns, u by random sampling, m by EM on two blocking rules), with nothing tuned for Peruvian names.
For runs too large for one machine's DuckDB, Splink's Spark or PostgreSQL backends take the same settings
(docs/decisions/0173)."""

import logging

from sistra.core.text import normalize

DEFAULT_THRESHOLD = 0.9


def _rows(records: list[dict]) -> list[dict]:
    rows = []
    for r in records:
        rows.append(
            {
                "unique_id": r["record_id"],
                "first_name": normalize(r["first_names"]) or None,
                "surname": normalize(r["last_name_paternal"]) or None,
                "surname_2": normalize(r["last_name_maternal"]) or None,
                "dob": r["date_of_birth"].isoformat() if r.get("date_of_birth") else None,
                "dni": r.get("dni") or None,
                "sex": r.get("sex") if r.get("sex") in ("female", "male") else None,
            }
        )
    return rows


def splink_default(
    records: list[dict],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    seed: int = 1,
    max_pairs: float = 1e6,
    memory_limit: str | None = None,
    temp_directory: str | None = None,
) -> list[tuple[str, str, float]]:
    """Pairs at or above the threshold: (record id, record id, match probability). `memory_limit` (e.g. "8GB")
    caps DuckDB, which otherwise takes up to 80% of the machine's memory, and spills the rest to
    `temp_directory`; Splink's settings are the same either way."""
    import duckdb
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.WARNING)
    connection = duckdb.connect()
    if memory_limit:
        connection.execute(f"SET memory_limit = '{memory_limit}'")
    if temp_directory:
        connection.execute(f"SET temp_directory = '{temp_directory}'")
    db_api = DuckDBAPI(connection)
    df = db_api.register(_rows(records))
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.NameComparison("surname"),
            cl.NameComparison("surname_2"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.LevenshteinAtThresholds("dni", 2),
            cl.ExactMatch("sex"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "surname"),
            block_on("surname", "dob"),
            block_on("dni"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(df, settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match([block_on("dni", "first_name")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_name", "surname"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    return [
        (row["unique_id_l"], row["unique_id_r"], row["match_probability"])
        for row in predictions.as_record_list()
    ]
