"""``Names`` lives in ``s2sad.codegen.naming`` (below the front end and the transforms,
which both name things); re-exported here for modules that import it from this package."""

from ..codegen.naming import Names

__all__ = ["Names"]
