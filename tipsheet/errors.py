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
