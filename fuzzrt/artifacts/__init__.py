"""Crash artifacts: one self-contained directory per finding (see ``model`` for the layout).

* ``model``: the ``Artifact`` record and loading it back;
* ``store``: atomic, never-overwriting saves with duplicate counting;
* ``versions``: the runtime version and git commit recorded in each artifact.
"""
from .model import Artifact, ArtifactError
from .store import ArtifactStore, SaveResult, count_hits, write_artifact

__all__ = ["Artifact", "ArtifactError", "ArtifactStore", "SaveResult", "count_hits", "write_artifact"]
