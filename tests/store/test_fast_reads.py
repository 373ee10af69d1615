"""Hot-path reads keep their own connection, and replace it when the database drops it."""

from sqlalchemy import func, select

from moorage.store.database import open_engine
from moorage.store.fast_reads import FastReads
from tests.support.postgres import PostgresCluster


def test_a_connection_postgresql_dropped_is_replaced_on_the_next_read(
    postgres: PostgresCluster,
) -> None:
    engine = open_engine(postgres.create_database("store"))
    reads = FastReads(engine)
    backend_pid = reads.prepare(select(func.pg_backend_pid()))
    (first,) = reads.one(backend_pid) or ()
    with postgres.connect() as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (first,))
    (second,) = reads.one(backend_pid) or ()
    assert second != first
    reads.close()
    engine.dispose()
