"""Test-case generators for the fuzzing harness, one module each.

* ``unstructured``: fuzzer bytes -> deterministic choices.
* ``case``: ``Generated`` / ``Call``, the shape every generator returns.
"""
