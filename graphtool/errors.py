"""One exception hierarchy; the CLI turns each into one clear line and an exit code."""


class GraphtoolError(Exception):
    """Base of every error graphtool raises on purpose."""

    exit_code = 2


class ConfigError(GraphtoolError):
    """The store URL, credentials or an option cannot be used."""


class InputError(GraphtoolError):
    """An input file cannot be read as a whole: missing, unknown format, missing required column."""


class StoreError(GraphtoolError):
    """The graph store refused or failed an operation."""


class ReadOnlyError(StoreError):
    """A read-only query tried to write."""


class QueryError(GraphtoolError):
    """A canned query is malformed or was given bad parameters."""


class AnalysisError(GraphtoolError):
    """An analysis cannot run on the data it was given."""


class NotFoundError(GraphtoolError):
    """The node or item asked for is not in the store."""


class LockedError(GraphtoolError):
    """Another run holds the lock."""

    exit_code = 3
