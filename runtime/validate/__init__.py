"""WebAssembly 2.0 validation: ``validate_module(module, features)``.

Runs between decoding and compilation; a module that passes is safe for the
JIT to translate without further type checks.
"""
from .module import validate_module

__all__ = ["validate_module"]
