from django.db import connection


def test_the_database_is_postgres_with_pgvector(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
        (version,) = cursor.fetchone()
        cursor.execute("SELECT '[1,2,3]'::vector <=> '[1,2,3]'::vector")
        (distance,) = cursor.fetchone()
    assert connection.vendor == "postgresql"
    assert connection.pg_version >= 180000
    assert tuple(int(part) for part in version.split(".")[:2]) >= (0, 8)
    assert distance == 0


def test_statements_are_never_prepared(db):
    # A prepared plan would ignore a later SET LOCAL hnsw.ef_search (settings.py).
    assert connection.connection.prepare_threshold is None
