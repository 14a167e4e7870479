"""Database connection settings for SQLite: WAL, a busy timeout, foreign keys, and real SAVEPOINTs.

pysqlite opens transactions lazily on its own, which breaks SAVEPOINT (a released savepoint
commits). As SQLAlchemy documents, we turn that off and emit BEGIN ourselves: BEGIN IMMEDIATE,
because a transaction that reads and then writes while another process (the worker) committed
fails at once with "database is locked" (a stale snapshot), where IMMEDIATE waits its turn.
SQLite is the single-server default; PostgreSQL is the choice for concurrency.
"""
from sqlalchemy import event
from sqlalchemy.engine import Engine

_configured = False


def _is_sqlite(dbapi_connection):
    return type(dbapi_connection).__module__.startswith("sqlite3")


def _on_connect(dbapi_connection, connection_record):
    if _is_sqlite(dbapi_connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def _on_begin(conn):
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def init_app(app):
    global _configured
    if not _configured:
        event.listen(Engine, "connect", _on_connect)
        event.listen(Engine, "begin", _on_begin)
        _configured = True
