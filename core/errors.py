"""Typed errors: each says in one line what went wrong and names the culprit."""


class TipsheetError(Exception):
    """Base of every error tipsheet raises on purpose."""


class ConfigError(TipsheetError):
    """config.yaml is missing, unreadable or invalid; the message names the key path."""


class StorageError(TipsheetError):
    """The database cannot be opened, read or written; nothing stored was changed."""


class SchemaTooNew(StorageError):
    """The database was written by a newer tipsheet than this one."""


class DatabaseBusy(StorageError):
    """Another process holds the database file."""


class QueryRefused(TipsheetError):
    """`tipsheet query` was given a statement that could change or leave the database."""


class RunInProgress(TipsheetError):
    """Another tipsheet run holds the run lock."""


class NothingStored(StorageError):
    """A command that reads stored data found no database: no run has stored anything."""


class DigestWriteError(TipsheetError):
    """A digest file could not be written; its rows were not stored either."""


class NothingRead(TipsheetError):
    """Every source failed tonight: the run is recorded, and must not look like a quiet one.

    `summary` is the run's summary, so that the CLI can still print it.
    """

    def __init__(self, message: str, summary: dict | None = None):
        super().__init__(message, summary or {})  # both in args: it survives pickling
        self.summary = summary or {}

    def __str__(self) -> str:
        return self.args[0]
